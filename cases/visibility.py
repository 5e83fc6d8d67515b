"""Restricted records by role: which kinds of record of a case's chronology, and which of their fields, a teacher, an
internal contact person (interne contactpersoon), an IB'er and an aandachtsfunctionaris may read — written once,
here, keyed on the record kinds of the registry (``cases.records``).

Seeing a case is one thing (``cases.permissions``: not visible → 404); reading each record of it is this table. A
reader reads a record at one of three levels:

- ``FULL``: the whole item, as its template in the chronology shows it;
- ``SUMMARY``: only that the record exists, when, and by whom, in one sentence of its rule (``Restricted.summary``,
  e.g. "Veilig Thuis heeft een besluit genomen"); the fields of ``Restricted.withheld`` are never shown to them;
- ``HIDDEN``: not at all (not even that it exists).

The internal contact person reads only their own entries (domain.md §2), and the case's step; every other record
is hidden from them. The others read every kind in full unless ``RULES`` restricts it, with the reason.

Everything that shows entry content goes through here: the case page and its pages of the chronology
(``selectors.case_timeline_page`` / ``case_timeline`` with a ``reader``), the rendered-item cache
(``cases.fragments``: the reader's role is part of every key), the choices of related records in forms
(``readable``), the dossier's extract preview (``dossier.extract.build_extract(reader=...)``) — and a staff PDF of
the file, when it comes: ``reader_for(user, case)``, then ``selectors.case_timeline(case=case, reader=reader)``, then
render each item's ``template`` (a summary for a restricted one) as the chronology does.

This module imports permissions and the models of schools; never records, forms, selectors or views.
"""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cases import permissions as perms
from cases.models import Case
from schools.models import Role

FULL = "full"
SUMMARY = "summary"
HIDDEN = "hidden"

# The roles a reader can have on a case, the widest first: a person with several roles at the school reads as the
# widest of them (an IB'er who is also a teacher reads as the IB'er).
READER_ROLES = [Role.AF, Role.BOARD, Role.IB, Role.TEACHER, Role.CONTACT_PERSON]
# Who reads only their own entries (and the case's step), and why.
OWN_ENTRIES_ONLY = frozenset({Role.CONTACT_PERSON})
OWN_ENTRIES_ONLY_REASON = (
    "the internal contact person records what was told to them and hands it to the IB'er; they read their own "
    "entries and the case's step, nothing else of the file (domain.md §2)"
)

SCHOOL_STAFF = frozenset({Role.AF, Role.IB})
AF_ONLY = frozenset({Role.AF})
# The staff route (route B) belongs to the board and the aandachtsfunctionaris (domain.md §9.3); the board contact
# sees no other case (``permissions.ROUTE_B_ROLE_PERMISSIONS``).
ROUTE_B_OWNERS = frozenset({Role.AF, Role.BOARD})


@dataclass(frozen=True)
class Restricted:
    """A kind of record that only ``full_readers`` read in full; the other readers (but the contact person, who
    reads only their own entries) read the ``summary``, never the ``withheld`` fields. ``reason``: why."""

    full_readers: frozenset[str]
    summary: str
    withheld: tuple[str, ...]
    reason: str  # for the developers and the school's privacy officer; not shown on a page
    # The others do not read even that it exists (``HIDDEN``): when its existence alone tells what they must not know.
    hidden: bool = False


