"""Start pages and the case list sorted by urgency (issue 16): overdue first (the most overdue first), then due today,
then the rest by due date, then the cases without a deadline — with cases in several states and a frozen "today".
Each list is built so that its old order (oldest waiting first, or newest activity first) differs from the urgent
one."""

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from cases import deadlines, selectors, urgency
from cases.models import Case
from tests import factories
from tests.cases import test_decision as steps
from tests.cases.test_deadlines import travel

TODAY = "2026-06-10"  # a Wednesday; Whit Monday was 25 May


def opened(cast, opener=None, *, to_consulting: bool = False) -> Case:
    """A case opened now (frozen time) by ``opener`` (the teacher of group 1), optionally handed to the IB'er."""
    pupil = factories.PupilFactory(class_group=cast.group1)
    case = factories.open_case(opener or cast.teacher, pupil, observed_on=timezone.localdate())
    if to_consulting:
        factories.advance(cast.ib, case, "to_consulting")
    return case


def in_weighing(cast) -> Case:
    today = timezone.localdate()
    case = opened(cast, to_consulting=True)
    factories.add_consultation(cast.ib, case, held_on=today)
    factories.advance(cast.ib, case, "to_parent_talk")
    factories.add_conversation(cast.ib, case, held_on=today)
    factories.advance(cast.ib, case, "to_weighing")
    return steps.fresh(case)


def references(cases) -> list[str]:
    return [case.reference for case in cases]


def words() -> tuple[str, str]:
    with translation.override("nl"):
        return gettext("Overdue:"), gettext("Due today:")


@pytest.fixture
def af_cases(cast_a):
    """The aandachtsfunctionaris's cases, by when they entered their step (the old order):
    help (20 May; evaluation 19 June), weighing (1 June; due 8 June), weighing (2 June; due 9 June), reported
    (5 June; Veilig Thuis's assessment due 12 June), route B (today; the board at once), closed (today; nothing due)."""
    made = {}
    with travel("2026-05-20"):
        made["help"] = steps.start_help(cast_a, in_weighing(cast_a))
    with travel("2026-06-01"):
        made["weighing_1"] = in_weighing(cast_a)
    with travel("2026-06-02"):
        made["weighing_2"] = in_weighing(cast_a)
    with travel("2026-06-05"):
        case = in_weighing(cast_a)
        steps.weigh(cast_a.af, case, "B", "yes")
        made["reported"] = steps.report(cast_a, case)
    with travel(TODAY, 9):
        pupil = factories.PupilFactory(class_group=cast_a.group1)
        made["route_b"] = factories.open_case(
            cast_a.teacher, pupil, route="B", kind="child_words", observed_on=timezone.localdate()
        )
        case = in_weighing(cast_a)
        steps.weigh(cast_a.af, case, "A")
        made["closed"] = steps.close(cast_a, case, reason_code="no_action", text="Geen actie nodig.")
    return {name: Case.objects.get(pk=case.pk).reference for name, case in made.items()}


URGENT_ORDER = ["weighing_1", "weighing_2", "route_b", "reported", "help"]


def test_the_af_start_page_lists_overdue_first_then_due_today_then_by_due_date(cast_a, client_for, af_cases):
    with travel(TODAY, 11):
        response = client_for(cast_a.af).get(reverse("start", kwargs={"school_id": cast_a.school.pk, "role": "af"}))
    rows = response.context["action_cases"]
    assert references(rows) == [af_cases[name] for name in URGENT_ORDER]
    assert [min(d.due for d in case.deadlines).isoformat() for case in rows] == [
        "2026-06-08",
        "2026-06-09",
        "2026-06-10",
        "2026-06-12",
        "2026-06-19",
    ]
    assert [(rows[0].deadlines[0].overdue, rows[2].deadlines[0].due_today)] == [(True, True)]
    # In words, not colour alone: "Te laat:" on the overdue rows, "Vandaag:" on today's.
    content = response.content.decode()
    overdue, today = words()
    body = content[content.index(af_cases["weighing_1"]) :]
    assert body.index(overdue) < body.index(af_cases["route_b"]) < body.index(today) < body.index(af_cases["reported"])


def test_the_case_lists_follow_the_same_order_and_put_cases_without_a_deadline_last(cast_a, client_for, af_cases):
    with travel(TODAY, 11):
        client = client_for(cast_a.af)
        waiting = client.get(reverse("cases:case-list"), {"school": cast_a.school.pk, "actie": "af"})
        every = client.get(reverse("cases:case-list"))
    expected = [af_cases[name] for name in URGENT_ORDER]
    assert references(waiting.context["page"].object_list) == expected
    # Every case the AF sees: the closed case (the newest activity) comes last, as it has nothing due.
    assert references(every.context["page"].object_list) == [*expected, af_cases["closed"]]


