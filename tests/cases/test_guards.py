"""The hard rules of steps 4-5 (domain.md §4; issue 4, item 6) live in the state machine and the services: each is
refused with a clear message, and the case stays exactly as it was. The records of steps 4-5 are append-only.

Messages are checked in Dutch: ``nl(msgid)`` is the Dutch text when the catalogue (locale/nl/.../django.po) has a
translation, and the English msgid when it has none yet.
"""

import datetime
import functools
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone, translation

from cases import permissions as perms
from cases import services
from cases.models import (
    BoardNotification,
    Closure,
    ConsultationAction,
    EmergencyProposal,
    FlagAssessment,
    HelpEvaluation,
    HelpPlan,
    HelpTask,
    InspectorConsultation,
    MonitoringAgreement,
    MonitoringCheckIn,
    PoliceDecision,
    RiskAssessment,
    Signal,
    TaskDone,
    Transition,
    VeiligThuisOutcome,
    VeiligThuisReport,
    WeighingAnswer,
)
from cases.models.base import AppendOnlyError
from tests import factories
from tests.cases.test_decision import (
    _route_b_at_inspector,
    agreement,
    case_at,
    closure,
    days,
    emergency_report,
    fresh,
    help_plan,
    help_tasks,
    inspector_consultation,
    mark_all_tasks_done,
    police_decision,
    route_b_case,
    start_help,
    vt_outcome,
    vt_report,
    weigh,
    weighing_answer,
)

# --- Dutch messages -----------------------------------------------------------------------------------------------

PO_FILE = Path(settings.BASE_DIR) / "locale" / "nl" / "LC_MESSAGES" / "django.po"
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text)


@functools.cache
def po_catalogue() -> dict[str, str]:
    """msgid → msgstr of the Dutch catalogue: translated, not fuzzy, without context, singular."""
    catalogue: dict[str, str] = {}
    for block in re.split(r"\n\s*\n", PO_FILE.read_text(encoding="utf-8")):
        parts: dict[str, str] = {}
        key = None
        fuzzy = False
        for line in block.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            elif line.startswith("#"):
                continue
            elif match := re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$', line):
                key = match.group(1)
                parts[key] = _unquote(match.group(2))
            elif line.startswith('"') and key:
                parts[key] += _unquote(line.strip()[1:-1])
        msgstr = parts.get("msgstr") or parts.get("msgstr[0]") or ""
        if parts.get("msgid") and msgstr and not fuzzy and "msgctxt" not in parts:
            catalogue[parts["msgid"]] = msgstr
    return catalogue


def nl(msgid: str) -> str:
    """What a Dutch user sees for ``msgid``: the translation if the catalogue has one, otherwise the English."""
    return po_catalogue().get(msgid, msgid)


def test_the_catalogue_parser_reads_translations():
    assert po_catalogue(), PO_FILE
    assert nl("step 4: weighing") == "stap 4: wegen"
    assert nl("not in the catalogue at all") == "not in the catalogue at all"


@pytest.fixture(autouse=True)
def _dutch():
    with translation.override("nl"):
        yield


# The reasons of the guards and services (msgids in cases/models/guards.py and cases/services/).
REPORT_NEEDS_TREE = (
    "A report follows from the weighing questions: question 1 = B, and then question 2 = yes or doubt, or question "
    "3, 4 or 5 = no. Outside that, only an emergency report is possible."
)
HELP_NEEDS_Q4 = "A help plan starts only when question 4 is answered with yes."
HELP_NEEDS_TASK = "The help plan needs at least one task."
CLOSE_NEEDS_Q1_A = "Only when question 1 is answered with A can the case be closed without action."
OPEN_TASKS = "There are open tasks: mark them done first."
IN_ORDER = "Answer the questions in order; this question is not the next one."
ONLY_IN_STEP_4 = "The weighing questions are answered while the case is in step 4."
CASE_CHANGED = "This case was changed by someone else meanwhile. Nothing was changed; look at the case as it is now."
NO_TEACHER_MANAGER = (
    "The case manager is not a teacher: choose the IB'er, the aandachtsfunctionaris or the internal contact person."
)


def assert_message(actual, msgid: str) -> None:
    """A clear message: not empty, and the Dutch text (or the English msgid while it is not translated yet)."""
    text = str(actual)
    assert text.strip()
    assert text == nl(msgid), f"{text!r} != {nl(msgid)!r}"


def assert_in_messages(messages, msgid: str) -> None:
    messages = [str(m) for m in messages]
    assert all(m.strip() for m in messages)
    assert nl(msgid) in messages, messages


# --- "The case unchanged" ------------------------------------------------------------------------------------

