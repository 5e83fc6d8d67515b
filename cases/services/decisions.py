"""Steps 4-5 and route B: the weighing, and the records that move a case on (a report to Veilig Thuis, a help plan,
its evaluation, monitoring, closing, the staff route)."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from cases import decision
from cases import permissions as perms
from cases.models import (
    Case,
    CaseState,
    Closure,
    HelpEvaluation,
    HelpPlan,
    HelpTask,
    ReportInformedParent,
    VeiligThuisOutcome,
    VeiligThuisReport,
    WeighingAnswer,
)
from cases.services.chronology import lock_case, save_entry, touch_case
from cases.services.errors import CaseChangedError, NotNowError
from cases.services.transitions import record_and_fire
from schools.models import Guardian


def _no_teacher_manager() -> str:
    return _(
        "The case manager is not a teacher: choose the IB'er, the aandachtsfunctionaris or the internal contact person."
    )


def weighing_answer_record(*, user: User, case: Case, answer: WeighingAnswer) -> WeighingAnswer:
    """Record the answer to the next weighing question. The questions are answered one after another, following the
    decision tree; question 5 is answered by the evaluation of the help."""
    perms.require(user, perms.WEIGH, case)
    with transaction.atomic():
        locked = lock_case(case)
        if locked.state != CaseState.WEIGHING:
            raise NotNowError(_("The weighing questions are answered while the case is in step 4."))
        position = locked.weighing_position()
        if answer.question != position.next_question or answer.question == 5:
            raise NotNowError(_("Answer the questions in order; this question is not the next one."))
        save_entry(user=user, case=locked, entry=answer)
        if answer.question == 1 and answer.board_informed_on:
            locked.board_informed_on = answer.board_informed_on
            locked.save(update_fields=["board_informed_on"])
        touch_case(locked)
    return answer


def weighing_answer_correct(
    *, user: User, case: Case, corrects: WeighingAnswer, answer: WeighingAnswer
) -> WeighingAnswer:
    """Correct an answer of the current weighing round while the case is in weighing (a mis-click, an answer given
    too soon): a new answer to the same question, with the reason, that refers to the earlier one. Both stay in the
    file; the position of the weighing is recomputed from the answers that count (the corrections)."""
    perms.require(user, perms.WEIGH, case)
    if corrects.case_id != case.pk:
        raise PermissionDenied
    with transaction.atomic():
        locked = lock_case(case)
        if locked.state != CaseState.WEIGHING:
            raise NotNowError(_("An answer of the weighing can be corrected only while the case is in step 4."))
        round_start = locked.weighing_round_start()
        if corrects.question == 5 or (round_start is not None and corrects.recorded_at < round_start):
            raise NotNowError(
                _("Only the answers of the current weighing round can be corrected; question 5 is the evaluation.")
            )
        answer.question = corrects.question
        save_entry(user=user, case=locked, entry=answer, corrects=corrects)
        if answer.question == 1 and answer.board_informed_on:
            locked.board_informed_on = answer.board_informed_on
            locked.save(update_fields=["board_informed_on"])
        touch_case(locked)
    return answer


def _close_fields(case: Case, closure: Closure) -> None:
    case.closing_reason_code = closure.reason_code
    case.closing_text = closure.text


def case_close(*, user: User, case: Case, closure: Closure, expected_state: str) -> Case:
    """Close the case: without action after question 1 = A, or at the end. Only the aandachtsfunctionaris."""
    name = "close_no_action" if expected_state == CaseState.WEIGHING else "close"
    return record_and_fire(
        user=user,
        case=case,
        entry=closure,
        transition=name,
        expected_state=expected_state,
        after=_close_fields,
        reason=closure.text,
    )


def guardians_with_authority(case: Case) -> list[Guardian]:
    """The parents and carers with parental authority of the case's pupils: the ones told before a report
    (domain.md §9.6)."""
    return list(
        Guardian.objects.filter(pupil__in=case.pupils.all(), has_parental_authority=True).order_by("pupil", "name")
    )


def _informed_parents(case: Case, report: VeiligThuisReport, informed: Iterable[Guardian]):
    """Check who was told before the report (domain.md §9.6) and return the ``save_related`` that stores them: only
    parents or carers with parental authority of the case's pupils; both of them, unless telling one endangers
    someone (the reason recorded). A parent without authority is not among those told beforehand."""
    informed = list(dict.fromkeys(informed or ()))
    if not report.parents_informed:
        informed = []
    with_authority = guardians_with_authority(case)
    allowed = {g.pk for g in with_authority}
    for guardian in informed:
        if guardian.pk not in allowed:
            raise ValidationError(
                _(
                    "%(name)s has no parental authority over a pupil of this case: before a report the parents "
                    "with parental authority are told. A parent without authority has a right to information only "
                    "on request, within limits."
                )
                % {"name": guardian.name}
            )
    if report.parents_informed and with_authority:
        if not informed:
            raise ValidationError(_("Say which parents with parental authority were told about the report."))
        told = {g.pk for g in informed}
        not_told = [g.name for g in with_authority if g.pk not in told]
        if not_told and not report.not_all_informed_reason.strip():
            raise ValidationError(
                _(
                    "Both parents with parental authority are told before a report, unless that endangers someone. "
                    "Say why %(names)s was not told."
                )
                % {"names": ", ".join(not_told)}
            )

    def save_related(saved: VeiligThuisReport) -> None:
        ReportInformedParent.objects.bulk_create(
            [ReportInformedParent(report=saved, guardian=guardian) for guardian in informed]
        )

    return save_related


def _prepare_report(case: Case, report: VeiligThuisReport, *, emergency: bool) -> None:
    report.emergency = emergency
    # A report after an earlier one is an additional report: it says what is new (domain.md §9.4).
    report.additional = case.veiligthuisreports.exists()
    if not report.additional:
        report.what_is_new = ""


def case_report(
    *, user: User, case: Case, report: VeiligThuisReport, expected_state: str, informed: Iterable[Guardian] = ()
) -> Case:
    """A report to Veilig Thuis that follows from the weighing (or, during monitoring, 'report after all'); after an
    earlier report, an additional report with what is new."""
    _prepare_report(case, report, emergency=False)
    return record_and_fire(
        user=user,
        case=case,
        entry=report,
        transition="report",
        expected_state=expected_state,
        save_related=_informed_parents(case, report, informed),
    )


def case_report_again(
    *, user: User, case: Case, report: VeiligThuisReport, expected_state: str, informed: Iterable[Guardian] = ()
) -> Case:
    """An additional report while the case is reported or Veilig Thuis is involved (domain.md §9.4): the school
    keeps signalling, and new signals lead to a new report with what is new. Veilig Thuis weighs it again: the case
    is "reported" once more."""
    _prepare_report(case, report, emergency=False)
    report.additional = True
    return record_and_fire(
        user=user,
        case=case,
        entry=report,
        transition="report_again",
        expected_state=expected_state,
        save_related=_informed_parents(case, report, informed),
        reason=report.what_is_new,
    )


def case_emergency_report(
    *, user: User, case: Case, report: VeiligThuisReport, expected_state: str, informed: Iterable[Guardian] = ()
) -> Case:
    """An emergency report from any open step (also after an earlier report); question 2 is then recorded as 'yes
    (acute)'."""
    _prepare_report(case, report, emergency=True)
    save_related = _informed_parents(case, report, informed)

    def after(locked: Case, saved: VeiligThuisReport) -> None:
        save_entry(
            user=user,
            case=locked,
            entry=WeighingAnswer(question=2, answer=decision.YES_ACUTE, justification=saved.emergency_justification),
        )
        locked.acute = True

    return record_and_fire(
        user=user,
        case=case,
        entry=report,
        transition="emergency_report",
        expected_state=expected_state,
        save_related=save_related,
        after=after,
        reason=report.emergency_justification,
    )


