"""Start pages show the first rows of each list of cases and link to the whole list on the case list, which filters
by school, by "needs the action of my role there" and by "a request of the parents not yet answered". The filtered
case list shows exactly the cases of the start page's list (visibility included), paginated, and refuses schools
and roles that are not the user's (404, as the start page does)."""

import pytest
from django.core.paginator import Paginator
from django.urls import reverse

from cases import selectors, views
from cases.models import AccessRequestHandled, Case
from dossier import services as dossier_services
from tests import factories
from tests.dossier.test_access_requests import case_with_guardian, record
from tests.test_queries import make_cases, measure


def listed(response) -> list[str]:
    return [case.reference for case in response.context["page"].object_list]


@pytest.fixture
def thirty(cast_a):
    """Thirty cases at school A in steps 1-3, all waiting for the IB'er; the newest twenty visible to the teacher."""
    make_cases(cast_a, 30)


def test_the_ib_start_page_shows_10_of_30_waiting_cases_and_links_to_all_of_them(cast_a, client_for, thirty):
    client = client_for(cast_a.ib)
    response = client.get(reverse("start", kwargs={"school_id": cast_a.school.pk, "role": "ib"}))
    shown = [case.reference for case in response.context["action_cases"]]
    assert len(shown) == views.START_PAGE_ROWS == 10
    assert response.context["action_total"] == 30
    content = response.content.decode()
    link = f"/dossiers/?school={cast_a.school.pk}&amp;actie=ib"
    assert f'href="{link}"' in content
    assert "De eerste 10 van 30 dossiers staan hier." in content  # Dutch is the default language

    response = client.get(link.replace("&amp;", "&"))
    assert response.status_code == 200
    expected = [
        c.reference for c in selectors.cases_needing_action(user=cast_a.ib, school_id=cast_a.school.pk, role="ib")
    ]
    assert listed(response) == expected[:25]  # the case list pages by 25
    assert shown == expected[:10]  # the same order as on the start page: oldest first
    assert response.context["showing"].startswith(f"Dossiers van {cast_a.school.name} die uw actie als")
    nav = response.content.decode()
    assert f"?school={cast_a.school.pk}&amp;actie=ib&amp;pagina=2" in nav  # the page links keep the filter
    second = client.get(f"/dossiers/?school={cast_a.school.pk}&actie=ib&pagina=2")
    assert listed(second) == expected[25:]
    assert len(expected) == 30
    assert 'name="actie" value="ib"' in nav  # the step filter keeps the list it filters


def test_a_short_list_has_no_link(cast_a, client_for):
    make_cases(cast_a, 3)
    response = client_for(cast_a.ib).get(reverse("start", kwargs={"school_id": cast_a.school.pk, "role": "ib"}))
    assert response.context["action_total"] == 3
    assert "actie=ib" not in response.content.decode()


def test_the_teachers_list_links_to_the_cases_of_the_school_they_may_see(cast_a, client_for, thirty):
    client = client_for(cast_a.teacher)
    start = client.get(reverse("start", kwargs={"school_id": cast_a.school.pk, "role": "teacher"}))
    assert len(start.context["cases"]) == 10
    assert start.context["cases_total"] == 30
    assert f'href="/dossiers/?school={cast_a.school.pk}"' in start.content.decode()
    response = client.get(f"/dossiers/?school={cast_a.school.pk}")
    visible = [c.reference for c in selectors.case_list_for_user(user=cast_a.teacher, school_id=cast_a.school.pk)]
    assert listed(response) == visible[:25]
    assert [c.reference for c in start.context["cases"]] == visible[:10]  # newest activity first, as on the list


def test_the_step_filter_narrows_the_filtered_list(cast_a, client_for, thirty):
    client = client_for(cast_a.ib)
    response = client.get(f"/dossiers/?school={cast_a.school.pk}&actie=ib&stap=consulting")
    refs = listed(response)
    assert refs
    assert set(Case.objects.filter(reference__in=refs).values_list("state", flat=True)) == {"consulting"}


def test_another_teacher_sees_only_their_cases_in_the_filtered_list(cast_a, client_for, thirty):
    # The teacher of group 2 sees the cases about pupils of group 2 only (every fourth case has one).
    response = client_for(cast_a.other_teacher).get(f"/dossiers/?school={cast_a.school.pk}")
    expected = selectors.case_list_for_user(user=cast_a.other_teacher, school_id=cast_a.school.pk)
    assert listed(response) == [c.reference for c in expected][:25]
    assert 0 < len(listed(response)) < 30


@pytest.mark.parametrize(
    ("who", "query"),
    [
        ("ib", "school={other}"),  # a school where they do not work
        ("ib", "school={other}&actie=ib"),
        ("ib", "school={own}&actie=af"),  # a role they do not hold there
        ("teacher", "school={own}&actie=ib"),
        ("ib", "actie=ib"),  # a role without a school
        ("ib", "verzoek=open"),
        ("ib", "school=abc"),
    ],
)
def test_schools_and_roles_that_are_not_the_users_are_not_found(cast_a, cast_b, client_for, who, query):
    url = "/dossiers/?" + query.format(own=cast_a.school.pk, other=cast_b.school.pk)
    assert client_for(cast_a.by_role(who)).get(url).status_code == 404


