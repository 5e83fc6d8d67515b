"""Records about the children of a case (domain.md §9.1, §9.8, route C): the conversation with the child, the part
each pupil had in a route C case, and looking back at a pupil's earlier cases. Append-only, like every record of the
chronology."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models.base import Entry, append_only_triggers
from cases.models.entries import validate_not_future
from schools.models import Pupil

# A verbatim quotation is written between quotation marks (straight, curly or low Dutch ones).
QUOTE_MARKS = "\"'“”„‘’«»"


def _pupil_of_case(entry) -> dict:
    """A record about one child names one of the case's pupils."""
    if entry.pupil_id and entry.case_id and not entry.case.pupils.filter(pk=entry.pupil_id).exists():
        return {"pupil": _("Choose one of the pupils of this case.")}
    return {}


class ChildConversation(Entry):
    """A conversation with the child (domain.md §9.1): when, who talked with the child, the child's own words written
    down word for word (never paraphrased), and what the child was told about what happens next."""

    held_on = models.DateField(_("date"), validators=[validate_not_future])
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="+", verbose_name=_("the child"))
    talked_by = models.CharField(
        _("who talked with the child"),
        max_length=300,
        help_text=_("By role, for example: the IB'er, with the class teacher present."),
    )
    child_words = models.TextField(
        _("the child's own words, verbatim"),
        help_text=_(
            "Write down exactly what the child said, between quotation marks, word for word. Do not summarise, "
            "interpret or fill in; write your own questions down too."
        ),
    )
    child_told = models.TextField(
        _("what the child was told about what happens next"),
        help_text=_("Promise the child no secrecy; say what you will do and who else will know."),
    )

    class Meta(Entry.Meta):
        verbose_name = _("conversation with the child")
        verbose_name_plural = _("conversations with the child")
        triggers = append_only_triggers()

    def clean(self):
        errors = _pupil_of_case(self)
        words = (self.child_words or "").strip()
        if words and not any(mark in words for mark in QUOTE_MARKS):
            errors["child_words"] = _(
                "Write the child's words verbatim between quotation marks (“…”): the child's own words, not a summary."
            )
        if errors:
            raise ValidationError(errors)


class PupilInvolvement(Entry):
    """Route C (behaviour between pupils): a pupil involved and their part. A later record of the same pupil corrects
    the earlier one."""

    class Part(models.TextChoices):
        AFFECTED = "affected", _("it happened to this pupil")
        ACTED = "acted", _("this pupil did it")
        WITNESS = "witness", _("witness")

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="+", verbose_name=_("pupil"))
    part = models.CharField(_("role in what happened"), max_length=20, choices=Part.choices)
    note = models.TextField(
        _("what their part was"), blank=True, help_text=_("Factually: what this pupil did, underwent or saw.")
    )

    class Meta(Entry.Meta):
        verbose_name = _("pupil involved")
        verbose_name_plural = _("pupils involved")
        triggers = append_only_triggers()


class LookBack(Entry):
    """Looking back at an earlier case of the pupil (domain.md §6, §9.8): whether the earlier suspicion is confirmed
    or refuted by what is known now. The earlier case is named by its case number (it may be destroyed later, at the
    end of its retention term; this record stays)."""

    class Finding(models.TextChoices):
        CONFIRMED = "confirmed", _("the earlier suspicion is confirmed")
        REFUTED = "refuted", _("the earlier suspicion is refuted")
        UNCLEAR = "unclear", _("neither confirmed nor refuted")

    earlier_reference = models.CharField(_("earlier case"), max_length=20)
    pupil = models.ForeignKey(
        Pupil, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("pupil")
    )
    finding = models.CharField(_("finding"), max_length=20, choices=Finding.choices)
    explanation = models.TextField(
        _("explanation"), help_text=_("What confirms or refutes it now: the new signals, what is known since.")
    )

    class Meta(Entry.Meta):
        verbose_name = _("look back at an earlier case")
        verbose_name_plural = _("looks back at earlier cases")
        triggers = append_only_triggers()
