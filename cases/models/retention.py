"""Retention (domain.md §6): a legal hold that keeps a closed case past its retention date, the parents' requests
to see, copy or correct the file (domain.md §5: answered within 1 month). They are records of the case's
chronology; what destruction leaves is ``dossier.models.DestructionRecord``.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models.base import Entry, append_only_triggers
from cases.models.entries import validate_not_future
from schools.models.people import Guardian


class LegalHold(Entry):
    """The aandachtsfunctionaris places or lifts a legal hold (with the reason): while it is on, the case is not
    destroyed at the end of its retention term. ``Case.legal_hold`` shows the current state; these rows are the
    history of who placed and lifted it, when and why."""

    placed = models.BooleanField(_("placed"), help_text=_("Placed (on) or lifted (off)."))
    reason = models.TextField(_("reason"), max_length=2000)

    class Meta(Entry.Meta):
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        triggers = append_only_triggers()


class AccessRequest(Entry):
    """A parent's (guardian's) request to see, copy or correct the file about their child (AVG art. 15-16).
    Answer within one calendar month of receipt (``cases.deadlines``); handling it is a second record."""

    class Kind(models.TextChoices):
        INSPECTION = "inspection", _("to see the file (inzage)")
        COPY = "copy", _("a copy of the file (afschrift)")
        CORRECTION = "correction", _("to correct the file (correctie)")
        # domain.md §9.6: a parent without parental authority has a right to information only on request, within
        # limits (art. 1:377c BW); the file itself is for a parent or carer with authority.
        INFORMATION = "information", _("information about the child (a parent without parental authority)")

    kind = models.CharField(_("request"), max_length=20, choices=Kind.choices)
    received_on = models.DateField(_("received on"), validators=[validate_not_future])
    requester = models.ForeignKey(
        Guardian,
        on_delete=models.PROTECT,
        related_name="access_requests",
        verbose_name=_("requested by"),
        help_text=_("A parent or carer of the pupil."),
    )
    details = models.TextField(_("what is asked"), blank=True, max_length=10_000)

    class Meta(Entry.Meta):
        verbose_name = _("parents' access request")
        verbose_name_plural = _("parents' access requests")
        triggers = append_only_triggers()

    # The requests that give access to the file itself: only a parent or carer with parental authority.
    FILE_KINDS = (Kind.INSPECTION, Kind.COPY, Kind.CORRECTION)

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.requester_id and self.kind in self.FILE_KINDS and not self.requester.has_parental_authority:
            raise ValidationError(
                {
                    "requester": _(
                        "%(name)s has no parental authority: only a parent or carer with parental authority may see "
                        "the file or receive an extract or a copy of it. A parent without authority may ask for "
                        "information about the child: record it as a request for information."
                    )
                    % {"name": self.requester.name}
                }
            )


class AccessRequestHandled(Entry):
    """How and when a parent's request was answered."""

    class Outcome(models.TextChoices):
        GRANTED = "granted", _("granted")
        PARTLY = "partly", _("partly granted")
        REFUSED = "refused", _("refused")

    request = models.OneToOneField(
        AccessRequest, on_delete=models.PROTECT, related_name="handled", verbose_name=_("request")
    )
    handled_on = models.DateField(_("answered on"), validators=[validate_not_future])
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    notes = models.TextField(
        _("how it was answered"),
        max_length=10_000,
        help_text=_("For example: extract given on paper; or which factual error was corrected, in a new entry."),
    )

    class Meta(Entry.Meta):
        verbose_name = _("answer to an access request")
        verbose_name_plural = _("answers to access requests")
        triggers = append_only_triggers()

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.request_id and self.handled_on and self.handled_on < self.request.received_on:
            raise ValidationError({"handled_on": _("The answer cannot be before the request was received.")})
