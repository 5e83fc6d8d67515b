"""Append-only records: the case's chronology is never changed or deleted in place.

Protection in depth: the model refuses ``save()`` on an existing row and ``delete()``; the queryset refuses
``update()`` and ``delete()``; the admin shows these models read-only; on PostgreSQL a trigger refuses UPDATE and
DELETE. Destruction at the end of the retention term (``dossier.retention``) is the one deliberate exception: inside
``destruction()`` the queryset's ``delete()`` deletes the rows as they are (no cascade, no signals), and the
retention code switches the PostgreSQL triggers off for its own transaction with ``pgtrigger.ignore``.

Every insert of a record of a case also appends its link to the case's chain (``cases.chain``), in the same
transaction, under the case's row lock: ``save()`` and ``bulk_create()`` below are the one place that does it, so no
path of the application stores a record without its link. ``chain_via`` says how a model's rows belong to a case
(``"case"``, or the foreign key to the record they are part of); ``None`` for rows that are not chained.
"""

from contextlib import contextmanager
from contextvars import ContextVar

import pgtrigger
from django.conf import settings
from django.db import models, router, transaction
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


# ``cases.chain.append``, registered when the app is ready (``CasesConfig.ready``): this module is imported by the
# chain's module, not the other way round. Until then a chained record cannot be stored.
_chain_append = None


def register_chain(append) -> None:
    global _chain_append
    _chain_append = append


def _append_to_chain(objs, *, using) -> None:
    if _chain_append is None:
        raise AppendOnlyError("The chronology's chain is not ready: no record can be stored without its link.")
    _chain_append(objs, using=using)


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
        if not self.model.chain_via:
            return super().bulk_create(objs, *args, **kwargs)
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            _append_to_chain(created, using=self.db)
        return created

    update.queryset_only = True
    delete.queryset_only = True


def append_only_triggers():
    return [pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)]


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()
    # How a row belongs to a case, for its link in the case's chain (``cases.chain``): the case itself, or the record
    # it is part of (a foreign key to a chained model). ``None``: not chained.
    chain_via: str | None = "case"

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} records are append-only: an existing row cannot be saved.")
        # Always an INSERT: a new object that carries the id of an existing row must fail, not overwrite it.
        kwargs["force_insert"] = True
        if not self.chain_via:
            super().save(*args, **kwargs)
            return
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            super().save(*args, **kwargs)
            _append_to_chain([self], using=using)

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