def help_plan_start(*, user: User, case: Case, plan: HelpPlan, tasks: Iterable[dict], expected_state: str) -> Case:
    tasks = [t for t in tasks if t.get("what")]
    if plan.case_manager_id and not perms.may_be_case_manager(plan.case_manager, case.school_id):
        raise ValidationError({"case_manager": _no_teacher_manager()})

    def save_tasks(saved: HelpPlan) -> None:
        HelpTask.objects.bulk_create([HelpTask(plan=saved, **task) for task in tasks])

    return record_and_fire(
        user=user,
        case=case,
        entry=plan,
        transition="start_help",
        expected_state=expected_state,
        save_related=save_tasks,
    )


def help_plan_correct(
    *, user: User, case: Case, corrects: HelpPlan, plan: HelpPlan, tasks: Iterable[dict] = ()
) -> HelpPlan:
    """Correct the help plan while the help runs: a new version, with the reason, that refers to the earlier one. Both
    stay in the file; the earlier version's tasks stay as they are, and tasks given here are added to the new one.
    The new version's evaluation date is the one that counts."""
    perms.require(user, perms.DECIDE, case)
    if corrects.case_id != case.pk:
        raise PermissionDenied
    tasks = [t for t in tasks if t.get("what")]
    if plan.case_manager_id and not perms.may_be_case_manager(plan.case_manager, case.school_id):
        raise ValidationError({"case_manager": _no_teacher_manager()})
    with transaction.atomic():
        locked = lock_case(case)
        if locked.state != CaseState.HELP:
            raise NotNowError(_("The help plan can be corrected only while the help runs (before its evaluation)."))
        save_entry(
            user=user,
            case=locked,
            entry=plan,
            corrects=corrects,
            save_related=lambda saved: HelpTask.objects.bulk_create([HelpTask(plan=saved, **t) for t in tasks]),
        )
        touch_case(locked)
    return plan


