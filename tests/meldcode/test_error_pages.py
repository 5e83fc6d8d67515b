"""The error pages (400, 403, 404, 500, a failed CSRF check) in Dutch with the layout and a way back; no page with
case or pupil data kept by a browser's or a proxy's cache; a bad number in a query string is a 404, never a 500."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from tests import factories

pytestmark = pytest.mark.django_db


def _assert_error_page(response, status: int, heading: str):
    body = response.content.decode()
    assert response.status_code == status
    assert '<html lang="nl">' in body
    assert 'class="site-header"' in body, "the error page has the application's layout"
    assert heading in body
    assert 'href="/"' in body, "a way back to the start page"
    assert "Forbidden" not in body and "Not Found" not in body and "Server Error" not in body


@pytest.fixture
def case_a(cast_a):
    pupil = factories.PupilFactory(class_group=cast_a.group1)
    return factories.open_case(cast_a.teacher, pupil)


def test_404_is_dutch_with_the_layout(cast_a, client_for):
    response = client_for(cast_a.ib).get(reverse("cases:case-detail", kwargs={"pk": 987654}))
    _assert_error_page(response, 404, "Pagina niet gevonden")


def test_404_for_someone_not_logged_in_is_dutch_too(anon_client):
    _assert_error_page(anon_client.get("/bestaat-niet/"), 404, "Pagina niet gevonden")


def test_403_is_dutch_with_the_layout(cast_a, case_a, client_for):
    # The class teacher sees the case but may not record a consultation: 403.
    response = client_for(cast_a.teacher).get(reverse("cases:consultation-add", kwargs={"pk": case_a.pk}))
    _assert_error_page(response, 403, "Geen toegang")


def test_400_is_dutch_with_the_layout(anon_client, settings):
    settings.ALLOWED_HOSTS = ["meldcode.example.invalid"]
    response = anon_client.get("/", HTTP_HOST="elders.example.invalid")
    _assert_error_page(response, 400, "Ongeldig verzoek")


def test_500_is_dutch_with_the_layout():
    response = server_error(RequestFactory().get("/"))
    _assert_error_page(response, 500, "Er ging iets mis")
    # Rendered without a request: no language form that would post without a CSRF token.
    assert "csrfmiddlewaretoken" not in response.content.decode()


def test_failed_csrf_check_is_dutch_with_the_layout(cast_a):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": cast_a.ib.username, "password": "x"})
    _assert_error_page(response, 403, "Het formulier is verlopen")


# --- Cache-Control --------------------------------------------------------------------------------------------


def _no_store(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


def test_case_pages_and_start_pages_are_never_stored(cast_a, case_a, client_for):
    client = client_for(cast_a.af)
    for url in [
        reverse("home"),
        reverse("start", kwargs={"school_id": cast_a.school.pk, "role": "af"}),
        reverse("cases:case-list"),
        reverse("cases:case-detail", kwargs={"pk": case_a.pk}),
        reverse("cases:case-audit", kwargs={"pk": case_a.pk}),
        reverse("schools:social-map", kwargs={"school_id": cast_a.school.pk}),
    ]:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert _no_store(response), (url, response.get("Cache-Control"))


def test_error_pages_and_redirects_are_never_stored_either(cast_a, client_for):
    client = client_for(cast_a.ib)
    assert _no_store(client.get(reverse("cases:case-detail", kwargs={"pk": 987654})))
    assert _no_store(client.post(reverse("cases:case-list")))  # 405


# --- Bad numbers in query strings -----------------------------------------------------------------------------

BAD_NUMBERS = ["²", "٣", "1²", "-1", "1.0", "0x1", "9" * 5000, "99999999999999999999999"]


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_a_bad_school_number_in_the_case_list_is_a_404(cast_a, client_for, bad):
    assert client_for(cast_a.ib).get(reverse("cases:case-list"), {"school": bad}).status_code == 404


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_a_bad_number_of_the_record_corrected_is_a_404(cast_a, case_a, client_for, bad):
    url = reverse("cases:signal-add", kwargs={"pk": case_a.pk})
    client = client_for(cast_a.teacher)
    assert client.get(url, {"corrigeert": bad}).status_code == 404
    assert client.post(url + "?corrigeert=" + bad, {}).status_code == 404


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_a_bad_request_number_on_the_answer_page_is_a_404(cast_a, case_a, client_for, bad):
    url = reverse("dossier:access-request-answer", kwargs={"pk": case_a.pk})
    assert client_for(cast_a.af).get(url, {"verzoek": bad}).status_code == 404


# --- The database unreachable: 503 with a retry hint (meldcode.errors) ------------------------------------------


@pytest.mark.parametrize("error", ["OperationalError", "InterfaceError"])
def test_database_unreachable_is_a_dutch_503_with_a_retry_hint(cast_a, client_for, monkeypatch, error):
    from django import db
    from django.contrib.sessions.backends.db import SessionStore

    client = client_for(cast_a.ib)
    client.raise_request_exception = False

    def unreachable(self):
        raise getattr(db, error)("server closed the connection unexpectedly")

    # The session is read by the middleware, before any view: the handler covers every layer.
    monkeypatch.setattr(SessionStore, "load", unreachable)
    response = client.get(reverse("home"))
    _assert_error_page(response, 503, "Tijdelijk niet beschikbaar")
    body = response.content.decode()
    assert response["Retry-After"] == "30"
    assert "Probeer het over 30 seconden opnieuw" in body
    assert "Traceback" not in body and "server closed the connection" not in body
    assert cast_a.ib.username not in body, "rendered without the session's user"


def test_the_503_page_needs_no_database(django_assert_num_queries):
    from django.db import OperationalError

    from meldcode.errors import server_error as handler

    with django_assert_num_queries(0):
        try:
            raise OperationalError("the database system is shutting down")
        except OperationalError:
            response = handler(RequestFactory().get("/"))
    assert response.status_code == 503


def test_other_errors_are_still_the_500_page():
    from meldcode.errors import server_error as handler

    try:
        raise ValueError("a bug")
    except ValueError:
        response = handler(RequestFactory().get("/"))
    _assert_error_page(response, 500, "Er ging iets mis")


def test_a_session_that_cannot_be_saved_because_the_database_went_away_is_the_503(cast_a, client_for, monkeypatch):
    """The view ran, then the connection was lost before the session was saved: Django raises SessionInterrupted
    (a 400) from the lost connection's error; that is the 503 too."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import OperationalError

    client = client_for(cast_a.ib)
    client.raise_request_exception = False

    def lost(self, must_create=False):
        from django.contrib.sessions.backends.base import UpdateError

        try:
            raise OperationalError("terminating connection due to administrator command")
        except OperationalError:
            raise UpdateError from None

    monkeypatch.setattr(SessionStore, "save", lost)
    response = client.get(reverse("home"), follow=True)
    assert response.status_code == 503 and response["Retry-After"] == "30"
