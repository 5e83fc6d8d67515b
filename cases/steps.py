"""Where a case stands, as a picture: the stations of its route, each done, current, to come, skipped or not
reached — derived from the workflow table (``cases.workflow``: which states belong to which step and route) and the
state machine's graph (``Case``'s django-fsm transitions), never drawn by hand per state.

- Routes A and C: the five steps of the meldcode (the states of each step), then the follow-up outside the five
  steps (Veilig Thuis involved, monitoring), then "closed".
- Route B (the staff route): the route's own states in the order the graph reaches them from the signal; states
  reached at the same distance are alternatives (reported to the police, or not), shown as one station.

``step_picture`` is the one function: the case page's header (``templates/cases/_steps.html``), the lists' compact
marks (``templates/cases/_steps_compact.html``, through ``compact_html``) and the staff dossier's cover
(``step_overview``, the five steps' rows) all read it. It reads no database: the caller passes the states the case has
entered (its ``Transition.to_state`` values) and whether one of its step changes was an emergency report; ``None``
for a list that does not load the history (the stations before the current one are then shown as passed).
"""

import functools
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from cases import workflow
from cases.models import Case, CaseState, Route
from cases.models.choices import choice_label

STEP_TITLES = {
    1: _("Map the signals"),
    2: _("Consult a colleague and, if needed, Veilig Thuis"),
    3: _("Talk with the parents (and the child)"),
    4: _("Weigh the domestic violence or child abuse"),
    5: _("Decide: organise help and/or report"),
}

DONE = "done"
CURRENT = "current"
TO_COME = "to_come"
SKIPPED = "skipped"
NOT_REACHED = "not_reached"

STATUS_LABELS = {
    DONE: _("done"),
    CURRENT: _("current step"),
    TO_COME: _("to come"),
    SKIPPED: _("skipped"),
    NOT_REACHED: _("not reached"),
}

# The transition whose step change is an emergency report (``Case.emergency_report``).
EMERGENCY_TRANSITION = "emergency_report"
FOLLOW_UP = "follow_up"
START = CaseState.SIGNALLING


@dataclass(frozen=True)
class Station:
    """A station of a route's picture: one step of the meldcode, the follow-up, "closed", or a state of route B."""

    key: str
    number: int | None  # 1-5 for the five steps of the meldcode
    title: str
    states: tuple[str, ...]
    status: str = TO_COME
    detail: str = ""  # the current state, the alternative taken, or the emergency report

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def is_current(self) -> bool:
        return self.status == CURRENT


# The staff dossier's cover reads the rows of the five steps under this name.
StepRow = Station


@dataclass(frozen=True)
class StepPicture:
    route: str
    state: str
    stations: tuple[Station, ...]
    emergency: bool
    history_known: bool

    @property
    def five_steps(self) -> bool:
        return any(s.number for s in self.stations)

    @property
    def route_label(self) -> str:
        return choice_label(Route, self.route)

    @property
    def state_label(self) -> str:
        return choice_label(CaseState, self.state)

    @property
    def closed(self) -> bool:
        return self.state == CaseState.CLOSED

    @property
    def current(self) -> Station:
        return next(s for s in self.stations if s.is_current)

    def numbers(self, status: str) -> list[int]:
        return [i for i, s in enumerate(self.stations, 1) if s.status == status]

    @property
    def position(self) -> str:
        """Where the case stands, in words: "Step 4: weighing (of the 5 steps)." (the compact marks' text)."""
        label = capfirst(self.state_label)
        if self.current.number:
            return gettext("%(state)s (of the 5 steps).") % {"state": label}
        return f"{label}."

    @property
    def summary(self) -> str:
        """The picture in words (its text alternative): where the case stands, then what is done, skipped and to
        come."""
        parts = [self.position]
        if self.emergency:
            parts.append(gettext("An emergency report was made to Veilig Thuis."))
        for status in (DONE, SKIPPED, NOT_REACHED, TO_COME):
            names = [self._name(i) for i in self.numbers(status)]
            if names:
                parts.append(f"{capfirst(STATUS_LABELS[status])}: {', '.join(names)}.")
        return " ".join(parts)

    def _name(self, position: int) -> str:
        station = self.stations[position - 1]
        if station.number:
            return gettext("step %(number)s") % {"number": station.number}
        return station.title[:1].lower() + station.title[1:]


# --- The stations of each route, from the table and the graph --------------------------------------------------


def _graph() -> list[tuple[str, str, str]]:
    """(name, source, target) of every transition declared on the model."""
    field = Case._meta.get_field("state")
    return [(t.name, t.source, t.target) for t in field.get_all_transitions(Case)]


def _label(state: str) -> str:
    return capfirst(choice_label(CaseState, state))


def _stepped_stations(route: str) -> list[Station]:
    in_route = [s for s, row in workflow.STATES.items() if route in row.routes]
    stations = [
        Station(f"step_{n}", n, str(STEP_TITLES[n]), tuple(s for s in states if s in in_route))
        for n, states in workflow.STEP_STATES.items()
    ]
    follow_up = tuple(s for s in in_route if workflow.STATES[s].step is None and s != CaseState.CLOSED)
    if follow_up:
        stations.append(Station(FOLLOW_UP, None, gettext("Follow-up"), follow_up))
    stations.append(Station(CaseState.CLOSED, None, _label(CaseState.CLOSED), (CaseState.CLOSED,)))
    return stations