RECORD_MODELS = [
    Signal,
    WeighingAnswer,
    RiskAssessment,
    FlagAssessment,
    HelpPlan,
    HelpEvaluation,
    TaskDone,
    VeiligThuisReport,
    VeiligThuisOutcome,
    MonitoringAgreement,
    MonitoringCheckIn,
    EmergencyProposal,
    Closure,
    BoardNotification,
    InspectorConsultation,
    PoliceDecision,
]


def snapshot(case) -> dict:
    c = fresh(case)
    return {
        "state": c.state,
        "owner": c.owner_id,
        "closed_at": c.closed_at,
        "retention_until": c.retention_until,
        "acute": c.acute,
        "board_informed_on": c.board_informed_on,
        "closing_reason_code": c.closing_reason_code,
        "closing_text": c.closing_text,
        "last_activity_at": c.last_activity_at,
        "transitions": Transition.objects.filter(case=c).count(),
        "help_tasks": HelpTask.objects.filter(plan__case=c).count(),
        **{model.__name__: model.objects.filter(case=c).count() for model in RECORD_MODELS},
    }


@pytest.fixture
def unchanged():
    """``with unchanged(case): ...`` — the block must leave the case and its records exactly as they were."""

    class Check:
        def __init__(self, case):
            self.case = case

        def __enter__(self):
            self.before = snapshot(self.case)
            return self

        def __exit__(self, *exc_info):
            assert snapshot(self.case) == self.before
            return False

    return Check


# --- No report without question 1 = B, except the emergency report ---------------------------------------------


@pytest.mark.parametrize(
    "answers",
    [(), ("A",), ("B",), ("B", "no"), ("B", "no", "yes"), ("B", "no", "yes", "yes")],
    ids=["nothing", "q1-A", "q1-B", "q2-no", "q3-yes", "q4-yes"],
)
def test_no_report_unless_the_tree_leads_to_it(cast_a, unchanged, answers):
    case = weigh(cast_a.af, case_at(cast_a, "weighing"), *answers)
    with unchanged(case), pytest.raises(services.TransitionBlockedError) as exc:
        services.case_report(user=cast_a.af, case=case, report=vt_report(), expected_state="weighing")
    assert_in_messages(exc.value.reasons, REPORT_NEEDS_TREE)
    assert not VeiligThuisReport.objects.filter(case=case).exists()  # the record went with the refused transition


def test_the_emergency_report_is_the_exception(cast_a):
    case = weigh(cast_a.af, case_at(cast_a, "weighing"), "A")
    case = services.case_emergency_report(
        user=cast_a.af, case=case, report=emergency_report(), expected_state="weighing"
    )
    case = fresh(case)
    assert case.state == "reported"
    assert case.acute


# --- No help plan before question 4 = yes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "answers",
    [(), ("A",), ("B",), ("B", "yes"), ("B", "doubt"), ("B", "no"), ("B", "no", "no"), ("B", "no", "yes")]
    + [("B", "no", "yes", "no")],
    ids=["nothing", "q1-A", "q1-B", "q2-yes", "q2-doubt", "q2-no", "q3-no", "q3-yes", "q4-no"],
)
def test_no_help_plan_before_q4_yes(cast_a, unchanged, answers):
    case = weigh(cast_a.af, case_at(cast_a, "weighing"), *answers)
    with unchanged(case), pytest.raises(services.TransitionBlockedError) as exc:
        services.help_plan_start(
            user=cast_a.af, case=case, plan=help_plan(cast_a.ib), tasks=help_tasks(2), expected_state="weighing"
        )
    assert_in_messages(exc.value.reasons, HELP_NEEDS_Q4)


def test_no_close_without_action_unless_q1_is_a(cast_a, unchanged):
    case = weigh(cast_a.af, case_at(cast_a, "weighing"), "B")
    with unchanged(case), pytest.raises(services.TransitionBlockedError) as exc:
        services.case_close(
            user=cast_a.af, case=case, closure=closure(reason_code="no_action"), expected_state="weighing"
        )
    assert_in_messages(exc.value.reasons, CLOSE_NEEDS_Q1_A)


# --- Only the aandachtsfunctionaris closes, weighs and decides -----------------------------------------------


def _closable(cast, state):
    if state == "weighing":
        return weigh(cast.af, case_at(cast, "weighing"), "A")
    case = case_at(cast, state)
    mark_all_tasks_done(cast.af, case)
    return fresh(case)


