"""Two application servers on one database (two gunicorn instances on two ports, as behind a load balancer): a
login, the second factor, a lock-out, a session's idle expiry, the chronology's rendered items, notifications and
deadlines behave the same whichever server a request reaches; a change made on one is visible on the other at once.
What is kept where, and why per-process state is safe: docs/scale-out.md."""

import re
import time

import pytest

from tests.faults import integrity
from tests.faults.harness import Browser
from tests.faults.steps import AF, IB, TEACHER, open_new_case, school_of

pytestmark = pytest.mark.postgres

IDLE_SECONDS = 4


def start_two(app_env, processes, **extra):
    env = app_env(LOGIN_FAILURE_LIMIT="4", **extra)
    # One worker each: a page rendered on B is rendered by the process whose caches the test means.
    return processes.server(env, workers=1, name="a"), processes.server(env, workers=1, name="b")


@pytest.fixture
def servers(app_env, processes):
    return start_two(app_env, processes, SESSION_IDLE_SECONDS=str(IDLE_SECONDS))


@pytest.fixture
def servers_usual_idle(app_env, processes):
    """For a journey of several users: with a 4-second idle limit a session could lapse between one user's steps
    while the others take theirs (three logins and a signal take about that long on a busy machine)."""
    return start_two(app_env, processes)


def same_page(html: str) -> str:
    """A page without what differs per response by design: CSRF tokens, CSP nonces."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'nonce="[^"]+"', "", html)


def test_login_second_factor_and_idle_expiry_across_servers(servers):
    a, b = servers
    browser = Browser(a.base)
    assert browser.password_step(IB, base=a.base).status_code == 302
    # The second factor asked for on B: the half-done login is in the session, in the database.
    assert browser.get("/", base=b.base).headers["Location"].startswith("/tweede-factor/")
    response = browser.code_step(IB, base=b.base)
    assert response.status_code == 302 and not response.headers["Location"].startswith("/tweede-factor/")
    for server in (a, b):
        page = browser.get("/", base=server.base, allow_redirects=True)
        assert page.status_code == 200 and "Uitloggen" in page.text, server.base

    # Idle expiry: each request on either server pushes the end of the session forward; idle on both, it ends.
    for server in (a, b, a, b):
        time.sleep(IDLE_SECONDS * 0.6)
        page = browser.get("/dossiers/", base=server.base)
        assert page.status_code == 200, (server.base, page.status_code, page.headers.get("Location"))
    time.sleep(IDLE_SECONDS + 1.5)
    for server in (b, a):
        page = browser.get("/dossiers/", base=server.base)
        assert page.status_code == 302 and page.headers["Location"].startswith("/inloggen/"), server.base


def test_a_lock_out_counts_the_failures_on_both_servers(servers):
    a, b = servers
    browser = Browser(a.base)
    for server in (a, b, a, b):  # LOGIN_FAILURE_LIMIT=4 failures in all, two on each server
        response = browser.password_step(TEACHER, password="niet-het-wachtwoord", base=server.base)
        assert response.status_code in (200, 403, 429), response.status_code
    for server in (a, b):
        response = browser.password_step(TEACHER, base=server.base)  # the right password
        assert "Te veel mislukte pogingen" in response.text, server.base
        assert browser.get("/", base=server.base).headers["Location"].startswith("/inloggen/")
    # Someone else logs in on either server as usual.
    for server in (a, b):
        assert Browser(server.base).login("leerkracht-a2").get("/", allow_redirects=True).status_code == 200


def test_records_notifications_and_deadlines_are_the_same_on_both_servers(cluster, app_db, servers_usual_idle):
    a, b = servers_usual_idle
    db = app_db.rsplit("/", 1)[1]
    school = school_of(cluster, db)
    teacher = Browser(a.base).login(TEACHER)
    ib = Browser(a.base).login(IB)
    af = Browser(b.base).login(AF)

    # The chronology's rendered items: the IB'er reads the case on B (B keeps the rendered signal in its memory),
    # the teacher adds a follow-up to that signal on A, and B shows it at once.
    case = open_new_case(cluster, db, teacher)
    [(signal,)] = cluster.sql("SELECT id FROM cases_signal WHERE case_id = %s", [case], db=db)
    before = ib.get(f"/dossiers/{case}/", base=b.base).text
    assert "Later bevestigd: kenmerk 4711" not in before
    follow_up = {"outcome": "confirmed", "outcome_on": "2026-11-05", "note": "Later bevestigd: kenmerk 4711"}
    response = teacher.post(f"/dossiers/{case}/signaal/{signal}/bevestigd-ontkracht/", follow_up, base=a.base)
    assert response.status_code == 302, response.text[:2000]
    for server in (b, a):
        assert "Later bevestigd: kenmerk 4711" in ib.get(f"/dossiers/{case}/", base=server.base).text, server.base

    # A hand-over on A (to step 2: the IB'er's notification), read on B; marked read on B, read on A.
    unread_before = cluster.sql("SELECT count(*) FROM cases_notification WHERE read_at IS NULL", db=db)[0][0]
    teacher.post(f"/dossiers/{case}/stap/to_consulting/", {"expected_state": "signalling"}, base=a.base)
    ib_user = cluster.sql("SELECT id FROM accounts_user WHERE username = %s", [IB], db=db)[0][0]
    [(notification,)] = cluster.sql(
        "SELECT id FROM cases_notification WHERE user_id = %s AND case_id = %s AND read_at IS NULL",
        [ib_user, case],
        db=db,
    )
    assert cluster.sql("SELECT count(*) FROM cases_notification WHERE read_at IS NULL", db=db)[0][0] > unread_before
    start = f"/start/{school}/ib/"
    on_a, on_b = ib.get(start, base=a.base).text, ib.get(start, base=b.base).text
    assert f"/meldingen/{notification}/gelezen/" in on_b
    assert same_page(on_a) == same_page(on_b), "the IB'er's start page is the same on both servers"
    assert ib.post(f"/meldingen/{notification}/gelezen/", {"next": start}, base=b.base).status_code == 302
    assert f"/meldingen/{notification}/gelezen/" not in ib.get(start, base=a.base).text

    # Deadlines and the work waiting: the aandachtsfunctionaris's start page and the case list, the same on both.
    for path in (f"/start/{school}/af/", "/dossiers/", f"/dossiers/{case}/"):
        assert same_page(af.get(path, base=a.base).text) == same_page(af.get(path, base=b.base).text), path
    assert integrity.violations(cluster, db) == {}
