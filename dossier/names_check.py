"""Names of other people in the texts of the parent extract (domain.md §7: other pupils, initials included, are left
out; so are third parties and the colleague who reported).

Every free-text field that the extract shows — of every kind of record (``free_text_fields``, from the registry's
``InExtract.shows``) and of the records shown as part of an entry (``extract.NESTED_TEXTS``) — is searched with the
school's ``schools.names.NameIndex``. Who counts as "another person": every pupil of the school except the case's own
pupils, every parent, carer and household member of those other pupils, and every member of staff (a ``Membership``
at the school). Not the case's own pupils, nor their own parents, carers and household: the extract is given to
those parents and is about their family; they are named in it by role throughout ("moeder", "vader"), and what about
them could endanger someone is left out as a whole entry, with its reason (``Redaction`` of an entry). A member of
staff is another person: the extract names only the school's contact person and whoever generated it; a teacher
named in a text is proposed for leaving out like anyone else (keep the name, with a reason, where the parents may
read it — in their own verbatim view, for example).

Each hit is proposed for leaving out ("[naam weggelaten]"). The aandachtsfunctionaris confirms it, or keeps the words
with a reason; both are ``Redaction`` rows of those words (``services.name_decisions_record``). The extract is not
released while a hit has neither (``release_refusal``). Nicknames and misspellings are not found: the preview asks
the reader to check the texts for them and to leave such an entry out with a reason if needed.
"""

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases import records
from dossier.extract import JSON_TEXTS, NESTED_TEXTS, Extract, ExtractItem, json_texts
from dossier.models import Redaction
from schools.names import Hit, NameIndex

CONTEXT = 60  # characters shown on either side of a hit in the preview

KIND_LABELS = {
    "pupil": _("another pupil"),
    "guardian": _("a parent or carer of another pupil"),
    "household": _("a household member of another pupil"),
    "staff": _("a member of staff"),
    "initials": _("initials, possibly of another pupil"),
}


def free_text_fields(kind: records.RecordKind) -> list[str]:
    """The texts of a kind that the extract shows: its character and text fields without choices."""
    result = []
    if kind.extract is None:
        return result
    for name in kind.extract.shows:
        try:
            model_field = kind.model._meta.get_field(name)
        except FieldDoesNotExist:
            continue  # a property: labels of choices, made by the application
        if isinstance(model_field, (models.CharField, models.TextField)) and not model_field.choices:
            result.append(name)
    return result


@dataclass
class FieldHit:
    item: ExtractItem
    field: str  # a field of the entry, or ``relation:pk:field`` for a text of a record shown as part of it
    value: str
    hit: Hit
    decision: Redaction | None = None

    @property
    def key(self) -> str:
        return f"{self.item.key}:{self.field}:{self.hit.start}:{self.hit.end}"

    @property
    def before(self) -> str:
        start = max(0, self.hit.start - CONTEXT)
        return ("…" if start else "") + self.value[start : self.hit.start]

    @property
    def after(self) -> str:
        end = self.hit.end + CONTEXT
        return self.value[self.hit.end : end] + ("…" if end < len(self.value) else "")

    @property
    def field_label(self) -> str:
        model = type(self.item.entry)
        relation, _sep, rest = self.field.partition(":")
        if rest and relation in JSON_TEXTS:  # a note of a body map's mark: "body map: note (place 2)"
            index = rest.partition(":")[0]
            label = model._meta.get_field(relation).verbose_name
            return gettext("%(field)s: note (place %(number)s)") % {"field": label, "number": int(index) + 1}
        if rest:
            part = model._meta.get_field(relation).related_model
            return f"{part._meta.verbose_name}: {part._meta.get_field(rest.rpartition(':')[2]).verbose_name}"
        return str(model._meta.get_field(self.field).verbose_name)

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.hit.kind, self.hit.kind))

    @property
    def resolved(self) -> bool:
        return self.decision is not None


@dataclass
class NameCheck:
    hits: list[FieldHit]

    @property
    def unresolved(self) -> list[FieldHit]:
        return [h for h in self.hits if not h.resolved]

    def by_key(self) -> dict[str, FieldHit]:
        return {h.key: h for h in self.hits}


def texts(item: ExtractItem):
    """(field, text) of every free text of an included entry that the extract shows, as stored (before any words are
    left out)."""
    kind = records.KINDS[item.kind]
    for name in free_text_fields(kind):
        if item.shown.allows(name):
            value = getattr(item.entry, name)
            if value:
                yield name, value
    for name in JSON_TEXTS:
        if name in kind.extract.shows and item.shown.allows(name):
            for address, value in json_texts(name, getattr(item.entry, name, None)):
                if value:
                    yield address, value
    for relation, names in NESTED_TEXTS.items():
        if relation not in kind.extract.shows or not item.shown.allows(relation):
            continue
        related = getattr(item.entry, relation)
        if related is None:
            continue
        for record in related.all() if hasattr(related, "all") else [related]:
            for name in names:
                value = getattr(record, name)
                if value:
                    yield f"{relation}:{record.pk}:{name}", value


def check(extract: Extract, index: NameIndex) -> NameCheck:
    """Every name of another person in the texts the extract shows, with the decision taken about it (if any)."""
    decisions = {r.key: r for r in extract.word_decisions}
    hits = []
    for item in extract.included:
        for field_name, value in texts(item):
            for hit in index.find_names(value):
                found = FieldHit(item=item, field=field_name, value=value, hit=hit)
                found.decision = decisions.get(found.key)
                hits.append(found)
    return NameCheck(hits)


def check_case(extract: Extract) -> NameCheck:
    """The check for the extract of a case: the school's index (one query), without the case's own pupils and
    their family."""
    index = NameIndex.for_school(extract.case.school, exclude_pupils=[p.pk for p in extract.pupils])
    return check(extract, index)


def release_refusal(name_check: NameCheck) -> str:
    """Why the extract cannot be released yet (Dutch), or "" when every hit is decided."""
    count = len(name_check.unresolved)
    if not count:
        return ""
    return gettext(
        "The extract was not released: names of other people in its texts have not been decided on yet (%(count)d). "
        "Leave each of them out, or keep it with a reason, below."
    ) % {"count": count}