def test_paging_by_urgency_crosses_from_the_sorted_cases_into_the_others(cast_a, af_cases):
    with travel(TODAY, 11):
        cases = urgency.by_urgency(
            Case.objects.filter(school=cast_a.school).select_related("school", "owner"), cast_a.af
        )
        pages = [selectors.page_of(cases, n, 2) for n in (1, 2, 3, 4, "x")]
        for page in pages:
            page.object_list = urgency.attach(list(page.object_list), cast_a.af)
    assert [references(p.object_list) for p in pages] == [
        [af_cases["weighing_1"], af_cases["weighing_2"]],
        [af_cases["route_b"], af_cases["reported"]],
        [af_cases["help"], af_cases["closed"]],
        [af_cases["help"], af_cases["closed"]],  # past the end: the last page
        [af_cases["weighing_1"], af_cases["weighing_2"]],  # not a number: the first
    ]
    assert pages[0].paginator.count == 6 and pages[0].paginator.num_pages == 3
    assert pages[2].object_list[1].deadlines == []


def test_the_ib_start_page_puts_the_case_that_stood_still_longest_first(cast_a, client_for):
    with travel("2026-05-20"):
        still = opened(cast_a, to_consulting=True)  # nothing since: stands still from 4 June
    with travel("2026-06-01"):
        busy = opened(cast_a, to_consulting=True)  # waiting longer than "recent", but with a consultation on 9 June
    with travel("2026-06-03"):
        recent = opened(cast_a, to_consulting=True)  # due 17 June
    with travel("2026-06-09"):
        factories.add_consultation(cast_a.ib, busy, held_on=timezone.localdate())  # due 23 June
    with travel(TODAY, 11):
        response = client_for(cast_a.ib).get(reverse("start", kwargs={"school_id": cast_a.school.pk, "role": "ib"}))
    rows = response.context["action_cases"]
    assert [case.pk for case in rows] == [still.pk, recent.pk, busy.pk]  # oldest first would be still, busy, recent
    assert rows[0].deadlines[0].kind == deadlines.STANDSTILL and rows[0].deadlines[0].overdue
    assert [case.deadlines[0].due.isoformat() for case in rows[1:]] == ["2026-06-17", "2026-06-23"]


@pytest.mark.parametrize("role", ["teacher", "contact_person"])
def test_the_teacher_and_contact_person_start_pages_sort_their_cases_by_urgency(cast_a, client_for, role):
    opener = cast_a.by_role(role)
    with travel("2026-05-20"):
        old = opened(cast_a, opener)  # step 1, stands still from 4 June
    with travel("2026-06-01"):
        new = opened(cast_a, opener)  # step 1, due 15 June
    with travel("2026-06-02"):
        done = opened(cast_a, opener, to_consulting=True)
        factories.add_consultation(cast_a.ib, done, held_on=timezone.localdate())
        factories.advance(cast_a.ib, done, "to_parent_talk")
        factories.add_conversation(cast_a.ib, done, held_on=timezone.localdate())
        factories.advance(cast_a.ib, done, "to_weighing")
    with travel("2026-06-09"):
        steps.weigh(cast_a.af, done, "A")
        steps.close(cast_a, done, reason_code="no_action", text="Geen actie nodig.")  # the newest activity
    with travel(TODAY, 11):
        response = client_for(opener).get(reverse("start", kwargs={"school_id": cast_a.school.pk, "role": role}))
    cases = response.context["cases"]
    assert response.context["cases_total"] == 3
    overdue, _today = words()
    if role == "teacher":
        assert [case.pk for case in response.context["action_cases"]] == [old.pk, new.pk]
        # Newest activity first would be done, new, old.
        assert [case.pk for case in cases] == [old.pk, new.pk, done.pk]
        assert overdue in response.content.decode()
    else:
        # The contact person reads only their own records of a case, and so no deadlines (cases.visibility): their
        # cases keep the list's own order (newest activity first), and sorting reveals nothing they cannot see.
        assert all(case.deadlines == [] for case in [*cases, *response.context["action_cases"]])
        assert [case.pk for case in cases] == [done.pk, new.pk, old.pk]
        assert overdue not in response.content.decode()
