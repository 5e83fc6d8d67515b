"""Every write. Each service checks permission, validates, writes in one transaction and leaves an audit row.

The shape of a step change (``case_transition``): one atomic block → lock the case row → check that the case is
still in the state the user saw → permission (403) → guards (a Dutch explanation) → fire → save → chronology row.
"""

import datetime
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from accounts.models import User
from cases import access, decision, notify, workflow
from cases import permissions as perms
from cases.audit import audit_log
from cases.models import (
    AuditEvent,
    Case,
    CaseState,
    Closure,
    ConsultationAction,
    HelpEvaluation,
    HelpPlan,
    HelpTask,
    ParentTalkSkip,
    ParentTalkSkipConfirmation,
    Signal,
    TaskDone,
    Transition,
    VeiligThuisOutcome,
    VeiligThuisReport,
    WeighingAnswer,
)
from cases.models.base import Entry
from schools.models import Guardian, Pupil, School, SocialMapEntry


class CaseChangedError(Exception):
    """The case was changed by someone else meanwhile; nothing was done."""

    def __init__(self):
        super().__init__(
            _("This case was changed by someone else meanwhile. Nothing was changed; look at the case as it is now.")
        )


class TransitionBlockedError(Exception):
    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__(" ".join(reasons))


class NotNowError(Exception):
    """The action does not fit the case's step or the weighing so far; nothing was changed."""


class CaseClosedError(Exception):
    def __init__(self):
        super().__init__(_("This case is closed: nothing can be added."))


# Transitions that need no record of their own, fired with a button through ``case_transition``. The others are
# fired by the service that stores the record they need (``record_and_fire``).
USER_TRANSITIONS = ["to_consulting", "to_parent_talk", "to_weighing", "skip_to_weighing"]


def touch_case(case: Case) -> None:
    """Something happened on the case: it moves up in the lists (newest activity first)."""
    case.last_activity_at = timezone.now()
    case.save(update_fields=["last_activity_at"])


def _next_reference(school: School) -> str:
    year = timezone.localdate().year
    School.objects.select_for_update().filter(pk=school.pk).first()  # serialise numbering per school
    used = Case.objects.filter(school=school, reference__startswith=f"{year}-").values_list("reference", flat=True)
    highest = max((int(reference.split("-")[1]) for reference in used), default=0)
    return f"{year}-{highest + 1:03d}"


def _sole_member(school_id: int, role: str) -> User | None:
    users = list(User.objects.filter(memberships__school_id=school_id, memberships__role=role, is_active=True)[:2])
    return users[0] if len(users) == 1 else None


def case_open(*, user: User, school: School, pupils: Iterable[Pupil], route: str, signal: Signal) -> Case:
    """Open a case with its first signal (step 1). The opener owns it until it is handed over."""
    pupils = list(pupils)
    if not pupils:
        raise ValidationError(_("Choose at least one pupil."))
    allowed = set(perms.pupils_for_new_case(user, school.pk).values_list("pk", flat=True))
    if any(p.pk not in allowed for p in pupils):
        raise PermissionDenied
    with transaction.atomic():
        case = Case(school=school, route=route, opened_by=user, owner=user, reference=_next_reference(school))
        case.full_clean(exclude=["reference", "state"])
        case.save()
        case.pupils.set(pupils)
        audit_log(user=user, case=case, action=AuditEvent.Action.CREATE, target=f"case {case.pk}")
        save_entry(user=user, case=case, entry=signal)
        Transition.objects.create(case=case, actor=user, name="open", from_state="", to_state=case.state)
        access.case_sync_permissions(case)
        if route == "B":  # a staff member is suspected: the board must be informed at once
            _fire(user=user, case=case, name="start_route_b", check_permission=False)
    return case


def open_case_for_pupil(*, user: User, pupil: Pupil) -> Case | None:
    """The open case about this pupil that this user can add a signal to, if there is one."""
    return (
        perms.case_queryset_for_user(user, perms.ADD_SIGNAL)
        .filter(pupils=pupil)
        .exclude(state=CaseState.CLOSED)
        .order_by("-opened_at")
        .first()
    )


