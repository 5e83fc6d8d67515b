"""What goes into the parent extract (domain.md §7), and what is left out and why.

A pure function of data that is already loaded (``dossier.selectors.case_extract_data``): it runs no queries. Every
entry of the chronology ends up either in the extract or in the list of what is left out, with the reason — there
are no hidden notes. Parts of an included entry that are left out (another pupil's initials, a source's name) are listed
with their reason as well.

Decisions (documented here, shown to staff in the preview):

- No staff names next to entries: the colleague who reported a signal is not named, nor who recorded what. The
  school's contact person (the aandachtsfunctionaris) is named, and so is whoever generated the extract.
- A case about several pupils (route C): each pupil's parents receive their own extract (``pupil``), about their
  own child; a record about another pupil of the case (their part, a conversation with them) is left out, and the
  other pupils' names in the texts are proposed for leaving out like any other pupil's.
- Other pupils: ``others_present`` and ``other_children`` (initials) are left out; so is a group assessment of the
  vlaggensysteem and the kindcheck (it is about other minors in the household and their carers).
- Sources: the name of a colleague or third party who was the source of a signal is left out.
- Veilig Thuis: a report appears as the fact and the date that it was made (and whether it was an emergency
  report); its contents (household, addresses, care and police contacts, risks) are left out — the parents can ask
  Veilig Thuis for its own file. A report marked ``disclosure_withheld`` is left out entirely. The outcome of
  Veilig Thuis is restricted: the extract says only that Veilig Thuis took a decision about the child, and when;
  the decision, conclusion, expectations and receiving organisation are left out.
- Information that could endanger someone: an entry with a ``Redaction`` (approved by the aandachtsfunctionaris) is
  left out entirely, with its recorded reason.
- Names of other people in the free text (other pupils and their initials, their parents and carers, staff): found
  by ``dossier.names_check`` with the school's ``schools.names.NameIndex``; each is left out as "[naam weggelaten]"
  (a ``Redaction`` of those words) or kept with a recorded reason, as the aandachtsfunctionaris decides in the
  preview. ``Shown`` applies the words left out to every text it gives, also to the texts of the records shown as
  part of an entry (a signal's follow-ups, a consultation's actions, a help plan's tasks).
- The parents' requests to see, copy or correct the file, and their answers, are included (the requester by their
  relation to the child). A legal hold is an administrative record about keeping the file: left out, with that
  reason.
- Internal working notes: a teacher's proposal for an emergency report and the explanation of a step change are
  left out; a reason not to speak to the parents because it would endanger someone is left out.

Who prepares it: the preview is built for the person who looks at it (``build_extract(reader=...)``): what the role
table of ``cases.visibility`` withholds from their role (a route-B record for the IB'er) is not shown to them there
either. The extract itself (the PDF for the parents) is built without a reader: the parents' rules alone decide.

Each kind's rules are declared with the kind, in the registry of record kinds (``cases.records``: ``InExtract``,
its ``section``, what it ``shows``, and what it leaves out and why); ``_apply`` below applies them, in one place
for the preview and the PDF. The content template (``templates/pdf/_extract_content.html``, which both render)
reads an included entry only through ``ExtractItem.shown``: the fields its kind shows, less every part left out.
"""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.template.defaultfilters import date as date_filter
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cases import records, visibility
from cases.models import Case
from cases.selectors import TimelineItem
from dossier.models import Redaction
from schools.models import Pupil, School

NOT_DECIDED = _("this kind of record is not part of the extract")

# The two rule sets of ``build_extract``: the parent extract, and the staff dossier (issue 19).
PARENT = "parent"
STAFF = "staff"


@dataclass
class Omission:
    what: str
    reason: str
    fields: tuple[str, ...] = ()  # the entry's attributes it covers: never shown


def left_out_words() -> str:
    """What stands in the extract where words naming another person are left out."""
    return gettext("[name left out]")


def apply_spans(text: str, spans: list[tuple]) -> str:
    """``text`` with the words at ``spans`` replaced: a span (start, end) by "[naam weggelaten]" (the parent
    extract), a span (start, end, mark) by its own mark (the staff dossier: "[weggelaten: <reden>]")."""
    if not spans or not isinstance(text, str):
        return text
    result, last = [], 0
    for span in sorted(set(spans)):
        start, end = span[0], span[1]
        if start < last:  # overlapping spans: the earlier one already covers this part
            start = last
        if start >= end:
            continue
        result += [text[last:start], span[2] if len(span) > 2 else left_out_words()]
        last = end
    return "".join([*result, text[last:]])


def redacted_words(reason: str) -> str:
    """What stands in the staff dossier where words are left out (of both documents): the mark and the reason."""
    return gettext("[left out: %(reason)s]") % {"reason": reason}


