"""Annual figures (reporting/figures.py): the counts, the suppression of small counts (page, chart and CSV, and no
recovery by subtraction), no path to a case, who may see them, the audit of the export, and a fixed number of
queries."""

import csv
import datetime
import io
import itertools
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import User
from cases.models import AuditEvent, Case, CaseState, Transition, VeiligThuisOutcome, VeiligThuisReport
from reporting import figures as fig
from schools.models import Board
from tests import factories
from tests.conftest import make_school_cast

NOW = datetime.datetime(2026, 11, 28, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


# --- Suppression, on its own ----------------------------------------------------------------------------------------


def cells(*values):
    return [fig.Cell(str(i), v) for i, v in enumerate(values)]


def shown(values, total):
    group = cells(*values)
    total_cell = fig.Cell("total", total)
    fig.suppress(group, total_cell)
    return [c.shown for c in group], total_cell.shown


def test_counts_from_1_to_4_are_shown_as_less_than_5_and_0_as_0():
    assert shown([0, 5, 12], 17) == (["0", "5", "12"], "17")
    assert shown([3, 0], 3) == (["< 5", "0"], "< 5")


def test_one_small_count_next_to_a_total_hides_a_second_count():
    # 14 - 10 - 0 would give the 4 away: the 10 is hidden as well.
    assert shown([10, 4, 0], 14) == (["x", "< 5", "0"], "14")


def test_two_small_counts_that_together_give_themselves_away_hide_a_third():
    # 12 - 10 = 2 = 1 + 1: both ones would be known.
    assert shown([1, 1, 10], 12) == (["< 5", "< 5", "x"], "12")


def test_two_small_counts_that_cannot_be_told_apart_need_nothing_more():
    # 15 - 10 = 5: (1,4), (2,3), (3,2), (4,1) are all possible.
    assert shown([2, 3, 0, 10], 15) == (["< 5", "< 5", "0", "10"], "15")


def test_a_small_total_with_as_many_small_counts_as_it_can_hold_is_hidden():
    # Four counts from 1 to 4 that add up to less than 5 can only be 1 each.
    assert shown([1, 1, 1, 1], 4) == (["< 5"] * 4, "x")
    assert shown([1, 1, 1, 0], 3) == (["< 5", "< 5", "< 5", "0"], "< 5")


def test_a_hidden_total_of_the_steps_hides_route_b_as_well(cast_a):
    """The steps' total is routes A + C. Steps 1-4 with one case each can only be 1 each when their total is known
    to be under 5: the total is hidden — and then route B too, else "opened - B" would give the total back."""
    reached = [("A", []), ("A", [CaseState.CONSULTING]), ("C", [CaseState.CONSULTING, CaseState.PARENT_TALK])]
    reached.append(("C", [CaseState.CONSULTING, CaseState.PARENT_TALK, CaseState.WEIGHING]))
    for route, states in reached:
        case = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1), route=route)
        if states:
            _reach(case, *states)
    for _ in range(6):
        factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1), route="B")
    figures = fig.compute(schools=[cast_a.school], year=2026, title="A")
    steps = next(g for g in figures.groups if g.key == "steps")
    routes = next(g for g in figures.groups if g.key == "routes")
    assert [c.value for c in steps.cells] == [1, 1, 1, 1, 0]
    assert steps.total.hidden == fig.SECONDARY
    # Without the steps, route B (6) could be shown: A and C (2 and 2 of 4) cannot be told apart.
    assert [c.value for c in routes.cells] == [2, 6, 2]
    assert [c.shown for c in routes.cells] == ["< 5", "x", "< 5"]
    assert routes.total.shown == "10"


def test_when_hiding_a_second_count_is_not_enough_the_total_is_hidden():
    # 1 and 5 of 6: with the 5 hidden, "6 = small + at least 5" still gives the 1 away.
    assert shown([1, 5], 6) == (["< 5", "x"], "x")


def _possible_values(published: list[str], total: str, bound: int = 40) -> list[set[int]]:
    """Every value each hidden cell could have, to someone who sees only the published figures."""
    options = []
    for text in published:
        if text == "< 5":
            options.append(range(1, 5))
        elif text == "x":
            options.append(range(5, bound))
        else:
            options.append([int(text)])
    possible = [set() for _ in published]
    for combination in itertools.product(*options):
        if total not in ("x", "< 5") and sum(combination) != int(total):
            continue
        if total == "< 5" and not 0 < sum(combination) < 5:
            continue
        for index, value in enumerate(combination):
            possible[index].add(value)
    return possible


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=12), min_size=2, max_size=4))
def test_no_small_count_can_be_worked_out_from_what_is_published(values):
    published, total = shown(values, sum(values))
    possible = _possible_values(published, total)
    for value, text, options in zip(values, published, possible, strict=True):
        if 0 < value < 5:
            assert text == "< 5"
            assert len(options) > 1, (values, published, total)
        assert value in options  # the published figures are true


