"""The kinds of record in a case's chronology, in one registry (``KINDS``): for each kind its model, how the
chronology loads it, its template, how a case page records it (form, permission, URL) and what the parent extract
does with it (its section, what it shows, what it leaves out and why).

Derived from here: how the chronology is read (``selectors.case_timeline``) and its index (``selectors.INDEXED_KINDS``:
every record of a case with its kind, time and ``index_flag``; the parts of items, ``PARTS``, are read only when the
case holds any), the kinds recorded through the
generic ``views.entry_add`` (``views.ENTRY_KINDS``, ``views.ENTRY_MODELS``, their URLs in ``cases.urls``), the
kinds an entry can be redacted from the extract by (``extract.ENTRY_MODELS``) and the extract's rules
(``extract.build_extract`` applies them).

Adding a kind of record touches three places:

1. the model (an ``Entry``: append-only, with ``case``, ``author`` and ``recorded_at``) and its migration;
2. its template in the chronology, ``templates/cases/timeline/_<kind>.html`` (it must not load anything lazily:
   the loader below joins or prefetches what it shows);
3. a ``RecordKind`` in ``KINDS`` below: the loader, and if a case page records it through ``entry_add`` its
   ``Adding`` (permission, title, URL path, and its form: the ``fields`` of a form made for the model, or a form
   class of its own in ``cases.forms`` when it needs more); and its ``InExtract``: the section and the fields the
   extract shows, or why it is left out. Until that is decided the extract leaves the kind out, saying so.

Who reads a kind of record (the teacher, the internal contact person, the IB'er, the aandachtsfunctionaris) is the
table of ``cases.visibility``, keyed on these kinds: a new kind is read in full by the school's roles until a rule
there restricts it.

The registry-driven tests (``tests/cases/test_records.py``, ``tests/cases/test_append_only.py``, the permission
matrix) pick a new kind up: it must render in the chronology, appear in the extract (or be listed there as left out,
with a reason) and be append-only (on PostgreSQL, with its trigger). A record with a ``case`` that is not a kind of
the chronology is either part of another kind's item (``part_of``) or listed in ``NOT_CHRONOLOGY`` with the reason.

This module imports models, forms and permissions, never views or selectors (they import it).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.forms import modelform_factory
from django.utils.translation import gettext_lazy as _

from cases import forms, signal_list
from cases import permissions as perms
from cases.models import (
    AccessRequest,
    AccessRequestHandled,
    BoardNotification,
    ChildConversation,
    Closure,
    Consultation,
    ConversationAcknowledgement,
    EmergencyProposal,
    FlagAssessment,
    HelpEvaluation,
    HelpPlan,
    HelpTask,
    InspectorConsultation,
    Kindcheck,
    LegalHold,
    LookBack,
    MonitoringAgreement,
    MonitoringCheckIn,
    ParentConversation,
    ParentTalkSkip,
    ParentTalkSkipConfirmation,
    ParentView,
    PoliceDecision,
    PupilInvolvement,
    ReportInformedParent,
    RiskAssessment,
    Signal,
    SignalFollowUp,
    SignalListAddition,
    SuspectedStaff,
    TaskDone,
    TransferRecord,
    Transition,
    VeiligThuisOutcome,
    VeiligThuisReport,
    WeighingAnswer,
)
from schools.selectors import social_map_for_school

# --- What a kind declares ---------------------------------------------------------------------------------------


def _no_form_kwargs(case) -> dict:
    return {}


@dataclass(frozen=True)
class Adding:
    """How a case page records one kind of entry through ``views.entry_add``: its form, the permission needed, the
    page's title, and the URL path after ``dossiers/<pk>/`` (the URL is named ``<key>-add``; ``key`` is the
    ``kind`` of ``entry_add``, the record's kind unless given)."""

    path: str
    form_class: type | None  # None: a form of ``fields`` is made for the kind's model (``cases.forms.EntryForm``)
    permission: str
    title: str
    fields: tuple[str, ...] = ()  # the fields of the made form (only without a ``form_class``)
    key: str = ""
    correctable: bool = True  # ``?corrigeert=<id>`` starts a correction of an earlier entry
    form_kwargs: Callable = _no_form_kwargs  # (case) -> the form's extra arguments (its choices)
    with_actions: bool = False  # the follow-up actions of a consultation come along


def always(entry) -> bool:
    return True