# Lists of marks stored as JSON on an entry whose items have a free text of their own (the body map's notes, issue
# 15): field → the text's key in each item. A text is addressed as ``<field>:<index>:<key>`` (``json_texts``).
JSON_TEXTS = {"body_marks": "note"}


def json_texts(name: str, value) -> list[tuple[str, str]]:
    """(address, text) of the free texts in the items of a JSON list ``value`` of field ``name``."""
    key = JSON_TEXTS.get(name)
    if key is None or not isinstance(value, list):
        return []
    return [(f"{name}:{i}:{key}", item.get(key) or "") for i, item in enumerate(value) if isinstance(item, dict)]


def _json_with_spans(name: str, value, spans: dict) -> list:
    """The items of a JSON list with the words at ``spans`` replaced in their free texts."""
    key = JSON_TEXTS[name]
    return [
        {**item, key: apply_spans(item.get(key) or "", spans.get(f"{name}:{i}:{key}", []))}
        if isinstance(item, dict)
        else item
        for i, item in enumerate(value)
    ]


# Relations an entry shows whose records have texts of their own (the only free text a related record adds).
NESTED_TEXTS = {
    "follow_ups": ("note",),
    "additions": ("note",),
    "actions": ("who", "what"),
    "tasks": ("who", "what"),
    "help_task": ("what",),
    "consultation_action": ("what",),
}


class _Part:
    """A record shown as part of an entry (a follow-up, an action, a task): its texts with the words left out."""

    __slots__ = ("_record", "_prefix", "_spans")

    def __init__(self, record, relation: str, spans: dict):
        self._record, self._prefix, self._spans = record, f"{relation}:{record.pk}:", spans

    def __getattr__(self, name: str):
        value = getattr(self._record, name)
        return apply_spans(value, self._spans.get(self._prefix + name, []))

    def __str__(self):
        return str(self._record)


class _Parts:
    """A related manager of an entry (``e.tasks.all`` in the template): its records as ``_Part``."""

    __slots__ = ("_manager", "_relation", "_spans")

    def __init__(self, manager, relation: str, spans: dict):
        self._manager, self._relation, self._spans = manager, relation, spans

    def all(self):
        return [_Part(r, self._relation, self._spans) for r in self._manager.all()]


class Shown:
    """The part of an entry that the extract may show: the attributes its kind ``shows`` (``records.InExtract``),
    less the fields of every part left out of this entry, and with the words left out of its texts ("[naam
    weggelaten]", ``spans``: field → [(start, end)]). The content template reads an entry only through this;
    anything else reads as missing (an empty value), so a part that the rules leave out cannot be shown by a
    template that asks for it. What was asked for and refused is kept in ``refused`` (the tests read it)."""

    __slots__ = ("_entry", "_names", "_spans", "refused")

    # Every entry: whether it corrects an earlier one (the fact, not the earlier entry).
    ALWAYS = frozenset({"corrects_id"})

    def __init__(self, entry, names: frozenset[str], spans: dict[str, list[tuple[int, int]]] | None = None):
        self._entry = entry
        self._names = names | self.ALWAYS
        self._spans = spans or {}
        self.refused: set[str] = set()

    def allows(self, name: str) -> bool:
        if name.startswith("get_") and name.endswith("_display"):
            name = name[len("get_") : -len("_display")]
        return name in self._names

    def __getattr__(self, name: str):
        if self.allows(name):
            value: Any = getattr(self._entry, name)
            if name in NESTED_TEXTS and value is not None:
                if hasattr(value, "all"):
                    return _Parts(value, name, self._spans)
                return _Part(value, name, self._spans)
            if name in JSON_TEXTS and isinstance(value, list):
                return _json_with_spans(name, value, self._spans)
            return apply_spans(value, self._spans.get(name, []))
        if not name.startswith("__"):  # (Python's own look-ups, such as dir()'s, are not the template's)
            self.refused.add(name)
        raise AttributeError(name)


class Marked:
    """An entry of the staff dossier: every attribute as it is (the whole record), but the words left out of the
    parent extract as a name of another person marked as left out, with the reason (``spans``: field → [(start, end,
    mark)]), also in the texts of the records shown as part of it. The chronology's own templates render it."""

    __slots__ = ("_entry", "_spans")

    def __init__(self, entry, spans: dict[str, list[tuple]]):
        self._entry, self._spans = entry, spans

    def __getattr__(self, name: str):
        value: Any = getattr(self._entry, name)
        if name in NESTED_TEXTS and value is not None:
            if hasattr(value, "all"):
                return _Parts(value, name, self._spans)
            return _Part(value, name, self._spans)
        if name in JSON_TEXTS and isinstance(value, list):
            return _json_with_spans(name, value, self._spans)
        return apply_spans(value, self._spans.get(name, []))

    def __str__(self):
        return str(self._entry)