def signal_submit(*, user: User, school: School, pupil: Pupil, route: str, signal: Signal) -> tuple[Case, bool]:
    """A new signal about a pupil (step 1): added to the pupil's open case that this user can add a signal to, if
    there is one; otherwise it opens a case on ``route``. Returns the case and whether it was opened."""
    existing = open_case_for_pupil(user=user, pupil=pupil)
    if existing is not None:
        signal_record(user=user, case=existing, signal=signal)
        return existing, False
    return case_open(user=user, school=school, pupils=[pupil], route=route, signal=signal), True


def save_entry(*, user: User, case: Case, entry: Entry, corrects: Entry | None = None, save_related=None) -> Entry:
    """Validate and store a record on an already locked case, with its audit row. No permission checks here."""
    if corrects is not None:
        if type(corrects) is not type(entry) or corrects.case_id != case.pk:
            raise PermissionDenied
        if type(entry).objects.filter(corrects=corrects).exists():
            raise ValidationError(_("This entry has already been corrected; correct the newest version."))
    _refuse_links_to_other_cases(entry, case)
    entry.case = case
    entry.author = user
    entry.corrects = corrects
    entry.full_clean()
    entry.save()
    if save_related is not None:
        save_related(entry)
    audit_log(user=user, case=case, action=AuditEvent.Action.CREATE, target=f"{entry._meta.model_name} {entry.pk}")
    return entry


def _refuse_links_to_other_cases(entry: Entry, case: Case) -> None:
    """A record may only refer to records of its own case (a conversation, a signal, a plan, an agreement), to
    partners on its school's social map, and to parents of its own pupils."""
    for field in entry._meta.concrete_fields:
        if field.is_relation and field.related_model is SocialMapEntry:
            partner = getattr(entry, field.name)
            if partner is not None and not partner.applies_to(case.school):
                raise PermissionDenied
        if field.is_relation and field.related_model is Guardian:
            guardian = getattr(entry, field.name)
            if guardian is not None and not case.pupils.filter(pk=guardian.pupil_id).exists():
                raise PermissionDenied
        if field.is_relation and field.name not in ("case", "corrects") and issubclass(field.related_model, Entry):
            linked = getattr(entry, field.name)
            if linked is not None and linked.case_id != case.pk:
                raise PermissionDenied


def lock_case(case: Case) -> Case:
    """The case, re-fetched with its row locked until the transaction ends (a second writer waits here)."""
    return Case.objects.select_for_update().get(pk=case.pk)


def entry_record(
    *,
    user: User,
    case: Case,
    entry: Entry,
    permission: str,
    corrects: Entry | None = None,
    save_related: Callable[[Entry], None] | None = None,
) -> Entry:
    """Add a record to the case's chronology. ``corrects`` makes it a correction of an earlier record of the same
    kind; both stay visible. ``save_related`` stores what belongs to the record (many-to-many, actions)."""
    perms.require(user, permission, case)
    with transaction.atomic():
        locked = lock_case(case)
        if locked.state == CaseState.CLOSED:
            raise CaseClosedError
        save_entry(user=user, case=locked, entry=entry, corrects=corrects, save_related=save_related)
        touch_case(locked)
    return entry


def consultation_actions_save(consultation, actions: Iterable[dict]) -> None:
    ConsultationAction.objects.bulk_create(
        [ConsultationAction(consultation=consultation, **action) for action in actions]
    )


def parent_talk_skip_record(*, user: User, case: Case, skip: ParentTalkSkip) -> ParentTalkSkip:
    """The IB'er (or the aandachtsfunctionaris) records why the parents are not spoken to before weighing.
    Recorded by the aandachtsfunctionaris, it is confirmed at once."""
    with transaction.atomic():
        entry_record(user=user, case=case, entry=skip, permission=perms.TALK_PARENTS)
        if perms.can(user, perms.CONFIRM_SKIP, case):
            ParentTalkSkipConfirmation.objects.create(skip=skip, confirmed_by=user)
    return skip