@dataclass(frozen=True)
class LeaveOut:
    """The whole entry is left out of the extract, with ``reason``, when ``when(entry)`` holds."""

    reason: str
    when: Callable = always


@dataclass(frozen=True)
class Omit:
    """A part of an included entry is left out of the extract: ``what`` (in words, listed in the preview), the
    ``reason``, the ``fields`` it covers (never shown, whatever a template asks for) and ``when``."""

    what: str
    reason: str
    fields: tuple[str, ...]
    when: Callable = always


@dataclass(frozen=True)
class InExtract:
    """What the parent extract does with a kind: its ``section`` (a slug of ``extract.SECTIONS``), the attributes
    of an entry it ``shows`` (fields, related records and their display methods; ``get_<field>_display`` comes with
    its field), and the entries (``leave_out``) and parts (``omits``) it leaves out. Anything not in ``shows`` is
    not shown: the content template reads an entry only through ``extract.Shown``."""

    section: str = ""
    shows: tuple[str, ...] = ()
    leave_out: tuple[LeaveOut, ...] = ()
    omits: tuple[Omit, ...] = ()


@dataclass(frozen=True)
class RecordKind:
    kind: str
    model: type
    # The records as the chronology shows them (related records joined or prefetched); default: with the author.
    load: Callable[[], QuerySet] | None = None
    adding: Adding | None = None
    extract: InExtract | None = None  # None: not decided yet, so left out of the extract
    redactable: bool = True  # the aandachtsfunctionaris can leave an entry of this kind out of the extract
    part_of: str = ""  # shown in the chronology as part of an item of this kind, not as an item of its own
    # A condition on the record that the chronology's index evaluates (``selectors.TimelinePage.flagged``): what the
    # case page must know of records it does not show — whether a signal names a parent's own problems (the
    # kindcheck prompt, domain.md §9.9).
    index_flag: Callable[[], Q] | None = None

    def __post_init__(self):
        if self.adding is not None and self.adding.form_class is None:
            form_class = modelform_factory(self.model, form=forms.EntryForm, fields=self.adding.fields)
            object.__setattr__(self.adding, "form_class", form_class)

    @property
    def template(self) -> str:
        return f"cases/timeline/_{self.kind}.html"

    def queryset(self, present: frozenset[str] | None = None) -> QuerySet:
        """The records as the chronology shows them, with the records shown as part of them (``part_of``)
        prefetched. ``present``: the kinds a case's chronology holds (``selectors.TimelinePage.kinds``); a part of a
        kind it does not hold is not read (``without_parts`` then gives the records their empty lists)."""
        qs = self.load() if self.load is not None else self.model.objects.select_related("author")
        parts = [
            (accessor, part) for accessor, part in PARTS.get(self.kind, ()) if present is None or part.kind in present
        ]
        if parts:
            qs = qs.prefetch_related(*(Prefetch(accessor, queryset=part.queryset()) for accessor, part in parts))
        return qs

    def without_parts(self, entries, present: frozenset[str]) -> None:
        """Give ``entries`` (read with ``queryset(present)``) an empty list for each kind of part that ``present``
        does not hold, as if prefetched: the templates read them without a query."""
        for accessor, part in PARTS.get(self.kind, ()):
            if part.kind not in present:
                # An empty queryset holding its (empty) result, as Django's prefetch leaves in an instance's cache.
                none = part.model._default_manager.get_queryset()
                none._result_cache, none._prefetch_done = [], True
                for entry in entries:
                    entry.__dict__.setdefault("_prefetched_objects_cache", {})[accessor] = none

    @property
    def in_timeline(self) -> bool:
        return not self.part_of


# --- Why the extract leaves something out (domain.md §7; the decisions are explained in dossier.extract) ------------

OTHER_PUPILS = _("other pupils are not named in the extract, not even by their initials")
SOURCE = _("third-party sources and the colleague who reported are not named")
VT_RESTRICTED = _("restricted Veilig Thuis information; the parents can ask Veilig Thuis for it")
VT_REPORT_DETAILS = _("the contents of the report belong to Veilig Thuis's file; the parents can ask Veilig Thuis")
WITHHELD = _("this report is deliberately not yet disclosed to the parents, for safety")
INTERNAL = _("an internal working note between staff")
DANGER = _("it could endanger someone")
THIRD_PARTY_STAFF = _("information about a member of staff (a third party)")
ADMINISTRATIVE = _("an administrative record about how long the school keeps the file")
OTHER_MINORS = _("it is about other minors in the household and who cares for them")

