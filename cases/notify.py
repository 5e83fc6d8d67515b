"""Telling people: hand-over notifications and reminder e-mails.

E-mail is not a safe channel: a message names no pupil, no case number and no detail — only that something is
waiting or due, and the link to the case (behind the login). Mail is rendered in Dutch and queued in the outbox
(``outbox.services.queue_mail``) in the transaction that caused it: committed with it or not at all, and delivered by
the task worker, with retries while the mail server is down. No request waits on the mail server.
"""

import datetime
import logging
from itertools import batched

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from accounts.models import User
from cases import access, deadlines, workflow
from cases.models import Case, Notification, ReminderSent, Route, Transition
from outbox.services import queue_mail
from schools.models import Membership

logger = logging.getLogger(__name__)

# Step changes that hand a case over to another role of the school, by (from state, to state): who gets it, and the
# kind of notification (``cases.workflow``).
HANDOVERS = workflow.HANDOVERS


def case_url(case_id: int) -> str:
    return settings.MELDCODE_BASE_URL + reverse("cases:case-detail", kwargs={"pk": case_id})


def _not_safe() -> str:
    return gettext(
        "This e-mail deliberately names no pupil and gives no details: e-mail is not a safe channel for them."
    )


def _mail(user: User, subject: str, body: str, key: str | None = None) -> None:
    """Queue one e-mail to ``user`` in the current transaction (the outbox); ``key`` makes it idempotent."""
    queue_mail(to=user.email, subject=subject, body=body, key=key)


def _mail_to(address: str, subject: str, body: str, key: str | None = None) -> None:
    """Mail someone without an account (the board's contact for urgent alerts), through the outbox."""
    queue_mail(to=address, subject=subject, body=body, key=key)


def alert_mail(user: User, case_id: int, *, again: bool = False, key: str | None = None) -> None:
    """An urgent alert (``cases.alerts``): at once, and ``again`` when nobody acknowledged it in time."""
    with translation.override("nl"):
        if again:
            subject = gettext("Meldcode: an urgent signal still needs attention")
            lead = gettext(
                "An urgent signal in the meldcode application has not been picked up yet: no aandachtsfunctionaris "
                "has acknowledged it. Log in to see it:"
            )
        else:
            subject = gettext("Meldcode: an urgent signal needs your attention")
            lead = gettext("An urgent signal in the meldcode application needs your attention now. Log in to see it:")
        body = "\n\n".join([gettext("Hello,"), lead + "\n" + case_url(case_id), _not_safe()])
    _mail(user, subject, body, key)


def board_alert_mail(address: str, school_name: str, key: str | None = None) -> None:
    """Level 2 of an urgent alert: the board's contact, who has no account. Names the school, nothing else."""
    with translation.override("nl"):
        subject = gettext("Meldcode: an urgent signal at %(school)s has not been picked up") % {"school": school_name}
        body = "\n\n".join(
            [
                gettext("Hello,"),
                gettext(
                    "At %(school)s an urgent signal in the meldcode application has not been acknowledged by an "
                    "aandachtsfunctionaris within the agreed time. Please contact the school's "
                    "aandachtsfunctionaris or director today."
                )
                % {"school": school_name},
                _not_safe(),
            ]
        )
    _mail_to(address, subject, body, key)


def handover_mail(user: User, case_id: int, key: str | None = None) -> None:
    with translation.override("nl"):
        subject = gettext("Meldcode: a case has been handed over to you")
        body = "\n\n".join(
            [
                gettext("Hello,"),
                gettext("A case in the meldcode application has been handed over to you. Log in to see it:")
                + "\n"
                + case_url(case_id),
                _not_safe(),
            ]
        )
    _mail(user, subject, body, key)


def reminder_mail(user: User, case_id: int, due: datetime.date) -> None:
    with translation.override("nl"):
        subject = gettext("Meldcode: something is due in a case")
        body = "\n\n".join(
            [
                gettext("Hello,"),
                gettext(
                    "In the meldcode application something is due on %(date)s in a case for which you are "
                    "responsible. Log in to see what:"
                )
                % {"date": date_format(due, "j F Y")}
                + "\n"
                + case_url(case_id),
                _not_safe(),
            ]
        )
    _mail(user, subject, body)


# --- Hand-overs ---------------------------------------------------------------------------------------------------


def handover_notify(*, case: Case, transition: Transition, actor: User) -> list[Notification]:
    """Called by ``services.fire_transition`` inside the step's transaction: the new owners (the school's IB'ers or
    aandachtsfunctionarissen, not the person who handed over) get a notification in the application and an e-mail
    in the outbox, both stored together with the step change."""
    handover = HANDOVERS.get((transition.from_state, transition.to_state))
    if handover is None:
        return []
    role, kind = handover.role, handover.kind
    users = (
        User.objects.filter(memberships__school_id=case.school_id, memberships__role=role, is_active=True)
        .exclude(pk=actor.pk)
        .distinct()
    )
    notifications = Notification.objects.bulk_create(
        [Notification(user=user, case=case, transition=transition, kind=kind) for user in users]
    )
    for notification in notifications:
        if notification.user.email:
            handover_mail(notification.user, case.pk, key=f"handover:{transition.pk}:{notification.user.pk}")
    return notifications


