"""The tamper-evident chronology (issue 21, ``docs/chain.md``): every record of a case has a link in the case's
chain (``ChainLink``), appended in the same transaction as the record, under the case's row lock.

- ``append(records)``: called by the model layer for every insert of a chained record (``AppendOnlyModel.save`` and
  ``bulk_create``); nothing else writes links.
- ``canonical``/``content_hash``/``link_hash``: what is hashed. The canonical form is versioned (``CHAIN_VERSION``;
  each link records its version), so that it can change without making old links unverifiable.
- ``chain_head(case)``: the last link's position and hash, printed in the parent extract and the staff dossier.
- ``verify(case_ids)``: recomputes every chain and reports, per case, what is broken (``manage.py
  verify_chronology``), a fixed number of queries per chunk of cases.

A record is chained when its model is an ``AppendOnlyModel`` with a ``chain_via`` (``chained_models``): the records of
the chronology (``Entry``), the step changes (``Transition``), the parts of a record (a consultation's actions, a
plan's tasks, the signals discussed in a conversation, a confirmation of a reason to skip), the redactions and the
releases of the parent extract. Not the audit trail (``AuditEvent``): see ``docs/chain.md``.
"""

import datetime
import decimal
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from cases.models.base import AppendOnlyModel
from cases.models.case import Case
from cases.models.chain import ChainLink

CHAIN_VERSION = 1
GENESIS = "0" * 64
CHUNK = 200


# --- What is chained ----------------------------------------------------------------------------------------------


def chained_models() -> list[type[AppendOnlyModel]]:
    """Every model whose rows are records of a case, in a stable order."""
    found = [m for m in apps.get_models() if issubclass(m, AppendOnlyModel) and m.chain_via]
    return sorted(found, key=record_type)


def record_type(model) -> str:
    """How a link names the kind of its record: the model's label (``cases.signal``), the same in every database."""
    return model._meta.label_lower


def case_path(model) -> str:
    """The lookup from a row of ``model`` to its case: ``case``, or through the record it is part of."""
    if model.chain_via == "case":
        return "case"
    parent = model._meta.get_field(model.chain_via).related_model
    return f"{model.chain_via}__{case_path(parent)}"


def case_id_of(record) -> int:
    if record.chain_via == "case":
        return record.case_id
    return case_id_of(getattr(record, record.chain_via))  # the record it is part of (usually already in memory)


def hashed_fields(model) -> list[str]:
    """The fields a new link hashes: every concrete field of the record but its primary key (part of the link)."""
    return sorted(f.attname for f in model._meta.concrete_fields if not f.primary_key)


# --- The canonical form and the hashes -------------------------------------------------------------------------------


class MissingField(Exception):
    """A field that a link hashed no longer exists on the model."""


def _plain(model_field, value):
    """A field's value as JSON, the same whether it comes from memory (just stored) or from the database."""
    if value is None:
        return None
    if model_field.is_relation:
        return _plain(model_field.target_field, value)
    kind = model_field.get_internal_type()
    if kind == "DateTimeField":
        if isinstance(value, str):
            value = model_field.to_python(value)
        if timezone.is_aware(value):
            value = value.astimezone(datetime.UTC)
        return value.isoformat()
    if kind in ("DateField", "TimeField"):
        if isinstance(value, str):
            value = model_field.to_python(value)
        if kind == "DateField" and isinstance(value, datetime.datetime):
            value = value.date()
        return value.isoformat()
    if kind == "BooleanField":
        return bool(value)
    if kind in ("AutoField", "BigAutoField", "SmallAutoField") or kind.endswith("IntegerField"):
        return int(value)
    if kind == "DecimalField":
        return f"{decimal.Decimal(value):.{model_field.decimal_places}f}"
    if kind == "FloatField":
        return float(value)
    if kind == "BinaryField":
        return {"sha256": hashlib.sha256(bytes(value)).hexdigest()}
    if kind == "JSONField":
        return value
    return str(value)