def parent_talk_skip_confirm(*, user: User, case: Case, skip: ParentTalkSkip) -> ParentTalkSkipConfirmation:
    perms.require(user, perms.CONFIRM_SKIP, case)
    if skip.case_id != case.pk:
        raise PermissionDenied
    with transaction.atomic():
        Case.objects.select_for_update().get(pk=case.pk)
        if ParentTalkSkipConfirmation.objects.filter(skip=skip).exists():
            raise ValidationError(_("This reason has already been confirmed."))
        confirmation = ParentTalkSkipConfirmation.objects.create(skip=skip, confirmed_by=user)
        touch_case(case)
        audit_log(user=user, case=case, action=AuditEvent.Action.CREATE, target=f"skip confirmation {confirmation.pk}")
    return confirmation


# What a step change (and the record that enables it) may change on the case itself.
STEP_FIELDS = [
    "state",
    "owner",
    "acute",
    "closed_at",
    "retention_until",
    "closing_reason_code",
    "closing_text",
    "last_activity_at",
]


def _fire(*, user: User, case: Case, name: str, reason: str = "", check_permission: bool = True) -> Case:
    """Fire a transition on a locked case: permission (403), guards (a Dutch explanation), then the chronology."""
    method = getattr(case, name)
    if not can_proceed(method, check_conditions=False):
        raise NotNowError(_("This is not possible in the case's current step."))
    transition = method._django_fsm.get_transition(case.state)
    if check_permission and not transition.has_perm(case, user):
        raise PermissionDenied
    blockers = getattr(case, f"blockers_{name}")() if hasattr(case, f"blockers_{name}") else []
    if blockers:
        raise TransitionBlockedError(blockers)
    from_state = case.state
    method()
    now = timezone.now()
    owner = workflow.OWNERS.get(case.state)  # who owns the case in its new step, if that changes
    if owner is not None:
        if owner.actor and owner.role in perms.roles_at_school(user, case.school_id):
            case.owner = user
        else:
            case.owner = _sole_member(case.school_id, owner.role) or (case.owner if owner.keep else None)
    if case.state == CaseState.CLOSED:
        case.closed_at = now
        case.retention_until = (now + datetime.timedelta(days=365 * settings.MELDCODE_RETENTION_YEARS)).date()
    elif from_state == CaseState.CLOSED:  # reopened: the closing stays in the chronology, not on the case
        case.closed_at = None
        case.retention_until = None
        case.closing_reason_code = ""
        case.closing_text = ""
    case.last_activity_at = now
    case.save(update_fields=STEP_FIELDS)
    step = Transition.objects.create(
        case=case, actor=user, name=name, from_state=from_state, to_state=case.state, reason=reason.strip()
    )
    audit_log(user=user, case=case, action=AuditEvent.Action.TRANSITION, target=f"{from_state} → {case.state}")
    # A hand-over (to the IB'er, to the aandachtsfunctionaris): the notifications are stored with the step change,
    # their e-mails go out on commit (``transaction.on_commit``).
    notify.handover_notify(case=case, transition=step, actor=user)
    return case


def case_transition(*, user: User, case_id: int, name: str, expected_state: str, reason: str = "") -> Case:
    """Fire the transition ``name`` on the case, if it is still in ``expected_state`` (the state the user saw).
    Only the transitions that need no record of their own go through here (``USER_TRANSITIONS``)."""
    if name not in USER_TRANSITIONS:
        raise PermissionDenied
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        if case.state != expected_state:
            raise CaseChangedError
        return _fire(user=user, case=case, name=name, reason=reason)


def record_and_fire(
    *,
    user: User,
    case: Case,
    entry: Entry,
    transition: str,
    expected_state: str,
    reason: str = "",
    save_related=None,
    after: Callable[[Case, Entry], None] | None = None,
) -> Case:
    """Store a record and fire the transition it enables, in one transaction: if the transition is refused,
    the record is not kept either, and the case stays exactly as it was."""
    with transaction.atomic():
        locked = lock_case(case)
        if locked.state != expected_state:
            raise CaseChangedError
        method = getattr(locked, transition)
        if not can_proceed(method, check_conditions=False):
            raise NotNowError(_("This is not possible in the case's current step."))
        if not method._django_fsm.get_transition(locked.state).has_perm(locked, user):
            raise PermissionDenied
        save_entry(user=user, case=locked, entry=entry, save_related=save_related)
        if after is not None:
            after(locked, entry)
        return _fire(user=user, case=locked, name=transition, reason=reason)


