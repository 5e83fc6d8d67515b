import uuid
from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext_lazy as _

from cases import bodymap, decision, signal_list
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
    SignalKind,
    SignalListAddition,
    SuspectedStaff,
    VeiligThuisOutcome,
    VeiligThuisReport,
    WeighingAnswer,
)
from cases.models.base import Entry
from cases.models.decisions import FLAG_CRITERIA
from cases.models.entries import VT_ADVICE_POINTS
from schools.models.people import Guardian
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


class SubmissionTokenField(forms.UUIDField):
    """The form's one-time token (``services.submission_once``): a new one each time an empty form is shown, the
    same one when a refused form is shown again. Anything that is not a token counts as none (no guard), never as an
    error the user could not see or fix."""

    # Back, then save again, sends the typed values with a new token (the page is not cached: it is fetched anew and
    # the browser restores what was typed, not the hidden token): ``submission_once(entry=...)`` catches that by the
    # record's content (tests/browser/test_quick_signal_browser.py).
    widget = forms.HiddenInput

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError:
            return None


def new_submission_token() -> str:
    return str(uuid.uuid4())


SUBMISSION_FIELD = "submission"


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
        # One submission stores one record (``services.submission_once``): rendered by ``cases/_form_body.html``.
        self.fields[SUBMISSION_FIELD] = SubmissionTokenField(required=False, initial=new_submission_token)
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
            return [("", [field for field in self if field.name != SUBMISSION_FIELD])]
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


# --- Signals (issue 15: the quick signal) ---------------------------------------------------------------------------

# The kinds of signal as the teacher chooses between them; the chronology and the extract keep the model's labels.
SIGNAL_KIND_CHOICES = [
    (SignalKind.FACT, _("What I saw or heard myself")),
    (SignalKind.CHILD_WORDS, _("What the child said, word for word")),
    (SignalKind.STORY, _("What I heard from someone else (a story or a suspicion)")),
]
# The source that goes with a kind when the form leaves it open: a factual observation is one's own, the child's
# words come from the child. A story needs its source named.
SOURCE_FOR_KIND = {SignalKind.FACT: Signal.Source.OWN, SignalKind.CHILD_WORDS: Signal.Source.CHILD}
# The fields of the essentials, and of the optional part "more" (collapsed, opened when one holds an error or a value).
QUICK_FIELDS = ["kind", "source", "source_name", "source_consent", "description", "observed_on", "observed_time"]
QUICK_FIELDS += ["place", "body_marks", "urgent"]
MORE_FIELDS = [
    "situation",
    "others_present",
    "frequency",
    "frequency_count",
    "frequency_period",
    "situations",
    "other_children",
    "development_relation",
    "diagnosis",
    "diagnosis_by",
    "diagnosis_register",
]
SIGNAL_LIST_FIELDS = ["categories", "items"]