def canonical(model, pk, values: dict, fields: Iterable[str], version: int = CHAIN_VERSION) -> bytes:
    """Version 1: the UTF-8 of the JSON object ``{"fields": {attname: value}, "id": pk, "type": label, "version": 1}``,
    keys sorted, no spaces; times in UTC (ISO 8601), dates ISO, foreign keys as ids, binary data as its SHA-256."""
    if version != 1:
        raise ValueError(f"Unknown version of the chain's canonical form: {version}")
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    data = {}
    for name in fields:
        if name not in by_attname:
            raise MissingField(name)
        data[name] = _plain(by_attname[name], values[name])
    document = {"fields": data, "id": _plain(model._meta.pk, pk), "type": record_type(model), "version": version}
    # ``default=str``: a value inside a JSON field that JSON cannot hold (a date) as the database stores it (ISO).
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def link_hash(*, version: int, case_id: int, seq: int, kind: str, record_id: int, content: str, prev: str) -> str:
    return sha256(f"{version}|{case_id}|{seq}|{kind}|{record_id}|{content}|{prev}".encode())


# --- Appending ------------------------------------------------------------------------------------------------------


def heads(case_ids: Iterable[int], using: str = DEFAULT_DB_ALIAS) -> dict[int, tuple[int, str]]:
    """Each case's last link: (position, hash); (0, 64 zeros) for a case without links."""
    last = ChainLink.objects.filter(case_id=OuterRef("pk")).order_by("-seq")
    rows = (
        Case.objects.using(using)
        .filter(pk__in=list(case_ids))
        .order_by()
        .annotate(head_seq=Subquery(last.values("seq")[:1]), head_hash=Subquery(last.values("link_hash")[:1]))
        .values_list("pk", "head_seq", "head_hash")
    )
    return {pk: (seq or 0, head or GENESIS) for pk, seq, head in rows}


