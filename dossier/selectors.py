"""Reads of the dossier."""

from dataclasses import dataclass

from accounts.models import User
from cases.models import Case
from cases.selectors import TimelineItem, case_timeline
from dossier.models import Redaction
from schools.models import Role


@dataclass
class ExtractData:
    timeline: list[TimelineItem]
    redactions: list
    contact_persons: list[User]


def case_extract_data(*, case: Case) -> ExtractData:
    """Everything the parent extract needs, in a fixed number of queries: the chronology, the redactions, and the
    school's contact persons (its aandachtsfunctionarissen)."""
    return ExtractData(
        timeline=case_timeline(case=case),
        redactions=list(Redaction.objects.filter(case=case).select_related("approved_by")),
        contact_persons=list(
            User.objects.filter(is_active=True, memberships__school_id=case.school_id, memberships__role=Role.AF)
            .distinct()
            .order_by("last_name", "first_name")
        ),
    )
