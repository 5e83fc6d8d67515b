"""Every path through the decision tree of the five weighing questions (domain.md §4).

Two levels: ``cases.decision.position`` for every combination of answers, and end to end through the services,
from a case in step 4 (weighing) to each end the tree leads to. The helpers at the top build the records of steps 4
and 5; the other test modules of steps 4-5 reuse them.
"""

import datetime
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from cases import decision, services
from cases import permissions as perms
from cases.models import (
    BoardNotification,
    Case,
    Closure,
    EmergencyProposal,
    HelpEvaluation,
    HelpPlan,
    HelpTask,
    InspectorConsultation,
    MonitoringAgreement,
    PoliceDecision,
    Signal,
    TaskDone,
    Transition,
    VeiligThuisOutcome,
    VeiligThuisReport,
    WeighingAnswer,
)
from tests import factories

# --- Helpers: the records of steps 4-5, built at call time (their ``recorded_at`` is set when they are made) ----


def days(n: int) -> datetime.date:
    """Today plus ``n`` days (negative: in the past)."""
    return timezone.localdate() + datetime.timedelta(days=n)


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def weighing_answer(question: int, value: str, **overrides) -> WeighingAnswer:
    data = {
        "question": question,
        "answer": value,
        "justification": f"Onderbouwing van vraag {question}: {value}.",
        "board_informed_on": days(-3) if question == 1 and value == decision.Q1_SUSPICION else None,
    }
    data.update(overrides)
    return WeighingAnswer(**data)


def weigh(user, case: Case, *answers: str) -> Case:
    """Answer questions 1, 2, ... in order with ``answers`` through the service."""
    for number, value in enumerate(answers, start=1):
        services.weighing_answer_record(user=user, case=case, answer=weighing_answer(number, value))
    return fresh(case)


def vt_report(**overrides) -> VeiligThuisReport:
    data = {
        "reported_at": timezone.now() - datetime.timedelta(hours=1),
        "channel": "phone",
        "vt_contact": "mevrouw De Wit",
        "relation_to_family": "Leerkracht en aandachtsfunctionaris van het kind.",
        "direct_cause": "Het kind vertelde over slaan thuis.",
        "nature_frequency_severity": "Blauwe plekken, drie keer in twee weken.",
        "parents_informed": True,
        "parents_informed_on": days(-1),
        "parents_reaction": "Moeder was boos.",
        "meldrecht_acknowledged": True,
    }
    data.update(overrides)
    return VeiligThuisReport(**data)


def emergency_report(**overrides) -> VeiligThuisReport:
    data = {
        "emergency_justification": "Het kind durft niet naar huis; vader heeft gedreigd.",
        "parents_informed": False,
        "parents_informed_on": None,
        "not_informed_reason": "child_safety",
    }
    data.update(overrides)
    return vt_report(**data)


def help_plan(manager, **overrides) -> HelpPlan:
    data = {
        "case_manager": manager,
        "roles": "IB'er is casemanager; wijkteam begeleidt het gezin.",
        "measurable_result": "Het kind komt vier weken op tijd en uitgerust op school.",
        "evaluation_on": days(30),
        "parents_accept": "yes",
    }
    data.update(overrides)
    return HelpPlan(**data)


def help_tasks(n: int = 1) -> list[dict]:
    return [
        {"who": f"IB'er {i}", "what": f"Taak {i}: aanmelden bij het wijkteam", "due_on": days(14)} for i in range(n)
    ]


def evaluation(case: Case, reached: bool, **overrides) -> HelpEvaluation:
    data = {
        "plan": HelpPlan.objects.filter(case=case).latest("recorded_at"),
        "evaluated_on": timezone.localdate(),
        "result_reached": reached,
        "findings": "Het resultaat is bereikt." if reached else "Het resultaat is niet bereikt.",
    }
    data.update(overrides)
    if data["evaluated_on"] < data["plan"].evaluation_on:  # before the agreed date only with a reason (§9.5)
        data.setdefault("early_reason", "Tussentijdse evaluatie: de situatie is veranderd.")
    return HelpEvaluation(**data)


