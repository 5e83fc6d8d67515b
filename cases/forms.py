from collections.abc import Callable

from django import forms
from django.core.validators import MaxLengthValidator
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext_lazy as _

from cases import decision, signal_list
from cases.models import (
    BoardNotification,
    ChildConversation,
    Closure,
    Consultation,
    ConversationAcknowledgement,
    EmergencyProposal,
    FlagAssessment,
    HelpEvaluation,
    HelpPlan,
    InspectorConsultation,
    Kindcheck,
    LookBack,
    MonitoringAgreement,
    MonitoringCheckIn,
    ParentConversation,
    ParentTalkSkip,
    ParentView,
    PoliceDecision,
    PupilInvolvement,
    RiskAssessment,
    Route,
    Signal,
    SignalFollowUp,
    VeiligThuisOutcome,
    VeiligThuisReport,
    WeighingAnswer,
)
from cases.models.base import Entry
from cases.models.decisions import FLAG_CRITERIA
from cases.models.entries import VT_ADVICE_POINTS
from schools.models.social_map import PartnerKind, SocialMapEntry

TEXT_LIMIT = 10_000


# --- Choosing a record of the case -------------------------------------------------------------------------------

# The date a record is about, the first of these that it has (else the day it was recorded), and its words.
RECORD_DATE_FIELDS = (
    "observed_on",
    "held_on",
    "given_on",
    "received_on",
    "assessed_on",
    "evaluated_on",
    "done_on",
    "shared_on",
    "informed_on",
    "consulted_on",
    "decided_on",
    "handled_on",
)
RECORD_TEXT_FIELDS = (
    "description",
    "report",
    "reaction",
    "measurable_result",
    "what",
    "details",
    "text",
    "findings",
    "advice",
    "justification",
    "explanation",
    "notes",
    "reason",
)
RECORD_LABEL_WORDS = 8
FOREIGN_RECORD = _("This is not a record of this case; choose one from the list.")


def record_label(entry) -> str:
    """How a record is offered in a choice: its date, its kind and its first words, e.g. "12 november 2026 ·
    Feitelijke waarneming · Kwam met een blauwe plek…" (never "Signal object (1)")."""
    day = next((getattr(entry, name) for name in RECORD_DATE_FIELDS if getattr(entry, name, None)), None)
    if day is None and entry.recorded_at is not None:
        day = timezone.localtime(entry.recorded_at).date()
    names = {f.name for f in entry._meta.concrete_fields}
    kind = entry.get_kind_display() if "kind" in names and entry._meta.get_field("kind").choices else None
    text = next((getattr(entry, name) for name in RECORD_TEXT_FIELDS if name in names and getattr(entry, name)), "")
    parts = [
        formats.date_format(day, "j F Y") if day else "",
        capfirst(str(kind or entry._meta.verbose_name)),
        Truncator(" ".join(str(text).split())).words(RECORD_LABEL_WORDS),
    ]
    return " · ".join(part for part in parts if part)


def is_case_record(model) -> bool:
    return issubclass(model, Entry)