def append(records: list, *, using: str = DEFAULT_DB_ALIAS) -> list[ChainLink]:
    """Append a link for each of these just-inserted records (in this order) to its case's chain, in the caller's
    transaction. Locks the cases' rows first (usually already locked by the service: ``lock_case``), then reads the
    heads in a statement of its own, so that a writer who waited for the lock sees the links committed meanwhile."""
    records = [r for r in records if r.pk is not None]
    if not records:
        return []
    case_ids = [case_id_of(r) for r in records]
    ids = sorted(set(case_ids))
    list(Case.objects.using(using).select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
    current = heads(ids, using)
    links = []
    for record, case_id in zip(records, case_ids, strict=True):
        model = type(record)
        seq, prev = current[case_id]
        fields = hashed_fields(model)
        if any(hasattr(getattr(record, name), "resolve_expression") for name in fields):
            record.refresh_from_db(fields=fields)  # a value the database computed (``db_default``, an expression)
        values = {name: getattr(record, name) for name in fields}
        link = _new_link(ChainLink, case_id, seq + 1, prev, model, record.pk, values)
        current[case_id] = (link.seq, link.link_hash)
        links.append(link)
    return ChainLink.objects.using(using).bulk_create(links)


def _new_link(link_model, case_id: int, seq: int, prev: str, model, pk, values: dict):
    """The link of one record (``values``: its fields by attname) at position ``seq`` after ``prev``."""
    fields = hashed_fields(model)
    content = sha256(canonical(model, pk, values, fields))
    kind = record_type(model)
    return link_model(
        case_id=case_id,
        seq=seq,
        record_type=kind,
        record_id=pk,
        fields=",".join(fields),
        version=CHAIN_VERSION,
        content_hash=content,
        prev_hash=prev,
        link_hash=link_hash(
            version=CHAIN_VERSION, case_id=case_id, seq=seq, kind=kind, record_id=pk, content=content, prev=prev
        ),
    )


def chain_head(case) -> tuple[int, str]:
    """The case's chain head: how many links it has, and the last one's hash. Printed in the parent extract and the
    staff dossier: whoever holds a printed head can have the school prove that the chain still runs through it."""
    return heads([case.pk])[case.pk]


def format_head(seq: int, head: str) -> str:
    """The head as printed: ``<seq>-<hash>``."""
    return f"{seq}-{head}"


# --- Verifying ------------------------------------------------------------------------------------------------------

CHANGED = "changed"
RECORD_MISSING = "record_missing"
OUT_OF_ORDER = "out_of_order"
LINK_MISSING = "link_missing"
LINK_CHANGED = "link_changed"
NOT_LINKED = "not_linked"
ANCHOR_GONE = "anchor_gone"


@dataclass
class Break:
    seq: int | None  # the position in the chain (None: a record without a link)
    kind: str
    record: str  # "cases.signal 12"
    text: str  # in plain words

    def __str__(self):
        where = f"position {self.seq}" if self.seq is not None else "no position"
        return f"{where}: {self.text}"


@dataclass
class CaseReport:
    case_id: int
    reference: str
    links: int
    head: tuple[int, str]
    breaks: list[Break] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks

    @property
    def first(self) -> Break | None:
        return self.breaks[0] if self.breaks else None


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _records(case_ids: list[int], models) -> dict[tuple[str, int], tuple[int, type, dict]]:
    """Every chained record of these cases: (kind, id) → (case id, model, values by attname). One query per model."""
    found = {}
    for model in models:
        names = [f.attname for f in model._meta.concrete_fields]
        path = case_path(model)
        rows = model._base_manager.filter(**{f"{path}__in": case_ids}).order_by().values(*names, chain_case=F(path))
        kind = record_type(model)
        for row in rows:
            found[(kind, row[model._meta.pk.attname])] = (row["chain_case"], model, row)
    return found


def _describe(kind: str, record_id: int) -> str:
    try:
        name = apps.get_model(kind)._meta.verbose_name
    except LookupError:
        name = kind
    return f"{name} {record_id} ({kind})"


def _check_case(case_id: int, reference: str, links: list[ChainLink], records: dict, mine: set) -> CaseReport:
    report = CaseReport(case_id, reference, len(links), (links[-1].seq, links[-1].link_hash) if links else (0, GENESIS))
    breaks = report.breaks
    by_hash = {link.link_hash: link for link in links}
    by_seq = {link.seq: link for link in links}
    expected, prev = 1, GENESIS
    for link in links:
        what = _describe(link.record_type, link.record_id)
        if link.seq > expected:
            missing = f"{expected}" if link.seq == expected + 1 else f"{expected} to {link.seq - 1}"
            breaks.append(
                Break(expected, LINK_MISSING, "", f"link missing: position {missing} of the chain was deleted")
            )
        elif link.prev_hash != prev:
            earlier = by_hash.get(link.prev_hash)
            if earlier is not None:
                text = (
                    f"out of order: {what} was stored right after position {earlier.seq}, "
                    f"but now stands at position {link.seq}"
                )
                breaks.append(Break(link.seq, OUT_OF_ORDER, what, text))
            else:
                text = f"link changed: the link of {what} does not follow from the previous link"
                breaks.append(Break(link.seq, LINK_CHANGED, what, text))
        recomputed = link_hash(
            version=link.version,
            case_id=link.case_id,
            seq=link.seq,
            kind=link.record_type,
            record_id=link.record_id,
            content=link.content_hash,
            prev=link.prev_hash,
        )
        if recomputed != link.link_hash and not (breaks and breaks[-1].seq == link.seq):
            text = f"link changed: the link of {what} (its position, record or hashes) was changed"
            breaks.append(Break(link.seq, LINK_CHANGED, what, text))
        found = records.get((link.record_type, link.record_id))
        if found is None:
            breaks.append(Break(link.seq, RECORD_MISSING, what, f"record missing: {what} was deleted"))
        else:
            mine.discard((link.record_type, link.record_id))
            record_case, model, values = found
            try:
                content = sha256(canonical(model, link.record_id, values, link.fields.split(","), link.version))
            except MissingField as missing:
                content = None
                text = f"content changed: {what} no longer has the field {missing} it was stored with"
                breaks.append(Break(link.seq, CHANGED, what, text))
            else:
                if content != link.content_hash or record_case != case_id:
                    text = f"content changed: {what} is not what was stored (its text, time, author or links)"
                    breaks.append(Break(link.seq, CHANGED, what, text))
            if content is not None and {"chain_seq", "chain_head"} <= values.keys() and values["chain_seq"]:
                anchored = by_seq.get(values["chain_seq"])
                if anchored is None or anchored.link_hash != values["chain_head"]:
                    text = (
                        f"chain rewritten: {what} printed the chain head {values['chain_seq']}, which the chain "
                        "no longer has"
                    )
                    breaks.append(Break(link.seq, ANCHOR_GONE, what, text))
        expected, prev = link.seq + 1, link.link_hash
    if not links and not mine:
        text = "chain empty: the case has no records and no links, not even its opening (all deleted?)"
        breaks.append(Break(None, LINK_MISSING, "", text))
    for kind, record_id in sorted(mine):
        what = _describe(kind, record_id)
        text = f"link missing: {what} has no link in the chain (stored behind the application's back, or link deleted)"
        breaks.append(Break(None, NOT_LINKED, what, text))
    return report


def verify(case_ids: Iterable[int] | None = None, *, chunk: int = CHUNK) -> Iterator[CaseReport]:
    """Recompute the chain of every case (or of ``case_ids``), a chunk of cases at a time: one query for the cases,
    one for their links and one per chained model. Yields one report per case, in the order of their ids."""
    cases = Case.objects.order_by("pk")
    if case_ids is not None:
        cases = cases.filter(pk__in=list(case_ids))
    ids = list(cases.values_list("pk", flat=True))
    models = chained_models()
    for part in _chunks(ids, chunk):
        references = dict(Case.objects.filter(pk__in=part).values_list("pk", "reference"))
        links = defaultdict(list)
        for link in ChainLink.objects.filter(case_id__in=part).order_by("case_id", "seq"):
            links[link.case_id].append(link)
        records = _records(part, models)
        by_case = defaultdict(set)
        for key, (case_id, _model, _values) in records.items():
            by_case[case_id].add(key)
        for case_id in part:
            yield _check_case(case_id, references[case_id], links[case_id], records, by_case[case_id])


def chained_specs() -> list[tuple[type, str]]:
    """(model, ``chain_via``) of every chained model: what ``build_missing`` needs (a migration passes its own)."""
    return [(model, model.chain_via) for model in chained_models()]


def build_missing(
    *, specs: list[tuple[type, str]], link_model=None, case_model=None, using: str = DEFAULT_DB_ALIAS
) -> int:
    """Build the chain of every case that has no links at all (a database from before the chain): its records in
    the order they were recorded — their time (a part: the time of the record it is part of), then the kind, then
    the id. Never touches a case that has a chain. Works on the migration's historical models as well (``specs``:
    (model, ``chain_via``) pairs). Returns the number of links made."""
    from django.db import transaction

    link_model = link_model or ChainLink
    case_model = case_model or Case
    paths = {}
    for model, via in specs:
        paths[model] = _spec_path(model, via, dict(specs))
    linked = set(link_model.objects.using(using).values_list("case_id", flat=True).distinct())
    ids = [pk for pk in case_model.objects.using(using).order_by("pk").values_list("pk", flat=True) if pk not in linked]
    made = 0
    for part in _chunks(ids, CHUNK):
        with transaction.atomic(using=using):
            found = {}
            for model, via in specs:
                names = [f.attname for f in model._meta.concrete_fields]
                rows = (
                    model._base_manager.using(using)
                    .filter(**{f"{paths[model]}__in": part})
                    .order_by()
                    .values(*names, chain_case=F(paths[model]))
                )
                for row in rows:
                    found[(record_type(model), row[model._meta.pk.attname])] = (model, via, row)
            order = {key: _stamp(key, found) for key in found}
            links, current = [], {}
            for key in sorted(found, key=lambda k: (order[k], k[0], k[1])):
                model, _via, row = found[key]
                case_id = row["chain_case"]
                seq, prev = current.get(case_id, (0, GENESIS))
                values = {name: row[name] for name in row if name != "chain_case"}
                link = _new_link(link_model, case_id, seq + 1, prev, model, key[1], values)
                current[case_id] = (link.seq, link.link_hash)
                links.append(link)
            link_model.objects.using(using).bulk_create(links, batch_size=1000)
            made += len(links)
    return made


def _spec_path(model, via: str, vias: dict) -> str:
    if via == "case":
        return "case"
    parent = model._meta.get_field(via).related_model
    return f"{via}__{_spec_path(parent, vias[parent], vias)}"


TIME_FIELDS = ("recorded_at", "at", "approved_at", "generated_at", "confirmed_at")


def _stamp(key, found) -> datetime.datetime:
    """When the record was stored: its own time, or that of the record it is part of."""
    model, via, row = found[key]
    for name in TIME_FIELDS:
        if row.get(name) is not None:
            return row[name]
    if via != "case":
        parent_model = model._meta.get_field(via).related_model
        parent_key = (record_type(parent_model), row[model._meta.get_field(via).attname])
        if parent_key in found:
            return _stamp(parent_key, found)
    return datetime.datetime.min.replace(tzinfo=datetime.UTC)