def agreement(**overrides) -> MonitoringAgreement:
    data = {"what": "Welzijn en aanwezigheid", "who": "leerkracht groep 1", "how_often": "wekelijks", "until": days(90)}
    data.update(overrides)
    return MonitoringAgreement(**data)


def vt_outcome(**overrides) -> VeiligThuisOutcome:
    data = {
        "assessed_on": timezone.localdate(),
        "decision": "investigation",
        "expectations": "School blijft signaleren.",
    }
    data.update(overrides)
    return VeiligThuisOutcome(**data)


def closure(**overrides) -> Closure:
    data = {
        "reason_code": "help_completed",
        "text": "De hulp is afgerond en het monitoren is beëindigd.",
        "parents_told": True,
    }
    data.update(overrides)
    return Closure(**data)


def close(cast, case: Case, **overrides) -> Case:
    return services.case_close(user=cast.af, case=case, closure=closure(**overrides), expected_state=fresh(case).state)


def start_help(cast, case: Case, tasks: int = 1) -> Case:
    """From weighing: answer up to question 4 = yes and start the help plan."""
    weigh(cast.af, case, "B", "no", "yes", "yes")
    return services.help_plan_start(
        user=cast.af, case=case, plan=help_plan(cast.ib), tasks=help_tasks(tasks), expected_state="weighing"
    )


def evaluate(cast, case: Case, reached: bool) -> Case:
    return services.help_evaluate(user=cast.af, case=case, evaluation=evaluation(case, reached), expected_state="help")


def start_monitoring(cast, case: Case) -> Case:
    return services.monitoring_start(user=cast.af, case=case, agreement=agreement(), expected_state=fresh(case).state)


def report(cast, case: Case, **overrides) -> Case:
    return services.case_report(
        user=cast.af, case=case, report=vt_report(**overrides), expected_state=fresh(case).state
    )


def mark_all_tasks_done(user, case: Case) -> None:
    for task in HelpTask.objects.filter(plan__case=case, done__isnull=True):
        services.task_done_record(user=user, case=case, done=TaskDone(help_task=task, note="Gedaan."))


def case_at(cast, state: str, pupil=None) -> Case:
    """A case of ``cast``'s school walked through the services to ``state`` (any state of route A)."""
    early = ["signalling", "consulting", "parent_talk", "weighing"]
    if state in early:
        return fresh(factories.case_in_state(cast, state, pupil=pupil))
    case = factories.case_in_state(cast, "weighing", pupil=pupil)
    if state == "closed":
        weigh(cast.af, case, "A")
        return services.case_close(
            user=cast.af,
            case=case,
            closure=closure(reason_code="no_action", text="Geen actie nodig."),
            expected_state="weighing",
        )
    if state in ("reported", "vt_involved"):
        weigh(cast.af, case, "B", "yes")
        case = report(cast, case)
        if state == "vt_involved":
            case = services.vt_outcome_record(user=cast.af, case=case, outcome=vt_outcome(), expected_state="reported")
        return case
    case = start_help(cast, case)
    if state == "help":
        return case
    case = evaluate(cast, case, reached=True)
    if state == "evaluating":
        return case
    assert state == "monitoring", state
    return start_monitoring(cast, case)


def route_b_case(cast, pupil=None) -> Case:
    pupil = pupil or factories.PupilFactory(class_group=cast.group1)
    return fresh(factories.open_case(cast.teacher, pupil, route="B", kind="child_words"))


def board_notification(**overrides) -> BoardNotification:
    data = {"informed_on": days(-1), "informed_whom": "voorzitter college van bestuur", "how": "telefonisch"}
    data.update(overrides)
    return BoardNotification(**data)


def inspector_consultation(**overrides) -> InspectorConsultation:
    data = {
        "consulted_on": timezone.localdate(),
        "inspector": "vertrouwensinspecteur",
        "advice": "Aangifte doen; ouders en betrokkene vooraf informeren.",
        "reasonable_suspicion": True,
    }
    data.update(overrides)
    return InspectorConsultation(**data)