class EntryForm(forms.ModelForm):
    """Base for the forms of a case's records: date and time pickers, a length limit on long texts, and
    fieldsets for the template (``fieldsets = [(legend, [field names])]``).

    Every choice of a related record of a case (a ``ModelChoiceField`` or ``ModelMultipleChoiceField`` of an
    ``Entry``: the signals discussed, the conversation, the help plan…) offers only the records of ``case`` that
    the user may read (``readable``: ``selectors.readable_records(reader)``), each labelled by ``record_label``; an
    id of another case's record is refused with a Dutch error. ``record_choices`` (field name → queryset) narrows
    a choice further; without a ``case`` a choice offers only what ``record_choices`` gives, and otherwise nothing."""

    fieldsets: list[tuple[str, list[str]]] = []

    def __init__(
        self,
        *args,
        case=None,
        readable: Callable[[QuerySet], QuerySet] | None = None,
        record_choices: dict[str, QuerySet | None] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(field, forms.ModelChoiceField):
                continue  # its choices come from its queryset (below); a list set here would fix every row's label
            if isinstance(widget, forms.DateInput):
                widget.input_type = "date"
                widget.format = "%Y-%m-%d"
            elif isinstance(widget, forms.TimeInput):
                widget.input_type = "time"
                widget.format = "%H:%M"
            elif isinstance(widget, forms.RadioSelect) and hasattr(field, "choices"):
                # A radio group needs no "- Select an option -" button: the required check says what is missing.
                field.choices = [(value, label) for value, label in field.choices if value != ""]
            elif isinstance(widget, forms.Textarea):
                field.validators.append(MaxLengthValidator(TEXT_LIMIT))
                widget.attrs.setdefault("rows", 4)
        self._scope_record_choices(case, readable, record_choices or {})

    def _scope_record_choices(self, case, readable, given: dict) -> None:
        for name, field in self.fields.items():
            if not isinstance(field, forms.ModelChoiceField) or field.queryset is None:
                continue  # (a choice whose queryset the form sets itself, such as the pupils of a new signal)
            if not is_case_record(field.queryset.model):
                continue
            model = field.queryset.model
            queryset = given.get(name)
            if queryset is None:
                queryset = (
                    model.objects.filter(case=case).order_by("recorded_at", "pk")
                    if case is not None
                    else model.objects.none()
                )
            elif case is not None:
                queryset = queryset.filter(case=case)
            if readable is not None:
                queryset = readable(queryset)
            field.queryset = queryset
            field.label_from_instance = record_label
            field.error_messages = {**field.error_messages, "invalid_choice": FOREIGN_RECORD}

    def grouped_fields(self):
        if not self.fieldsets:
            return [("", list(self))]
        return [(legend, [self[name] for name in names if name in self.fields]) for legend, names in self.fieldsets]


class PartnerChoiceMixin:
    """A record that names a partner organisation picks it from the case's school's social map (``partners``, from
    ``schools.selectors.social_map_for_school``): never another school's. ``partner_kinds`` narrows the choice."""

    partner_fields: tuple[str, ...] = ("partner",)
    partner_kinds: tuple[str, ...] = ()

    def __init__(self, *args, partners=None, **kwargs):
        super().__init__(*args, **kwargs)
        queryset = partners if partners is not None else SocialMapEntry.objects.none()
        if self.partner_kinds:
            queryset = queryset.filter(kind__in=self.partner_kinds)
        for name in self.partner_fields:
            if name in self.fields:
                self.fields[name].queryset = queryset
                self.fields[name].empty_label = _("— not on the social map —")


class SignalForm(EntryForm):
    categories = forms.MultipleChoiceField(
        label=_("categories"),
        choices=signal_list.CATEGORY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Several are allowed."),
    )
    items = forms.MultipleChoiceField(
        label=_("signals from the signal list"),
        choices=signal_list.ITEM_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("The list of signals of child abuse for children aged 4 to 12 (Bijlage 1 of the meldcode)."),
    )

    class Meta:
        model = Signal
        fields = [
            "observed_on",
            "observed_time",
            "place",
            "situation",
            "others_present",
            "kind",
            "description",
            "frequency",
            "frequency_count",
            "frequency_period",
            "situations",
            "other_children",
            "development_relation",
            "source",
            "source_name",
            "source_consent",
            "categories",
            "items",
            "diagnosis",
            "diagnosis_by",
            "diagnosis_register",
        ]
        widgets = {"kind": forms.RadioSelect, "frequency": forms.RadioSelect, "source": forms.RadioSelect}

    fieldsets = [
        (_("When and where"), ["observed_on", "observed_time", "place", "situation", "others_present"]),
        (_("What you saw or heard"), ["kind", "description"]),
        (
            _("How often and in which situations"),
            [
                "frequency",
                "frequency_count",
                "frequency_period",
                "situations",
                "other_children",
                "development_relation",
            ],
        ),
        (_("Source"), ["source", "source_name", "source_consent"]),
        (_("Signal list"), ["categories", "items"]),
        (_("Diagnosis by a professional (only if there is one)"), ["diagnosis", "diagnosis_by", "diagnosis_register"]),
    ]


class NewSignalForm(SignalForm):
    """The first signal about a pupil: picks the pupil and, when it opens a case, the route."""

    pupil = forms.ModelChoiceField(
        label=_("pupil"), queryset=None, help_text=_("The pupils of your own groups."), empty_label=_("— choose —")
    )
    route = forms.ChoiceField(
        label=_("what is it about"),
        choices=Route.choices,
        initial=Route.A,
        widget=forms.RadioSelect,
        help_text=_("Choose B if a member of staff is suspected: then the board must be informed at once."),
    )

    class Meta(SignalForm.Meta):
        fields = ["pupil", "route", *SignalForm.Meta.fields]

    fieldsets = [(_("Pupil"), ["pupil", "route"]), *SignalForm.fieldsets]

    def __init__(self, *args, pupils, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = pupils
        self.fields["pupil"].label_from_instance = lambda p: (
            f"{p.first_name} {p.last_name} ({p.class_group.name})" if p.class_group else str(p)
        )


class SignalFollowUpForm(EntryForm):
    class Meta:
        model = SignalFollowUp
        fields = ["outcome", "outcome_on", "note"]
        widgets = {"outcome": forms.RadioSelect}


class KindcheckForm(EntryForm):
    class Meta:
        model = Kindcheck
        fields = ["done_on", "reason", "other_minors", "minors_description", "caregivers", "outcome"]
        widgets = {"other_minors": forms.RadioSelect}


class ConsultationForm(PartnerChoiceMixin, EntryForm):
    vt_points = forms.MultipleChoiceField(
        label=_("points discussed with Veilig Thuis"),
        choices=VT_ADVICE_POINTS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Consultation
        fields = [
            "kind",
            "held_on",
            "participants",
            "partner",
            "organisation",
            "question",
            "advice",
            "family_anonymous",
            "vt_points",
            "vt_advised_report",
            "vt_advised_report_reason",
            "vt_registration",
            "parents_present",
            "agenda_sent_on",
        ]

    fieldsets = [
        (_("Consultation"), ["kind", "held_on", "participants", "partner", "organisation", "question", "advice"]),
        (
            _("Only for an advice from Veilig Thuis"),
            ["family_anonymous", "vt_points", "vt_advised_report", "vt_advised_report_reason", "vt_registration"],
        ),
        (_("Only for an MDO"), ["parents_present", "agenda_sent_on"]),
    ]


class ConsultationActionForm(forms.Form):
    who = forms.CharField(label=_("who"), max_length=200, required=False)
    what = forms.CharField(label=_("what"), max_length=500, required=False)
    due_on = forms.DateField(label=_("by when"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        filled = [bool(data.get(k)) for k in ("who", "what", "due_on")]
        if any(filled) and not all(filled):
            raise forms.ValidationError(_("Fill in who, what and by when — or leave the row empty."))
        return data


ConsultationActionFormSet = forms.formset_factory(ConsultationActionForm, extra=3, max_num=10)


class ParentConversationForm(EntryForm):
    class Meta:
        model = ParentConversation
        fields = [
            "held_on",
            "attendees",
            "interpreter",
            "purpose_explained",
            "signals_discussed",
            "recognition",
            "reaction",
            "explanation",
            "agreements",
            "school_measures",
            "report",
            "pupil",
        ]
        widgets = {"signals_discussed": forms.CheckboxSelectMultiple, "recognition": forms.RadioSelect}

    fieldsets = [
        (
            _("The conversation"),
            ["held_on", "pupil", "attendees", "interpreter", "purpose_explained", "signals_discussed"],
        ),
        (_("The parents"), ["recognition", "reaction", "explanation"]),
        (_("Agreements"), ["agreements", "school_measures"]),
        (_("Report"), ["report"]),
    ]

    def __init__(self, *args, signals=None, pupils=None, **kwargs):
        super().__init__(*args, record_choices={"signals_discussed": signals}, **kwargs)
        # Whose parents: asked only in a case about several pupils (issue 17, route C).
        several = list(pupils[:2]) if pupils is not None else []
        if len(several) > 1:
            field = self.fields["pupil"]
            field.queryset = pupils
            field.required = True
            field.label_from_instance = lambda p: f"{p.first_name} {p.last_name}"
        else:
            del self.fields["pupil"]


class AcknowledgementForm(EntryForm):
    class Meta:
        model = ConversationAcknowledgement
        fields = ["conversation", "shared_on", "status", "responded_on", "how"]
        widgets = {"status": forms.RadioSelect}

    def __init__(self, *args, conversations=None, **kwargs):
        super().__init__(*args, record_choices={"conversation": conversations}, **kwargs)


class ParentViewForm(EntryForm):
    class Meta:
        model = ParentView
        fields = ["conversation", "given_by", "given_on", "text"]

    def __init__(self, *args, conversations=None, **kwargs):
        super().__init__(*args, record_choices={"conversation": conversations}, **kwargs)
        self.fields["conversation"].required = False


class ParentTalkSkipForm(EntryForm):
    class Meta:
        model = ParentTalkSkip
        fields = ["reason", "explanation"]
        widgets = {"reason": forms.RadioSelect}


class TransitionForm(forms.Form):
    expected_state = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("explanation (optional)"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- Steps 4-5 and route B ----------------------------------------------------------------------------------------


class WeighingAnswerForm(EntryForm):
    """One weighing question at a time: the question is fixed by the decision tree, the answers fit it."""

    class Meta:
        model = WeighingAnswer
        fields = ["question", "answer", "justification", "board_informed_on"]
        widgets = {"question": forms.HiddenInput, "answer": forms.RadioSelect}

    def __init__(self, *args, question: int, **kwargs):
        super().__init__(*args, initial={"question": question}, **kwargs)
        self.question = question
        self.fields["answer"].choices = [
            (value, label)
            for value, label in WeighingAnswer.Answer.choices
            if value in decision.ANSWERS[question] and value != decision.YES_ACUTE
        ]
        self.fields["answer"].label = WeighingAnswer.Question(question).label
        if question != 1:
            del self.fields["board_informed_on"]

    def clean_question(self):
        if self.cleaned_data["question"] != self.question:
            raise forms.ValidationError(_("Answer the questions in order; this question is not the next one."))
        return self.question


class RiskAssessmentForm(EntryForm):
    class Meta:
        model = RiskAssessment
        fields = ["risk_factors", "protective_factors", "instruments"]


class FlagAssessmentForm(EntryForm):
    class Meta:
        model = FlagAssessment
        fields = [
            "kind",
            *[name for code, _label in FLAG_CRITERIA for name in (code, f"{code}_note")],
            "flag",
            "safety_risks",
            "unrest",
            "points_to_work_on",
        ]
        widgets = {
            "kind": forms.RadioSelect,
            "flag": forms.RadioSelect,
            **{code: forms.RadioSelect for code, _label in FLAG_CRITERIA},
        }

    fieldsets = [
        (_("Assessment"), ["kind"]),
        *[(label, [code, f"{code}_note"]) for code, label in FLAG_CRITERIA],
        (_("Your judgement"), ["flag", "safety_risks", "unrest", "points_to_work_on"]),
    ]


class HelpPlanForm(EntryForm):
    class Meta:
        model = HelpPlan
        fields = [
            "case_manager",
            "case_manager_external",
            "roles",
            "measurable_result",
            "evaluation_on",
            "parents_accept",
            "parents_acceptance_note",
        ]
        widgets = {"parents_accept": forms.RadioSelect}

    def __init__(self, *args, case_managers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case_manager"].queryset = case_managers


HelpTaskFormSet = forms.formset_factory(ConsultationActionForm, extra=3, max_num=10)


class HelpEvaluationForm(EntryForm):
    class Meta:
        model = HelpEvaluation
        fields = ["plan", "evaluated_on", "result_reached", "findings"]

    def __init__(self, *args, plans=None, **kwargs):
        super().__init__(*args, record_choices={"plan": plans}, **kwargs)
        self.fields["result_reached"].help_text = _("This answers weighing question 5.")


VT_REPORT_FIELDSETS = [
    (_("The report"), ["reported_at", "channel", "partner", "vt_contact", "vt_reference"]),
    (
        _("What Veilig Thuis asks"),
        [
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
        ],
    ),
    (
        _("The parents"),
        [
            "parents_informed",
            "parents_informed_on",
            "parents_reaction",
            "not_informed_reason",
            "not_informed_explanation",
        ],
    ),
    (
        _("Anonymity and feedback"),
        ["anonymous_to_family", "anonymity_reason", "feedback_agreed_on", "disclosure_withheld"],
    ),
    (_("Meldrecht"), ["meldrecht_acknowledged"]),
]


class VeiligThuisReportForm(PartnerChoiceMixin, EntryForm):
    partner_kinds = (PartnerKind.VEILIG_THUIS,)

    class Meta:
        model = VeiligThuisReport
        fields = [name for _legend, names in VT_REPORT_FIELDSETS for name in names]
        widgets = {
            "reported_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "channel": forms.RadioSelect,
            "not_informed_reason": forms.RadioSelect,
        }

    fieldsets = VT_REPORT_FIELDSETS


class EmergencyReportForm(VeiligThuisReportForm):
    class Meta(VeiligThuisReportForm.Meta):
        fields = ["emergency_justification", *VeiligThuisReportForm.Meta.fields]

    fieldsets = [(_("Emergency"), ["emergency_justification"]), *VeiligThuisReportForm.fieldsets]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["emergency_justification"].required = True


class EmergencyProposalForm(EntryForm):
    class Meta:
        model = EmergencyProposal
        fields = ["justification"]


class VeiligThuisOutcomeForm(PartnerChoiceMixin, EntryForm):
    partner_fields = ("receiving_partner",)

    class Meta:
        model = VeiligThuisOutcome
        fields = [
            "assessed_on",
            "decision",
            "conclusion",
            "expectations",
            "receiving_partner",
            "receiving_organisation",
            "receiving_contact",
        ]
        widgets = {"decision": forms.RadioSelect, "conclusion": forms.RadioSelect}


class MonitoringAgreementForm(EntryForm):
    class Meta:
        model = MonitoringAgreement
        fields = ["what", "who", "how_often", "until"]


class MonitoringCheckInForm(EntryForm):
    class Meta:
        model = MonitoringCheckIn
        fields = ["agreement", "held_on", "findings", "signals_continue"]

    def __init__(self, *args, agreements=None, **kwargs):
        super().__init__(*args, record_choices={"agreement": agreements}, **kwargs)


class ClosureForm(EntryForm):
    class Meta:
        model = Closure
        fields = ["reason_code", "text", "parents_told", "parents_not_told_reason"]
        widgets = {"reason_code": forms.RadioSelect}


class BoardNotificationForm(EntryForm):
    class Meta:
        model = BoardNotification
        fields = ["informed_on", "informed_whom", "how"]


class InspectorConsultationForm(PartnerChoiceMixin, EntryForm):
    partner_kinds = (PartnerKind.INSPECTOR,)

    class Meta:
        model = InspectorConsultation
        fields = ["consulted_on", "partner", "inspector", "advice", "reasonable_suspicion"]


class PoliceDecisionForm(EntryForm):
    class Meta:
        model = PoliceDecision
        fields = ["report_made", "decided_on", "parents_informed_before", "accused_informed_before", "explanation"]


class ExpectedStateForm(forms.Form):
    """The step the user saw when they opened the form: if the case moved on meanwhile, nothing is done."""

    expected_state = forms.CharField(widget=forms.HiddenInput)


# --- The children of a case (issue 17) ----------------------------------------------------------------------------


class CasePupilChoiceMixin:
    """The child a record is about: one of the case's pupils (``pupils``), chosen for you when there is only one."""

    def _set_pupils(self, pupils) -> None:
        field = self.fields["pupil"]
        field.queryset = pupils if pupils is not None else field.queryset.none()
        field.label_from_instance = lambda p: f"{p.first_name} {p.last_name}"
        field.error_messages = {**field.error_messages, "invalid_choice": _("Choose one of the pupils of this case.")}
        if pupils is not None:
            only = list(pupils[:2])
            if len(only) == 1:
                field.initial = only[0].pk


class ChildConversationForm(CasePupilChoiceMixin, EntryForm):
    class Meta:
        model = ChildConversation
        fields = ["held_on", "pupil", "talked_by", "child_words", "child_told"]
        widgets = {"pupil": forms.RadioSelect}

    def __init__(self, *args, pupils=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_pupils(pupils)


class PupilInvolvementForm(CasePupilChoiceMixin, EntryForm):
    class Meta:
        model = PupilInvolvement
        fields = ["pupil", "part", "note"]
        widgets = {"part": forms.RadioSelect}

    def __init__(self, *args, pupils=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_pupils(pupils)
        self.fields["pupil"].help_text = _("A pupil of the school who is not yet in the case is added to it.")


class LookBackForm(EntryForm):
    earlier_reference = forms.ChoiceField(label=_("earlier case"), widget=forms.RadioSelect)

    class Meta:
        model = LookBack
        fields = ["earlier_reference", "finding", "explanation"]
        widgets = {"finding": forms.RadioSelect}

    def __init__(self, *args, earlier=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["earlier_reference"].choices = [
            (e.case.reference, f"{e.case.reference} — {e.outcome}") for e in earlier
        ]
        self.fields["earlier_reference"].error_messages["invalid_choice"] = _(
            "Choose one of the pupil's earlier cases."
        )