@pytest.mark.parametrize("state", ["weighing", "monitoring", "vt_involved"])
@pytest.mark.parametrize("role", ["ib", "teacher", "other_teacher", "contact_person"])
def test_only_the_aandachtsfunctionaris_closes(cast_a, unchanged, role, state):
    case = _closable(cast_a, state)
    reason = "no_action" if state == "weighing" else "other"  # a reason that fits the path (issue 17, finding 8)
    with unchanged(case), pytest.raises(PermissionDenied):
        services.case_close(
            user=cast_a.by_role(role), case=case, closure=closure(reason_code=reason), expected_state=state
        )
    # The same close by the aandachtsfunctionaris goes through: the refusal was about the role.
    services.case_close(user=cast_a.af, case=case, closure=closure(reason_code=reason), expected_state=state)
    assert fresh(case).state == "closed"


def test_the_af_of_another_school_cannot_close(cast_a, cast_b, unchanged):
    case = _closable(cast_a, "monitoring")
    with unchanged(case), pytest.raises(PermissionDenied):
        services.case_close(user=cast_b.af, case=case, closure=closure(), expected_state="monitoring")


@pytest.mark.parametrize("role", ["ib", "teacher"])
def test_only_the_aandachtsfunctionaris_weighs(cast_a, unchanged, role):
    case = case_at(cast_a, "weighing")
    with unchanged(case), pytest.raises(PermissionDenied):
        services.weighing_answer_record(user=cast_a.by_role(role), case=case, answer=weighing_answer(1, "A"))


@pytest.mark.parametrize("role", ["ib", "teacher"])
def test_only_the_aandachtsfunctionaris_reports_after_the_weighing(cast_a, unchanged, role):
    case = weigh(cast_a.af, case_at(cast_a, "weighing"), "B", "yes")
    with unchanged(case), pytest.raises(PermissionDenied):
        services.case_report(user=cast_a.by_role(role), case=case, report=vt_report(), expected_state="weighing")


# --- The weighing questions in order, and only in step 4 -----------------------------------------------------


@pytest.mark.parametrize(
    "answered,question,value",
    [
        ((), 2, "no"),
        ((), 3, "yes"),
        (("B",), 1, "A"),  # question 1 cannot be answered again in the same round
        (("B",), 3, "no"),
        (("B", "no"), 4, "yes"),
        (("B", "no", "yes"), 5, "yes"),
        (("B", "no", "yes", "yes"), 5, "yes"),  # question 5 is answered by the evaluation of the help
        (("A",), 2, "yes"),  # after question 1 = A there is no next question
        (("B", "yes"), 3, "yes"),  # after question 2 = yes the case is reported
    ],
)
def test_weighing_questions_out_of_order(cast_a, unchanged, answered, question, value):
    case = weigh(cast_a.af, case_at(cast_a, "weighing"), *answered)
    with unchanged(case), pytest.raises(services.NotNowError) as exc:
        services.weighing_answer_record(user=cast_a.af, case=case, answer=weighing_answer(question, value))
    assert_message(exc.value, IN_ORDER)


@pytest.mark.parametrize("state", ["signalling", "consulting", "parent_talk", "help", "reported", "closed"])
def test_answering_when_not_in_weighing(cast_a, unchanged, state):
    case = case_at(cast_a, state)
    with unchanged(case), pytest.raises(services.NotNowError) as exc:
        services.weighing_answer_record(user=cast_a.af, case=case, answer=weighing_answer(1, "B"))
    assert_message(exc.value, ONLY_IN_STEP_4)


def test_answering_in_route_b(cast_a, unchanged):
    case = route_b_case(cast_a)
    with unchanged(case), pytest.raises(services.NotNowError) as exc:
        services.weighing_answer_record(user=cast_a.af, case=case, answer=weighing_answer(1, "B"))
    assert_message(exc.value, ONLY_IN_STEP_4)


def test_an_answer_needs_a_justification(cast_a, unchanged):
    case = case_at(cast_a, "weighing")
    with unchanged(case), pytest.raises(ValidationError) as exc:
        services.weighing_answer_record(user=cast_a.af, case=case, answer=weighing_answer(1, "A", justification=" "))
    assert "justification" in exc.value.message_dict


# --- Closing needs the open tasks done -------------------------------------------------------------------------


def test_close_with_an_open_help_task_is_refused(cast_a, unchanged):
    case = case_at(cast_a, "weighing")
    start_help(cast_a, case, tasks=2)
    services.help_evaluate(
        user=cast_a.af,
        case=case,
        evaluation=HelpEvaluation(
            plan=HelpPlan.objects.get(case=case),
            evaluated_on=timezone.localdate(),
            result_reached=True,
            findings="Ok",
            early_reason="Tussentijds.",
        ),
        expected_state="help",
    )
    services.monitoring_start(user=cast_a.af, case=case, agreement=agreement(), expected_state="evaluating")
    first, second = HelpTask.objects.filter(plan__case=case).order_by("pk")
    services.task_done_record(user=cast_a.af, case=case, done=TaskDone(help_task=first))
    with unchanged(case), pytest.raises(services.TransitionBlockedError) as exc:
        services.case_close(user=cast_a.af, case=case, closure=closure(), expected_state="monitoring")
    assert_in_messages(exc.value.reasons, OPEN_TASKS)
    services.task_done_record(user=cast_a.af, case=case, done=TaskDone(help_task=second))
    services.case_close(user=cast_a.af, case=case, closure=closure(), expected_state="monitoring")
    assert fresh(case).state == "closed"