def police_decision(**overrides) -> PoliceDecision:
    data = {
        "report_made": True,
        "decided_on": timezone.localdate(),
        "parents_informed_before": True,
        "accused_informed_before": True,
        "explanation": "Besluit na advies van de vertrouwensinspecteur.",
    }
    data.update(overrides)
    return PoliceDecision(**data)


def last_transition(case: Case) -> Transition:
    return Transition.objects.filter(case=case).order_by("-at", "-pk").first()


# --- Unit level: cases.decision.position for every combination of answers --------------------------------------

P = decision.Position
TABLE = [
    # (answers, next question, outcome)
    ({}, 1, None),
    ({1: "A"}, None, decision.CLOSE),
    ({1: "B"}, 2, None),
    ({1: "B", 2: "yes"}, None, decision.REPORT),
    ({1: "B", 2: "doubt"}, None, decision.REPORT),  # doubt counts as yes
    ({1: "B", 2: "yes_acute"}, None, decision.REPORT),
    ({1: "B", 2: "no"}, 3, None),
    ({1: "B", 2: "no", 3: "no"}, None, decision.REPORT),
    ({1: "B", 2: "no", 3: "yes"}, 4, None),
    ({1: "B", 2: "no", 3: "yes", 4: "no"}, None, decision.REPORT),
    ({1: "B", 2: "no", 3: "yes", 4: "yes"}, 5, decision.HELP),  # help starts; 5 is answered at the evaluation
    ({1: "B", 2: "no", 3: "yes", 4: "yes", 5: "no"}, None, decision.REPORT),
    ({1: "B", 2: "no", 3: "yes", 4: "yes", 5: "yes"}, None, decision.MONITORING),
]


@pytest.mark.parametrize("answers,next_question,outcome", TABLE, ids=[str(row[0]) for row in TABLE])
def test_position_table(answers, next_question, outcome):
    assert decision.position(answers) == P(next_question, outcome)


def _expected(answers: dict[int, str]) -> tuple[int | None, str | None]:
    """The tree as domain.md §4 words it, walked question by question: an independent oracle."""
    ends = {
        1: {"A": decision.CLOSE},
        2: {"yes": decision.REPORT, "doubt": decision.REPORT, "yes_acute": decision.REPORT},
        3: {"no": decision.REPORT},
        4: {"no": decision.REPORT},
        5: {"no": decision.REPORT},
    }
    for question in range(1, 6):
        value = answers.get(question)
        if value is None:
            return question, (decision.HELP if question == 5 else None)
        if value in ends[question]:
            return None, ends[question][value]
    return None, decision.MONITORING


ALL_COMBINATIONS = [
    {q: a for q, a in zip(range(1, 6), combo, strict=True) if a is not None}
    for combo in itertools.product(*[[None, *decision.ANSWERS[q]] for q in range(1, 6)])
]


def test_every_combination_of_answers_follows_the_tree():
    """All 3 x 5 x 3 x 3 x 3 = 405 combinations (each question unanswered or any of its answers), including
    answers to later questions that the tree never reaches (they must not change the outcome)."""
    assert len(ALL_COMBINATIONS) == 405
    wrong = []
    for answers in ALL_COMBINATIONS:
        got = decision.position(answers)
        if (got.next_question, got.outcome) != _expected(answers):
            wrong.append((answers, got, _expected(answers)))
    assert wrong == []


@pytest.mark.parametrize(
    "answers",
    [{1: "A", 2: "yes"}, {1: "B", 2: "yes", 3: "yes", 4: "yes", 5: "yes"}, {1: "B", 2: "no", 3: "no", 4: "yes"}],
)
def test_answers_after_the_deciding_question_do_not_change_the_outcome(answers):
    assert decision.position(answers).next_question is None
    assert decision.position(answers).outcome != decision.MONITORING


def test_every_answer_of_the_tree_is_a_choice_of_the_model():
    choices = set(WeighingAnswer.Answer.values)
    assert {a for answers in decision.ANSWERS.values() for a in answers} == choices


# --- End to end, through the services, from a case in step 4 -------------------------------------------------


