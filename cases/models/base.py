"""Append-only records: the case's chronology is never changed or deleted in place.

Protection in depth: the model refuses ``save()`` on an existing row and ``delete()``; the queryset refuses
``update()`` and ``delete()``; the admin shows these models read-only; on PostgreSQL a trigger refuses UPDATE and
DELETE. Destruction at the end of the retention term (``dossier.retention``) is the one deliberate exception: inside
``destruction()`` the queryset's ``delete()`` deletes the rows as they are (no cascade, no signals), and the
retention code switches the PostgreSQL triggers off for its own transaction with ``pgtrigger.ignore``.
"""

from contextlib import contextmanager
from contextvars import ContextVar

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an append-only record."""


_destroying: ContextVar[bool] = ContextVar("meldcode_destroying", default=False)


@contextmanager
def destruction():
    """Allow ``QuerySet.delete()`` on append-only records: only ``dossier.retention`` uses this."""
    token = _destroying.set(True)
    try:
        yield
    finally:
        _destroying.reset(token)


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} records are append-only: update() is refused.")

    def delete(self):
        if _destroying.get():
            return self._raw_delete(self.db)
        raise AppendOnlyError(f"{self.model.__name__} records are append-only: delete() is refused.")

    def bulk_create(self, objs, *args, **kwargs):
        if kwargs.get("update_conflicts") or kwargs.get("ignore_conflicts"):
            raise AppendOnlyError(f"{self.model.__name__} records are append-only: no upserts.")
        return super().bulk_create(objs, *args, **kwargs)

    update.queryset_only = True
    delete.queryset_only = True


def append_only_triggers():
    return [pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)]


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} records are append-only: an existing row cannot be saved.")
        # Always an INSERT: a new object that carries the id of an existing row must fail, not overwrite it.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} records are append-only: delete() is refused.")


class Entry(AppendOnlyModel):
    """A record in a case's chronology: who recorded it and when. A correction is a new entry that refers to the
    entry it corrects; both stay visible."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="%(class)ss", verbose_name=_("case"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False, db_index=True)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects"),
        help_text=_("The earlier entry that this entry corrects. Both stay visible."),
    )

    class Meta:
        abstract = True
        ordering = ["recorded_at", "pk"]
