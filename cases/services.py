"""Every write. Each service checks permission, validates, writes in one transaction and leaves an audit row.

The shape of a step change (``case_transition``): one atomic block → lock the case row → check that the case is
still in the state the user saw → permission (403) → guards (a Dutch explanation) → fire → save → chronology row.
"""

from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from cases import access
from cases import permissions as perms
from cases.audit import audit_log
from cases.models import (
    AuditEvent,
    Case,
    CaseState,
    ConsultationAction,
    Membership,
    ParentTalkSkip,
    ParentTalkSkipConfirmation,
    Pupil,
    Role,
    School,
    Signal,
    Transition,
    User,
)
from cases.models.base import Entry


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


class CaseClosedError(Exception):
    def __init__(self):
        super().__init__(_("This case is closed: nothing can be added."))


# Transitions that users may fire through ``case_transition``; later issues add theirs.
USER_TRANSITIONS = ["to_consulting", "to_parent_talk", "to_weighing", "skip_to_weighing"]


def _touch(case: Case) -> None:
    case.last_activity_at = timezone.now()
    case.save(update_fields=["last_activity_at"])


def _next_reference(school: School) -> str:
    year = timezone.localdate().year
    School.objects.select_for_update().filter(pk=school.pk).first()  # serialise numbering per school
    count = Case.objects.filter(school=school, reference__startswith=f"{year}-").count()
    return f"{year}-{count + 1:03d}"


def _sole_member(school_id: int, role: str) -> User | None:
    users = list(User.objects.filter(memberships__school_id=school_id, memberships__role=role, is_active=True)[:2])
    return users[0] if len(users) == 1 else None


def pupils_selectable_for(*, user: User, school_id: int):
    """Pupils for whom this user may open a case: a teacher their own groups' pupils; the IB'er, the
    aandachtsfunctionaris and the internal contact person every current pupil of the school."""
    roles = perms.roles_at_school(user, school_id)
    qs = Pupil.objects.filter(school_id=school_id, left_on__isnull=True).select_related("class_group")
    if roles & {Role.IB, Role.AF, Role.CONTACT_PERSON}:
        return qs
    if Role.TEACHER in roles:
        return qs.filter(class_group__teachers=user).distinct()
    return qs.none()


def case_open(*, user: User, school: School, pupils: Iterable[Pupil], route: str, signal: Signal) -> Case:
    """Open a case with its first signal (step 1). The opener owns it until it is handed over."""
    pupils = list(pupils)
    if not pupils:
        raise ValidationError(_("Choose at least one pupil."))
    allowed = set(pupils_selectable_for(user=user, school_id=school.pk).values_list("pk", flat=True))
    if any(p.pk not in allowed for p in pupils):
        raise PermissionDenied
    with transaction.atomic():
        case = Case(school=school, route=route, opened_by=user, owner=user, reference=_next_reference(school))
        case.full_clean(exclude=["reference", "state"])
        case.save()
        case.pupils.set(pupils)
        signal.case = case
        signal.author = user
        signal.full_clean()
        signal.save()
        Transition.objects.create(case=case, actor=user, name="open", from_state="", to_state=case.state)
        access.case_sync_permissions(case)
        audit_log(user=user, case=case, action=AuditEvent.Action.CREATE, target=f"case {case.pk}")
        audit_log(user=user, case=case, action=AuditEvent.Action.CREATE, target=f"signal {signal.pk}")
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
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.state == CaseState.CLOSED:
            raise CaseClosedError
        if corrects is not None:
            if type(corrects) is not type(entry) or corrects.case_id != case.pk:
                raise PermissionDenied
            if type(entry).objects.filter(corrects=corrects).exists():
                raise ValidationError(_("This entry has already been corrected; correct the newest version."))
        entry.case = locked
        entry.author = user
        entry.corrects = corrects
        entry.full_clean()
        entry.save()
        if save_related is not None:
            save_related(entry)
        _touch(locked)
        audit_log(
            user=user, case=locked, action=AuditEvent.Action.CREATE, target=f"{entry._meta.model_name} {entry.pk}"
        )
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
        _touch(case)
        audit_log(user=user, case=case, action=AuditEvent.Action.CREATE, target=f"skip confirmation {confirmation.pk}")
    return confirmation


def _transition_meta(case: Case, name: str):
    if name not in USER_TRANSITIONS:
        raise PermissionDenied
    return getattr(case, name)


def case_transition(*, user: User, case_id: int, name: str, expected_state: str, reason: str = "") -> Case:
    """Fire the transition ``name`` on the case, if it is still in ``expected_state`` (the state the user saw)."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        method = _transition_meta(case, name)
        if case.state != expected_state or not can_proceed(method, check_conditions=False):
            raise CaseChangedError
        transition = method._django_fsm.get_transition(case.state)
        if not transition.has_perm(case, user):
            raise PermissionDenied
        blockers = getattr(case, f"blockers_{name}")()
        if blockers:
            raise TransitionBlockedError(blockers)
        from_state = case.state
        method()
        if case.state == CaseState.CONSULTING:
            case.owner = (
                user
                if Role.IB in perms.roles_at_school(user, case.school_id)
                else _sole_member(case.school_id, Role.IB)
            )
        elif case.state == CaseState.WEIGHING:
            case.owner = _sole_member(case.school_id, Role.AF)
        case.last_activity_at = timezone.now()
        case.save(update_fields=["state", "owner", "last_activity_at"])
        Transition.objects.create(
            case=case, actor=user, name=name, from_state=from_state, to_state=case.state, reason=reason.strip()
        )
        audit_log(user=user, case=case, action=AuditEvent.Action.TRANSITION, target=f"{from_state} → {case.state}")
    return case


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


def membership_roles(user: User) -> set[str]:
    return set(Membership.objects.filter(user=user).values_list("role", flat=True))