@pytest.mark.parametrize(
    "answers,outcome",
    [
        (("A",), decision.CLOSE),
        (("B", "yes"), decision.REPORT),
        (("B", "doubt"), decision.REPORT),
        (("B", "no", "no"), decision.REPORT),
        (("B", "no", "yes", "no"), decision.REPORT),
        (("B", "no", "yes", "yes"), decision.HELP),
    ],
)
def test_case_position_follows_the_recorded_answers(cast_a, answers, outcome):
    case = factories.case_in_state(cast_a, "weighing")
    case = weigh(cast_a.af, case, *answers)
    assert case.weighing_answers() == dict(enumerate(answers, start=1))
    assert case.weighing_position().outcome == outcome
    rows = WeighingAnswer.objects.filter(case=case).order_by("recorded_at", "pk")
    assert [(r.question, r.answer, r.author) for r in rows] == [
        (n, a, cast_a.af) for n, a in enumerate(answers, start=1)
    ]
    assert all(r.justification for r in rows)
    assert fresh(case).state == "weighing"  # answering alone never moves the case


def test_q1_a_closes_without_action(cast_a):
    case = factories.case_in_state(cast_a, "weighing")
    weigh(cast_a.af, case, "A")
    text = "Na het gesprek met de ouders verklaard: verdriet om een overleden opa. Geen actie nodig."
    before = timezone.now()
    case = services.case_close(
        user=cast_a.af,
        case=case,
        closure=Closure(reason_code="no_action", text=text, parents_told=True),
        expected_state="weighing",
    )
    case = fresh(case)
    assert case.state == "closed"
    assert case.closing_text == text
    assert case.closing_reason_code == "no_action"
    assert before <= case.closed_at <= timezone.now()
    expected_retention = case.closed_at.date() + datetime.timedelta(days=730)
    assert abs((case.retention_until - expected_retention).days) <= 2
    t = last_transition(case)
    assert (t.name, t.from_state, t.to_state, t.actor, t.reason) == (
        "close_no_action",
        "weighing",
        "closed",
        cast_a.af,
        text,
    )
    assert Closure.objects.filter(case=case, author=cast_a.af, text=text).count() == 1


def test_q1_b_needs_the_date_the_board_was_informed(cast_a):
    case = factories.case_in_state(cast_a, "weighing")
    with pytest.raises(ValidationError) as exc:
        services.weighing_answer_record(
            user=cast_a.af, case=case, answer=weighing_answer(1, "B", board_informed_on=None)
        )
    assert "board_informed_on" in exc.value.message_dict
    assert not WeighingAnswer.objects.filter(case=case).exists()
    assert fresh(case).board_informed_on is None

    informed = days(-2)
    services.weighing_answer_record(
        user=cast_a.af, case=case, answer=weighing_answer(1, "B", board_informed_on=informed)
    )
    case = fresh(case)
    assert case.board_informed_on == informed
    assert case.weighing_position() == P(2, None)


@pytest.mark.parametrize(
    "answers",
    [("B", "yes"), ("B", "doubt"), ("B", "no", "no"), ("B", "no", "yes", "no")],
    ids=["q2-yes", "q2-doubt-counts-as-yes", "q3-no", "q4-no"],
)
def test_weighing_to_a_report(cast_a, answers):
    case = factories.case_in_state(cast_a, "weighing")
    weigh(cast_a.af, case, *answers)
    case = report(cast_a, case)
    case = fresh(case)
    assert case.state == "reported"
    assert case.acute is False
    vt = VeiligThuisReport.objects.get(case=case)
    assert vt.emergency is False and vt.author == cast_a.af and vt.meldrecht_acknowledged
    t = last_transition(case)
    assert (t.name, t.from_state, t.to_state, t.actor) == ("report", "weighing", "reported", cast_a.af)


