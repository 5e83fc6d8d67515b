from django.contrib import admin

from cases.admin import ReadOnlyAdmin
from dossier.models import DestructionRecord


@admin.register(DestructionRecord)
class DestructionRecordAdmin(ReadOnlyAdmin):
    """What ``destroy_expired_cases --confirm`` destroyed: when, by whom, how many (no personal data)."""

    list_display = ["destroyed_at", "operator", "case_count", "seq"]
    # The chain of destruction records (``docs/chain.md``): hashes only.
    fields = ["destroyed_at", "operator", "case_count", "per_school", "chains", "seq", "prev_hash", "record_hash"]