def test_open_requests_of_the_parents_are_listed_for_those_who_may_handle_them(cast_a, client_for):
    case, guardian = case_with_guardian(cast_a)
    record(cast_a, case, guardian, "2026-11-02")
    answered, other_guardian = case_with_guardian(cast_a)
    request = record(cast_a, answered, other_guardian, "2026-11-03")
    dossier_services.access_request_handle(
        user=cast_a.af,
        case=Case.objects.get(pk=answered.pk),
        handled=AccessRequestHandled(
            request=request, handled_on=request.received_on, outcome="granted", notes="Inzage gegeven."
        ),
    )
    client = client_for(cast_a.af)
    response = client.get(reverse("start", kwargs={"school_id": cast_a.school.pk, "role": "af"}))
    start_refs = [c.reference for c in response.context["request_cases"]]
    assert start_refs == [case.reference]  # the answered one is not listed
    response = client.get(f"/dossiers/?school={cast_a.school.pk}&verzoek=open")
    assert listed(response) == start_refs
    assert "nog niet beantwoord verzoek van de ouders" in response.context["showing"]
    # The teacher may not handle the parents' requests: their list is empty.
    teacher = client_for(cast_a.teacher).get(f"/dossiers/?school={cast_a.school.pk}&verzoek=open")
    assert listed(teacher) == []


def test_the_filtered_lists_take_a_fixed_number_of_queries(cast_a, client_for, django_assert_num_queries):
    client = client_for(cast_a.ib)
    make_cases(cast_a, 5)
    url = f"/dossiers/?school={cast_a.school.pk}&actie=ib"
    _response, small = measure(client, url, django_assert_num_queries, QUERIES_FILTERED)
    make_cases(cast_a, 25)
    response, large = measure(client, url, django_assert_num_queries, QUERIES_FILTERED)
    assert len(listed(response)) == 25
    assert small == large


# The case list's queries (tests/test_queries.py PINNED["case_list"], with the IB'er's urgent alerts) plus the
# school's or the membership's row.
QUERIES_FILTERED = 12


@pytest.mark.parametrize("number", [None, "", "abc", "1", "2", "3", "4", "0", "-1", "99"])
def test_a_page_counted_in_its_own_query_is_the_page_djangos_paginator_gives(cast_a, number):
    make_cases(cast_a, 7)
    cases = selectors.case_list_for_user(user=cast_a.ib)
    expected = Paginator(cases, 3).get_page(number)
    page = selectors.page_of(cases, number, 3)
    assert (page.number, page.paginator.count, page.paginator.num_pages) == (
        expected.number,
        expected.paginator.count,
        expected.paginator.num_pages,
    )
    assert [c.pk for c in page.object_list] == [c.pk for c in expected.object_list]


def test_an_empty_list_has_one_empty_page(cast_a):
    page = selectors.page_of(selectors.case_list_for_user(user=cast_a.ib), "1", 25)
    assert (page.number, page.paginator.count, list(page.object_list)) == (1, 0, [])


def test_the_rows_escape_what_people_typed(cast_a, client_for):
    """The case table's rows are written in Python (cases/templatetags/case_lists.py): every value is escaped."""
    pupil = factories.PupilFactory(class_group=cast_a.group1, first_name="<b>Mo</b>", last_name='O\'Neil & "Co"')
    cast_a.group1.name = "groep <1>"
    cast_a.group1.save()
    factories.open_case(cast_a.teacher, pupil)
    for url in ("/dossiers/", f"/start/{cast_a.school.pk}/teacher/"):
        content = client_for(cast_a.teacher).get(url).content.decode()
        assert "&lt;b&gt;Mo&lt;/b&gt; O&#x27;Neil &amp; &quot;Co&quot;" in content
        assert "(groep &lt;1&gt;)" in content
        assert "<b>Mo</b>" not in content


def test_the_start_page_shows_the_newest_ten_notifications_and_says_how_many_there_are(cast_a, client_for, thirty):
    from cases.models import Notification

    for _ in range(5):
        factories.case_in_state(cast_a, "consulting")
    # Unread, and not done: the case is still in the step the hand-over announced (issue 16).
    unread = Notification.objects.filter(user=cast_a.ib, read_at__isnull=True, resolved_at__isnull=True).order_by(
        "-created_at", "-pk"
    )
    total = unread.count()
    # The teacher handed fifteen of the thirty cases over, and the IB'er took seven of them further; and five more.
    assert total == 13
    response = client_for(cast_a.ib).get(reverse("start", kwargs={"school_id": cast_a.school.pk, "role": "ib"}))
    assert [n.pk for n in response.context["notifications"]] == [n.pk for n in unread[:10]]
    assert f"De nieuwste 10 van {total} ongelezen meldingen" in response.content.decode()
