"""The workflow table (``cases.workflow``) and the state machine's graph (the django-fsm transitions on ``Case``)
agree: the same states, every transition between states of the table, every state reachable from the initial one,
the routes, the records offered in the states their transitions start from, and roles that act where they can.

``problems(table, edges)`` lists every disagreement; the tests at the end feed it a broken table or graph to show
that it catches one.
"""

from collections import deque

import pytest

from cases import decision, workflow
from cases import permissions as perms
from cases.models import Case, CaseState, Route
from cases.views_decisions import ACTIONS, LINKS
from schools.models import Role

STATE_FIELD = Case._meta.get_field("state")
INITIAL = STATE_FIELD.default
ROUTE_B_START = "start_route_b"  # the transition by which a route B case leaves step 1 when it is opened

# The transitions that each record of ``views_decisions.ACTIONS`` fires (by the state the case is in).
FIRES = {
    "close": {"close_no_action", "close"},
    "report": {"report"},
    "report-again": {"report_again"},
    "emergency": {"emergency_report"},
    "help": {"start_help"},
    "evaluation": {"start_evaluation"},
    "monitoring": {"to_monitoring"},
    "vt-outcome": {"to_vt_involved"},
    "inspector": {"inspector_consulted"},
    "police": {"police_report", "no_police_report"},
}
# Records that are also made without a step change, in states from which their transitions do not start.
ALSO_WITHOUT_STEP = {"vt-outcome"}

# What each role may do to a case it acts on: the teacher and the internal contact person act on the cases they
# opened.
ROLE_GRANTS = {
    Role.TEACHER: {*perms.OPENER_PERMISSIONS, *perms.CLASS_TEACHER_PERMISSIONS},
    Role.CONTACT_PERSON: set(perms.OPENER_PERMISSIONS),
    Role.IB: set(perms.ROLE_PERMISSIONS[Role.IB]),
    Role.AF: set(perms.ROLE_PERMISSIONS[Role.AF]),
    # The board contact holds route B cases only (``perms.ROUTE_B_ROLE_PERMISSIONS``).
    Role.BOARD: set(perms.ROUTE_B_ROLE_PERMISSIONS[Role.BOARD]),
}


def graph() -> list[tuple[str, str, str, str]]:
    """(name, source, target, permission) of every transition declared on the model."""
    return sorted(
        (t.name, t.source, t.target, t.permission.__name__.removeprefix("can_"))
        for t in STATE_FIELD.get_all_transitions(Case)
    )


def reachable(start: str, edges, *, without: frozenset[str] = frozenset()) -> set[str]:
    seen, todo = {start}, deque([start])
    while todo:
        state = todo.popleft()
        for name, source, target, _permission in edges:
            if source == state and name not in without and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def offer_permission(key: str) -> str:
    return ACTIONS[key].permission if key in ACTIONS else LINKS[key].permission


def problems(table: dict[str, workflow.State], edges) -> list[str]:
    """Every way in which ``table`` and the transitions ``edges`` disagree (none: they agree)."""
    found = []
    states = set(CaseState.values)
    found += [f"{s}: a state of the case that the table lacks" for s in sorted(states - set(table))]
    found += [f"{s}: in the table, not a state of the case" for s in sorted(set(table) - states)]
    for name, source, target, _permission in edges:
        if source not in table:
            found.append(f"{name}: from {source}, not in the table")
        if target not in table:
            found.append(f"{name}: to {target}, not in the table")

    # Every state is reachable from the initial one; route B's states only through route B's start.
    found += [f"{s}: not reachable from {INITIAL}" for s in sorted(set(table) - reachable(INITIAL, edges))]
    without_b = reachable(INITIAL, edges, without=frozenset({ROUTE_B_START}))
    for state, row in table.items():
        a_or_c = bool({Route.A, Route.C} & set(row.routes))
        if a_or_c and state not in without_b:
            found.append(f"{state}: of route A or C, but only reachable through {ROUTE_B_START}")
        if not a_or_c and state in without_b:
            found.append(f"{state}: of route B only, but reachable without {ROUTE_B_START}")
        if not set(row.routes) <= set(Route.values) or not row.routes:
            found.append(f"{state}: routes {row.routes}")

    # The records offered are the records there are; a record that fires a step is offered where that step starts.
    offered: dict[str, set[str]] = {}
    for state, row in table.items():
        for offer in row.offers:
            offered.setdefault(offer.key, set()).add(state)
            if offer.key not in ACTIONS and offer.key not in LINKS:
                found.append(f"{state}: offers {offer.key!r}, which is no action or link")
            if offer.when not in (None, decision.CLOSE, decision.REPORT, decision.HELP, decision.MONITORING):
                found.append(f"{state}: offers {offer.key!r} when the weighing leads to {offer.when!r}")
            if not set(offer.routes) <= set(row.routes):
                found.append(f"{state}: offers {offer.key!r} on a route that does not pass through it")
    found += [f"{key}: offered in no state" for key in sorted({*ACTIONS, *LINKS} - set(offered))]
    for key, names in FIRES.items():
        sources = {source for name, source, _target, _permission in edges if name in names}
        states_offering = offered.get(key, set())
        if not (sources <= states_offering if key in ALSO_WITHOUT_STEP else sources == states_offering):
            found.append(
                f"{key}: offered in {sorted(map(str, states_offering))}, its transitions start from "
                f"{sorted(map(str, sources))}"
            )

    # Who acts on a state can do something there; the roles that get a hand-over or the case act on it.
    leaving: dict[str, set[str]] = {}
    for _name, source, _target, permission in edges:
        leaving.setdefault(source, set()).add(permission)
    for state, row in table.items():
        possible = leaving.get(state, set()) | {
            offer_permission(o.key) for o in row.offers if o.key in ACTIONS or o.key in LINKS
        }
        for role in row.acts:
            if not ROLE_GRANTS[role] & possible:
                found.append(f"{state}: {role} acts on it, but may take no step and make no record there")
        if row.notice is not None and row.notice.role not in row.acts:
            found.append(f"{state}: hands over to {row.notice.role}, who does not act on it")
        if row.owner is not None and row.owner.role not in row.acts:
            found.append(f"{state}: owned by {row.owner.role}, who does not act on it")
        if (not row.acts) != (state == CaseState.CLOSED):
            found.append(f"{state}: acted on by {sorted(map(str, row.acts))}")
        if row.step not in (None, 1, 2, 3, 4, 5):
            found.append(f"{state}: step {row.step}")
        if not str(row.what_next).strip():
            found.append(f"{state}: says nothing about what happens next")
    if table.get(INITIAL) is not None and table[INITIAL].step != 1:
        found.append(f"{INITIAL}: the initial state is not step 1")
    return found


