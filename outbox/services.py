"""The outbox: durable e-mail on the project's one task queue (``docs/tasks.md``).

- ``queue_mail`` stores an ``OutgoingMail`` and enqueues its delivery task in the caller's transaction. The queue
  is a table of the same database: the mail and its task are committed together with what caused them, or not at
  all. Queuing never talks to the mail server, so no request waits on it and none fails because it is down.
- ``outbox.delivery.deliver`` (the worker's task ``outbox.delivery.deliver_mail``) claims the row, hands the
  message to the real mail backend and marks it sent in the same transaction; a failure is retried with exponential
  back-off, and after ``MELDCODE_OUTBOX_MAX_ATTEMPTS`` the mail is ``failed`` (logged by id, listed in the admin).
- ``requeue_lost`` (periodic, ``outbox.tasks.requeue_lost_mail``) enqueues a new delivery for a mail whose task is
  gone: a worker killed while delivering leaves its task "running" for ever.
"""

import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from outbox.delivery import enqueue
from outbox.models import OutgoingMail

logger = logging.getLogger(__name__)


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
        enqueue(mail, when=None)
    return mail


def retry(mail: OutgoingMail) -> None:
    """Queue a failed mail again (the admin's action), with a fresh count of attempts."""
    with transaction.atomic():
        if OutgoingMail.objects.filter(pk=mail.pk, state=OutgoingMail.State.FAILED).update(
            state=OutgoingMail.State.QUEUED, attempts=0
        ):
            enqueue(mail, when=None)


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
            enqueue(mail, when=None)
        logger.warning("mail %s had lost its delivery task; enqueued again", mail.pk)
        requeued += 1
    return requeued


def prune_sent(*, now: datetime.datetime | None = None) -> int:
    """Delete sent mails older than ``MELDCODE_OUTBOX_KEEP_DAYS`` (their body is already empty)."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.MELDCODE_OUTBOX_KEEP_DAYS)
    deleted, _ = OutgoingMail.objects.filter(state=OutgoingMail.State.SENT, sent_at__lt=cutoff).delete()
    return deleted