def test_help_evaluation_reached_monitoring_then_close(cast_a):
    case = factories.case_in_state(cast_a, "weighing")
    case = start_help(cast_a, case, tasks=2)
    assert fresh(case).state == "help"
    plan = HelpPlan.objects.get(case=case)
    assert plan.case_manager == cast_a.ib
    assert plan.tasks.count() == 2

    case = evaluate(cast_a, case, reached=True)
    case = fresh(case)
    assert case.state == "evaluating"
    assert case.weighing_answers()[5] == "yes"
    assert case.weighing_position().outcome == decision.MONITORING

    case = start_monitoring(cast_a, case)
    assert fresh(case).state == "monitoring"

    # Open tasks block the close; with the tasks done, the case closes.
    with pytest.raises(services.TransitionBlockedError):
        close(cast_a, case)
    assert fresh(case).state == "monitoring"
    mark_all_tasks_done(cast_a.ib, case)
    assert not fresh(case).open_tasks_exist()
    case = close(cast_a, case)
    case = fresh(case)
    assert case.state == "closed"
    assert case.closing_reason_code == "help_completed"
    assert case.closed_at is not None and case.retention_until is not None
    assert [t.name for t in Transition.objects.filter(case=case).order_by("at", "pk")][-5:] == [
        "to_weighing",
        "start_help",
        "start_evaluation",
        "to_monitoring",
        "close",
    ]


def test_help_evaluation_not_reached_leads_to_a_report(cast_a):
    case = factories.case_in_state(cast_a, "weighing")
    case = start_help(cast_a, case)
    case = evaluate(cast_a, case, reached=False)
    case = fresh(case)
    assert case.state == "evaluating"
    assert case.weighing_answers()[5] == "no"
    assert case.weighing_position().outcome == decision.REPORT
    with pytest.raises(services.TransitionBlockedError):  # no monitoring when the result was not reached
        start_monitoring(cast_a, case)
    case = report(cast_a, case)
    assert fresh(case).state == "reported"
    assert last_transition(case).from_state == "evaluating"


@pytest.mark.parametrize("end", ["monitoring", "closed"])
def test_reported_vt_outcome_then_monitoring_or_close(cast_a, end):
    case = case_at(cast_a, "reported")
    case = services.vt_outcome_record(user=cast_a.af, case=case, outcome=vt_outcome(), expected_state="reported")
    case = fresh(case)
    assert case.state == "vt_involved"
    assert VeiligThuisOutcome.objects.filter(case=case, decision="investigation").count() == 1
    if end == "monitoring":
        case = start_monitoring(cast_a, case)
    else:
        case = close(cast_a, case, reason_code="vt_took_over", text="Veilig Thuis heeft het overgenomen.")
    case = fresh(case)
    assert case.state == end
    assert last_transition(case).from_state == "vt_involved"


def test_a_later_vt_outcome_is_recorded_without_moving_the_case(cast_a):
    case = case_at(cast_a, "vt_involved")
    services.vt_outcome_record(
        user=cast_a.af, case=case, outcome=vt_outcome(conclusion="confirmed"), expected_state="vt_involved"
    )
    assert fresh(case).state == "vt_involved"
    assert VeiligThuisOutcome.objects.filter(case=case).count() == 2


@pytest.mark.parametrize("author", ["teacher", "af"])
def test_new_signal_during_monitoring_sends_the_case_back_to_weighing(cast_a, author):
    case = case_at(cast_a, "monitoring")
    assert fresh(case).weighing_answers()  # the old round has answers
    services.signal_record(user=cast_a.by_role(author), case=case, signal=factories.make_signal())
    case = fresh(case)
    assert case.state == "weighing"
    assert case.weighing_answers() == {}
    assert case.weighing_position() == P(1, None)
    t = last_transition(case)
    assert (t.name, t.from_state, t.to_state) == ("back_to_weighing", "monitoring", "weighing")
    assert case.owner == cast_a.af
    # The fresh round starts at question 1 again.
    case = weigh(cast_a.af, case, "B", "yes")
    assert case.weighing_position().outcome == decision.REPORT


def test_new_signal_by_the_ib_reopens_a_closed_case(cast_a):
    case = case_at(cast_a, "closed")
    signals = Signal.objects.filter(case=case).count()
    services.signal_record(user=cast_a.ib, case=case, signal=factories.make_signal(description="Nieuw signaal."))
    case = fresh(case)
    assert case.state == "weighing"
    assert case.closed_at is None and case.retention_until is None
    assert case.owner == cast_a.af
    assert case.weighing_answers() == {}
    assert Signal.objects.filter(case=case).count() == signals + 1
    t = last_transition(case)
    assert (t.name, t.from_state, t.to_state, t.actor) == ("reopen", "closed", "weighing", cast_a.ib)


