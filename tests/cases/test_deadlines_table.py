"""A deadline in every open state of every route (issue 16), derived from the workflow table.

Two levels: the table itself (every open state of every route has a ``DeadlineRule``, except ``NO_DEADLINE_STATES``,
each with the domain's reason), and end to end: a case walked through the services into each open state of each
route — and into each variant of a state whose rules depend on its records — gets at least one deadline of its
state's rules from ``deadlines.attach``.
"""

import pytest
from django.conf import settings

from cases import deadlines, services, workflow
from cases import permissions as perms
from cases.models import Case, CaseState, Route
from tests import factories
from tests.cases import test_decision as steps

# Open states without a deadline, each with the reason the domain gives. None: where no law sets a term (steps 1-3,
# after the police decision of route B, after Veilig Thuis ended its involvement) the stand-still rule of domain.md
# §5 applies — a configurable reminder when the case has not moved.
NO_DEADLINE_STATES: dict[str, str] = {}

OPEN_STATES = [
    (route, state) for state, row in workflow.STATES.items() if state != CaseState.CLOSED for route in row.routes
]


def test_no_deadline_states_is_empty_and_says_so():
    assert NO_DEADLINE_STATES == {}, "every open state has a deadline; list an exception here only with its reason"


@pytest.mark.parametrize("route,state", OPEN_STATES, ids=[f"{route}-{state}" for route, state in OPEN_STATES])
def test_every_open_state_of_every_route_has_a_deadline_rule(route, state):
    if state in NO_DEADLINE_STATES:
        assert not workflow.STATES[state].deadlines
        return
    rules = workflow.STATES[state].deadlines
    assert rules, f"{state} (route {route}) has no deadline rule"
    for rule in rules:
        assert rule.kind in deadlines.LABELS
        assert rule.basis in deadlines.BASES
        assert rule.when is None or rule.when in deadlines.CONDITIONS
        assert isinstance(rule.working_days, int | None) or isinstance(getattr(settings, rule.working_days), int)
    assert state in deadlines.DEADLINE_STATES  # the reminders look at it (notify.send_due_reminders)


def test_a_closed_case_has_no_deadline_rule():
    assert workflow.STATES[CaseState.CLOSED].deadlines == ()
    assert CaseState.CLOSED not in deadlines.DEADLINE_STATES


# --- End to end: a case in each open state ------------------------------------------------------------------------


def to_weighing(cast, route: str) -> Case:
    pupil = factories.PupilFactory(class_group=cast.group1)
    case = factories.open_case(cast.teacher, pupil, route=route)
    factories.advance(cast.teacher, case, "to_consulting")
    factories.add_consultation(cast.ib, case)
    if route == "C":  # route C is weighed with the vlaggensysteem: required before the weighing's outcome (issue 17)
        factories.add_flag_assessment(cast.ib, case)
    factories.advance(cast.ib, case, "to_parent_talk")
    factories.add_conversation(cast.ib, case)
    factories.advance(cast.ib, case, "to_weighing")
    return steps.fresh(case)


def route_a_or_c(cast, route: str, variant: str) -> Case:
    """``variant``: a state, or a state with what its rules depend on ("weighing:report", ...)."""
    state, _sep, detail = variant.partition(":")
    if state == "signalling":
        return steps.fresh(factories.open_case(cast.teacher, factories.PupilFactory(class_group=cast.group1), route))
    if state in ("consulting", "parent_talk"):
        pupil = factories.PupilFactory(class_group=cast.group1)
        case = factories.open_case(cast.teacher, pupil, route=route)
        factories.advance(cast.teacher, case, "to_consulting")
        if state == "parent_talk":
            factories.add_consultation(cast.ib, case)
            factories.advance(cast.ib, case, "to_parent_talk")
        return steps.fresh(case)
    case = to_weighing(cast, route)
    if state == "weighing":
        answers = {"": (), "q1": ("B",), "report": ("B", "yes"), "doubt": ("B", "doubt"), "q3no": ("B", "no", "no")}
        return steps.weigh(cast.af, case, *answers[detail])
    if state in ("reported", "vt_involved"):
        steps.weigh(cast.af, case, "B", "yes")
        case = steps.report(cast, case)
        if state == "vt_involved":
            case = services.vt_outcome_record(
                user=cast.af, case=case, outcome=steps.vt_outcome(decision=detail), expected_state="reported"
            )
        return steps.fresh(case)
    case = steps.start_help(cast, case)
    if state == "help":
        return steps.fresh(case)
    case = steps.evaluate(cast, case, reached=detail != "not_reached")
    if state == "evaluating":
        return steps.fresh(case)
    assert state == "monitoring", state
    return steps.fresh(steps.start_monitoring(cast, case))


