"""Records added to a case's chronology: validated, stored on the locked case with an audit row, corrected by a new
record (never changed in place)."""

import datetime
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases import alerts, deadlines
from cases import permissions as perms
from cases.audit import audit_log
from cases.models import (
    AuditEvent,
    Case,
    CaseState,
    ConsultationAction,
    ParentTalkSkip,
    ParentTalkSkipConfirmation,
    TaskDone,
)
from cases.models.base import Entry
from cases.services.errors import CaseClosedError
from schools.models import Guardian, SocialMapEntry


def touch_case(case: Case) -> None:
    """Something happened on the case: it moves up in the lists (newest activity first), and its next due date is
    recomputed (a record can start, move or settle a deadline; ``Case.next_due``)."""
    case.last_activity_at = timezone.now()
    case.next_due = deadlines.soonest_due(case)
    case.save(update_fields=["last_activity_at", "next_due"])


def _entry_models() -> list[type[Entry]]:
    """The models of every kind of record of the chronology (the registry), less the step changes: the state machine
    bounds those."""
    from cases.records import KINDS  # the registry imports the forms; loaded when first needed

    return list(dict.fromkeys(kind.model for kind in KINDS.values() if issubclass(kind.model, Entry)))


def records_in_the_last_hour(user: User) -> int:
    """How many records of the chronology ``user`` stored in the last hour, over every kind, counted in the database
    (one query), so that the count is the same in every process of the application."""
    since = timezone.now() - datetime.timedelta(hours=1)
    queries = [
        model.objects.filter(author=user, recorded_at__gte=since).values("author_id") for model in _entry_models()
    ]
    return queries[0].union(*queries[1:], all=True).count()


def _refuse_over_the_limit(user: User) -> None:
    """A user records at most ``MELDCODE_RECORDS_PER_HOUR`` records an hour (issue 18: a flood of records made the
    parent extract unusable). Counted before the record is stored; the caller's transaction rolls back anything it
    stored before. Two requests of the same user at the same moment may both pass at the limit: a few over it at
    most, which is enough to stop a flood."""
    limit = settings.MELDCODE_RECORDS_PER_HOUR
    count = records_in_the_last_hour(user)
    if count >= limit:
        raise ValidationError(
            _(
                "You have already made %(count)s records in the past hour; at most %(limit)s an hour are possible. "
                "Nothing was stored: try again later, or ask the aandachtsfunctionaris if this cannot wait."
            )
            % {"count": count, "limit": limit},
            code="rate_limited",
        )


def save_entry(*, user: User, case: Case, entry: Entry, corrects: Entry | None = None, save_related=None) -> Entry:
    """Validate and store a record on an already locked case, with its audit row. No permission checks here. Every
    record of the chronology is stored here: this is where the limit of records per user and hour is applied."""
    _refuse_over_the_limit(user)
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
    if corrects is None:
        # An emergency proposal, or a new signal during monitoring or with Veilig Thuis involved: an urgent alert,
        # stored with the record, its e-mails sent once the transaction is committed (``cases.alerts``).
        alerts.raise_for_entry(user=user, case=case, entry=entry)
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
    """The case, re-fetched with its row locked until the transaction ends (a second writer waits here); its school
    joined, not locked (its holiday region counts the working days of the case's deadlines)."""
    return Case.objects.select_related("school").select_for_update(of=("self",)).get(pk=case.pk)


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