def test_a_teacher_cannot_add_a_signal_to_a_closed_case(cast_a):
    case = case_at(cast_a, "closed")
    signals = Signal.objects.filter(case=case).count()
    transitions = Transition.objects.filter(case=case).count()
    with pytest.raises(PermissionDenied):
        services.signal_record(user=cast_a.teacher, case=case, signal=factories.make_signal())
    case = fresh(case)
    assert case.state == "closed"
    assert Signal.objects.filter(case=case).count() == signals
    assert Transition.objects.filter(case=case).count() == transitions


EMERGENCY_STATES = ["signalling", "consulting", "parent_talk", "weighing", "help", "monitoring"]


@pytest.mark.parametrize("actor", ["af", "ib"])
@pytest.mark.parametrize("state", EMERGENCY_STATES)
def test_emergency_report_from_any_open_state(cast_a, state, actor):
    case = case_at(cast_a, state)
    user = cast_a.by_role(actor)
    report_ = emergency_report()
    case = services.case_emergency_report(user=user, case=case, report=report_, expected_state=state)
    case = fresh(case)
    assert case.state == "reported"
    assert case.acute is True
    assert case.weighing_answers()[2] == decision.YES_ACUTE
    acute = WeighingAnswer.objects.filter(case=case, question=2, answer=decision.YES_ACUTE).get()
    assert acute.author == user
    assert acute.justification == report_.emergency_justification
    vt = VeiligThuisReport.objects.get(case=case, emergency=True)
    assert vt.author == user
    t = last_transition(case)
    assert (t.name, t.from_state, t.to_state, t.actor, t.reason) == (
        "emergency_report",
        state,
        "reported",
        user,
        report_.emergency_justification,
    )


@pytest.mark.parametrize("state", ["signalling", "weighing", "monitoring"])
def test_a_teacher_proposes_but_cannot_make_an_emergency_report(cast_a, state):
    case = case_at(cast_a, state)
    with pytest.raises(PermissionDenied):
        services.case_emergency_report(user=cast_a.teacher, case=case, report=emergency_report(), expected_state=state)
    assert fresh(case).state == state
    assert not VeiligThuisReport.objects.filter(case=case).exists()

    proposal = services.entry_record(
        user=cast_a.teacher,
        case=case,
        entry=EmergencyProposal(justification="Het kind zegt dat het niet naar huis durft."),
        permission=perms.PROPOSE_EMERGENCY,
    )
    assert EmergencyProposal.objects.get(case=case) == proposal
    assert proposal.author == cast_a.teacher
    case = fresh(case)
    assert case.state == state and case.acute is False


def test_route_b_starts_in_duty_to_inform(cast_a):
    case = route_b_case(cast_a)
    assert case.route == "B"
    assert case.state == "duty_to_inform"
    assert case.owner == cast_a.af
    assert [(t.name, t.to_state) for t in Transition.objects.filter(case=case).order_by("at", "pk")] == [
        ("open", "signalling"),
        ("start_route_b", "duty_to_inform"),
    ]


def test_route_b_inspector_needs_the_board_notification(cast_a):
    case = route_b_case(cast_a)
    with pytest.raises(services.TransitionBlockedError):
        services.route_b_inspector_consulted(
            user=cast_a.af, case=case, consultation=inspector_consultation(), expected_state="duty_to_inform"
        )
    assert fresh(case).state == "duty_to_inform"
    assert not InspectorConsultation.objects.filter(case=case).exists()  # refused together with the transition

    services.entry_record(user=cast_a.af, case=case, entry=board_notification(), permission=perms.ROUTE_B)
    case = services.route_b_inspector_consulted(
        user=cast_a.af, case=case, consultation=inspector_consultation(), expected_state="duty_to_inform"
    )
    assert fresh(case).state == "inspector_consulted"
    assert InspectorConsultation.objects.filter(case=case).count() == 1