ADVICE_OR_EXPLANATION = _("the advice or explanation")

# --- The choices of the forms ---------------------------------------------------------------------------------------


def _partners(case) -> dict:
    """The case's school's social map (active entries): records that name a partner pick it from there."""
    return {"partners": social_map_for_school(school=case.school)}


def _signals(case) -> dict:
    return {
        "signals": Signal.objects.filter(case=case).order_by("observed_on", "pk"),
        "pupils": case.pupils.order_by("last_name", "first_name"),  # whose parents, when there are several
    }


def _conversations(case) -> dict:
    return {"conversations": ParentConversation.objects.filter(case=case).order_by("held_on", "pk")}


def _case_pupils(case) -> dict:
    return {"pupils": case.pupils.order_by("last_name", "first_name")}


def _school_pupils(case) -> dict:
    """Route C: a pupil involved is one of the school's current pupils (added to the case when not yet in it)."""
    from schools.models import Pupil

    return {"pupils": Pupil.objects.filter(school_id=case.school_id, left_on__isnull=True).order_by("last_name")}


def _school_staff(case) -> dict:
    """Route B: whom a suspect can be: the people who hold a role at the case's school."""
    from accounts.models import User

    staff = User.objects.filter(memberships__school_id=case.school_id, is_active=True).distinct()
    return {"staff": staff.order_by("last_name", "first_name", "username")}


def _earlier(case) -> dict:
    """The earlier cases to look back at are chosen by the view, for its user (``selectors.earlier_cases``)."""
    return {}


def _agreements(case) -> dict:
    return {"agreements": MonitoringAgreement.objects.filter(case=case).order_by("-recorded_at")}


# --- The registry ---------------------------------------------------------------------------------------------------

