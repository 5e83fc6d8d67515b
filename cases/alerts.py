"""Urgent alerts (issue 16, part 1): a teacher's proposal for an emergency report, or a new signal on a case in
monitoring or with Veilig Thuis involved, reaches the school's aandachtsfunctionarissen and IB'ers at once — an alert
at the top of every page they open (``context_processors.navigation``) and an e-mail that names nothing.

- ``raise_for_entry`` is called by ``services.chronology.save_entry`` inside the transaction that stores a record:
  every path that stores one (the case page, the services, the demo) raises the alert; a correction does not.
- ``acknowledge``: an aandachtsfunctionaris of the school says "seen, I am picking it up" (recorded on the alert and
  in the case's audit trail). The alert is gone for everyone.
- ``settle_for_transition``: acting on the case settles the alert too, without an acknowledgement — a step change
  into a state where the alert no longer waits (``models.alerts.OPEN_STATES``): the emergency report was made or
  the case closed; the weighing after a signal during monitoring is done; a case with Veilig Thuis involved moved on.
- ``escalate_due`` (periodic: ``cases.tasks.escalate_alerts``, or ``manage.py escalate_alerts``): an alert that
  nobody acknowledged within ``MELDCODE_ALERT_ESCALATE_WORKING_HOURS`` working hours (school hours on working days
  of the school's holiday region) is mailed again to all the school's aandachtsfunctionarissen and IB'ers (level 1),
  and as long again later to the contact of the school's board (level 2; the e-mail names the school only). Each
  level is taken by one conditional update: safe to run as often as wanted and in two processes at once.
"""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from cases import deadlines, notify
from cases import permissions as perms
from cases.audit import audit_log
from cases.models import Alert, AuditEvent, Case, CaseState, EmergencyProposal, Signal
from cases.models.alerts import OPEN_STATES
from schools.models import Role

logger = logging.getLogger(__name__)

ALERTED_ROLES = (Role.AF, Role.IB)
OPEN = Q(acknowledged_at__isnull=True, settled_at__isnull=True)


# --- Raising ----------------------------------------------------------------------------------------------------


def _kind_for(case: Case, entry) -> tuple[str, str] | None:
    """(the alert's kind, the record's kind in the chronology) for a record that raises an alert, else None."""
    if isinstance(entry, EmergencyProposal):
        return Alert.Kind.EMERGENCY_PROPOSAL, "proposal"
    if isinstance(entry, Signal):
        if case.state == CaseState.MONITORING:
            return Alert.Kind.SIGNAL_MONITORING, "signal"
        if case.state == CaseState.VT_INVOLVED:
            return Alert.Kind.SIGNAL_VT_INVOLVED, "signal"
        if entry.urgent:
            return Alert.Kind.URGENT_SIGNAL, "signal"
    return None


def raise_for_entry(*, user: User, case: Case, entry) -> Alert | None:
    """Called inside the transaction that stores ``entry`` on the locked ``case`` (in the state it was in before any
    step change the record causes). The e-mails are queued in the outbox in the same transaction: they go out when the
    record is committed, and never without it."""
    kind = _kind_for(case, entry)
    if kind is None:
        return None
    alert = Alert.objects.create(
        school_id=case.school_id, case=case, kind=kind[0], record_kind=kind[1], record_id=entry.pk, raised_by=user
    )
    _mail_staff(alert, again=False)
    return alert


def staff_to_alert(alert: Alert) -> list[User]:
    """The school's active aandachtsfunctionarissen and IB'ers who can see the case, with an address, less the one
    who raised the alert."""
    users = (
        User.objects.filter(memberships__school_id=alert.school_id, memberships__role__in=ALERTED_ROLES, is_active=True)
        .exclude(pk=alert.raised_by_id)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )
    return [user for user in users if perms.can(user, perms.VIEW, alert.case)]


def _mail_staff(alert: Alert, *, again: bool) -> None:
    """Queue the alert's mail for each of the staff to alert (the outbox: in this transaction, once per alert, level
    and person)."""
    for user in staff_to_alert(alert):
        notify.alert_mail(user, alert.case_id, again=again, key=f"alert:{alert.pk}:{int(again)}:{user.pk}")


# --- Acknowledging and settling ------------------------------------------------------------------------------------


def may_acknowledge(user: User, alert: Alert) -> bool:
    return (alert.school_id, Role.AF) in perms.memberships_of_user(user)


def acknowledge(*, user: User, alert: Alert) -> Alert:
    """An aandachtsfunctionaris of the alert's school picks it up. Acknowledging one that is already acknowledged
    or settled changes nothing."""
    if not may_acknowledge(user, alert):
        raise PermissionDenied
    with transaction.atomic():
        locked = Alert.objects.select_for_update().get(pk=alert.pk)
        if locked.is_open:
            locked.acknowledged_at = timezone.now()
            locked.acknowledged_by = user
            locked.save(update_fields=["acknowledged_at", "acknowledged_by"])
            audit_log(
                user=user, case=locked.case, action=AuditEvent.Action.ALERT_ACKNOWLEDGED, target=f"alert {locked.pk}"
            )
    return locked