def test_close_with_an_open_consultation_action_is_refused(cast_a, unchanged):
    case = case_at(cast_a, "vt_involved")
    consultation = factories.add_consultation(cast_a.ib, case)
    services.consultation_actions_save(consultation, [{"who": "IB'er", "what": "Wijkteam bellen", "due_on": days(7)}])
    with unchanged(case), pytest.raises(services.TransitionBlockedError) as exc:
        services.case_close(
            user=cast_a.af, case=case, closure=closure(reason_code="vt_took_over"), expected_state="vt_involved"
        )
    assert_in_messages(exc.value.reasons, OPEN_TASKS)
    action = ConsultationAction.objects.get(consultation=consultation)
    services.task_done_record(user=cast_a.ib, case=case, done=TaskDone(consultation_action=action))
    services.case_close(
        user=cast_a.af, case=case, closure=closure(reason_code="vt_took_over"), expected_state="vt_involved"
    )
    assert fresh(case).state == "closed"


def test_a_task_is_done_only_once(cast_a, unchanged):
    case = case_at(cast_a, "help")
    task = HelpTask.objects.get(plan__case=case)
    services.task_done_record(user=cast_a.af, case=case, done=TaskDone(help_task=task))
    with unchanged(case), pytest.raises(ValidationError):
        services.task_done_record(user=cast_a.af, case=case, done=TaskDone(help_task=task))


def test_a_teacher_cannot_mark_a_task_done(cast_a, unchanged):
    case = case_at(cast_a, "help")
    task = HelpTask.objects.get(plan__case=case)
    with unchanged(case), pytest.raises(PermissionDenied):
        services.task_done_record(user=cast_a.teacher, case=case, done=TaskDone(help_task=task))


def test_closing_needs_a_reason_why_the_parents_were_not_told(cast_a, unchanged):
    case = weigh(cast_a.af, case_at(cast_a, "weighing"), "A")
    with unchanged(case), pytest.raises(ValidationError) as exc:
        services.case_close(
            user=cast_a.af,
            case=case,
            closure=closure(reason_code="no_action", parents_told=False, parents_not_told_reason=""),
            expected_state="weighing",
        )
    assert_in_messages(exc.value.message_dict["parents_not_told_reason"], "Say why the parents were not told.")


# --- A stale expected_state -----------------------------------------------------------------------------------


def _q1_a(cast):
    return weigh(cast.af, case_at(cast, "weighing"), "A")


STALE_CALLS = {
    "close": lambda cast, case: services.case_close(
        user=cast.af, case=case, closure=closure(), expected_state="monitoring"
    ),
    "close-no-action": lambda cast, case: services.case_close(
        user=cast.af, case=case, closure=closure(reason_code="no_action"), expected_state="weighing"
    ),
    "report": lambda cast, case: services.case_report(
        user=cast.af, case=case, report=vt_report(), expected_state="evaluating"
    ),
    "emergency": lambda cast, case: services.case_emergency_report(
        user=cast.af, case=case, report=emergency_report(), expected_state="signalling"
    ),
    "help": lambda cast, case: services.help_plan_start(
        user=cast.af, case=case, plan=help_plan(cast.ib), tasks=help_tasks(), expected_state="weighing"
    ),
    "monitoring": lambda cast, case: services.monitoring_start(
        user=cast.af, case=case, agreement=agreement(), expected_state="evaluating"
    ),
    "vt-outcome": lambda cast, case: services.vt_outcome_record(
        user=cast.af, case=case, outcome=vt_outcome(), expected_state="reported"
    ),
    "transition": lambda cast, case: services.case_transition(
        user=cast.ib, case_id=case.pk, name="to_weighing", expected_state="parent_talk"
    ),
}
# The state the case is really in when the call above arrives with its (stale) expected_state.
STALE_SETUP = {
    "close": lambda cast: _q1_a(cast),
    "close-no-action": lambda cast: case_at(cast, "monitoring"),
    "report": lambda cast: weigh(cast.af, case_at(cast, "weighing"), "B", "yes"),
    "emergency": lambda cast: case_at(cast, "consulting"),
    "help": lambda cast: case_at(cast, "help"),
    "monitoring": lambda cast: case_at(cast, "monitoring"),
    "vt-outcome": lambda cast: case_at(cast, "vt_involved"),
    "transition": lambda cast: case_at(cast, "weighing"),
}


