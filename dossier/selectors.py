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


@dataclass
class AuditPerson:
    name: str
    count: int
    first_at: object
    last_at: object


@dataclass
class AuditSummary:
    total: int
    per_action: list[tuple[str, int]]  # (label, count)
    per_person: list[AuditPerson]
    first_at: object
    last_at: object


@dataclass
class StaffDossierData:
    """Everything the staff dossier shows besides the chronology, as it was at ``as_of`` (every row here is
    append-only, or filtered on a moment that does not change: rendered again for the same ``as_of``, the content is
    the same — that is how a release's checksum is verified)."""

    as_of: object
    timeline: list[TimelineItem]
    redactions: list
    entered_states: list[str]
    parent_releases: list
    staff_releases: list
    transfers: list
    audit: AuditSummary


def _audit_summary(case: Case, as_of) -> AuditSummary:
    from django.db.models import Count, Max, Min

    from cases.models import AuditEvent

    events = AuditEvent.objects.filter(case=case, at__lte=as_of)
    labels = dict(AuditEvent.Action.choices)
    per_action = [
        (str(labels.get(row["action"], row["action"])), row["n"])
        for row in events.values("action").annotate(n=Count("pk")).order_by("action")
    ]
    people = {
        u.pk: u.get_full_name() or u.get_username()
        for u in User.objects.filter(pk__in=events.exclude(user=None).values("user_id"))
    }
    per_person = [
        AuditPerson(people.get(row["user_id"], "—"), row["n"], row["first"], row["last"])
        for row in events.values("user_id").annotate(n=Count("pk"), first=Min("at"), last=Max("at")).order_by("-n")
    ]
    per_person.sort(key=lambda p: (-p.count, p.name))
    totals = events.aggregate(n=Count("pk"), first=Min("at"), last=Max("at"))
    return AuditSummary(totals["n"], per_action, per_person, totals["first"], totals["last"])


def staff_dossier_data(*, case: Case, as_of) -> StaffDossierData:
    """What the staff dossier of ``case`` holds at ``as_of``, in a fixed number of queries."""
    from cases.models import CaseTransfer, Transition
    from dossier.models import ExtractRelease, StaffDossierRelease

    timeline = [item for item in case_timeline(case=case) if item.at <= as_of]
    return StaffDossierData(
        as_of=as_of,
        timeline=timeline,
        redactions=list(Redaction.objects.filter(case=case, approved_at__lte=as_of).select_related("approved_by")),
        entered_states=list(
            Transition.objects.filter(case=case, at__lte=as_of).order_by("at", "pk").values_list("to_state", flat=True)
        ),
        parent_releases=list(
            ExtractRelease.objects.filter(case=case, generated_at__lte=as_of)
            .select_related("generated_by")
            .defer("pdf")
        ),
        staff_releases=list(
            StaffDossierRelease.objects.filter(case=case, released_at__lt=as_of)
            .select_related("released_by")
            .defer("pdf")
        ),
        transfers=list(
            CaseTransfer.objects.filter(case=case, requested_at__lte=as_of)
            .select_related("to_school", "from_school", "requested_by", "decided_by")
            .order_by("requested_at", "pk")
        ),
        audit=_audit_summary(case, as_of),
    )