def route_b(cast, variant: str) -> Case:
    state, _sep, detail = variant.partition(":")
    case = steps.route_b_case(cast)
    if state == "signalling":
        # A route B case leaves step 1 the moment it is opened (start_route_b): it never waits there. Put one back
        # to see that the rule of the state still gives it a deadline.
        Case.objects.filter(pk=case.pk).update(state=CaseState.SIGNALLING)
        deadlines.refresh_next_due(Case.objects.filter(pk=case.pk))  # as after any write past the services
        return steps.fresh(case)
    if state == "duty_to_inform":
        if detail == "board":
            services.entry_record(user=cast.af, case=case, entry=steps.board_notification(), permission=perms.ROUTE_B)
        return steps.fresh(case)
    case = steps._route_b_at_inspector(cast, suspicion=detail != "no_police")
    if state == "inspector_consulted":
        return steps.fresh(case)
    made = state == "police_report"
    case = services.route_b_police_decision(
        user=cast.af,
        case=case,
        decision_record=steps.police_decision(
            report_made=made, parents_informed_before=made, accused_informed_before=made
        ),
        expected_state="inspector_consulted",
    )
    return steps.fresh(case)


# Each open state, and the variants of the states whose rules depend on their records.
VARIANTS = {
    CaseState.SIGNALLING: [""],
    CaseState.CONSULTING: [""],
    CaseState.PARENT_TALK: [""],
    CaseState.WEIGHING: ["", "q1", "report", "doubt", "q3no"],
    CaseState.HELP: [""],
    CaseState.EVALUATING: ["", "not_reached"],
    CaseState.REPORTED: [""],
    CaseState.VT_INVOLVED: ["investigation", "raad", "conditions", "handover", "end"],
    CaseState.MONITORING: [""],
    CaseState.DUTY_TO_INFORM: ["", "board"],
    CaseState.INSPECTOR_CONSULTED: [""],
    CaseState.POLICE_REPORT: [""],
    CaseState.NO_POLICE_REPORT: ["no_police"],
}
# What a case of each variant is due (besides a parents' request, which counts in every state).
EXPECTED = {
    "signalling": {deadlines.STANDSTILL},
    "consulting": {deadlines.STANDSTILL},
    "parent_talk": {deadlines.STANDSTILL},
    "weighing": {deadlines.WEIGHING},
    "weighing:q1": {deadlines.WEIGHING},
    "weighing:report": {deadlines.REPORT_TODAY},  # question 2 = yes: report at once
    "weighing:doubt": {deadlines.REPORT_TODAY},  # doubt counts as yes
    "weighing:q3no": {deadlines.WEIGHING},  # a report, but not "at once": the weighing's own term
    "help": {deadlines.HELP_EVALUATION},
    "evaluating": {deadlines.AFTER_EVALUATION},
    "evaluating:not_reached": {deadlines.REPORT_TODAY},  # question 5 = no
    "reported": {deadlines.VT_SAFETY_ASSESSMENT},
    "vt_involved:investigation": {deadlines.VT_FEEDBACK_ASK},
    "vt_involved:raad": {deadlines.VT_FEEDBACK_ASK},
    "vt_involved:conditions": {deadlines.VT_FEEDBACK_ASK},
    "vt_involved:handover": {deadlines.VT_FEEDBACK_ASK},
    "vt_involved:end": {deadlines.VT_ENDED},
    "monitoring": {deadlines.MONITORING_CHECK_IN},
    "duty_to_inform": {deadlines.INFORM_BOARD},
    "duty_to_inform:board": {deadlines.CONSULT_INSPECTOR},
    "inspector_consulted": {deadlines.POLICE_DECISION},
    "police_report": {deadlines.STANDSTILL},
    "no_police_report:no_police": {deadlines.STANDSTILL},
}
CASES = [
    (route, f"{state}:{detail}" if detail else state)
    for route, state in OPEN_STATES
    if state not in NO_DEADLINE_STATES
    for detail in VARIANTS[state]
]


def test_every_open_state_has_its_variants_listed():
    assert {state for _route, state in OPEN_STATES} == set(VARIANTS)


@pytest.mark.parametrize("route,variant", CASES, ids=[f"{route}-{variant}" for route, variant in CASES])
def test_a_case_in_every_open_state_has_a_deadline(cast_a, route, variant):
    state = variant.partition(":")[0]
    case = route_b(cast_a, variant) if route == Route.B else route_a_or_c(cast_a, route, variant)
    assert case.state == state and case.route == route
    case = Case.objects.select_related("school", "owner").get(pk=case.pk)
    deadlines.attach([case])
    kinds = {rule.kind for rule in workflow.STATES[state].deadlines}
    found = [d for d in case.deadlines if d.kind in kinds]
    assert found, f"no deadline for a case in {variant} (route {route})"
    assert {d.kind for d in case.deadlines if d.kind != deadlines.ACCESS_REQUEST} == EXPECTED[variant]
    for deadline in found:
        assert deadline.role or deadline.user is not None  # someone is responsible
        assert str(deadline.label)
    # The stored next due date (the lists sort by it) is the soonest of these, kept by the services that got it here.
    assert case.next_due == case.deadlines[0].due
