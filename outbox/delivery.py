"""Delivering one mail: the task ``deliver_mail`` that the worker runs, and its (re-)enqueueing with back-off.

``deliver`` claims the row, hands the message to the real mail backend (the ``delivery`` mailer of ``MAILERS``) and
marks it sent in the same transaction. A failure counts the attempt, keeps the error's class (never the server's
text) and enqueues a retry with exponential back-off; after ``MELDCODE_OUTBOX_MAX_ATTEMPTS`` the mail is ``failed``
(logged by id, listed in the admin). Storing mails is ``outbox.services`` (which enqueues through ``enqueue``).
"""

import datetime
import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import F
from django.tasks import task
from django.utils import timezone

from outbox.models import OutgoingMail

logger = logging.getLogger(__name__)

# The MAILERS alias that really sends (SMTP in production, the console in development, locmem in tests).
DELIVERY_MAILER = "delivery"


@task
def deliver_mail(mail_id: int) -> str:
    """Deliver one queued mail; on failure a retry is enqueued with back-off (``deliver``)."""
    return deliver(mail_id)


def enqueue(mail: OutgoingMail, *, when: datetime.datetime | None) -> None:
    task = deliver_mail.using(run_after=when) if when is not None else deliver_mail
    result = task.enqueue(mail_id=mail.pk)
    mail.task_id, mail.next_attempt_at = str(result.id), when or timezone.now()
    OutgoingMail.objects.filter(pk=mail.pk).update(task_id=mail.task_id, next_attempt_at=mail.next_attempt_at)


def backoff(attempts: int) -> datetime.timedelta:
    """The wait after the ``attempts``-th failed attempt: 1, 2, 4, 8 … minutes, at most the cap."""
    minutes = min(2 ** max(attempts - 1, 0), settings.MELDCODE_OUTBOX_BACKOFF_CAP_MINUTES)
    return datetime.timedelta(minutes=minutes)


def error_summary(exc: BaseException) -> str:
    """The failure's class and code, without the server's or the message's text."""
    summary = type(exc).__name__
    if isinstance(exc, smtplib.SMTPResponseException):
        summary += f" {exc.smtp_code}"
    elif isinstance(exc, OSError) and exc.errno:
        summary += f" errno {exc.errno}"
    return summary[:200]


def deliver(mail_id: int) -> str:
    """Deliver one queued mail (the worker). Returns the mail's state afterwards ("missing" for no such mail).

    The claim is a conditional UPDATE (``state = queued``): it takes the row's lock on PostgreSQL — a second
    delivery of the same mail waits for it, then finds the mail sent and does nothing — and the database's write
    lock on SQLite. The hand-over to the mail server and the "sent" mark are in that one transaction, so a crash
    before the server accepted the message leaves it queued (sent again later), and nothing is ever marked sent
    that was not handed over. The one unavoidable window: the server accepted the message and the process died
    before the commit (milliseconds) — then it is sent a second time; never lost."""
    now = timezone.now()
    with transaction.atomic():
        claimed = OutgoingMail.objects.filter(pk=mail_id, state=OutgoingMail.State.QUEUED).update(
            attempts=F("attempts") + 1
        )
        mail = OutgoingMail.objects.filter(pk=mail_id).first()
        if mail is None:
            return "missing"
        if not claimed:
            return mail.state
        try:
            _send(mail)
        except Exception as exc:
            return _failed(mail, exc, now)
        mail.state = OutgoingMail.State.SENT
        mail.sent_at = timezone.now()
        mail.body = ""
        mail.last_error = ""
        mail.save(update_fields=["state", "sent_at", "body", "last_error"])
    logger.info("mail %s sent (attempt %s)", mail.pk, mail.attempts)
    return mail.state


def _send(mail: OutgoingMail) -> None:
    message = EmailMessage(mail.subject, mail.body, mail.from_email or None, [mail.to])
    with mailers[DELIVERY_MAILER] as connection:
        sent = connection.send_messages([message])
    if sent != 1:
        raise smtplib.SMTPException("the mail backend accepted no message")


def _failed(mail: OutgoingMail, exc: Exception, now: datetime.datetime) -> str:
    mail.last_error = error_summary(exc)
    if mail.attempts >= settings.MELDCODE_OUTBOX_MAX_ATTEMPTS:
        mail.state = OutgoingMail.State.FAILED
        mail.save(update_fields=["state", "last_error"])
        logger.error("mail %s failed for good after %s attempts (%s)", mail.pk, mail.attempts, mail.last_error)
        return mail.state
    mail.save(update_fields=["last_error"])
    when = now + backoff(mail.attempts)
    enqueue(mail, when=when)
    logger.warning("mail %s: attempt %s failed (%s); next attempt at %s", mail.pk, mail.attempts, mail.last_error, when)
    return mail.state