STALE_CALLS["vt-outcome-seen-involved"] = lambda cast, case: services.vt_outcome_record(
    user=cast.af, case=case, outcome=vt_outcome(), expected_state="vt_involved"
)
STALE_SETUP["vt-outcome-seen-involved"] = lambda cast: case_at(cast, "reported")
STALE_CALLS["vt-outcome-seen-monitoring"] = lambda cast, case: services.vt_outcome_record(
    user=cast.af, case=case, outcome=vt_outcome(), expected_state="monitoring"
)
STALE_SETUP["vt-outcome-seen-monitoring"] = lambda cast: case_at(cast, "vt_involved")


@pytest.mark.parametrize(
    "name",
    list(STALE_CALLS),
)
def test_a_stale_expected_state_changes_nothing(cast_a, unchanged, name):
    case = STALE_SETUP[name](cast_a)
    with unchanged(case), pytest.raises(services.CaseChangedError) as exc:
        STALE_CALLS[name](cast_a, case)
    assert_message(exc.value, CASE_CHANGED)
    assert nl(CASE_CHANGED) != CASE_CHANGED  # this one is translated: the user reads Dutch


# --- The help plan ----------------------------------------------------------------------------------------------


def _at_q4_yes(cast):
    return weigh(cast.af, case_at(cast, "weighing"), "B", "no", "yes", "yes")


@pytest.mark.parametrize("manager", ["teacher", "other_teacher"])
def test_help_plan_with_a_teacher_as_case_manager_is_refused(cast_a, unchanged, manager):
    case = _at_q4_yes(cast_a)
    with unchanged(case), pytest.raises(ValidationError) as exc:
        services.help_plan_start(
            user=cast_a.af,
            case=case,
            plan=help_plan(cast_a.by_role(manager)),
            tasks=help_tasks(),
            expected_state="weighing",
        )
    assert_in_messages(exc.value.message_dict["case_manager"], NO_TEACHER_MANAGER)


def test_help_plan_with_a_case_manager_of_another_school_is_refused(cast_a, cast_b, unchanged):
    case = _at_q4_yes(cast_a)
    with unchanged(case), pytest.raises(ValidationError) as exc:
        services.help_plan_start(
            user=cast_a.af, case=case, plan=help_plan(cast_b.ib), tasks=help_tasks(), expected_state="weighing"
        )
    assert "case_manager" in exc.value.message_dict


@pytest.mark.parametrize("manager", ["ib", "af", "contact_person"])
def test_help_plan_case_manager_at_school(cast_a, manager):
    case = _at_q4_yes(cast_a)
    services.help_plan_start(
        user=cast_a.af,
        case=case,
        plan=help_plan(cast_a.by_role(manager)),
        tasks=help_tasks(),
        expected_state="weighing",
    )
    assert fresh(case).state == "help"
    assert HelpPlan.objects.get(case=case).case_manager == cast_a.by_role(manager)


def test_help_plan_needs_one_case_manager(cast_a, unchanged):
    case = _at_q4_yes(cast_a)
    with unchanged(case), pytest.raises(ValidationError) as exc:
        services.help_plan_start(
            user=cast_a.af, case=case, plan=help_plan(None), tasks=help_tasks(), expected_state="weighing"
        )
    assert "case_manager" in exc.value.message_dict
    with unchanged(case), pytest.raises(ValidationError):
        services.help_plan_start(
            user=cast_a.af,
            case=case,
            plan=help_plan(cast_a.ib, case_manager_external="Wijkteam Oost, mevrouw Smit"),
            tasks=help_tasks(),
            expected_state="weighing",
        )


@pytest.mark.parametrize(
    "tasks",
    [[], [{"who": "", "what": "", "due_on": None}]],
    ids=["no-tasks", "only-empty-rows"],
)
def test_help_plan_without_tasks_is_refused(cast_a, unchanged, tasks):
    case = _at_q4_yes(cast_a)
    with unchanged(case), pytest.raises(services.TransitionBlockedError) as exc:
        services.help_plan_start(
            user=cast_a.af, case=case, plan=help_plan(cast_a.ib), tasks=tasks, expected_state="weighing"
        )
    assert_in_messages(exc.value.reasons, HELP_NEEDS_TASK)


@pytest.mark.parametrize("offset", [-1, 0], ids=["yesterday", "today"])
def test_help_plan_evaluation_date_must_be_in_the_future(cast_a, unchanged, offset):
    case = _at_q4_yes(cast_a)
    with unchanged(case), pytest.raises(ValidationError) as exc:
        services.help_plan_start(
            user=cast_a.af,
            case=case,
            plan=help_plan(cast_a.ib, evaluation_on=days(offset)),
            tasks=help_tasks(),
            expected_state="weighing",
        )
    assert_in_messages(exc.value.message_dict["evaluation_on"], "The evaluation date must be in the future.")


