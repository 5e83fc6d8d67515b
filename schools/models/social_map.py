"""The social map (sociale kaart, seed Bijlage 5): the partner organisations a school works with.

Three levels, each adding to the one above: national entries (no board, no school — Veilig Thuis, 112, the
confidential inspector, the police; filled by a data migration and kept by the administrator), entries of a board
(for all its schools; kept in the admin) and entries of one school (kept by the school's aandachtsfunctionaris and
IB'er on the social map page). An entry is never deleted once records may name it: it is deactivated, and records
that chose it keep showing it. These are ordinary reference data, not case data.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from schools.models.people import Board, School


class PartnerKind(models.TextChoices):
    VEILIG_THUIS = "veilig_thuis", _("Veilig Thuis")
    EMERGENCY = "emergency", _("emergency number (112)")
    SCHOOL_DOCTOR = "school_doctor", _("GGD or school doctor (jeugdarts)")
    LOCAL_TEAM = "local_team", _("local team (wijkteam)")
    POLICE = "police", _("police")
    INSPECTOR = "inspector", _("confidential inspector (vertrouwensinspecteur)")
    SCHOOL_SOCIAL_WORK = "school_social_work", _("school social work")
    OTHER = "other", _("other")


def social_map_partner(verbose_name) -> models.ForeignKey:
    """The field by which a record names a partner organisation from the social map (optional: a free-text field
    beside it covers an organisation that is not on the map). The forms limit the choice to the case's school's map
    (``forms.PartnerChoiceMixin``) and the services refuse another school's entry."""
    return models.ForeignKey(
        "schools.SocialMapEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose_name,
    )


# Kinds that are organised locally: the national map has no number for them, each school (or its board) fills
# them in. The social map page shows a placeholder for each one that is still missing.
LOCAL_KINDS = [PartnerKind.SCHOOL_DOCTOR, PartnerKind.LOCAL_TEAM, PartnerKind.SCHOOL_SOCIAL_WORK]


class SocialMapQuerySet(models.QuerySet):
    def for_school(self, school: School):
        """The entries that apply to ``school``: national, its board's, and its own."""
        return self.filter(
            Q(board__isnull=True, school__isnull=True) | Q(board_id=school.board_id) | Q(school_id=school.pk)
        )


class SocialMapEntry(models.Model):
    board = models.ForeignKey(
        Board,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="social_map",
        verbose_name=_("board"),
        help_text=_("For all schools of this board. Leave both board and school empty for a national entry."),
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="social_map", verbose_name=_("school")
    )
    organisation = models.CharField(_("organisation"), max_length=200)
    kind = models.CharField(_("type"), max_length=30, choices=PartnerKind.choices)
    region = models.CharField(_("region"), max_length=100, blank=True, help_text=_("For example: Noord-Holland Noord."))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=2000, help_text=_("For example: opening hours."))
    active = models.BooleanField(
        _("active"), default=True, help_text=_("An inactive entry can no longer be chosen; records keep showing it.")
    )

    objects = SocialMapQuerySet.as_manager()

    class Meta:
        verbose_name = _("social map entry")
        verbose_name_plural = _("social map")
        ordering = ["kind", "organisation", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(board__isnull=True) | Q(school__isnull=True), name="socialmap_board_or_school"
            ),
            models.CheckConstraint(condition=Q(kind__in=PartnerKind.values), name="socialmap_kind_valid"),
        ]

    def __str__(self):
        return f"{self.organisation} ({self.get_kind_display()})"

    @property
    def level(self) -> str:
        if self.school_id:
            return "school"
        return "board" if self.board_id else "national"

    def applies_to(self, school: School) -> bool:
        if self.school_id:
            return self.school_id == school.pk
        if self.board_id:
            return self.board_id == school.board_id
        return True

    def clean(self):
        if self.board_id and self.school_id:
            raise ValidationError(_("An entry belongs to a board or to a school, not both."))
        if not (self.phone or self.email or self.website):
            raise ValidationError(_("Give at least a phone number, an e-mail address or a website."))