def test_the_table_and_the_state_machine_agree():
    assert problems(workflow.STATES, graph()) == []


def test_every_state_is_in_the_table_and_every_step_has_a_state():
    assert list(workflow.STATES) == CaseState.values
    assert all(workflow.STEP_STATES[n] for n in range(1, 6))
    assert INITIAL == CaseState.SIGNALLING


def test_the_emergency_report_starts_where_the_table_offers_it():
    sources = {source for name, source, _target, _permission in graph() if name == "emergency_report"}
    assert sources == set(workflow.EMERGENCY_SOURCES)


def test_hand_overs_are_the_steps_forward_into_consultation_and_weighing():
    handing_over = {name for name, source, target, _permission in graph() if (source, target) in workflow.HANDOVERS}
    assert handing_over == {"to_consulting", "to_weighing", "skip_to_weighing"}


# --- The checks can fail -------------------------------------------------------------------------------------------


def test_a_state_missing_from_the_table_is_caught():
    table = {state: row for state, row in workflow.STATES.items() if state != CaseState.MONITORING}
    found = problems(table, graph())
    assert "monitoring: a state of the case that the table lacks" in found
    assert any(p.startswith("to_monitoring: to monitoring") for p in found)


def test_a_state_in_the_table_that_the_case_lacks_is_caught():
    table = {**workflow.STATES, "mediation": workflow.STATES[CaseState.MONITORING]}
    found = problems(table, graph())
    assert "mediation: in the table, not a state of the case" in found
    assert "mediation: not reachable from signalling" in found


def test_an_unreachable_state_is_caught():
    edges = [edge for edge in graph() if edge[0] != "start_evaluation"]
    found = problems(workflow.STATES, edges)
    assert "evaluating: not reachable from signalling" in found
    assert any(p.startswith("evaluation: offered in") for p in found)


def test_a_route_b_state_reachable_from_route_a_is_caught():
    edges = [*graph(), ("shortcut", CaseState.WEIGHING, CaseState.DUTY_TO_INFORM, perms.DECIDE)]
    assert "duty_to_inform: of route B only, but reachable without start_route_b" in problems(workflow.STATES, edges)


@pytest.mark.parametrize(
    "state, change, expected",
    [
        (
            "help",
            {"offers": ("help",)},
            "help: offered in ['help', 'weighing'], its transitions start from ['weighing']",
        ),
        ("help", {"offers": ("nothing",)}, "help: offers 'nothing', which is no action or link"),
        ("help", {"offers": ()}, "evaluation: offered in [], its transitions start from ['help']"),
        (
            "police_report",
            {"acts": (Role.TEACHER,)},
            "police_report: teacher acts on it, but may take no step and make no record there",
        ),
        ("help", {"acts": ()}, "help: acted on by []"),
        ("closed", {"acts": (Role.AF,)}, "closed: acted on by ['af']"),
        (
            "consulting",
            {"notice": workflow.Notice(Role.AF, "x")},
            "consulting: hands over to af, who does not act on it",
        ),
        ("help", {"step": 6}, "help: step 6"),
        ("help", {"what_next": ""}, "help: says nothing about what happens next"),
    ],
)
def test_a_wrong_row_is_caught(state, change, expected):
    row = workflow.STATES[state]
    table = {**workflow.STATES, state: workflow.State(**{**row.__dict__, **change})}
    assert expected in problems(table, graph())
