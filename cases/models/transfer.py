"""A case that moves with its pupil to another school (the meldcode's "warme overdracht", issue 19).

- Within the board (``CaseTransfer.Kind.WITHIN_BOARD``): the aandachtsfunctionaris of the old school hands the case
  to a school of the same board; the aandachtsfunctionaris of the new school accepts it, and then the case itself
  moves (its school, its pupils, its access), its chronology whole. The old school keeps this row: that the case was
  transferred, when, to which school and by whom — without the case's content (``dossier.transfer``).
- Outside the board (``Kind.OUTSIDE_BOARD``): the case stays where it is; the staff dossier for "the next school"
  travels, encrypted, and this row records to which school (name, BRIN), when and by whom.

``CaseTransfer`` is the process (requested, then accepted or refused: its state changes); ``TransferRecord`` is the
record in the case's chronology, append-only like every other, written when the transfer is done, with whether and
when the parents were informed (or why not).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.base import Entry, append_only_triggers
from schools.models.people import School


class CaseTransfer(models.Model):
    class Kind(models.TextChoices):
        WITHIN_BOARD = "within", _("to a school of the same board")
        OUTSIDE_BOARD = "outside", _("to a school outside the board")

    class State(models.TextChoices):
        REQUESTED = "requested", _("waiting for the new school")
        ACCEPTED = "accepted", _("accepted by the new school")
        REFUSED = "refused", _("refused by the new school")
        SENT = "sent", _("staff dossier released for the next school")

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="transfers", verbose_name=_("case"))
    kind = models.CharField(_("kind of transfer"), max_length=10, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.REQUESTED)
    from_school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", verbose_name=_("from school"))
    to_school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("to school")
    )
    # Outside the board: the receiving school as the aandachtsfunctionaris gave it.
    to_school_name = models.CharField(_("name of the new school"), max_length=200, blank=True)
    to_brin = models.CharField(_("BRIN code of the new school"), max_length=6, blank=True)
    # The case's number at the old school, and at the new one (the same unless the new school already used it).
    reference_before = models.CharField(_("case number before"), max_length=20)
    reference_after = models.CharField(_("case number after"), max_length=20, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted or refused by"),
    )
    decided_at = models.DateTimeField(_("accepted or refused at"), null=True, blank=True)
    refusal_reason = models.TextField(_("reason for refusing"), blank=True)
    # The parents are informed of a transfer (domain.md §7): when, or why not.
    parents_informed_on = models.DateField(_("parents informed on"), null=True, blank=True)
    parents_not_informed_reason = models.TextField(_("why the parents were not informed"), blank=True)

    class Meta:
        verbose_name = _("transfer of a case")
        verbose_name_plural = _("transfers of cases")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(state="requested"), name="transfer_one_pending_per_case"
            ),
            models.CheckConstraint(
                condition=Q(kind="outside") | Q(to_school__isnull=False), name="transfer_within_has_school"
            ),
            models.CheckConstraint(
                condition=Q(parents_informed_on__isnull=False) | ~Q(parents_not_informed_reason=""),
                name="transfer_parents_informed_or_why_not",
            ),
        ]
        indexes = [models.Index(fields=["to_school", "state"]), models.Index(fields=["from_school", "state"])]

    def __str__(self):
        return f"{self.reference_before} → {self.receiving_school_name}"

    @property
    def receiving_school_name(self) -> str:
        return self.to_school.name if self.to_school_id else self.to_school_name

    @property
    def receiving_brin(self) -> str:
        return self.to_school.brin if self.to_school_id else self.to_brin


class TransferRecord(Entry):
    """The record in the chronology that the case was transferred: to which school, and whether the parents were
    informed (when) or why not. Written when a transfer within the board is accepted (by the new school's
    aandachtsfunctionaris) or when the staff dossier for a school outside the board is released."""

    transfer = models.ForeignKey(
        CaseTransfer, on_delete=models.PROTECT, related_name="records", verbose_name=_("transfer")
    )
    kind = models.CharField(_("kind of transfer"), max_length=10, choices=CaseTransfer.Kind.choices)
    from_school_name = models.CharField(_("from school"), max_length=200)
    to_school_name = models.CharField(_("to school"), max_length=200)
    to_brin = models.CharField(_("BRIN code of the new school"), max_length=6, blank=True)
    requested_by_name = models.CharField(_("requested by"), max_length=300)
    parents_informed_on = models.DateField(_("parents informed on"), null=True, blank=True)
    parents_not_informed_reason = models.TextField(_("why the parents were not informed"), blank=True)

    class Meta(Entry.Meta):
        verbose_name = _("transfer to another school")
        verbose_name_plural = _("transfers to another school")
        triggers = append_only_triggers()