# --- The counts -------------------------------------------------------------------------------------------------


def _reach(case: Case, *states: str, at: datetime.datetime | None = None, name: str = "test") -> None:
    previous = ""
    for state in states:
        Transition.objects.create(
            case=case, actor=case.opened_by, name=name, from_state=previous, to_state=state, at=at or timezone.now()
        )
        previous = state


def _report(case, *, emergency=False, at=None):
    return VeiligThuisReport.objects.create(
        case=case,
        author=case.opened_by,
        emergency=emergency,
        emergency_justification="Acuut." if emergency else "",
        reported_at=at or timezone.now(),
        channel="phone",
        relation_to_family="Leerkracht",
        direct_cause="Signalen.",
        nature_frequency_severity="Ernstig.",
        parents_informed=True,
        parents_informed_on=datetime.date(2026, 11, 1),
        meldrecht_acknowledged=True,
    )


@pytest.fixture
def world(cast_a, cast_b):
    """At school A this year: 8 cases of route A (step 1 ×1, step 2 ×1, step 4 ×2 of which one closed without action,
    step 5 ×4 of which one emergency report), 1 of route C (step 1); 1 case opened last year. At school B: 1 route B
    case."""
    made = []
    for index, states in enumerate(
        [
            [],
            [CaseState.CONSULTING],
            [CaseState.CONSULTING, CaseState.PARENT_TALK, CaseState.WEIGHING],
            [CaseState.CONSULTING, CaseState.PARENT_TALK, CaseState.WEIGHING, CaseState.CLOSED],
            [CaseState.CONSULTING, CaseState.PARENT_TALK, CaseState.WEIGHING, CaseState.HELP],
            [CaseState.CONSULTING, CaseState.PARENT_TALK, CaseState.WEIGHING, CaseState.REPORTED],
            [CaseState.REPORTED],  # an emergency report from step 1
            [CaseState.CONSULTING, CaseState.PARENT_TALK, CaseState.WEIGHING, CaseState.HELP],
        ]
    ):
        pupil = factories.PupilFactory(class_group=cast_a.group1)
        case = factories.open_case(
            cast_a.teacher, pupil, observed_on=datetime.date(2026, 10, 1) + datetime.timedelta(index)
        )
        made.append(case)
        if states:
            _reach(case, *states[:-1], at=timezone.now() - datetime.timedelta(days=30))
            last_from = states[-2] if len(states) > 1 else CaseState.SIGNALLING
            name = "emergency_report" if states == [CaseState.REPORTED] else "step"
            Transition.objects.create(
                case=case,
                actor=case.opened_by,
                name=name,
                from_state=last_from,
                to_state=states[-1],
                at=datetime.datetime(2026, 11, 20, 12, tzinfo=datetime.UTC),
            )
    factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1), route="C")
    old = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1))
    Case.objects.filter(pk=old.pk).update(opened_at=datetime.datetime(2025, 6, 1, 10, tzinfo=datetime.UTC))
    factories.open_case(cast_b.teacher, factories.PupilFactory(class_group=cast_b.group1), route="B")
    _report(made[5])
    _report(made[6], emergency=True)
    _report(made[2], at=datetime.datetime(2025, 12, 31, 23, 30, tzinfo=datetime.UTC))  # 2026 in Amsterdam
    for decision in ["investigation", "investigation", "end"]:
        VeiligThuisOutcome.objects.create(
            case=made[5],
            author=cast_a.af,
            assessed_on=datetime.date(2026, 11, 21),
            decision=decision,
            conclusion="confirmed" if decision == "end" else "",
        )
    return made


def _values(figures, key):
    group = next(g for g in figures.groups if g.key == key)
    return [c.value for c in group.cells], group.total.value