def _graph_stations(route: str) -> list[Station]:
    """The route's states by their distance from the signal in the graph (transitions within the route only)."""
    in_route = {s for s, row in workflow.STATES.items() if route in row.routes}
    edges = [(source, target) for _name, source, target in _graph() if source in in_route and target in in_route]
    depth, todo = {START: 0}, deque([START])
    while todo:
        state = todo.popleft()
        for source, target in edges:
            if source == state and target not in depth:
                depth[target] = depth[state] + 1
                todo.append(target)
    order = list(workflow.STATES)  # alternatives in the table's order
    by_depth: dict[int, list[str]] = {}
    for state in sorted(depth, key=order.index):
        by_depth.setdefault(depth[state], []).append(state)
    return [
        Station(
            "_or_".join(states),
            None,
            capfirst(" / ".join(choice_label(CaseState, s) for s in states)),
            tuple(states),
        )
        for _d, states in sorted(by_depth.items())
    ]


def _uses_steps(route: str) -> bool:
    """A route follows the five steps when its cases pass through a step of the meldcode after the first."""
    return any(route in row.routes and (row.step or 0) > 1 for row in workflow.STATES.values())


@functools.cache
def route_stations(route: str, language: str | None = None) -> tuple[Station, ...]:
    """The stations of a route's picture, without statuses (once per route and language)."""
    return tuple(_stepped_stations(route) if _uses_steps(route) else _graph_stations(route))


# --- The picture of one case --------------------------------------------------------------------------------------


def step_picture(*, state: str, route: str, entered: Iterable[str] | None, emergency: bool = False) -> StepPicture:
    """The picture of a case of ``route`` now in ``state``, which has entered the states ``entered`` (its step
    changes' ``to_state``, in any order; ``None``: not known, as in a list of cases) and, with ``emergency``, was
    reported to Veilig Thuis by an emergency report."""
    stations = route_stations(route, get_language())
    history_known = entered is not None
    entered = set(entered or ()) | {state, START}  # every case begins with its first signal
    current = next(i for i, s in enumerate(stations) if state in s.states)
    reached = {i for i, s in enumerate(stations) if entered & set(s.states)}
    closed = state == CaseState.CLOSED
    highest = max((i for i in reached if i != current), default=-1)
    result = []
    for i, station in enumerate(stations):
        detail = ""
        if i == current:
            status = CURRENT
            if len(station.states) > 1:
                detail = _label(state)
        elif i < current and (i in reached or not history_known):
            status = DONE
            taken = [s for s in station.states if s in entered]
            if len(station.states) > 1 and len(taken) == 1 and not station.number:
                detail = _label(taken[0])
        elif i > current:
            status = TO_COME
        elif closed and i > highest:
            status = NOT_REACHED
        else:
            status = SKIPPED
        if emergency and station.number == 5 and status in (DONE, CURRENT):
            detail = f"{detail} — {gettext('emergency report')}" if detail else capfirst(gettext("emergency report"))
        result.append(Station(station.key, station.number, station.title, station.states, status=status, detail=detail))
    return StepPicture(
        route=route, state=state, stations=tuple(result), emergency=emergency, history_known=history_known
    )


def step_overview(*, state: str, route: str, entered: Iterable[str]) -> list[Station]:
    """The five steps of the meldcode for the staff dossier's cover (``step_picture``'s rows of the steps). A case of
    the staff route (route B) does not follow the five steps: an empty list."""
    return [s for s in step_picture(state=state, route=route, entered=entered).stations if s.number]


def picture_for_case(case: Case, transitions: Iterable[tuple[str, str]]) -> StepPicture:
    """The picture of ``case`` from its step changes, (name, to_state) pairs (made once per route, state, states
    entered, emergency and language: the cases share a few pictures)."""
    transitions = list(transitions)
    entered = frozenset(to for _name, to in transitions)
    emergency = any(name == EMERGENCY_TRANSITION for name, _to in transitions)
    return _picture(case.state, case.route, entered, emergency, get_language())


@functools.lru_cache(maxsize=1024)
def _picture(state: str, route: str, entered: frozenset[str], emergency: bool, _language: str | None) -> StepPicture:
    return step_picture(state=state, route=route, entered=entered, emergency=emergency)


@functools.lru_cache(maxsize=1024)
def _picture_html(picture: StepPicture, language: str | None) -> SafeString:
    return render_to_string("cases/_steps.html", {"steps": picture})


def picture_html(picture: StepPicture) -> SafeString:
    """The case page's header (``templates/cases/_steps.html``), rendered once per picture and language: a picture
    depends only on the route, the step and the steps passed, so the cases share a few of them."""
    return _picture_html(picture, get_language())


@functools.cache
def _compact(state: str, route: str, language: str | None) -> SafeString:
    picture = step_picture(state=state, route=route, entered=None)
    return render_to_string("cases/_steps_compact.html", {"steps": picture})


def compact_html(state: str, route: str) -> SafeString:
    """The compact marks of a case in a list (rendered once per state, route and language: a list of 25 cases
    renders the partial a few times at most)."""
    return _compact(state, route, get_language())