# In the order in which records of the same moment are shown in the chronology.
KINDS_IN_ORDER: list[RecordKind] = [
    RecordKind(
        "signal",
        Signal,
        adding=Adding("signaal/nieuw/", forms.SignalForm, perms.ADD_SIGNAL, _("Record a signal")),
        index_flag=signal_list.parent_problems_condition,
        extract=InExtract(
            "signals",
            shows=(
                "kind",
                "observed_on",
                "observed_time",
                "place",
                "situation",
                "description",
                "frequency",
                "frequency_count",
                "frequency_period",
                "situations",
                "development_relation",
                "source",
                "categories",
                "category_labels",
                "items",
                "item_labels",
                "body_marks",  # the pupil's own body: where something was seen (issue 15)
                "diagnosis",
                "diagnosis_by",
                "diagnosis_register",
                "follow_ups",
                "additions",
            ),
            omits=(
                Omit(
                    _("other children present or involved (initials)"),
                    OTHER_PUPILS,
                    ("others_present", "other_children"),
                    when=lambda e: bool(e.others_present or e.other_children),
                ),
                Omit(_("the name of the source"), SOURCE, ("source_name",), when=lambda e: bool(e.source_name)),
                Omit(_("who recorded the signal"), SOURCE, ("author",)),
            ),
        ),
    ),
    RecordKind(
        "kindcheck",
        Kindcheck,
        adding=Adding("kindcheck/nieuw/", forms.KindcheckForm, perms.CONSULT, _("Record the kindcheck")),
        extract=InExtract(leave_out=(LeaveOut(OTHER_MINORS),)),
    ),
    RecordKind(
        "consultation",
        Consultation,
        load=lambda: Consultation.objects.select_related("author", "partner").prefetch_related("actions"),
        adding=Adding(
            "consultatie/nieuw/",
            forms.ConsultationForm,
            perms.CONSULT,
            _("Record a consultation"),
            with_actions=True,
            form_kwargs=_partners,
        ),
        extract=InExtract(
            "consultations",
            shows=("kind", "held_on", "participants", "partner", "organisation", "question", "advice", "actions"),
        ),
    ),
    RecordKind(
        "conversation",
        ParentConversation,
        load=lambda: ParentConversation.objects.select_related("author", "pupil").prefetch_related("signals_discussed"),
        adding=Adding(
            "oudergesprek/nieuw/",
            forms.ParentConversationForm,
            perms.TALK_PARENTS,
            _("Record a conversation with the parents"),
            form_kwargs=_signals,
        ),
        extract=InExtract(
            "conversations",
            shows=(
                "held_on",
                "attendees",
                "recognition",
                "reaction",
                "explanation",
                "agreements",
                "school_measures",
                "report",
                "acknowledgements",
            ),
        ),
    ),
    RecordKind(
        "childconversation",
        ChildConversation,
        load=lambda: ChildConversation.objects.select_related("author", "pupil"),
        adding=Adding(
            "gesprek-kind/nieuw/",
            forms.ChildConversationForm,
            perms.TALK_PARENTS,
            _("Record a conversation with the child"),
            form_kwargs=_case_pupils,
        ),
        extract=InExtract("child", shows=("held_on", "talked_by", "child_words", "child_told")),
    ),
    RecordKind(
        "parentview",
        ParentView,
        load=lambda: ParentView.objects.select_related("author", "conversation"),
        adding=Adding(
            "zienswijze/nieuw/",
            forms.ParentViewForm,
            perms.TALK_PARENTS,
            _("Record the parents' own view"),
            correctable=False,
            form_kwargs=_conversations,
        ),
        extract=InExtract("views", shows=("given_by", "given_on", "text")),
    ),
    RecordKind(
        "skip",
        ParentTalkSkip,
        load=lambda: ParentTalkSkip.objects.select_related("author").prefetch_related(
            Prefetch("confirmations", queryset=ParentTalkSkipConfirmation.objects.select_related("confirmed_by"))
        ),
        extract=InExtract(
            "conversations",
            shows=("reason", "explanation"),
            leave_out=(LeaveOut(DANGER, when=lambda e: e.reason == ParentTalkSkip.Reason.DANGER),),
        ),
    ),
    RecordKind(
        "involvement",
        PupilInvolvement,
        load=lambda: PupilInvolvement.objects.select_related("author", "pupil"),
        adding=Adding(
            "betrokken-leerling/nieuw/",
            forms.PupilInvolvementForm,
            perms.CONSULT,
            _("Record a pupil involved and their part"),
            form_kwargs=_school_pupils,
        ),
        extract=InExtract("signals", shows=("part", "note")),
    ),
    RecordKind(
        "lookback",
        LookBack,
        adding=Adding(
            "terugkijken/nieuw/",
            forms.LookBackForm,
            perms.CONSULT,
            _("Look back at an earlier case"),
            form_kwargs=_earlier,
        ),
        # The earlier case's number is the school's: the parents read the finding and its explanation.
        extract=InExtract("weighing", shows=("finding", "explanation")),
    ),
    RecordKind(
        "weighing", WeighingAnswer, extract=InExtract("weighing", shows=("question", "answer", "justification"))
    ),
    RecordKind(
        "risk",
        RiskAssessment,
        adding=Adding(
            "risicofactoren/nieuw/", forms.RiskAssessmentForm, perms.WEIGH, _("Record risk and protective factors")
        ),
        extract=InExtract("weighing", shows=("risk_factors", "protective_factors")),
    ),
    RecordKind(
        "flag",
        FlagAssessment,
        adding=Adding("vlaggensysteem/nieuw/", forms.FlagAssessmentForm, perms.CONSULT, _("Vlaggensysteem assessment")),
        extract=InExtract(
            "weighing",
            shows=("flag", "points_to_work_on"),
            leave_out=(LeaveOut(OTHER_PUPILS, when=lambda e: e.kind == FlagAssessment.Kind.GROUP),),
        ),
    ),
    RecordKind(
        "helpplan",
        HelpPlan,
        load=lambda: HelpPlan.objects.select_related("author", "case_manager").prefetch_related(
            Prefetch("tasks", queryset=HelpTask.objects.select_related("done__author"))
        ),
        extract=InExtract(
            "help",
            shows=(
                "case_manager",
                "case_manager_external",
                "roles",
                "measurable_result",
                "evaluation_on",
                "parents_accept",
                "parents_acceptance_note",
                "tasks",
            ),
        ),
    ),
    RecordKind(
        "evaluation",
        HelpEvaluation,
        load=lambda: HelpEvaluation.objects.select_related("author", "plan"),
        extract=InExtract("help", shows=("evaluated_on", "result_reached", "findings")),
    ),
    RecordKind(
        "report",
        VeiligThuisReport,
        load=lambda: VeiligThuisReport.objects.select_related("author", "partner").prefetch_related(
            Prefetch("informed_parents", queryset=ReportInformedParent.objects.select_related("guardian"))
        ),
        extract=InExtract(
            "veilig-thuis",
            shows=("reported_at", "emergency", "parents_informed", "parents_informed_on"),
            leave_out=(LeaveOut(WITHHELD, when=lambda e: e.disclosure_withheld),),
            omits=(
                Omit(
                    _("the contents of the report"),
                    VT_REPORT_DETAILS,
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
                        "parents_reaction",
                        "not_informed_reason",
                        "not_informed_explanation",
                        "anonymous_to_family",
                        "anonymity_reason",
                        "feedback_agreed_on",
                        "additional",
                        "what_is_new",
                        "not_all_informed_reason",
                    ),
                ),
            ),
        ),
    ),
    RecordKind(
        "outcome",
        VeiligThuisOutcome,
        load=lambda: VeiligThuisOutcome.objects.select_related("author", "receiving_partner"),
        extract=InExtract(
            "veilig-thuis",
            shows=("assessed_on",),
            omits=(
                Omit(
                    _("the decision, conclusion and expectations of Veilig Thuis"),
                    VT_RESTRICTED,
                    (
                        "decision",
                        "conclusion",
                        "expectations",
                        "receiving_partner",
                        "rappel_on",
                        "receiving_organisation",
                        "receiving_contact",
                    ),
                ),
            ),
        ),
    ),
    RecordKind("monitoring", MonitoringAgreement, extract=InExtract("help", shows=("what", "how_often", "until"))),
    RecordKind(
        "checkin",
        MonitoringCheckIn,
        load=lambda: MonitoringCheckIn.objects.select_related("author", "agreement"),
        adding=Adding(
            "monitoring/contactmoment/nieuw/",
            forms.MonitoringCheckInForm,
            perms.DECIDE,
            _("Record a monitoring check-in"),
            form_kwargs=_agreements,
        ),
        extract=InExtract("help", shows=("held_on", "findings")),
    ),
    RecordKind(
        "proposal",
        EmergencyProposal,
        adding=Adding(
            "spoedmelding-voorstellen/",
            forms.EmergencyProposalForm,
            perms.PROPOSE_EMERGENCY,
            _("Propose an emergency report"),
            key="emergency-proposal",
            correctable=False,
        ),
        extract=InExtract(leave_out=(LeaveOut(INTERNAL),)),
    ),
    RecordKind("closure", Closure, extract=InExtract("closing", shows=("reason_code", "text"))),
    RecordKind(
        "suspect",
        SuspectedStaff,
        load=lambda: SuspectedStaff.objects.select_related("author", "staff_member"),
        # Naming (another) suspect later, on the case page; the signal that opens the case names the first.
        adding=Adding(
            "verdachte/nieuw/",
            forms.SuspectedStaffForm,
            perms.ROUTE_B,
            _("Name a suspected member of staff"),
            correctable=False,
            form_kwargs=_school_staff,
        ),
        extract=InExtract(leave_out=(LeaveOut(THIRD_PARTY_STAFF),)),
    ),
    RecordKind(
        "board",
        BoardNotification,
        adding=Adding(
            "bevoegd-gezag/nieuw/",
            forms.BoardNotificationForm,
            perms.ROUTE_B,
            _("Record that the board was informed"),
        ),
        extract=InExtract("route-b", shows=("informed_on",)),
    ),
    RecordKind(
        "inspector",
        InspectorConsultation,
        load=lambda: InspectorConsultation.objects.select_related("author", "partner"),
        extract=InExtract(
            "route-b",
            shows=("consulted_on",),
            omits=(Omit(ADVICE_OR_EXPLANATION, THIRD_PARTY_STAFF, ("advice",)),),
        ),
    ),
    RecordKind(
        "police",
        PoliceDecision,
        extract=InExtract(
            "route-b",
            shows=("report_made", "decided_on"),
            omits=(Omit(ADVICE_OR_EXPLANATION, THIRD_PARTY_STAFF, ("explanation",)),),
        ),
    ),
    RecordKind(
        "taskdone",
        TaskDone,
        load=lambda: TaskDone.objects.select_related("author", "help_task", "consultation_action"),
        extract=InExtract("help", shows=("help_task", "consultation_action", "note")),
    ),
    RecordKind(
        "accessrequest",
        AccessRequest,
        load=lambda: AccessRequest.objects.select_related("author", "requester"),
        extract=InExtract("requests", shows=("kind", "received_on", "requester")),
    ),
    RecordKind(
        "accessanswer",
        AccessRequestHandled,
        load=lambda: AccessRequestHandled.objects.select_related("author", "request__requester"),
        extract=InExtract("requests", shows=("outcome", "handled_on", "notes")),
    ),
    RecordKind("legalhold", LegalHold, extract=InExtract(leave_out=(LeaveOut(ADMINISTRATIVE),))),
    RecordKind(
        "transfer",
        TransferRecord,
        redactable=False,
        extract=InExtract(
            "transfer",
            shows=("kind", "from_school_name", "to_school_name", "parents_informed_on"),
            omits=(
                Omit(_("who handed the case over"), THIRD_PARTY_STAFF, ("requested_by_name", "author")),
                Omit(
                    _("why the parents were not informed"),
                    INTERNAL,
                    ("parents_not_informed_reason",),
                    when=lambda e: bool(e.parents_not_informed_reason),
                ),
            ),
        ),
    ),
    RecordKind(
        "transition",
        Transition,
        load=lambda: Transition.objects.select_related("actor"),
        redactable=False,
        extract=InExtract(
            "steps",
            shows=("at", "from_state", "to_state"),
            omits=(
                Omit(_("the explanation of the step change"), INTERNAL, ("reason",), when=lambda e: bool(e.reason)),
            ),
        ),
    ),
    # Records shown as part of another kind's item.
    RecordKind("followup", SignalFollowUp, part_of="signal"),
    # Details from the signal list added to a signal after it was recorded (the quick signal's second part: its own
    # page, ``views.signal_details``, not ``entry_add``).
    RecordKind(
        "signaladdition", SignalListAddition, part_of="signal", index_flag=signal_list.parent_problems_condition
    ),
    RecordKind(
        "acknowledgement",
        ConversationAcknowledgement,
        part_of="conversation",
        adding=Adding(
            "kennisname-verslag/nieuw/",
            forms.AcknowledgementForm,
            perms.TALK_PARENTS,
            _("Record whether the parents acknowledged a report"),
            correctable=False,
            form_kwargs=_conversations,
        ),
    ),
]

