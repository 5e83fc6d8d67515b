"""The picture of where a case stands (``cases.steps``, ``templates/cases/_steps.html`` and ``_steps_compact.html``):
for every state of every route, the current station marked, earlier ones done (or skipped), later ones to come,
"closed" and the emergency report shown, with a text alternative; on the case page and in the lists."""

import re
from collections import deque

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from cases import steps, workflow
from cases.models import Case, CaseState, Route
from tests import factories

STATE_FIELD = Case._meta.get_field("state")
EDGES = [(t.source, t.target, t.name) for t in STATE_FIELD.get_all_transitions(Case)]
ROUTE_STATES = [(route, state) for state, row in workflow.STATES.items() for route in row.routes]


def path_to(route: str, state: str) -> list[tuple[str, str]]:
    """A shortest walk of (transition, state) from the first signal to ``state`` within ``route``'s states."""
    in_route = {s for s, row in workflow.STATES.items() if route in row.routes}
    before = {CaseState.SIGNALLING: None}
    todo = deque([CaseState.SIGNALLING])
    while todo:
        here = todo.popleft()
        for source, target, name in EDGES:
            if source == here and target in in_route and target not in before:
                before[target] = (here, name)
                todo.append(target)
    walk, at = [], state
    while before[at] is not None:
        source, name = before[at]
        walk.append((name, at))
        at = source
    return list(reversed(walk))


@pytest.fixture(autouse=True)
def _dutch():
    with translation.override("nl"):
        yield


@pytest.mark.parametrize(("route", "state"), ROUTE_STATES)
def test_every_state_of_every_route(route, state):
    walk = path_to(route, state)
    picture = steps.step_picture(state=state, route=route, entered=[s for _n, s in walk])
    stations = picture.stations
    current = [i for i, s in enumerate(stations) if s.status == steps.CURRENT]
    assert len(current) == 1, "exactly one station is current"
    c = current[0]
    assert state in stations[c].states
    entered = {s for _n, s in walk} | {CaseState.SIGNALLING, state}
    for i, station in enumerate(stations):
        if i < c:
            reached = bool(entered & set(station.states))
            if reached:
                assert station.status == steps.DONE, (i, station)
            else:
                assert station.status in (steps.SKIPPED, steps.NOT_REACHED), (i, station)
        elif i > c:
            assert station.status == steps.TO_COME, (i, station)
    # "Closed" is the last station of every route.
    assert stations[-1].states == (CaseState.CLOSED,)
    assert (stations[-1].status == steps.CURRENT) == (state == CaseState.CLOSED)
    # Routes A and C show the five steps; route B its own stations.
    numbered = [s.number for s in stations if s.number]
    assert numbered == ([1, 2, 3, 4, 5] if route != Route.B else [])

    html = render_to_string("cases/_steps.html", {"steps": picture})
    assert html.count('aria-current="step"') == 1
    items = re.findall(r"<li class=\"station station-(\w+)", html)
    assert items == [s.status for s in stations]
    # The status in words for each station (not colour alone), and the summary as a text alternative.
    hidden = re.findall(r'<span class="visually-hidden">([^<]+): </span>', html)
    assert hidden == [str(steps.STATUS_LABELS[s.status]) for s in stations]
    assert "huidige stap" in hidden
    assert picture.summary in html.replace("&#x27;", "'")
    assert picture.position.rstrip(".") in picture.summary
    current_li = re.search(r'<li [^>]*aria-current="step">(.*?)</li>', html, re.S).group(1)
    assert "nu" in current_li

    compact = render_to_string("cases/_steps_compact.html", {"steps": picture})
    assert len(re.findall(r'class="steps-mark ', compact)) == len(stations)
    assert compact.count("mark-current") == 1
    assert 'aria-hidden="true"' in compact  # the marks; the words are read
    label = compact.replace("&#x27;", "'")
    assert f'<span class="steps-compact-label">{picture.state_label[:1].upper()}{picture.state_label[1:]}' in label
    assert ("(van de 5 stappen)" in compact) == bool(picture.current.number)


def test_the_usual_walk_of_route_a():
    entered = ["consulting", "parent_talk", "weighing"]
    picture = steps.step_picture(state="weighing", route="A", entered=entered)
    assert [s.status for s in picture.stations] == ["done", "done", "done", "current", "to_come", "to_come", "to_come"]
    assert picture.summary == (
        "Stap 4: wegen (van de 5 stappen). Afgerond: stap 1, stap 2, stap 3. Nog te doen: stap 5, vervolg, afgesloten."
    )


