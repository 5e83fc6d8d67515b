"""Retention and destruction (domain.md §6): a closed case is kept until its retention date
(``Case.retention_until``: ``MELDCODE_RETENTION_YEARS`` after closing), unless a legal hold is on; then it is
destroyed by ``manage.py destroy_expired_cases --confirm``, the one path that deletes case data.

Destroyed: the case and every row that hangs from it, found by following the foreign keys back from the case —
the whole chronology (signals, consultations, conversations, decisions, transitions…), its parts (actions, tasks,
links), audit rows that point to the case, redactions and extract releases, notifications and reminders, the
parents' access requests and legal holds, and the object permissions (guardian) on the case. What remains is a
``DestructionRecord``: when, by whom, how many cases, how many per school (BRIN) — no case numbers, no names — and
the last link of each destroyed case's chain (``cases.chain``: its position and hash), so that a chain head printed
in a released extract can be shown to belong to a file that was destroyed, and in which state. The destruction
records form a chain of their own (``destruction_hash``, checked by ``manage.py verify_chronology``).

Not destroyed: the pupils, their parents and household members (school records from the pupil administration:
they follow the pupil file's own term, 2 years after the pupil leaves, and are linked to the pupil, not to the
case), the staff, and the social map. Audit rows without a case (logins, refused requests for a case that did not
exist) hold no case content and stay.
"""

import datetime
from collections import Counter
from dataclasses import dataclass

import pgtrigger
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from accounts.models import User
from cases import chain
from cases.models import Case, CaseState
from cases.models.base import AppendOnlyQuerySet, destruction
from dossier.models import DestructionRecord

CHUNK = 500


@dataclass(frozen=True)
class ExpiredCase:
    pk: int
    reference: str
    school: str
    brin: str
    closed_on: datetime.date
    retention_until: datetime.date
    legal_hold: bool


def expired_cases(today: datetime.date | None = None) -> list[ExpiredCase]:
    """Closed cases whose retention date has passed, oldest first — those under a legal hold included (marked)."""
    today = today or timezone.localdate()
    rows = (
        Case.objects.filter(state=CaseState.CLOSED, retention_until__lt=today)
        .select_related("school")
        .order_by("retention_until", "pk")
    )
    return [
        ExpiredCase(
            pk=c.pk,
            reference=c.reference,
            school=c.school.name,
            brin=c.school.brin,
            closed_on=timezone.localdate(c.closed_at) if c.closed_at else c.retention_until,
            retention_until=c.retention_until,
            legal_hold=c.legal_hold,
        )
        for c in rows
    ]


def _chunks(ids):
    ids = sorted(ids)
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _case_rows(case_ids: set[int]) -> dict[type[models.Model], set]:
    """Every row that hangs from these cases: follow foreign keys back from Case until nothing new is found."""
    all_models = apps.get_models(include_auto_created=True)
    found: dict[type[models.Model], set] = {Case: set(case_ids)}
    changed = True
    while changed:
        changed = False
        for model in all_models:
            for field in model._meta.concrete_fields:
                if not (field.is_relation and (field.many_to_one or field.one_to_one)):
                    continue
                target = field.related_model
                if target not in found or not found[target]:
                    continue
                if model is Case:
                    # A case that links to a destroyed one (its previous case) does not hang from it: the link is
                    # cleared (``_unlink_cases``), the later case kept.
                    continue
                rows = found.setdefault(model, set())
                for chunk in _chunks(found[target]):
                    new = (
                        set(
                            models.QuerySet(model)
                            .filter(**{f"{field.attname}__in": chunk})
                            .values_list("pk", flat=True)
                        )
                        - rows
                    )
                    if new:
                        rows |= new
                        changed = True
    return found


def _unlink_cases(case_ids: set[int]) -> None:
    """Clear the links of the cases that are kept to the cases destroyed (``Case.previous_case`` and any other link of
    a case to a case): a later case is not destroyed with the earlier one, it only loses the link."""
    for field in Case._meta.concrete_fields:
        if field.is_relation and field.many_to_one and field.related_model is Case:
            for chunk in _chunks(case_ids):
                Case.objects.filter(**{f"{field.attname}__in": chunk}).exclude(pk__in=case_ids).update(
                    **{field.attname: None}
                )