def test_the_counts_of_a_school_and_year(cast_a, world):
    figures = fig.compute(schools=[cast_a.school], year=2026, title="A")

    assert _values(figures, "routes") == ([8, 0, 1], 9)
    assert _values(figures, "steps") == ([2, 1, 0, 2, 4], 9)
    assert _values(figures, "reports") == ([2, 1], 3)  # including 31 Dec 2025 23:30 UTC = 1 Jan 2026 Amsterdam
    assert _values(figures, "vt_decisions") == ([2, 0, 0, 0, 1], 3)
    assert _values(figures, "vt_conclusions") == ([0, 0, 1, 2], 3)
    # Decisions: the four cases that left weighing, and the emergency report — 5 decisions, on 20 November, after
    # first signals on 4, 5, 6, 7 and 8 October: 47, 46, 45, 44, 43 days.
    assert figures.decisions.value == 5
    assert figures.median_days == 45

    last_year = fig.compute(schools=[cast_a.school], year=2025, title="A")
    assert _values(last_year, "routes") == ([1, 0, 0], 1)
    assert last_year.median_days is None


def test_the_board_counts_all_its_schools(cast_a, cast_b, world):
    figures = fig.compute(schools=[cast_a.school, cast_b.school], year=2026, title="bestuur", per_school=True)
    assert _values(figures, "routes") == ([8, 1, 1], 10)
    assert _values(figures, "schools") == ([9, 1], 10)


def test_the_median_is_not_shown_under_5_decisions(cast_b):
    for _ in range(4):
        case = factories.open_case(cast_b.teacher, factories.PupilFactory(class_group=cast_b.group1))
        _reach(case, CaseState.WEIGHING)
        Transition.objects.create(
            case=case, actor=case.opened_by, name="step", from_state=CaseState.WEIGHING, to_state=CaseState.HELP
        )
    figures = fig.compute(schools=[cast_b.school], year=2026, title="B")
    assert (figures.decisions.value, figures.decisions.shown, figures.median_days) == (4, "< 5", None)


# --- The page, the chart and the CSV --------------------------------------------------------------------------------


def _main(response) -> str:
    return response.content.decode().split('id="main"')[1]


def test_the_page_suppresses_small_counts_in_table_and_chart(cast_a, world, client_for):
    response = client_for(cast_a.af).get(reverse("reporting:figures-school", kwargs={"school_id": cast_a.school.pk}))
    assert response.status_code == 200
    html = _main(response)
    routes = next(g for g in response.context["figures"].groups if g.key == "routes")
    # Route A 8, route B 0, route C 1 of 9: the 1 is "< 5", and the 8 is hidden so that 9 - 8 cannot give it away.
    assert [c.shown for c in routes.cells] == ["x", "0", "< 5"]
    assert "&lt; 5" in html
    # The chart: a bar only for the visible counts (the length of a bar would reveal its count).
    svg = re.search(r'<svg class="figures-chart".*?</svg>', html, re.S).group(0)
    assert svg.count("<rect") == 0 or all(c.visible for c in routes.cells if c.value)
    steps_svg = re.findall(r'<svg class="figures-chart".*?</svg>', html, re.S)[1]
    steps = next(g for g in response.context["figures"].groups if g.key == "steps")
    assert steps_svg.count("<rect") == sum(1 for c in steps.cells if c.visible and c.value)
    assert steps_svg.count("&lt; 5") == sum(1 for c in steps.cells if c.hidden == fig.PRIMARY)
    # The exact small counts are nowhere in the tables.
    for group in response.context["figures"].groups:
        for cell in group.cells:
            if cell.hidden:
                assert f'<td class="number">{cell.value}</td>' not in html


def test_no_path_from_the_figures_to_a_case(cast_a, world, client_for):
    response = client_for(cast_a.af).get(reverse("reporting:figures-school", kwargs={"school_id": cast_a.school.pk}))
    html = _main(response)
    assert "/dossiers/" not in html
    for case in world:
        assert case.reference not in html
        for pupil in case.pupils.all():
            assert pupil.last_name not in html