def help_evaluate(*, user: User, case: Case, evaluation: HelpEvaluation, expected_state: str) -> Case:
    """The evaluation of the help answers question 5: result reached → monitoring; not reached → report. It is of
    the current version of the help plan, at its evaluation date or earlier with a reason (``HelpEvaluation.clean``).
    """
    if evaluation.plan_id and HelpPlan.objects.filter(corrects_id=evaluation.plan_id).exists():
        raise ValidationError({"plan": _("This help plan has been corrected: evaluate its newest version.")})

    def after(locked: Case, saved: HelpEvaluation) -> None:
        save_entry(
            user=user,
            case=locked,
            entry=WeighingAnswer(
                question=5, answer=decision.YES if saved.result_reached else decision.NO, justification=saved.findings
            ),
        )

    return record_and_fire(
        user=user,
        case=case,
        entry=evaluation,
        transition="start_evaluation",
        expected_state=expected_state,
        after=after,
    )


def monitoring_start(*, user: User, case: Case, agreement, expected_state: str) -> Case:
    return record_and_fire(
        user=user, case=case, entry=agreement, transition="to_monitoring", expected_state=expected_state
    )


def vt_outcome_record(*, user: User, case: Case, outcome: VeiligThuisOutcome, expected_state: str):
    """The decision (and later the conclusion) of Veilig Thuis. The first one moves a reported case on."""
    if expected_state == CaseState.REPORTED:
        return record_and_fire(
            user=user, case=case, entry=outcome, transition="to_vt_involved", expected_state=expected_state
        )
    perms.require(user, perms.DECIDE, case)
    with transaction.atomic():
        locked = lock_case(case)
        if locked.state != expected_state:
            raise CaseChangedError
        save_entry(user=user, case=locked, entry=outcome)
        touch_case(locked)
    return outcome


def route_b_inspector_consulted(*, user: User, case: Case, consultation, expected_state: str) -> Case:
    return record_and_fire(
        user=user, case=case, entry=consultation, transition="inspector_consulted", expected_state=expected_state
    )


def route_b_police_decision(*, user: User, case: Case, decision_record, expected_state: str) -> Case:
    name = "police_report" if decision_record.report_made else "no_police_report"
    return record_and_fire(
        user=user,
        case=case,
        entry=decision_record,
        transition=name,
        expected_state=expected_state,
        reason=decision_record.explanation,
    )