@dataclass
class ExtractItem:
    kind: str
    entry: object
    label: str
    included: bool = True
    reason: str = ""  # why the whole entry is left out
    omissions: list[Omission] = field(default_factory=list)  # parts of an included entry that are left out
    corrected: bool = False
    redaction: Redaction | None = None
    section: str = ""  # where an included entry appears (a slug of SECTIONS)
    shown: Shown | None = None  # what of an included entry the extract may show
    spans: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # words left out: text → (start, end)
    marked: Marked | None = None  # the staff dossier: the whole entry, words left out marked with the reason
    corrected_by: object = None  # the staff dossier: the later entry that corrects this one

    @property
    def template(self) -> str:
        """The chronology's template of the kind (the staff dossier renders each record as the case page does)."""
        return records.KINDS[self.kind].template

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.entry.pk}"

    @property
    def at(self):
        return self.entry.recorded_at

    @property
    def facts(self) -> list[tuple[str, object]]:
        """The fields that may be shown, as (label, value): for a kind the content template has no layout for."""
        result = []
        spec = records.KINDS[self.kind].extract
        opts = type(self.entry)._meta
        for name in spec.shows:
            if not self.shown.allows(name):
                continue
            try:
                model_field = opts.get_field(name)
            except FieldDoesNotExist:  # a property: shown with its name
                result.append((name, getattr(self.shown, name)))
                continue
            if model_field.many_to_many or model_field.one_to_many:
                continue  # records of their own: a layout of the kind shows them
            value = getattr(self.shown, name)
            if model_field.choices:
                value = getattr(self.shown, f"get_{name}_display")()
            elif isinstance(value, bool):
                value = _("yes") if value else _("no")
            elif hasattr(value, "year"):  # a date, or a date and time: as the template's ``date`` filter shows it
                value = date_filter(value, "j F Y")
            if value not in (None, ""):
                result.append((model_field.verbose_name, value))
        return result


@dataclass
class Section:
    slug: str
    title: str
    items: list[ExtractItem]


@dataclass
class Extract:
    case: Case
    school: School
    pupils: list[Pupil]
    contact_persons: list[User]
    items: list[ExtractItem]
    word_decisions: list[Redaction] = field(default_factory=list)  # words left out or kept (``names_check``)
    # The head of the case's chain when the extract was built (``cases.chain.chain_head``): printed from version 3.
    chain_seq: int = 0
    chain_head: str = ""

    @property
    def included(self) -> list[ExtractItem]:
        return [i for i in self.items if i.included]

    @property
    def left_out(self) -> list[ExtractItem]:
        return [i for i in self.items if not i.included]

    @property
    def partly_left_out(self) -> list[ExtractItem]:
        return [i for i in self.items if i.included and i.omissions]

    @property
    def sections(self) -> list[Section]:
        return self._sections(SECTIONS)

    @property
    def sections_v1(self) -> list[Section]:
        """The sections with their titles of version 1 of the content (``pdf.CONTENT_TEMPLATES``)."""
        return self._sections(SECTIONS_V1)

    def _sections(self, titled) -> list[Section]:
        result = []
        for slug, title in titled:
            items = [i for i in self.included if i.section == slug]
            if items:
                result.append(Section(slug, title, items))
        return result


# The extract's sections, in order, titled for parents (plain Dutch); which kinds of record go where is in the
# registry (``records.InExtract``).
SECTIONS = [
    ("steps", _("What happened, step by step")),
    ("signals", _("What the school noticed")),
    ("consultations", _("Advice the school asked for")),
    ("conversations", _("Conversations with the parents")),
    ("child", _("Conversations with your child")),
    ("views", _("Your own view")),
    ("weighing", _("What the school weighed and decided")),
    ("help", _("Help, and keeping an eye on things")),
    ("veilig-thuis", _("Veilig Thuis")),
    ("route-b", _("Report about a member of staff")),
    ("transfer", _("The file moved to another school")),
    ("closing", _("Closing the file")),
    ("requests", _("Your requests to see, copy or correct the file")),
]
# The titles of version 1 of the content (staff's words), kept so that an extract released then still verifies.
SECTIONS_V1 = [
    ("steps", _("Steps of the case")),
    ("signals", _("Signals")),
    ("consultations", _("Consultations")),
    ("conversations", _("Conversations with the parents")),
    ("views", _("The parents' own view")),
    ("weighing", _("Weighing and decision")),
    ("help", _("Help and monitoring")),
    ("veilig-thuis", _("Veilig Thuis")),
    ("route-b", _("Staff route")),
    ("transfer", _("The file moved to another school")),
    ("closing", _("Closing")),
    ("requests", _("Your requests to see, copy or correct the file")),
]
# The model of each kind of entry that can be left out of the extract by a redaction (``services.redaction_record``).
ENTRY_MODELS = {k.kind: k.model for k in records.CHRONOLOGY if k.redactable}