def test_the_conversation_with_the_parents_skipped():
    picture = steps.step_picture(state="weighing", route="A", entered=["consulting", "weighing"])
    assert [s.status for s in picture.stations][:4] == ["done", "done", "skipped", "current"]
    assert "Overgeslagen: stap 3." in picture.summary


def test_an_emergency_report_from_step_one():
    picture = steps.step_picture(state="reported", route="A", entered=["reported"], emergency=True)
    assert [s.status for s in picture.stations][:5] == ["done", "skipped", "skipped", "skipped", "current"]
    assert picture.stations[4].detail == "Stap 5: gemeld bij Veilig Thuis — spoedmelding"
    assert "Er is een spoedmelding gedaan bij Veilig Thuis." in picture.summary
    html = render_to_string("cases/_steps.html", {"steps": picture})
    assert "spoedmelding" in html.lower()


def test_closed_after_weighing_leaves_step_five_not_reached():
    picture = steps.step_picture(state="closed", route="A", entered=["consulting", "parent_talk", "weighing", "closed"])
    assert [s.status for s in picture.stations] == [
        "done", "done", "done", "done", "not_reached", "not_reached", "current"
    ]  # fmt: skip
    assert picture.summary.startswith("Afgesloten.")
    assert "Niet bereikt: stap 5, vervolg." in picture.summary


def test_reopened_case_back_in_weighing():
    entered = ["consulting", "parent_talk", "weighing", "help", "evaluating", "monitoring", "closed", "weighing"]
    picture = steps.step_picture(state="weighing", route="A", entered=entered)
    assert [s.status for s in picture.stations] == ["done", "done", "done", "current", "to_come", "to_come", "to_come"]


def test_route_b_shows_the_staff_route_and_the_alternative_taken():
    picture = steps.step_picture(
        state="closed", route="B", entered=["duty_to_inform", "inspector_consulted", "no_police_report", "closed"]
    )
    titles = [s.title for s in picture.stations]
    assert titles[1:] == [
        "Bevoegd gezag ingelicht (meldplicht)",
        "Vertrouwensinspecteur geraadpleegd",
        "Aangifte gedaan / geen aangifte",
        "Afgesloten",
    ]
    assert picture.stations[3].detail == "Geen aangifte"
    assert [s.status for s in picture.stations] == ["done", "done", "done", "done", "current"]
    html = render_to_string("cases/_steps.html", {"steps": picture})
    assert "De personeelsroute" in html


def test_route_c_follows_the_five_steps():
    picture = steps.step_picture(state="consulting", route="C", entered=["consulting"])
    assert [s.number for s in picture.stations if s.number] == [1, 2, 3, 4, 5]


def test_the_staff_dossier_reads_the_same_function():
    rows = steps.step_overview(state="weighing", route="A", entered=["consulting", "weighing"])
    assert [(r.number, r.status) for r in rows] == [
        (1, "done"),
        (2, "done"),
        (3, "skipped"),
        (4, "current"),
        (5, "to_come"),
    ]
    assert steps.step_overview(state="duty_to_inform", route="B", entered=["duty_to_inform"]) == []


# --- On the pages ---------------------------------------------------------------------------------------------------


def test_case_page_shows_the_picture_from_the_case_history(cast_a, client_for):
    case = factories.case_in_state(cast_a, "consulting")
    factories.add_consultation(cast_a.ib, case)
    response = client_for(cast_a.ib).get(reverse("cases:case-detail", kwargs={"pk": case.pk}))
    html = response.content.decode()
    assert 'class="steps"' in html
    assert html.count('aria-current="step"') == 1
    current = re.search(r'<li [^>]*aria-current="step">(.*?)</li>', html, re.S).group(1)
    assert "Stap 2" in current
    assert re.search(r'<li class="station station-done">\s*<span class="station-mark"', html)


def test_case_list_shows_the_compact_marks(cast_a, client_for):
    factories.case_in_state(cast_a, "parent_talk")
    response = client_for(cast_a.ib).get(reverse("cases:case-list"))
    html = response.content.decode()
    assert 'class="steps-compact"' in html
    marks = re.search(
        r'<span class="steps-marks" aria-hidden="true">(.*?)</span><span class="steps-compact-label">', html
    )
    statuses = re.findall(r"mark-(done|current|to_come|skipped|not_reached)", marks.group(1))
    assert statuses == ["done", "done", "current", "to_come", "to_come", "to_come", "to_come"]
    assert (
        '<span class="steps-compact-label">Stap 3: gesprek met ouders'
        '<span class="visually-hidden"> (van de 5 stappen)</span>' in html
    )
