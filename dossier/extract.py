"""What goes into the parent extract (domain.md §7), and what is left out and why.

A pure function of data that is already loaded (``selectors.case_extract_data``): it runs no queries. Every entry of
the chronology ends up either in the extract or in the list of what is left out, with the reason — there are no
hidden notes. Parts of an included entry that are left out (another pupil's initials, a source's name) are listed
with their reason as well.

Decisions (documented here, shown to staff in the preview):

- No staff names next to entries: the colleague who reported a signal is not named, nor who recorded what. The
  school's contact person (the aandachtsfunctionaris) is named, and so is whoever generated the extract.
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
- The parents' requests to see, copy or correct the file, and their answers, are included (the requester by their
  relation to the child). A legal hold is an administrative record about keeping the file: left out, with that
  reason.
- Internal working notes: a teacher's proposal for an emergency report and the explanation of a step change are
  left out; a reason not to speak to the parents because it would endanger someone is left out.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cases import models as m
from cases.models import Case, FlagAssessment, ParentTalkSkip
from cases.selectors import TimelineItem
from dossier.models import Redaction
from schools.models import Pupil, School

OTHER_PUPILS = _("other pupils are not named in the extract, not even by their initials")
SOURCE = _("third-party sources and the colleague who reported are not named")
VT_RESTRICTED = _("restricted Veilig Thuis information; the parents can ask Veilig Thuis for it")
VT_REPORT_DETAILS = _("the contents of the report belong to Veilig Thuis's file; the parents can ask Veilig Thuis")
WITHHELD = _("this report is deliberately not yet disclosed to the parents, for safety")
INTERNAL = _("an internal working note between staff")
DANGER = _("it could endanger someone")
THIRD_PARTY_STAFF = _("information about a member of staff (a third party)")


@dataclass
class Omission:
    what: str
    reason: str


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

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.entry.pk}"

    @property
    def at(self):
        return self.entry.recorded_at


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
        result = []
        for slug, title, kinds in SECTIONS:
            items = [i for i in self.included if i.kind in kinds]
            if items:
                result.append(Section(slug, title, items))
        return result


SECTIONS = [
    ("steps", _("Steps of the case"), ["transition"]),
    ("signals", _("Signals"), ["signal"]),
    ("consultations", _("Consultations"), ["consultation"]),
    ("conversations", _("Conversations with the parents"), ["conversation", "skip"]),
    ("views", _("The parents' own view"), ["parentview"]),
    ("weighing", _("Weighing and decision"), ["weighing", "risk", "flag", "proposal"]),
    ("help", _("Help and monitoring"), ["helpplan", "evaluation", "taskdone", "monitoring", "checkin"]),
    ("veilig-thuis", _("Veilig Thuis"), ["report", "outcome"]),
    ("route-b", _("Staff route"), ["board", "inspector", "police"]),
    ("closing", _("Closing"), ["closure"]),
    ("requests", _("Your requests to see, copy or correct the file"), ["accessrequest", "accessanswer"]),
]
# The model of each kind of entry in the chronology (``selectors.case_timeline``), for redactions.
ENTRY_MODELS = {
    "signal": m.Signal,
    "kindcheck": m.Kindcheck,
    "consultation": m.Consultation,
    "conversation": m.ParentConversation,
    "parentview": m.ParentView,
    "skip": m.ParentTalkSkip,
    "weighing": m.WeighingAnswer,
    "risk": m.RiskAssessment,
    "flag": m.FlagAssessment,
    "helpplan": m.HelpPlan,
    "evaluation": m.HelpEvaluation,
    "report": m.VeiligThuisReport,
    "outcome": m.VeiligThuisOutcome,
    "monitoring": m.MonitoringAgreement,
    "checkin": m.MonitoringCheckIn,
    "proposal": m.EmergencyProposal,
    "closure": m.Closure,
    "board": m.BoardNotification,
    "inspector": m.InspectorConsultation,
    "police": m.PoliceDecision,
    "taskdone": m.TaskDone,
    "accessrequest": m.AccessRequest,
    "accessanswer": m.AccessRequestHandled,
    "legalhold": m.LegalHold,
}
KNOWN_KINDS = {kind for _slug, _title, kinds in SECTIONS for kind in kinds} | {"kindcheck", "legalhold"}
ADMINISTRATIVE = _("an administrative record about how long the school keeps the file")


def _rule(item: ExtractItem) -> None:
    """Decide, for one entry, whether it is included and which parts are left out."""
    entry, kind = item.entry, item.kind
    if kind == "signal":
        if entry.others_present or entry.other_children:
            item.omissions.append(Omission(str(_("other children present or involved (initials)")), OTHER_PUPILS))
        if entry.source_name:
            item.omissions.append(Omission(str(_("the name of the source")), SOURCE))
        item.omissions.append(Omission(str(_("who recorded the signal")), SOURCE))
    elif kind == "kindcheck":
        item.included, item.reason = False, _("it is about other minors in the household and who cares for them")
    elif kind == "skip" and entry.reason == ParentTalkSkip.Reason.DANGER:
        item.included, item.reason = False, DANGER
    elif kind == "flag" and entry.kind == FlagAssessment.Kind.GROUP:
        item.included, item.reason = False, OTHER_PUPILS
    elif kind == "report":
        if entry.disclosure_withheld:
            item.included, item.reason = False, WITHHELD
        else:
            item.omissions.append(Omission(str(_("the contents of the report")), VT_REPORT_DETAILS))
    elif kind == "outcome":
        item.omissions.append(
            Omission(str(_("the decision, conclusion and expectations of Veilig Thuis")), VT_RESTRICTED)
        )
    elif kind == "legalhold":
        item.included, item.reason = False, ADMINISTRATIVE
    elif kind == "proposal":
        item.included, item.reason = False, INTERNAL
    elif kind == "transition":
        if entry.reason:
            item.omissions.append(Omission(str(_("the explanation of the step change")), INTERNAL))
    elif kind in ("inspector", "police"):
        item.omissions.append(Omission(str(_("the advice or explanation")), THIRD_PARTY_STAFF))


def build_extract(
    *,
    case: Case,
    timeline: list[TimelineItem],
    redactions: list[Redaction],
    contact_persons: list[User],
) -> Extract:
    redacted = {r.key: r for r in redactions}
    items: list[ExtractItem] = []
    for t in timeline:
        item = ExtractItem(kind=t.kind, entry=t.entry, label=_label(t), corrected=t.corrected_by is not None)
        if t.kind not in KNOWN_KINDS:  # a new kind of record must be decided on; until then it is left out
            item.included, item.reason = False, _("this kind of record is not part of the extract")
        elif item.key in redacted:
            item.included, item.reason, item.redaction = False, redacted[item.key].reason, redacted[item.key]
        else:
            _rule(item)
        items.append(item)
    return Extract(
        case=case,
        school=case.school,
        pupils=list(case.pupil_list),
        contact_persons=contact_persons,
        items=items,
    )


def _label(t: TimelineItem) -> str:
    if t.kind == "transition":
        return str(_("step change"))
    return str(t.entry._meta.verbose_name)