def available_transitions(*, user: User, case: Case) -> tuple[list[dict], list[dict]]:
    """For the case page: the transitions this user may fire now, and those they could fire once the guards are
    met (with the reasons). Only transitions from the current state that the user has permission for."""
    ready, blocked = [], []
    for name in USER_TRANSITIONS:
        method = getattr(case, name)
        if not can_proceed(method, check_conditions=False):
            continue
        transition = method._django_fsm.get_transition(case.state)
        if not transition.has_perm(case, user):
            continue
        item = {"name": name, "label": transition.custom.get("label", name), "target": transition.target}
        reasons = getattr(case, f"blockers_{name}")()
        (blocked if reasons else ready).append({**item, "reasons": reasons})
    return ready, blocked


# --- Steps 4-5 -------------------------------------------------------------------------------------------------


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


def case_report(*, user: User, case: Case, report: VeiligThuisReport, expected_state: str) -> Case:
    """A report to Veilig Thuis that follows from the weighing (or, during monitoring, 'report after all')."""
    report.emergency = False
    return record_and_fire(user=user, case=case, entry=report, transition="report", expected_state=expected_state)


def case_emergency_report(*, user: User, case: Case, report: VeiligThuisReport, expected_state: str) -> Case:
    """An emergency report from any open step; question 2 is then recorded as 'yes (acute)'."""
    report.emergency = True

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
        after=after,
        reason=report.emergency_justification,
    )


def help_plan_start(*, user: User, case: Case, plan: HelpPlan, tasks: Iterable[dict], expected_state: str) -> Case:
    tasks = [t for t in tasks if t.get("what")]
    if plan.case_manager_id and not perms.may_be_case_manager(plan.case_manager, case.school_id):
        raise ValidationError(
            {
                "case_manager": _(
                    "The case manager is not a teacher: choose the IB'er, the "
                    "aandachtsfunctionaris or the internal contact person."
                )
            }
        )

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


def help_evaluate(*, user: User, case: Case, evaluation: HelpEvaluation, expected_state: str) -> Case:
    """The evaluation of the help answers question 5: result reached → monitoring; not reached → report."""

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


def task_done_record(*, user: User, case: Case, done: TaskDone) -> TaskDone:
    if not perms.can_mark_task_done(user, case):
        raise PermissionDenied
    task = done.help_task or done.consultation_action
    owner_case_id = task.plan.case_id if done.help_task_id else task.consultation.case_id
    if owner_case_id != case.pk:
        raise PermissionDenied
    if TaskDone.objects.filter(help_task=done.help_task_id, consultation_action=done.consultation_action_id).exists():
        raise ValidationError(_("This task is already done."))
    return entry_record(user=user, case=case, entry=done, permission=perms.VIEW)


def signal_record(*, user: User, case: Case, signal: Signal, corrects: Signal | None = None) -> Signal:
    """A new signal. On a closed case it reopens the case (to weighing); during monitoring it sends the case back
    to weighing. Otherwise it is added to the chronology."""
    if case.state not in (CaseState.CLOSED, CaseState.MONITORING):
        return entry_record(user=user, case=case, entry=signal, permission=perms.ADD_SIGNAL, corrects=corrects)
    name = "reopen" if case.state == CaseState.CLOSED else "back_to_weighing"
    perms.require(user, perms.signal_permission(case), case)
    with transaction.atomic():
        locked = lock_case(case)
        if locked.state != case.state:
            raise CaseChangedError
        save_entry(user=user, case=locked, entry=signal, corrects=corrects)
        _fire(user=user, case=locked, name=name)
    return signal


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


# --- Notifications ---------------------------------------------------------------------------------------------


def notification_mark_read(*, user: User, notification) -> None:
    """Mark one of the user's own notifications read (the view fetches it by user: another's answers 404)."""
    notify.notification_mark_read(user=user, notification=notification)
