"""The tamper-evident chronology (issue 21): one ``ChainLink`` per record of a case, in the order the records were
stored. Each link holds the SHA-256 of its record's content and of the previous link, so changing, deleting or
re-ordering a record behind the application's back breaks the chain at that record (``cases.chain``)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.base import AppendOnlyModel, append_only_triggers


class ChainLink(AppendOnlyModel):
    """A link of a case's chain: record ``record_type``/``record_id`` is the ``seq``-th record of the case.

    ``content_hash`` is the SHA-256 of the record's canonical form (``cases.chain.canonical``) over the fields named in
    ``fields`` (the model's fields when it was stored: a field added later does not change an old record's hash);
    ``link_hash`` the SHA-256 of the chain version, case, seq, record, ``content_hash`` and ``prev_hash`` (the
    previous link's ``link_hash``; 64 zeros for the first)."""

    chain_via = None  # a link is not itself a record of the case

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="chain_links", verbose_name=_("case"))
    seq = models.PositiveIntegerField(_("position"))
    record_type = models.CharField(_("kind of record"), max_length=100)
    record_id = models.PositiveBigIntegerField(_("record"))
    fields = models.TextField(_("fields hashed"))
    version = models.PositiveSmallIntegerField(_("version of the canonical form"))
    content_hash = models.CharField(_("hash of the content"), max_length=64)
    prev_hash = models.CharField(_("hash of the previous link"), max_length=64)
    link_hash = models.CharField(_("hash of the link"), max_length=64)
    linked_at = models.DateTimeField(_("linked at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("chain link")
        verbose_name_plural = _("chain links")
        ordering = ["case", "seq"]
        triggers = append_only_triggers()
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="chainlink_seq_once_per_case"),
            models.UniqueConstraint(fields=["record_type", "record_id"], name="chainlink_one_per_record"),
        ]

    def __str__(self):
        return f"{self.case_id}#{self.seq} {self.record_type} {self.record_id}"