def test_the_csv_suppresses_small_counts_and_is_audited(cast_a, world, client_for):
    response = client_for(cast_a.af).get(
        reverse("reporting:figures-school-csv", kwargs={"school_id": cast_a.school.pk}) + "?jaar=2026"
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    numbers = {(row[2], row[3]): row[4] for row in rows[1:]}
    with translation.override("nl"):  # the CSV is in the user's language (Dutch by default)
        routes_title = next(g.title for g in fig.compute(schools=[cast_a.school], year=2026, title="A").groups)
    assert [numbers[(routes_title, label)] for label in ("route A (thuissituatie)", "route C (tussen leerlingen)")] == [
        "x",
        "< 5",
    ]
    assert not any(value in {"1", "2", "3", "4"} for value in numbers.values())
    for case in world:
        assert case.reference not in response.content.decode()
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert (event.user, event.case, event.target) == (cast_a.af, None, f"figures school {cast_a.school.pk} 2026")


def test_the_csv_is_safe_against_formula_injection(cast_a, client_for):
    cast_a.school.name = '=HYPERLINK("http://example.invalid")'
    cast_a.school.save()
    response = client_for(cast_a.af).get(
        reverse("reporting:figures-school-csv", kwargs={"school_id": cast_a.school.pk})
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert all(row[0] == "'" + cast_a.school.name for row in rows[1:])
    assert fig.csv_safe("+31") == "'+31" and fig.csv_safe("-1") == "'-1" and fig.csv_safe("@x") == "'@x"
    assert fig.csv_safe("< 5") == "< 5"


def test_an_invalid_year_falls_back_to_this_year(cast_a, client_for):
    client = client_for(cast_a.af)
    url = reverse("reporting:figures-school", kwargs={"school_id": cast_a.school.pk})
    for value in ("abc", "1999", "2999"):
        assert client.get(url, {"jaar": value}).context["figures"].year == 2026
    assert client.get(url, {"jaar": "2025"}).context["figures"].year == 2025


# --- Who may see them ----------------------------------------------------------------------------------------------


@pytest.fixture
def staff(db):
    return factories.UserFactory(username="beheer-cijfers", is_staff=True)


def test_an_administrator_sees_the_board_and_every_school(cast_a, cast_b, world, staff, client_for):
    client = client_for(staff)
    board = cast_a.school.board
    response = client.get(reverse("reporting:figures-board", kwargs={"board_id": board.pk}))
    assert response.status_code == 200
    assert _values(response.context["figures"], "schools") == ([9, 1], 10)
    assert client.get(reverse("reporting:figures-school", kwargs={"school_id": cast_b.school.pk})).status_code == 200
    csv_response = client.get(reverse("reporting:figures-board-csv", kwargs={"board_id": board.pk}))
    assert csv_response.status_code == 200
    assert AuditEvent.objects.filter(user=staff, action=AuditEvent.Action.EXPORT, case=None).count() == 1
    index = client.get(reverse("reporting:figures"))
    assert index.status_code == 200 and board.name in index.content.decode()


def test_another_boards_school_is_hidden_from_an_aandachtsfunctionaris(cast_a, client_for):
    other = make_school_cast("C", board=factories.BoardFactory())
    client = client_for(cast_a.af)
    assert client.get(reverse("reporting:figures-school", kwargs={"school_id": other.school.pk})).status_code == 404
    assert client.get(reverse("reporting:figures-board", kwargs={"board_id": other.school.board_id})).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_the_menu_shows_the_figures_only_to_those_who_may_see_them(cast_a, staff, client_for):
    link = reverse("reporting:figures")
    assert link in client_for(cast_a.af).get(reverse("cases:case-list")).content.decode()
    assert link in client_for(staff).get(reverse("home")).content.decode()
    for user in (cast_a.teacher, cast_a.ib):
        assert link not in client_for(user).get(reverse("cases:case-list")).content.decode()


def test_a_former_aandachtsfunctionaris_sees_nothing(cast_a, client_for):
    user = User.objects.get(pk=cast_a.af.pk)
    user.memberships.all().delete()
    response = client_for(user).get(reverse("reporting:figures-school", kwargs={"school_id": cast_a.school.pk}))
    assert response.status_code == 404


# --- Queries --------------------------------------------------------------------------------------------------------

# session, user, the second-factor device, the school, the user's memberships (cached for the menu), the four
# counts (cases by route and step, reports, Veilig Thuis outcomes, durations), the aandachtsfunctionaris's open
# urgent alerts (the banner on every page: cases.alerts), session save ×3.
FIGURES_PAGE_QUERIES = 13


def test_the_figures_take_a_fixed_number_of_queries(cast_a, client_for):
    client = client_for(cast_a.af)
    url = reverse("reporting:figures-school", kwargs={"school_id": cast_a.school.pk})
    client.get(url)
    counts = []
    for extra in (1, 12):
        for _ in range(extra):
            case = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1))
            _reach(case, CaseState.CONSULTING)
            _report(case)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts == [FIGURES_PAGE_QUERIES, FIGURES_PAGE_QUERIES], "\n".join(q["sql"] for q in queries.captured_queries)


def test_the_board_has_no_board_role_so_only_staff_sees_it(cast_a, client_for):
    assert Board.objects.count() == 1
    for user in (cast_a.af, cast_a.ib, cast_a.teacher):
        response = client_for(user).get(reverse("reporting:figures-board", kwargs={"board_id": cast_a.school.board_id}))
        assert response.status_code == 403
    assert (
        Client().get(reverse("reporting:figures-board", kwargs={"board_id": cast_a.school.board_id})).status_code == 302
    )