# The restrictions, by kind of record (``cases.records.KINDS``). A kind not listed here is read in full by the
# teacher, the IB'er and the aandachtsfunctionaris.
RULES: dict[str, Restricted] = {
    "kindcheck": Restricted(
        SCHOOL_STAFF,
        _("A kindcheck was done."),
        ("reason", "other_minors", "minors_description", "caregivers", "outcome"),
        (
            "it is about an adult's own problems and the other minors in the household and who cares for them; the "
            "IB'er does it, the teacher does not need it in class"
        ),
    ),
    "skip": Restricted(
        SCHOOL_STAFF,
        _("A reason to skip the conversation with the parents was recorded."),
        ("reason", "explanation"),
        ("the explanation can say who is in danger and where; the IB'er and the aandachtsfunctionaris decide"),
    ),
    "weighing": Restricted(
        SCHOOL_STAFF,
        _("A weighing question was answered."),
        ("answer", "justification", "board_informed_on"),
        ("steps 4 and 5 are the aandachtsfunctionaris'; the teacher sees the case's step, not the deliberation"),
    ),
    "risk": Restricted(
        SCHOOL_STAFF,
        _("Risk and protective factors were recorded."),
        ("risk_factors", "protective_factors", "instruments"),
        ("the family's risk and protective factors are for the weighing (step 4), not for the classroom"),
    ),
    "report": Restricted(
        SCHOOL_STAFF,
        _("A report was made to Veilig Thuis."),
        (
            "emergency_justification",
            "channel",
            "partner",
            "vt_contact",
            "vt_reference",
            "relation_to_family",
            "direct_cause",
            "nature_frequency_severity",
            "risk_factors",
            "protective_factors",
            "household",
            "names_and_address",
            "children_ages",
            "care_contacts",
            "police_contacts",
            "intervention_risks",
            "parents_informed",
            "parents_informed_on",
            "parents_reaction",
            "not_informed_reason",
            "not_informed_explanation",
            "anonymous_to_family",
            "anonymity_reason",
            "feedback_agreed_on",
            "disclosure_withheld",
            "what_is_new",
            "not_all_informed_reason",
        ),
        (
            "the report's contents (the family's address, household, care and police contacts, Veilig Thuis's contact "
            "and reference) are the reporter's and Veilig Thuis's; the teacher needs to know only that it was made"
        ),
    ),
    "outcome": Restricted(
        SCHOOL_STAFF,
        _("Veilig Thuis has made a decision."),
        (
            "decision",
            "conclusion",
            "expectations",
            "receiving_partner",
            "receiving_organisation",
            "receiving_contact",
            "rappel_on",
        ),
        (
            "information from Veilig Thuis is restricted (domain.md §3): its decision, conclusion, what it expects "
            "of the school and its contact person are for those who act on it, the aandachtsfunctionaris and the "
            "IB'er"
        ),
    ),
    "suspect": Restricted(
        ROUTE_B_OWNERS,
        _("A suspected member of staff was named."),
        ("staff_member", "description"),
        ("who is suspected is for the board and the aandachtsfunctionaris who handle the staff route (domain.md §9.3)"),
    ),
    "childconversation": Restricted(
        SCHOOL_STAFF,
        _("A conversation with the child was held."),
        ("pupil", "talked_by", "child_words", "child_told"),
        (
            "the child's own words about what happened to them are the most sensitive part of the file; those who "
            "weigh and decide (the IB'er, the aandachtsfunctionaris) read them; the teacher learns that the "
            "conversation was held, and hears from the IB'er what the child was told where the class needs it"
        ),
    ),
    "lookback": Restricted(
        SCHOOL_STAFF,
        _("An earlier case was looked back at."),
        ("earlier_reference", "pupil", "finding", "explanation"),
        (
            "a teacher must not learn of a pupil's earlier cases (issue 17): that an earlier case exists is itself "
            "what is withheld, so the record is hidden from the teacher altogether"
        ),
        hidden=True,
    ),
    "board": Restricted(
        ROUTE_B_OWNERS,
        _("The board was informed."),
        ("informed_whom", "how"),
        ("the staff route belongs to the board and the aandachtsfunctionaris (domain.md §9.3)"),
    ),
    "inspector": Restricted(
        ROUTE_B_OWNERS,
        _("The confidential inspector was consulted."),
        ("partner", "inspector", "advice", "reasonable_suspicion"),
        ("the staff route belongs to the board and the aandachtsfunctionaris (domain.md §9.3)"),
    ),
    "police": Restricted(
        ROUTE_B_OWNERS,
        _("A decision about a police report was made."),
        ("report_made", "parents_informed_before", "accused_informed_before", "explanation"),
        ("the staff route belongs to the board and the aandachtsfunctionaris (domain.md §9.3)"),
    ),
    "accessrequest": Restricted(
        SCHOOL_STAFF,
        _("The parents asked to see, copy or correct the file."),
        ("kind", "requester", "details"),
        ("the parents' requests are handled by the aandachtsfunctionaris and the IB'er"),
    ),
    "accessanswer": Restricted(
        SCHOOL_STAFF,
        _("A request of the parents was answered."),
        ("outcome", "notes"),
        ("the parents' requests are handled by the aandachtsfunctionaris and the IB'er"),
    ),
    "legalhold": Restricted(
        SCHOOL_STAFF,
        _("A legal hold was placed or lifted."),
        ("placed", "reason"),
        ("the reason for keeping the file (a complaint, a court case) is for those who keep it"),
    ),
}


@dataclass(frozen=True)
class Reader:
    """Who reads a case: their widest role at the case's school (``None``: no role there, reads nothing) and their
    id (for their own entries)."""

    role: str | None
    user_id: int | None

    @property
    def own_only(self) -> bool:
        return self.role in OWN_ENTRIES_ONLY

    @property
    def cache_key(self) -> tuple:
        """What makes a rendering differ between readers: the role, and for a reader of their own entries only, who."""
        return (self.role, self.user_id if self.own_only else None)