KINDS: dict[str, RecordKind] = {k.kind: k for k in KINDS_IN_ORDER}

# The kinds of the chronology, each an item of its own, in order.
CHRONOLOGY: list[RecordKind] = [k for k in KINDS_IN_ORDER if k.in_timeline]


def _part_accessor(part: RecordKind) -> str:
    """The name by which a record of the kind ``part.part_of`` reaches its parts: its one foreign key's reverse."""
    whole = KINDS[part.part_of].model
    (key,) = [f for f in part.model._meta.fields if f.is_relation and f.related_model is whole]
    return key.remote_field.get_accessor_name()


# The records shown as part of another kind's items: per kind, (the name its records reach them by, their kind).
PARTS: dict[str, list[tuple[str, RecordKind]]] = {}
for _part in KINDS_IN_ORDER:
    if _part.part_of:
        PARTS.setdefault(_part.part_of, []).append((_part_accessor(_part), _part))

# The kinds a case page records through ``views.entry_add``, by the ``kind`` of that view.
ADDED_BY_ENTRY_ADD: dict[str, RecordKind] = {(k.adding.key or k.kind): k for k in KINDS_IN_ORDER if k.adding}

# Records with a case that are not part of its chronology, and why.
# Named by their labels: the dossier's own records live in the ``dossier`` app, which builds on this one.
NOT_CHRONOLOGY: dict[str, str] = {
    "cases.AuditEvent": "who read, changed or exported the case: the audit trail, shown on its own page",
    "dossier.Redaction": "the decision to leave an entry out of the extract: shown in the extract's preview",
    "dossier.ExtractRelease": "that an extract was released (who, when, checksum): in the audit trail",
    "cases.ChainLink": "the tamper-evident chain over the records (cases.chain): not a record itself",
    "dossier.StaffDossierRelease": "that the staff dossier was released (to whom, why, checksum): in the audit trail",
    "dossier.StaffDossierJob": "a staff dossier being prepared: the release's job, not a record of the case",
    "cases.CaseTransfer": "the process of a transfer to another school; its outcome is a TransferRecord",
}
