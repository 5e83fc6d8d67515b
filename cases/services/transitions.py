"""Step changes. The shape of one (``case_transition``): one atomic block → lock the case row → check that the case
is still in the state the user saw → permission (403) → guards (a Dutch explanation) → fire → save → chronology
row and audit row → the hand-over notice of the new state (``cases.workflow``). A record that enables a step is
stored together with it (``record_and_fire``): if the step is refused, the record is not kept either."""

import datetime
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from accounts.models import User
from cases import alerts, deadlines, notify, workflow
from cases import permissions as perms
from cases.audit import audit_log
from cases.models import (
    AuditEvent,
    Case,
    CaseState,
    Signal,
    Transition,
)
from cases.models.base import Entry
from cases.services.chronology import entry_record, lock_case, save_entry
from cases.services.errors import CaseChangedError, NotNowError, TransitionBlockedError

# Transitions that need no record of their own, fired with a button through ``case_transition``. The others are
# fired by the service that stores the record they need (``record_and_fire``).
USER_TRANSITIONS = ["to_consulting", "to_parent_talk", "to_weighing", "skip_to_weighing"]

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


def _sole_member(school_id: int, role: str) -> User | None:
    users = list(User.objects.filter(memberships__school_id=school_id, memberships__role=role, is_active=True)[:2])
    return users[0] if len(users) == 1 else None


def fire_transition(*, user: User, case: Case, name: str, reason: str = "", check_permission: bool = True) -> Case:
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
        if owner.actor and perms.holds_a_role(user, case.school_id, [owner.role]):
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
    deadlines.store_next_due(case)  # the new step's deadlines count from the step change just stored
    # The case has left its state: the hand-over notices that announced it are done, and the urgent alerts that no
    # longer wait in the new state are settled (``cases.alerts``).
    notify.notifications_resolve(case, now)
    alerts.settle_for_transition(case, now)
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
        return fire_transition(user=user, case=case, name=name, reason=reason)


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
        return fire_transition(user=user, case=locked, name=transition, reason=reason)


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
        fire_transition(user=user, case=locked, name=name)
    return signal
