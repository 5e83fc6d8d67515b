"""The outbox: every e-mail the application sends is first a row here, written in the transaction that caused it,
and delivered by the task queue's worker (``outbox.services``, ``docs/tasks.md``)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutgoingMail(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    to = models.EmailField(_("recipient"), max_length=254)
    from_email = models.CharField(_("sender"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=255)
    # Emptied once the mail is sent: a password link in it stays usable for a while (data minimisation).
    body = models.TextField(_("body"), blank=True)
    # Optional idempotency key: a second ``queue_mail`` with the same key returns the first mail.
    key = models.CharField(_("key"), max_length=200, unique=True, null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # The class of the last failure and an SMTP code or errno — never the server's text (it may quote addresses).
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    # The id of the delivery task last enqueued (django-tasks-db's DBTaskResult): finds mails whose task was lost.
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outbox_state_next_idx")]

    def __str__(self):
        return f"{self.pk} {self.state}"
