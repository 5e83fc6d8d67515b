"""Urgent alerts (issue 16): an event that must reach the school's aandachtsfunctionaris at once — a teacher's
proposal for an emergency report, a new signal on a case in monitoring or with Veilig Thuis involved. The alert
stands at the top of every page of the school's aandachtsfunctionarissen and IB'ers until an aandachtsfunctionaris
acknowledges it or the case is acted on (``cases.alerts``); unacknowledged, it escalates (``Level``)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.choices import CaseState


class Alert(models.Model):
    class Kind(models.TextChoices):
        EMERGENCY_PROPOSAL = "emergency_proposal", _("proposal for an emergency report")
        SIGNAL_MONITORING = "signal_monitoring", _("new signal on a case in monitoring")
        SIGNAL_VT_INVOLVED = "signal_vt_involved", _("new signal on a case with Veilig Thuis involved")
        URGENT_SIGNAL = "urgent_signal", _("a signal marked urgent")

    class Level(models.IntegerChoices):
        SCHOOL = 0, _("the school's aandachtsfunctionarissen and IB'ers alerted")
        REMINDED = 1, _("not acknowledged in time: alerted again")
        BOARD = 2, _("not acknowledged in time: the board's contact alerted")

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+", verbose_name=_("school"))
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="alerts", verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    # The record that raised it: its kind in the chronology (``cases.records.KINDS``) and its id.
    record_kind = models.CharField(_("kind of record"), max_length=30)
    record_id = models.PositiveBigIntegerField(_("record"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("raised by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    # Settled without an acknowledgement: the case was acted on (``cases.alerts.OPEN_STATES``).
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    level = models.PositiveSmallIntegerField(_("escalation"), choices=Level.choices, default=Level.SCHOOL)
    reminded_at = models.DateTimeField(_("alerted again at"), null=True, blank=True)
    board_alerted_at = models.DateTimeField(_("board's contact alerted at"), null=True, blank=True)
    # At level 2 the board had no contact address: nobody could be alerted (logged too).
    board_contact_missing = models.BooleanField(_("the board has no contact to alert"), default=False)

    class Meta:
        verbose_name = _("urgent alert")
        verbose_name_plural = _("urgent alerts")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["school", "created_at"],
                condition=models.Q(acknowledged_at__isnull=True, settled_at__isnull=True),
                name="alert_open_by_school",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.case_id})"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None and self.settled_at is None


# The states in which an alert of each kind still waits; a step change of its case into any other state settles it
# (``cases.alerts.settle_for_transition``): the emergency report was made, or the case was closed; the weighing
# after a signal during monitoring was done; the case with Veilig Thuis involved moved on.
OPEN_STATES: dict[str, frozenset[str]] = {
    Alert.Kind.EMERGENCY_PROPOSAL: frozenset(CaseState.values)
    - {CaseState.REPORTED, CaseState.VT_INVOLVED, CaseState.CLOSED},
    Alert.Kind.SIGNAL_MONITORING: frozenset({CaseState.MONITORING, CaseState.WEIGHING}),
    Alert.Kind.SIGNAL_VT_INVOLVED: frozenset({CaseState.VT_INVOLVED}),
    # A signal the teacher marked urgent waits until an aandachtsfunctionaris acknowledges it (or the case is closed).
    Alert.Kind.URGENT_SIGNAL: frozenset(CaseState.values) - {CaseState.CLOSED},
}