# --- The report to Veilig Thuis ---------------------------------------------------------------------------------

REPORT_ERRORS = {
    "no-meldrecht": (
        {"meldrecht_acknowledged": False},
        "meldrecht_acknowledged",
        "Confirm that you know the meldrecht.",
    ),
    "parents-not-informed-no-reason": (
        {"parents_informed": False, "parents_informed_on": None, "not_informed_reason": ""},
        "not_informed_reason",
        "Say why the parents were not told beforehand.",
    ),
    "parents-informed-no-date": (
        {"parents_informed": True, "parents_informed_on": None},
        "parents_informed_on",
        "Give the date on which the parents were told.",
    ),
    "anonymous-no-reason": (
        {"anonymous_to_family": True, "anonymity_reason": ""},
        "anonymity_reason",
        "Give the reason for asking anonymity towards the family.",
    ),
    "anonymous-blank-reason": (
        {"anonymous_to_family": True, "anonymity_reason": "   "},
        "anonymity_reason",
        "Give the reason for asking anonymity towards the family.",
    ),
    "reported-in-the-future": (
        {"reported_at": timezone.now() + datetime.timedelta(days=1)},
        "reported_at",
        "This moment is in the future.",
    ),
}


@pytest.mark.parametrize("name", list(REPORT_ERRORS))
def test_an_incomplete_report_is_refused(cast_a, unchanged, name):
    overrides, field, msgid = REPORT_ERRORS[name]
    case = weigh(cast_a.af, case_at(cast_a, "weighing"), "B", "yes")
    with unchanged(case), pytest.raises(ValidationError) as exc:
        services.case_report(user=cast_a.af, case=case, report=vt_report(**overrides), expected_state="weighing")
    assert_in_messages(exc.value.message_dict[field], msgid)


@pytest.mark.parametrize("name", [*REPORT_ERRORS, "no-justification"])
def test_an_incomplete_emergency_report_is_refused(cast_a, unchanged, name):
    if name == "no-justification":
        overrides, field, msgid = {"emergency_justification": " "}, "emergency_justification", None
    else:
        overrides, field, msgid = REPORT_ERRORS[name]
    case = case_at(cast_a, "signalling")
    with unchanged(case), pytest.raises(ValidationError) as exc:
        services.case_emergency_report(
            user=cast_a.af, case=case, report=emergency_report(**overrides), expected_state="signalling"
        )
    if msgid:
        assert_in_messages(exc.value.message_dict[field], msgid)
    else:
        assert_in_messages(exc.value.message_dict[field], "Explain why this is an emergency.")
    assert not WeighingAnswer.objects.filter(case=case).exists()  # no "yes (acute)" without the report


def test_anonymity_with_a_reason_and_parents_not_told_with_a_reason_are_accepted(cast_a):
    case = weigh(cast_a.af, case_at(cast_a, "weighing"), "B", "doubt")
    services.case_report(
        user=cast_a.af,
        case=case,
        report=vt_report(
            parents_informed=False,
            parents_informed_on=None,
            not_informed_reason="reporter_safety",
            not_informed_explanation="Vader heeft eerder gedreigd.",
            anonymous_to_family=True,
            anonymity_reason="Vader heeft de leerkracht bedreigd.",
        ),
        expected_state="weighing",
    )
    assert fresh(case).state == "reported"
    vt = VeiligThuisReport.objects.get(case=case)
    assert vt.anonymous_to_family and vt.anonymity_reason == "Vader heeft de leerkracht bedreigd."


# --- Route B ------------------------------------------------------------------------------------------------------


def test_police_report_without_informing_parents_and_accused_is_refused(cast_a, unchanged):
    case = _route_b_at_inspector(cast_a)
    with unchanged(case), pytest.raises(ValidationError) as exc:
        services.route_b_police_decision(
            user=cast_a.af,
            case=case,
            decision_record=police_decision(parents_informed_before=False),
            expected_state="inspector_consulted",
        )
    assert_in_messages(exc.value.messages, "The parents and the accused are told before the police report is made.")


def test_inspector_without_board_notification_is_refused(cast_a, unchanged):
    case = route_b_case(cast_a)
    with unchanged(case), pytest.raises(services.TransitionBlockedError) as exc:
        services.route_b_inspector_consulted(
            user=cast_a.af, case=case, consultation=inspector_consultation(), expected_state="duty_to_inform"
        )
    assert_in_messages(exc.value.reasons, "Record when the board was informed.")


# --- Append-only records ---------------------------------------------------------------------------------------


