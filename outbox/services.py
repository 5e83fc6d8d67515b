"""The outbox: durable e-mail on the project's one task queue (``docs/tasks.md``).

- ``queue_mail`` stores an ``OutgoingMail`` and enqueues its delivery task in the caller's transaction. The queue
  is a table of the same database: the mail and its task are committed together with what caused them, or not at
  all. Queuing never talks to the mail server, so no request waits on it and none fails because it is down.
- ``deliver`` (the worker, ``outbox.tasks.deliver_mail``) claims the row, hands the message to the real mail
  backend (the ``delivery`` mailer of ``MAILERS``) and marks it sent in the same transaction. A failure counts the
  attempt, keeps the error's class (never the server's text) and enqueues a retry with exponential back-off; after
  ``MELDCODE_OUTBOX_MAX_ATTEMPTS`` the mail is ``failed`` (logged by id, listed in the admin).
- ``requeue_lost`` (periodic, ``outbox.tasks.requeue_lost_mail``) enqueues a new delivery for a mail whose task is
  gone: a worker killed while delivering leaves its task "running" for ever.
"""

import datetime
import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from outbox.models import OutgoingMail

logger = logging.getLogger(__name__)

# The MAILERS alias that really sends (SMTP in production, the console in development, locmem in tests).
DELIVERY_MAILER = "delivery"


def queue_mail(*, to: str, subject: str, body: str, key: str | None = None, from_email: str = "") -> OutgoingMail:
    """Store a mail and enqueue its delivery, in the caller's transaction (or one of its own). With a ``key``
    already used, the mail stored then is returned and nothing new is queued."""
    with transaction.atomic():
        if key is not None:
            existing = OutgoingMail.objects.filter(key=key).first()
            if existing is not None:
                return existing
        try:
            with transaction.atomic():
                mail = OutgoingMail.objects.create(
                    to=to, subject=subject, body=body, key=key, from_email=from_email or ""
                )
        except IntegrityError:
            if key is None:
                raise
            return OutgoingMail.objects.get(key=key)  # queued by another transaction meanwhile
        _enqueue(mail, when=None)
    return mail


def _enqueue(mail: OutgoingMail, *, when: datetime.datetime | None) -> None:
    from outbox.tasks import deliver_mail

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
    _enqueue(mail, when=when)
    logger.warning("mail %s: attempt %s failed (%s); next attempt at %s", mail.pk, mail.attempts, mail.last_error, when)
    return mail.state


def retry(mail: OutgoingMail) -> None:
    """Queue a failed mail again (the admin's action), with a fresh count of attempts."""
    with transaction.atomic():
        if OutgoingMail.objects.filter(pk=mail.pk, state=OutgoingMail.State.FAILED).update(
            state=OutgoingMail.State.QUEUED, attempts=0
        ):
            _enqueue(mail, when=None)


def requeue_lost(*, now: datetime.datetime | None = None, stale: datetime.timedelta | None = None) -> int:
    """Enqueue a delivery for every queued mail whose time is more than ``stale`` past and whose task no longer
    waits in the queue (its worker was killed while delivering it, or the task was removed). A second task for a
    mail is harmless: ``deliver`` claims the mail, so only one sends it. Returns how many were enqueued."""
    now = now or timezone.now()
    if stale is None:
        stale = datetime.timedelta(minutes=settings.MELDCODE_OUTBOX_STALE_MINUTES)
    candidates = list(
        OutgoingMail.objects.filter(state=OutgoingMail.State.QUEUED, next_attempt_at__lte=now - stale).only(
            "pk", "task_id"
        )
    )
    waiting = {
        str(pk)
        for pk in DBTaskResult.objects.filter(
            pk__in=[m.task_id for m in candidates if m.task_id], status="READY"
        ).values_list("pk", flat=True)
    }
    requeued = 0
    for mail in candidates:
        if mail.task_id in waiting:
            continue
        with transaction.atomic():
            _enqueue(mail, when=None)
        logger.warning("mail %s had lost its delivery task; enqueued again", mail.pk)
        requeued += 1
    return requeued


def prune_sent(*, now: datetime.datetime | None = None) -> int:
    """Delete sent mails older than ``MELDCODE_OUTBOX_KEEP_DAYS`` (their body is already empty)."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.MELDCODE_OUTBOX_KEEP_DAYS)
    deleted, _ = OutgoingMail.objects.filter(state=OutgoingMail.State.SENT, sent_at__lt=cutoff).delete()
    return deleted
