"""The record of a pupil import: who, when, how many. It holds no personal data (no names, no pupil numbers)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schools.models.people import School


class PupilImport(models.Model):
    class Via(models.TextChoices):
        ADMIN = "admin", _("admin page")
        COMMAND = "command", _("management command")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="pupil_imports", verbose_name=_("school"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
        help_text=_("Empty for an import from the command line."),
    )
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now, editable=False)
    via = models.CharField(_("via"), max_length=10, choices=Via.choices)
    created = models.PositiveIntegerField(_("pupils added"))
    updated = models.PositiveIntegerField(_("pupils changed"))
    unchanged = models.PositiveIntegerField(_("pupils unchanged"))
    groups_created = models.PositiveIntegerField(_("groups added"))
    not_in_file = models.PositiveIntegerField(_("pupils not in the file"))

    class Meta:
        verbose_name = _("pupil import")
        verbose_name_plural = _("pupil imports")
        ordering = ["-imported_at", "-pk"]

    def __str__(self):
        return f"{self.school} — {timezone.localtime(self.imported_at):%d-%m-%Y %H:%M}"