def _route_b_at_inspector(cast, suspicion: bool = True) -> Case:
    case = route_b_case(cast)
    services.entry_record(user=cast.af, case=case, entry=board_notification(), permission=perms.ROUTE_B)
    return services.route_b_inspector_consulted(
        user=cast.af,
        case=case,
        consultation=inspector_consultation(reasonable_suspicion=suspicion),
        expected_state="duty_to_inform",
    )


def test_route_b_no_police_report_is_refused_on_a_reasonable_suspicion(cast_a):
    """Aangifteplicht: with a reasonable suspicion of a sexual offence the board must report to the police."""
    case = _route_b_at_inspector(cast_a, suspicion=True)
    with pytest.raises(services.TransitionBlockedError) as exc:
        services.route_b_police_decision(
            user=cast_a.af,
            case=case,
            decision_record=police_decision(
                report_made=False, parents_informed_before=False, accused_informed_before=False
            ),
            expected_state="inspector_consulted",
        )
    # The reason is given in the active language (Dutch by default since the message was translated).
    expected = gettext(
        "There is a reasonable suspicion of a crime by staff against a pupil: the board must report to the police "
        "(aangifteplicht)."
    )
    assert expected in exc.value.reasons
    assert fresh(case).state == "inspector_consulted"
    assert not PoliceDecision.objects.filter(case=case).exists()


@pytest.mark.parametrize(
    "parents,accused", [(False, False), (True, False), (False, True)], ids=["nobody", "parents-only", "accused-only"]
)
def test_route_b_police_report_needs_parents_and_accused_informed(cast_a, parents, accused):
    case = _route_b_at_inspector(cast_a)
    with pytest.raises(ValidationError):
        services.route_b_police_decision(
            user=cast_a.af,
            case=case,
            decision_record=police_decision(parents_informed_before=parents, accused_informed_before=accused),
            expected_state="inspector_consulted",
        )
    assert fresh(case).state == "inspector_consulted"
    assert not PoliceDecision.objects.filter(case=case).exists()


@pytest.mark.parametrize("report_made,end", [(True, "police_report"), (False, "no_police_report")])
def test_route_b_police_decision_then_close(cast_a, report_made, end):
    case = _route_b_at_inspector(cast_a, suspicion=report_made)
    case = services.route_b_police_decision(
        user=cast_a.af,
        case=case,
        decision_record=police_decision(
            report_made=report_made, parents_informed_before=report_made, accused_informed_before=report_made
        ),
        expected_state="inspector_consulted",
    )
    case = fresh(case)
    assert case.state == end
    assert last_transition(case).name == end
    case = close(cast_a, case, reason_code="route_b_done", text="Personeelsroute afgerond.")
    case = fresh(case)
    assert case.state == "closed"
    assert case.closing_reason_code == "route_b_done"
    assert [t.to_state for t in Transition.objects.filter(case=case).order_by("at", "pk")] == [
        "signalling",
        "duty_to_inform",
        "inspector_consulted",
        end,
        "closed",
    ]


@pytest.mark.parametrize("role", ["ib", "teacher"])
def test_route_b_is_for_the_aandachtsfunctionaris(cast_a, role):
    case = route_b_case(cast_a)
    with pytest.raises(PermissionDenied):
        services.entry_record(
            user=cast_a.by_role(role), case=case, entry=board_notification(), permission=perms.ROUTE_B
        )
    services.entry_record(user=cast_a.af, case=case, entry=board_notification(), permission=perms.ROUTE_B)
    with pytest.raises(PermissionDenied):
        services.route_b_inspector_consulted(
            user=cast_a.by_role(role), case=case, consultation=inspector_consultation(), expected_state="duty_to_inform"
        )
    assert fresh(case).state == "duty_to_inform"
    assert not InspectorConsultation.objects.filter(case=case).exists()


def test_report_after_all_during_monitoring(cast_a):
    case = case_at(cast_a, "monitoring")
    case = report(cast_a, case, direct_cause="De signalen houden aan tijdens het monitoren.")
    case = fresh(case)
    assert case.state == "reported"
    t = last_transition(case)
    assert (t.name, t.from_state, t.to_state) == ("report", "monitoring", "reported")