def route_b_notify(*, case: Case, actor: User) -> list[Notification]:
    """A route B case was opened (a member of staff suspected): everyone who holds it — the aandachtsfunctionaris,
    the IB'ers and the board contact who are not named in it (``access.route_b_readers``) — gets a notification and
    an e-mail at once, stored with the opening. The persons named as suspected get nothing."""
    step = case.transitions.filter(to_state=case.state).order_by("-at", "-pk").first()
    readers = access.route_b_readers(case)
    users = User.objects.filter(pk__in=[pk for pk in readers if pk != actor.pk]).order_by("pk")
    notifications = Notification.objects.bulk_create(
        [Notification(user=user, case=case, transition=step, kind=Notification.Kind.ROUTE_B) for user in users]
    )
    for notification in notifications:
        if notification.user.email:
            handover_mail(notification.user, case.pk, key=f"route_b:{step.pk}:{notification.user.pk}")
    return notifications


# --- Reminders ------------------------------------------------------------------------------------------------------


def _recipients(deadline: deadlines.Deadline, case: Case, staff: dict, members: dict) -> list[User]:
    users = list(staff.get((case.school_id, deadline.role), [])) if deadline.role else []
    person = deadline.user
    if person is not None and person.is_active and case.school_id in members.get(person.pk, set()):
        users.append(person)
    unique = {user.pk: user for user in users}
    if case.route == Route.B:
        # Only those who hold the staff case: never a person named in it as suspected (``access.route_b_readers``).
        if "_route_b_readers" not in case.__dict__:  # once per case of a run
            case.__dict__["_route_b_readers"] = access.route_b_readers(case)
        readers = case.__dict__["_route_b_readers"]
        unique = {pk: user for pk, user in unique.items() if pk in readers}
    return [user for user in unique.values() if user.email]


def send_due_reminders(today: datetime.date | None = None, chunk_size: int = 200) -> int:
    """Queue every reminder that is due and not sent yet; return how many e-mails were queued. Safe to run as often
    as wanted (and in two processes at once): a ``ReminderSent`` row per case, deadline, due date and person,
    unique in the database, is written in the same transaction as the mail is queued in the outbox — both or
    neither, and queuing does not depend on the mail server (the worker delivers, retrying while it is down)."""
    today = today or timezone.localdate()
    staff: dict[tuple[int, str], list[User]] = {}
    members: dict[int, set[int]] = {}
    for membership in Membership.objects.filter(user__is_active=True).select_related("user"):
        members.setdefault(membership.user_id, set()).add(membership.school_id)
        staff.setdefault((membership.school_id, membership.role), []).append(membership.user)
    # Cases in a step with deadlines, and cases in any step (closed too) with an unanswered parents' request.
    cases = Case.objects.filter(deadlines.may_have_deadlines()).select_related("school", "owner").order_by("pk")
    sent = 0
    for chunk in batched(cases.iterator(chunk_size=chunk_size), chunk_size):
        deadlines.attach(chunk, today=today)
        deadlines.store_computed(chunk)  # a safety net for ``Case.next_due`` (a changed setting or holiday region)
        done = set(
            ReminderSent.objects.filter(case_id__in=[c.pk for c in chunk]).values_list(
                "case_id", "kind", "due_on", "user_id"
            )
        )
        for case in chunk:
            for deadline in case.deadlines:
                for key, _on in deadline.reminders_due():
                    kind = deadline.reminder_kind(key)
                    for user in _recipients(deadline, case, staff, members):
                        if (case.pk, kind, deadline.due, user.pk) in done:
                            continue
                        sent += _send_reminder_once(case, kind, deadline.due, user)
    return sent


def _send_reminder_once(case: Case, kind: str, due: datetime.date, user: User) -> int:
    try:
        with transaction.atomic():
            ReminderSent.objects.create(case=case, kind=kind, due_on=due, user=user)
            reminder_mail(user, case.pk, due)
    except IntegrityError:  # another run queued it meanwhile
        return 0
    return 1


# --- Notifications on the start page ----------------------------------------------------------------------------------


def notification_mark_read(*, user: User, notification: Notification) -> None:
    if notification.user_id != user.pk:
        raise PermissionError
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


def notifications_mark_all_read(*, user: User, school_id: int | None = None) -> int:
    """ "Alles gelezen": every unread notification of the user (about cases of one school, when given) is read."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if school_id is not None:
        unread = unread.filter(case__school_id=school_id)
    return unread.update(read_at=timezone.now())


def notifications_resolve(case: Case, now: datetime.datetime | None = None) -> int:
    """The case has moved to another state: every hand-over notice about it announced a state it has now left, and
    is done (called by ``services.fire_transition`` before the notice of the new state is made). One update."""
    return Notification.objects.filter(case=case, resolved_at__isnull=True).update(resolved_at=now or timezone.now())