def _apply(item: ExtractItem, spec: records.InExtract, withheld: frozenset[str] = frozenset()) -> None:
    """The one place where the rules of a kind are applied to an entry: left out entirely, or included in its
    section with the parts that are left out listed and made unreadable (``Shown``). ``withheld``: fields the
    preview's reader may not read (``cases.visibility``), not shown to them either."""
    entry = item.entry
    for leave_out in spec.leave_out:
        if leave_out.when(entry):
            item.included, item.reason = False, leave_out.reason
            return
    if not spec.section:
        item.included, item.reason = False, NOT_DECIDED
        return
    item.omissions = [Omission(str(o.what), o.reason, o.fields) for o in spec.omits if o.when(entry)]
    item.section = spec.section
    item.shown = Shown(
        entry,
        frozenset(spec.shows) - {name for o in item.omissions for name in o.fields} - withheld,
        spans=item.spans,
    )


def build_extract(
    *,
    case: Case,
    timeline: list[TimelineItem],
    redactions: list[Redaction],
    contact_persons: list[User],
    reader: visibility.Reader | None = None,
    chain_head: tuple[int, str] = (0, ""),
    rules: str = PARENT,
    pupil: Pupil | None = None,
) -> Extract:
    """The extract of ``case``; with a ``reader`` (the preview), less what the role table withholds from them.

    ``rules``: ``PARENT`` (the parent extract: the registry's rules decide what is in it, redacted) or ``STAFF`` (the
    staff dossier: every record, in full — the words left out as names of other people marked with the reason
    (``Marked``), an entry left out of the parent extract shown with that decision (``item.redaction``))."""
    redacted = {r.key: r for r in redactions if r.whole_entry}
    words = [r for r in redactions if not r.whole_entry]
    spans: dict[str, dict[str, list[tuple]]] = {}
    for r in words:
        if not r.kept:
            span = (r.start, r.end) if rules == PARENT else (r.start, r.end, redacted_words(r.reason))
            spans.setdefault(f"{r.entry_type}:{r.entry_id}", {}).setdefault(r.field, []).append(span)
    items: list[ExtractItem] = []
    for t in timeline:
        item = ExtractItem(kind=t.kind, entry=t.entry, label=_label(t), corrected=t.corrected_by is not None)
        item.spans = spans.get(item.key, {})
        kind = records.KINDS.get(t.kind)
        if rules == STAFF:
            item.marked, item.corrected_by, item.redaction = Marked(t.entry, item.spans), t.corrected_by, None
            item.redaction = redacted.get(item.key)
        elif kind is None or kind.extract is None:  # a new kind of record must be decided on; until then left out
            item.included, item.reason = False, NOT_DECIDED
        elif item.key in redacted:
            item.included, item.reason, item.redaction = False, redacted[item.key].reason, redacted[item.key]
        elif pupil is not None and about_other_pupil(t.entry, pupil):
            item.included, item.reason = False, records.OTHER_PUPILS
        else:
            _apply(item, kind.extract, visibility.withheld_fields(reader, t.kind) if reader else frozenset())
        items.append(item)
    return Extract(
        case=case,
        school=case.school,
        pupils=[pupil] if pupil is not None else list(case.pupil_list),
        contact_persons=contact_persons,
        items=items,
        word_decisions=words,
        chain_seq=chain_head[0],
        chain_head=chain_head[1],
    )


def about_other_pupil(entry, pupil: Pupil) -> bool:
    """Is ``entry`` about one pupil of the case who is not ``pupil`` (a conversation with another child, another
    pupil's part in a route C case)? Then it is left out of ``pupil``'s parents' extract: each pupil's parents receive
    only what is about their own child and what is about the case as a whole."""
    about = getattr(entry, "pupil_id", None)
    if about is None and getattr(entry, "conversation_id", None):  # a parents' view given in a conversation
        about = getattr(entry.conversation, "pupil_id", None)
    if about is None:  # a parents' request (and its answer) is about the child of the parent who made it
        request = getattr(entry, "request", None) if hasattr(entry, "request_id") else entry
        requester = getattr(request, "requester", None) if hasattr(request, "requester_id") else None
        about = getattr(requester, "pupil_id", None)
    return about is not None and about != pupil.pk


def _label(t: TimelineItem) -> str:
    if t.kind == "transition":
        return str(_("step change"))
    return str(t.entry._meta.verbose_name)
