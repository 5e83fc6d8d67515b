"""What the application tells people: hand-over notifications (shown on the start page) and the record of the
reminder e-mails already sent, so that a deadline is mailed to each person once, across restarts."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """A case was handed over to this person's role (teacher → IB'er, IB'er → aandachtsfunctionaris)."""

    class Kind(models.TextChoices):
        HANDOVER_CONSULTING = "handover_consulting", _("handed over to you for consultation (step 2)")
        HANDOVER_WEIGHING = "handover_weighing", _("handed over to you for weighing (step 4)")
        ROUTE_B = "route_b", _("a member of staff is suspected: inform the board at once (route B)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("user")
    )
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+", verbose_name=_("case"))
    transition = models.ForeignKey(
        "cases.Transition", on_delete=models.CASCADE, related_name="+", verbose_name=_("step change")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # The case has left the state the hand-over announced (``services.fire_transition``): the notice is done, read
    # or not, and no longer "new for you".
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["transition", "user"], name="notification_once_per_handover_and_user")
        ]
        indexes = [
            models.Index(fields=["user", "read_at", "-created_at"]),
            models.Index(fields=["case"], condition=models.Q(resolved_at__isnull=True), name="notification_unresolved"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.case_id})"


class ReminderSent(models.Model):
    """One reminder e-mail sent: per case, deadline (kind and due date) and person, at most once."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+", verbose_name=_("case"))
    kind = models.CharField(_("deadline"), max_length=60)
    due_on = models.DateField(_("due on"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "due_on", "user"], name="reminder_once_per_deadline_user")
        ]

    def __str__(self):
        return f"{self.kind} {self.due_on} ({self.case_id}, {self.user_id})"