@pytest.fixture
def records(cast_a) -> dict:
    """One stored row of each record model of steps 4-5 and route B, made through the services."""
    case = case_at(cast_a, "monitoring")  # weighing answers, help plan and task, evaluation, monitoring agreement
    mark_all_tasks_done(cast_a.af, case)
    services.entry_record(
        user=cast_a.af,
        case=case,
        entry=MonitoringCheckIn(
            agreement=MonitoringAgreement.objects.get(case=case),
            held_on=timezone.localdate(),
            findings="Gaat goed.",
        ),
        permission=perms.DECIDE,
    )
    services.entry_record(
        user=cast_a.af,
        case=case,
        entry=RiskAssessment(risk_factors="Schulden.", protective_factors="Betrokken oma."),
        permission=perms.WEIGH,
    )
    services.entry_record(user=cast_a.ib, case=case, entry=_flag(flag="yellow"), permission=perms.CONSULT)
    services.entry_record(
        user=cast_a.teacher,
        case=case,
        entry=EmergencyProposal(justification="Zorgen na de vakantie."),
        permission=perms.PROPOSE_EMERGENCY,
    )
    services.case_report(user=cast_a.af, case=case, report=vt_report(), expected_state="monitoring")  # report after all
    services.vt_outcome_record(user=cast_a.af, case=case, outcome=vt_outcome(), expected_state="reported")
    services.case_close(user=cast_a.af, case=case, closure=closure(), expected_state="vt_involved")
    b = _route_b_at_inspector(cast_a)
    services.route_b_police_decision(user=cast_a.af, case=b, decision_record=police_decision(), expected_state=b.state)
    rows = {
        model: model.objects.get(case__in=[case, b]) for model in APPEND_ONLY if model not in (WeighingAnswer, HelpTask)
    }
    rows[WeighingAnswer] = WeighingAnswer.objects.filter(case=case).first()
    rows[HelpTask] = HelpTask.objects.get(plan__case=case)
    return rows


APPEND_ONLY = [
    WeighingAnswer,
    HelpPlan,
    HelpTask,
    TaskDone,
    VeiligThuisReport,
    VeiligThuisOutcome,
    MonitoringAgreement,
    MonitoringCheckIn,
    Closure,
    EmergencyProposal,
    BoardNotification,
    InspectorConsultation,
    PoliceDecision,
    RiskAssessment,
    FlagAssessment,
    HelpEvaluation,
]
# A text field of each model, to try to change.
TEXT_FIELD = {
    WeighingAnswer: "justification",
    HelpPlan: "roles",
    HelpTask: "what",
    TaskDone: "note",
    VeiligThuisReport: "direct_cause",
    VeiligThuisOutcome: "expectations",
    MonitoringAgreement: "who",
    MonitoringCheckIn: "findings",
    Closure: "text",
    EmergencyProposal: "justification",
    BoardNotification: "informed_whom",
    InspectorConsultation: "advice",
    PoliceDecision: "explanation",
    RiskAssessment: "risk_factors",
    FlagAssessment: "points_to_work_on",
    HelpEvaluation: "findings",
}


def test_every_record_model_of_steps_4_5_is_covered():
    assert set(APPEND_ONLY) == set(TEXT_FIELD)
    assert len(APPEND_ONLY) == 16