def reader_for(user: User, case: Case) -> Reader:
    """The reader ``user`` is on ``case``: the widest of the roles they hold at its school now (no query beyond the
    user's memberships, which ``permissions`` reads once per request)."""
    roles = {role for school_id, role in perms.memberships_of_user(user) if school_id == case.school_id}
    return Reader(role=reader_role(roles), user_id=user.pk if user.is_authenticated else None)


def reader_role(roles) -> str | None:
    """The widest of ``roles`` (held at one school) as a reader of its cases; None: none of them reads any."""
    return next((r for r in READER_ROLES if r in roles), None)


def author_id(entry) -> int | None:
    """Whose entry it is: its author (a step change: who made it)."""
    return getattr(entry, "author_id", None) or getattr(entry, "actor_id", None)


def level(reader: Reader, kind: str, entry=None) -> str:
    """How ``reader`` reads ``entry`` of ``kind``: ``FULL``, ``SUMMARY`` or ``HIDDEN``."""
    if reader.role is None:
        return HIDDEN
    if reader.own_only:
        return FULL if entry is not None and reader.user_id and author_id(entry) == reader.user_id else HIDDEN
    rule = RULES.get(kind)
    if rule is None or reader.role in rule.full_readers:
        return FULL
    return HIDDEN if rule.hidden else SUMMARY


def restriction(reader: Reader, kind: str) -> Restricted | None:
    """The rule that restricts ``kind`` for ``reader`` (``None``: they read it in full, or it is hidden from them)."""
    rule = RULES.get(kind)
    if rule is None or reader.own_only or reader.role in rule.full_readers:
        return None
    return rule


def withheld_fields(reader: Reader, kind: str) -> frozenset[str]:
    """The fields of ``kind`` that ``reader`` may never read (for a summary reader, the rule's ``withheld``)."""
    rule = restriction(reader, kind)
    return frozenset(rule.withheld) if rule is not None else frozenset()


def may_read(reader: Reader, kind: str, entry=None) -> bool:
    """May ``reader`` read ``kind`` (or this entry of it) in full?"""
    return level(reader, kind, entry) == FULL


def readable(queryset: QuerySet, kind: str, reader: Reader | None) -> QuerySet:
    """The records of ``queryset`` (of ``kind``) that ``reader`` reads in full: for the choices of a form. One
    queryset, no query of its own."""
    if reader is None:
        return queryset
    if reader.role is None:
        return queryset.none()
    if reader.own_only:
        return queryset.filter(author_id=reader.user_id) if reader.user_id else queryset.none()
    return queryset if level(reader, kind) == FULL else queryset.none()


def may_look_back(reader: Reader) -> bool:
    """Does ``reader`` see a pupil's earlier cases (and the link to the previous case)? The IB'er and the
    aandachtsfunctionaris; a teacher must not learn of earlier cases (issue 17)."""
    return reader.role in SCHOOL_STAFF


def apply(items: list, reader: Reader | None) -> list:
    """The chronology items (``selectors.TimelineItem``) as ``reader`` reads them: hidden ones dropped, restricted
    ones marked (``item.restricted``: rendered as their summary), a correction by someone whose entries are hidden
    from the reader not mentioned. ``reader=None``: everything, as it is."""
    if reader is None:
        return items
    result = []
    for item in items:
        how = level(reader, item.kind, item.entry)
        if how == HIDDEN:
            continue
        if how == SUMMARY:
            item.restricted = RULES[item.kind]
        if item.corrected_by is not None and level(reader, item.kind, item.corrected_by) == HIDDEN:
            item.corrected_by = None
        result.append(item)
    return result


def case_facts(reader: Reader) -> dict[str, bool]:
    """Which facts of the case page's header and side sections the reader may see beyond the case's step: what
    would tell them what a hidden or summarised record holds."""
    own_only = reader.own_only or reader.role is None
    return {
        "deadlines": not own_only,  # a deadline names the record it follows from (a report, a request…)
        "acute": not own_only,
        "board_informed": may_read(reader, "weighing") and not own_only,  # the date that weighing question 1 was B
        "closing_text": not own_only,
    }


def limit_case_rows(user: User, cases: list) -> list:
    """A list of cases (start pages, the case list and its htmx results): a case whose records the user reads only
    their own of shows no deadlines — a deadline names the record it follows from (a report, a parents' request).
    No query: the user's roles are read once per request."""
    for case in cases:
        if not case_facts(reader_for(user, case))["deadlines"]:
            case.deadlines = []
    return cases