def settle_for_transition(case: Case, now: datetime.datetime | None = None) -> int:
    """Called by ``services.fire_transition`` once the case is in its new state: the open alerts of the case that no
    longer wait in that state are settled. One update."""
    kinds = [kind for kind, states in OPEN_STATES.items() if case.state not in states]
    if not kinds:
        return 0
    return Alert.objects.filter(OPEN, case=case, kind__in=kinds).update(settled_at=now or timezone.now())


# --- Escalating ----------------------------------------------------------------------------------------------------


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time())) + datetime.timedelta(hours=hour)


def add_school_hours(start: datetime.datetime, hours: float, region: str = "middle") -> datetime.datetime:
    """The moment ``hours`` school hours after ``start``: only the hours between the start and the end of the school
    day (``MELDCODE_SCHOOL_HOURS``) on working days of ``region`` count. Evenings, weekends and holidays do not."""
    begin, end = settings.MELDCODE_SCHOOL_HOURS
    remaining = datetime.timedelta(hours=hours)
    moment = timezone.localtime(start)
    day = moment.date()
    for _ in range(366 * 2):
        if deadlines.is_working_day(day, region):
            opens, closes = _at(day, begin), _at(day, end)
            since = max(moment, opens)
            if since < closes:
                if remaining <= closes - since:
                    return since + remaining
                remaining -= closes - since
        day += datetime.timedelta(days=1)
        moment = _at(day, 0)
    raise ValueError("no school hours in two years")


def escalation_due(alert: Alert) -> datetime.datetime | None:
    """When an open alert escalates to its next level (None: it has reached the last)."""
    if alert.level >= Alert.Level.BOARD:
        return None
    since = alert.created_at if alert.level == Alert.Level.SCHOOL else alert.reminded_at
    return add_school_hours(since, settings.MELDCODE_ALERT_ESCALATE_WORKING_HOURS, alert.school.holiday_region)


def escalate_due(now: datetime.datetime | None = None) -> int:
    """Escalate every open alert whose time has come by one level; return how many were escalated. A level is taken
    by a conditional update (``level`` unchanged, still open): a second run, or one in another process at the same
    moment, finds nothing left to do and sends nothing."""
    now = now or timezone.now()
    escalated = 0
    candidates = Alert.objects.filter(OPEN, level__lt=Alert.Level.BOARD).select_related("school__board", "case")
    for alert in candidates:
        due = escalation_due(alert)
        if due is None or due > now:
            continue
        with transaction.atomic():
            level = alert.level + 1
            changes = {"level": level}
            if level == Alert.Level.REMINDED:
                changes["reminded_at"] = now
            else:
                changes["board_alerted_at"] = now
                changes["board_contact_missing"] = not alert.school.board.contact_email
            taken = Alert.objects.filter(OPEN, pk=alert.pk, level=alert.level).update(**changes)
            if not taken:
                continue
            if level == Alert.Level.REMINDED:
                _mail_staff(alert, again=True)
            else:
                _alert_board(alert)
        escalated += 1
    return escalated


def _alert_board(alert: Alert) -> None:
    board = alert.school.board
    if not board.contact_email:
        logger.warning(
            "urgent alert %s at school %s not acknowledged in time; board %s has no contact to escalate to",
            alert.pk,
            alert.school_id,
            board.pk,
        )
        return
    notify.board_alert_mail(board.contact_email, alert.school.name, key=f"alert:{alert.pk}:board")


# --- Shown on every page -----------------------------------------------------------------------------------------


def open_alerts_for_user(user: User) -> list[Alert]:
    """The open alerts of the schools where ``user`` is aandachtsfunctionaris or IB'er, about cases they can see, not
    raised by themselves; oldest first. No query for anyone without such a role (their memberships are cached on
    the user by the page's permission checks), one query for the others. Each alert knows whether the user may
    acknowledge it (``may_acknowledge``)."""
    roles = perms.memberships_of_user(user)
    schools = {school_id for school_id, role in roles if role in ALERTED_ROLES}
    if not schools:
        return []
    alerts = list(
        Alert.objects.filter(OPEN, perms.visible_cases_q(user, via="case"), school_id__in=schools)
        .exclude(raised_by=user)
        .select_related("case")
        .only("kind", "created_at", "level", "school_id", "case_id", "case__reference")
        .order_by("created_at", "pk")[:20]
    )
    for alert in alerts:
        alert.may_acknowledge = (alert.school_id, Role.AF) in roles
    return alerts