def _signal_list_fields(form) -> None:
    form.fields["categories"] = forms.MultipleChoiceField(
        label=_("categories"),
        choices=signal_list.CATEGORY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    form.fields["items"] = forms.MultipleChoiceField(
        label=_("signals from the signal list"),
        choices=signal_list.ITEM_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


def _with_implied_categories(data: dict) -> dict:
    """An item of the signal list brings its category along: the list is grouped per category."""
    if "items" in data and "categories" in data:
        data["categories"] = signal_list.categories_with_items(data["categories"], data["items"])
    return data


class SignalForm(EntryForm):
    """A signal on the case page, and a correction of one: the essentials (``QUICK_FIELDS``), the optional part
    ``MORE_FIELDS`` (collapsed) and the signal list (collapsed, per category). The template is
    ``cases/_signal_fields.html``."""

    with_signal_list = True

    source = forms.ChoiceField(
        label=_("From whom did you hear it?"),
        choices=[("", _("— choose —")), *Signal.Source.choices],
        required=False,
    )
    body_marks = bodymap.BodyMapField()  # issue 15: the body map (rows of marks; the outline with JavaScript)

    class Meta:
        model = Signal
        fields = [*QUICK_FIELDS, *MORE_FIELDS]
        widgets = {"kind": forms.RadioSelect, "frequency": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.with_signal_list:
            _signal_list_fields(self)
        kind = self.fields["kind"]
        kind.choices = SIGNAL_KIND_CHOICES
        kind.label = _("What is it?")
        kind.help_text = _(
            "The child's own words: write them exactly as the child said them; the quotation marks are added for "
            "you. A story or a suspicion is not a fact: say from whom you heard it."
        )
        self.fields["description"].label = _("What happened?")
        self.fields["observed_on"].label = _("When?")
        self.fields["observed_time"].label = _("Time (if you know it)")
        self.fields["place"].label = _("Where?")
        self.fields["frequency"].choices = [c for c in self.fields["frequency"].choices if c[0]]
        if not self.is_bound and not self.initial.get("observed_on") and not self.instance.observed_on:
            self.initial["observed_on"] = timezone.localdate()

    def clean(self):
        data = super().clean()
        kind, source = data.get("kind"), data.get("source")
        if kind == SignalKind.STORY and source in ("", None, Signal.Source.OWN):
            self.add_error(
                "source", _("Say from whom you heard it: a story or a suspicion is not your own observation.")
            )
        elif not source and kind in SOURCE_FOR_KIND:
            data["source"] = SOURCE_FOR_KIND[kind]
        return _with_implied_categories(data)

    def _post_clean(self):
        # The signal list's fields are the form's own (they are not always there): to the record before its rules run.
        if self.with_signal_list:
            self.instance.categories = self.cleaned_data.get("categories", [])
            self.instance.items = self.cleaned_data.get("items", [])
        super()._post_clean()

    more_fields = MORE_FIELDS

    def more_is_open(self) -> bool:
        """The optional part is shown open when one of its fields holds an error or a value."""
        for name in self.more_fields:
            if name in self.errors:
                return True
            value = self[name].value()
            if value not in (None, "", [], False) and name != "frequency":
                return True
        return False

    def signal_list_groups(self, query: str = ""):
        """The signal list per category, as the template shows it (``signal_list.groups``), with what is ticked."""
        if not self.with_signal_list:
            return []
        return signal_list.groups(
            ticked_categories=self["categories"].value() or [], ticked_items=self["items"].value() or [], query=query
        )


class NewSignalForm(SignalForm):
    """The quick signal (issue 15): a new signal about a pupil from the teacher's start page — the pupil and the
    essentials on one screen. It adds to the pupil's open case or opens one on ``route``. The signal list is the
    optional second part, offered after saving (``SignalListAdditionForm``)."""

    with_signal_list = False

    pupil = forms.ModelChoiceField(
        label=_("pupil"), queryset=None, help_text=_("The pupils of your own groups."), empty_label=_("— choose —")
    )
    route = forms.ChoiceField(
        label=_("Is a member of staff suspected, or is it about behaviour between pupils?"),
        choices=Route.choices,
        initial=Route.A,
        widget=forms.RadioSelect,
        help_text=_("Choose B if a member of staff is suspected: then the board must be informed at once."),
    )

    # Route B (domain.md §9.3): who is suspected. The person named never gets access to the case, whatever their role.
    suspected_staff = forms.ModelChoiceField(
        label=_("suspected member of staff"),
        queryset=None,
        required=False,
        empty_label=_("— not in this list —"),
        help_text=_("Only with B. This colleague will not be able to see the case."),
    )
    suspected_description = forms.CharField(
        label=_("or: name and function"),
        max_length=200,
        required=False,
        help_text=_("Only with B, for someone who is not in the list (a caretaker, a volunteer)."),
    )

    # Route B's fields sit in the optional part: it opens when one of them holds an error or a value.
    more_fields = [*MORE_FIELDS, "suspected_staff", "suspected_description"]

    class Meta(SignalForm.Meta):
        fields = ["pupil", *SignalForm.Meta.fields]

    def __init__(self, *args, pupils, staff, shown_pupils=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = pupils
        self.fields["suspected_staff"].queryset = staff
        # The choices shown (narrowed by a search without JavaScript); what is valid stays ``pupils``.
        self.shown_pupils = pupils if shown_pupils is None else shown_pupils

    def pupil_groups(self):
        """The pupils shown, per class group, for a ``<select>`` with an ``<optgroup>`` per group."""
        selected = str(self["pupil"].value() or "")
        groups: dict[str, list] = {}
        for pupil in self.shown_pupils:
            group = pupil.class_group.name if pupil.class_group else ""
            groups.setdefault(group, []).append(
                {
                    "value": str(pupil.pk),
                    "label": f"{pupil.first_name} {pupil.last_name}",
                    "selected": str(pupil.pk) == selected,
                }
            )
        return list(groups.items())


class SignalListAdditionForm(EntryForm):
    """The signal list's second part: the categories and items that apply to a signal already recorded, and a note
    (``SignalListAddition``: a record of its own beside the signal)."""

    class Meta:
        model = SignalListAddition
        fields = ["categories", "items", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _signal_list_fields(self)

    def clean(self):
        return _with_implied_categories(super().clean())

    def signal_list_groups(self, query: str = ""):
        return signal_list.groups(
            ticked_categories=self["categories"].value() or [], ticked_items=self["items"].value() or [], query=query
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
            "sharing",
            "family_anonymous",
            "vt_points",
            "vt_advised_report",
            "vt_advised_report_reason",
            "vt_registration",
            "parents_present",
            "agenda_sent_on",
        ]
        widgets = {"sharing": forms.RadioSelect}

    fieldsets = [
        (
            _("Consultation"),
            ["kind", "held_on", "participants", "partner", "organisation", "question", "advice", "sharing"],
        ),
        (
            _("Only for an advice from Veilig Thuis"),
            ["family_anonymous", "vt_points", "vt_advised_report", "vt_advised_report_reason", "vt_registration"],
        ),
        (_("Only for an MDO"), ["parents_present", "agenda_sent_on"]),
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sharing"].required = True  # for a new consultation; older ones did not record it


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


class WeighingCorrectionForm(WeighingAnswerForm):
    """A new answer to a question already answered in this round, with the reason; the earlier answer stays."""

    class Meta(WeighingAnswerForm.Meta):
        fields = ["question", "answer", "justification", "board_informed_on", "correction_reason"]

    def __init__(self, *args, question: int, corrects: WeighingAnswer | None = None, **kwargs):
        super().__init__(*args, question=question, **kwargs)
        if corrects is not None:  # the form starts with the earlier answer
            self.initial.update({"answer": corrects.answer, "justification": corrects.justification})
            if corrects.question == 1:
                self.initial["board_informed_on"] = corrects.board_informed_on
        self.fields["correction_reason"].required = True


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


class HelpPlanCorrectionForm(HelpPlanForm):
    """A corrected version of the help plan, with the reason; the earlier version and its tasks stay."""

    class Meta(HelpPlanForm.Meta):
        fields = [*HelpPlanForm.Meta.fields, "correction_reason"]

    def __init__(self, *args, case_managers, **kwargs):
        super().__init__(*args, case_managers=case_managers, **kwargs)
        self.fields["correction_reason"].required = True


HelpTaskFormSet = forms.formset_factory(ConsultationActionForm, extra=3, max_num=10)


class HelpEvaluationForm(EntryForm):
    class Meta:
        model = HelpEvaluation
        fields = ["plan", "evaluated_on", "result_reached", "findings", "early_reason"]

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
            "informed_guardians",
            "not_all_informed_reason",
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


WHAT_IS_NEW = (_("What is new"), ["what_is_new"])


class VeiligThuisReportForm(PartnerChoiceMixin, EntryForm):
    """A report to Veilig Thuis. After an earlier report of the case (``again``) it is an additional report and asks
    what is new. Who was told beforehand: the parents and carers with parental authority of the case's pupils
    (domain.md §9.6); a parent without authority is not offered."""

    partner_kinds = (PartnerKind.VEILIG_THUIS,)

    informed_guardians = forms.ModelMultipleChoiceField(
        label=_("which parents with parental authority were told"),
        queryset=Guardian.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Both parents with parental authority are told, unless that endangers someone. A parent without "
            "parental authority is not told beforehand: they have a right to information only on request, within "
            "limits."
        ),
    )

    class Meta:
        model = VeiligThuisReport
        fields = [
            "what_is_new",
            *[name for _legend, names in VT_REPORT_FIELDSETS for name in names if name != "informed_guardians"],
        ]
        widgets = {
            "reported_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "channel": forms.RadioSelect,
            "not_informed_reason": forms.RadioSelect,
        }

    fieldsets = VT_REPORT_FIELDSETS

    def __init__(self, *args, again: bool = False, guardians=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.again = again
        if again:
            self.fields["what_is_new"].required = True
            self.fieldsets = [WHAT_IS_NEW, *self.fieldsets]
        else:
            del self.fields["what_is_new"]
        field = self.fields["informed_guardians"]
        field.queryset = guardians if guardians is not None else Guardian.objects.none()
        field.label_from_instance = lambda g: f"{g.name} ({g.get_relation_display()}, {g.pupil})"
        if guardians is not None and not guardians.exists():
            field.help_text = _("No parent with parental authority is recorded for the pupil.")


class EmergencyReportForm(VeiligThuisReportForm):
    class Meta(VeiligThuisReportForm.Meta):
        fields = ["emergency_justification", *VeiligThuisReportForm.Meta.fields]

    fieldsets = [(_("Emergency"), ["emergency_justification"]), *VeiligThuisReportForm.fieldsets]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["emergency_justification"].required = True
        if self.again:  # the emergency first, then what is new
            self.fieldsets = [self.fieldsets[1], self.fieldsets[0], *self.fieldsets[2:]]


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
            "rappel_on",
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


class ClosingReasonField(forms.ChoiceField):
    """The closing reason: only the reasons that fit the way the case came to closing are offered
    (``Case.closing_reasons``); another one is refused with the reason why it does not fit."""

    def __init__(self, *, case=None, **kwargs):
        self.case = case
        super().__init__(**kwargs)

    def validate(self, value):
        forms.Field.validate(self, value)
        if value and self.case is not None:
            refusal = self.case.closing_reason_refusal(value)
            if refusal:
                raise ValidationError(refusal, code="invalid_choice")
        elif value and not self.valid_value(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})


class ClosureForm(EntryForm):
    class Meta:
        model = Closure
        fields = ["reason_code", "text", "parents_told", "parents_not_told_reason"]
        widgets = {"reason_code": forms.RadioSelect}

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        old = self.fields["reason_code"]
        allowed = case.closing_reasons() if case is not None else Closure.ReasonCode.values
        self.fields["reason_code"] = ClosingReasonField(
            case=case,
            label=old.label,
            choices=[(value, label) for value, label in Closure.ReasonCode.choices if value in allowed],
            widget=forms.RadioSelect,
            help_text=_("Only the reasons that fit the way this case came to closing are offered."),
        )


class SuspectedStaffForm(EntryForm):
    """Route B: a member of staff named as suspected on the case page, after the signal that opened the case
    (``services.route_b_suspect_name``): a colleague of the school, or the name and function of someone without an
    account."""

    class Meta:
        model = SuspectedStaff
        fields = ["staff_member", "description"]

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        member = self.fields["staff_member"]
        member.queryset = staff
        member.required = False
        member.empty_label = _("— not in this list —")
        member.help_text = _("This colleague loses access to the case at once, whatever their role.")
        self.fields["description"].label = _("or: name and function")

    def clean(self):
        data = super().clean()
        if not data.get("staff_member") and not (data.get("description") or "").strip():
            raise ValidationError(
                _("Choose the colleague who is suspected, or write the name and function of someone not in the list.")
            )
        return data


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