def _triggers_for(model_set) -> list[str]:
    return [f"{model._meta.label}:{trigger.name}" for model, trigger in pgtrigger.registered() if model in model_set]


def destroy_cases(*, case_ids: list[int], operator: User, today: datetime.date | None = None) -> DestructionRecord:
    """Destroy these cases — only those still expired and without a legal hold (checked again under lock) — and
    leave one ``DestructionRecord``. All in one transaction: if anything fails, nothing is destroyed."""
    today = today or timezone.localdate()
    with transaction.atomic():
        cases = list(
            Case.objects.select_for_update()
            .filter(pk__in=case_ids, state=CaseState.CLOSED, retention_until__lt=today, legal_hold=False)
            .select_related("school")
        )
        ids = {c.pk for c in cases}
        per_school = Counter(c.school.brin for c in cases)
        final_heads = chain.heads(ids) if ids else {}
        rows = _case_rows(ids)
        _unlink_cases(ids)
        with destruction(), pgtrigger.ignore(*_triggers_for(rows)):
            # Object permissions kept in guardian's generic tables (the application uses the direct tables).
            from guardian.models import GroupObjectPermission, UserObjectPermission

            case_type = ContentType.objects.get_for_model(Case)
            for generic in (UserObjectPermission, GroupObjectPermission):
                for chunk in _chunks(ids):
                    generic.objects.filter(content_type=case_type, object_pk__in=[str(pk) for pk in chunk]).delete()
            # Leaves first; the foreign keys are checked at commit (deferred), so the order is for readability.
            for model in reversed(list(rows)):
                for chunk in _chunks(rows[model]):
                    queryset = model._default_manager.filter(pk__in=chunk)
                    if isinstance(queryset, AppendOnlyQuerySet):
                        queryset.delete()
                    else:
                        queryset._raw_delete(queryset.db)
        last = DestructionRecord.objects.select_for_update().filter(seq__isnull=False).order_by("-seq").first()
        record = DestructionRecord(
            operator=operator,
            case_count=len(ids),
            per_school=dict(sorted(per_school.items())),
            chains=[{"seq": seq, "head": head} for seq, head in sorted(final_heads.values())],
            seq=(last.seq + 1) if last else 1,
            prev_hash=last.record_hash if last else chain.GENESIS,
        )
        record.record_hash = destruction_hash(record)
        # A second destruction at the same moment gets the same ``seq``: the unique constraint refuses it, and its
        # transaction (its deletions with it) is rolled back.
        record.save()
        return record


# What a destruction record's hash covers (version 1 of ``cases.chain.canonical``, without its id: hashed before it is
# stored), besides its position and the previous record's hash.
DESTRUCTION_FIELDS = ("case_count", "chains", "destroyed_at", "operator_id", "per_school")


def destruction_hash(record: DestructionRecord) -> str:
    values = {name: getattr(record, name) for name in DESTRUCTION_FIELDS}
    content = chain.sha256(chain.canonical(DestructionRecord, None, values, DESTRUCTION_FIELDS))
    return chain.sha256(f"{chain.CHAIN_VERSION}|{record.seq}|{content}|{record.prev_hash}".encode())


def verify_destructions() -> list[str]:
    """The destruction records' own chain, recomputed: what is broken, in plain words (empty: intact)."""
    problems = []
    expected, prev = 1, chain.GENESIS
    for record in DestructionRecord.objects.filter(seq__isnull=False).order_by("seq"):
        if record.seq != expected:
            problems.append(f"destruction record at position {expected} is missing (deleted)")
        elif record.prev_hash != prev:
            problems.append(f"destruction record {record.pk} (position {record.seq}) does not follow the previous one")
        if destruction_hash(record) != record.record_hash:
            problems.append(f"destruction record {record.pk} (position {record.seq}) was changed")
        expected, prev = record.seq + 1, record.record_hash
    return problems