@pytest.mark.parametrize("model", APPEND_ONLY, ids=lambda m: m.__name__)
def test_records_are_append_only(records, model):
    row = records[model]
    field = TEXT_FIELD[model]
    original = getattr(row, field)
    count = model.objects.count()

    setattr(row, field, "gewijzigd")
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        model.objects.filter(pk=row.pk).update(**{field: "gewijzigd"})
    with pytest.raises(AppendOnlyError):
        model.objects.filter(pk=row.pk).delete()
    with pytest.raises(AppendOnlyError):
        model.objects.all().delete()

    assert model.objects.count() == count
    assert getattr(model.objects.get(pk=row.pk), field) == original


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the database triggers exist on PostgreSQL only")
@pytest.mark.parametrize("model", APPEND_ONLY, ids=lambda m: m.__name__)
def test_the_database_refuses_update_and_delete(records, model):
    row = records[model]
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(model._meta.get_field(TEXT_FIELD[model]).column)
    for sql in (f"UPDATE {table} SET {column} = 'gewijzigd' WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [row.pk])
    assert model.objects.filter(pk=row.pk).exists()


# --- The vlaggensysteem: the flag is chosen, never computed --------------------------------------------------------

CRITERIA = ["consent", "voluntariness", "equality", "development", "context", "self_respect"]


def _flag(flag: str, judgement: str = "ok", **overrides) -> FlagAssessment:
    data = {"kind": "individual", "flag": flag, **{c: judgement for c in CRITERIA}}
    data.update({f"{c}_note": f"Toelichting {c}." for c in CRITERIA})
    data.update(overrides)
    return FlagAssessment(**data)


@pytest.mark.parametrize(
    "judgement,flag",
    [("ok", "red"), ("ok", "black"), ("not_ok", "green"), ("unclear", "yellow")],
)
def test_the_flag_is_stored_exactly_as_chosen(cast_a, judgement, flag):
    case = factories.case_in_state(cast_a, "weighing", pupil=factories.PupilFactory(class_group=cast_a.group1))
    entry = services.entry_record(user=cast_a.af, case=case, entry=_flag(flag, judgement), permission=perms.CONSULT)
    stored = FlagAssessment.objects.get(pk=entry.pk)
    assert stored.flag == flag
    assert all(getattr(stored, c) == judgement for c in CRITERIA)
    assert stored.author == cast_a.af


# --- A closed case is read-only ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["risk", "proposal", "task-done", "weighing", "signal-by-teacher"])
def test_a_closed_case_is_read_only(cast_a, unchanged, kind):
    case = case_at(cast_a, "weighing")
    consultation = factories.add_consultation(cast_a.ib, case)
    services.consultation_actions_save(consultation, [{"who": "IB'er", "what": "Nabellen", "due_on": days(7)}])
    weigh(cast_a.af, case, "A")
    services.case_close(user=cast_a.af, case=case, closure=closure(reason_code="no_action"), expected_state="weighing")
    assert fresh(case).state == "closed"
    action = ConsultationAction.objects.get(consultation=consultation)
    calls = {
        "risk": lambda: services.entry_record(
            user=cast_a.af,
            case=case,
            entry=RiskAssessment(risk_factors="Schulden.", protective_factors="Oma."),
            permission=perms.WEIGH,
        ),
        "proposal": lambda: services.entry_record(
            user=cast_a.teacher,
            case=case,
            entry=EmergencyProposal(justification="Zorgen."),
            permission=perms.PROPOSE_EMERGENCY,
        ),
        "task-done": lambda: services.task_done_record(
            user=cast_a.af, case=case, done=TaskDone(consultation_action=action)
        ),
        "weighing": lambda: services.weighing_answer_record(user=cast_a.af, case=case, answer=weighing_answer(1, "A")),
        "signal-by-teacher": lambda: services.signal_record(
            user=cast_a.teacher, case=case, signal=factories.make_signal()
        ),
    }
    errors = (services.CaseClosedError, services.NotNowError, PermissionDenied)
    with unchanged(case), pytest.raises(errors) as exc:
        calls[kind]()
    if not isinstance(exc.value, PermissionDenied):
        assert str(exc.value).strip()


# --- Records that point to another case ------------------------------------------------------------------------


def test_an_evaluation_of_another_case_s_help_plan_is_refused(cast_a, unchanged):
    case = case_at(cast_a, "help")
    other = case_at(cast_a, "help")
    with unchanged(case), pytest.raises((PermissionDenied, ValidationError)):
        services.help_evaluate(
            user=cast_a.af,
            case=case,
            evaluation=HelpEvaluation(
                plan=HelpPlan.objects.get(case=other),
                evaluated_on=timezone.localdate(),
                result_reached=True,
                findings="Ok",
                early_reason="Tussentijds.",
            ),
            expected_state="help",
        )


def test_a_check_in_on_another_case_s_agreement_is_refused(cast_a, unchanged):
    case = case_at(cast_a, "monitoring")
    other = case_at(cast_a, "monitoring")
    with unchanged(case), pytest.raises((PermissionDenied, ValidationError)):
        services.entry_record(
            user=cast_a.af,
            case=case,
            entry=MonitoringCheckIn(
                agreement=MonitoringAgreement.objects.get(case=other),
                held_on=timezone.localdate(),
                findings="Gaat goed.",
            ),
            permission=perms.DECIDE,
        )


HARD_RULE_MSGIDS = [
    REPORT_NEEDS_TREE,
    HELP_NEEDS_Q4,
    HELP_NEEDS_TASK,
    CLOSE_NEEDS_Q1_A,
    OPEN_TASKS,
    IN_ORDER,
    ONLY_IN_STEP_4,
    CASE_CHANGED,
    NO_TEACHER_MANAGER,
    "The evaluation date must be in the future.",
    "Confirm that you know the meldrecht.",
    "Say why the parents were not told beforehand.",
    "Give the reason for asking anonymity towards the family.",
    "Explain why this is an emergency.",
    "The parents and the accused are told before the police report is made.",
    "Record when the board was informed.",
]


def test_the_refusals_of_the_hard_rules_are_in_dutch():
    untranslated = [msgid for msgid in HARD_RULE_MSGIDS if msgid not in po_catalogue()]
    assert untranslated == []
