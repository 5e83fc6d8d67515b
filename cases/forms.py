from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from cases import signal_list
from cases.models import (
    Consultation,
    ConversationAcknowledgement,
    Kindcheck,
    ParentConversation,
    ParentTalkSkip,
    ParentView,
    Route,
    Signal,
    SignalFollowUp,
)
from cases.models.entries import VT_ADVICE_POINTS

TEXT_LIMIT = 10_000


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "The username or password is not correct. Both are case-sensitive; check your caps lock key."
        ),
        "inactive": _("This account has been deactivated. Ask your school's administrator."),
    }


class EntryForm(forms.ModelForm):
    """Base for the forms of a case's records: date and time pickers, a length limit on long texts, and
    fieldsets for the template (``fieldsets = [(legend, [field names])]``)."""

    fieldsets: list[tuple[str, list[str]]] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
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

    def grouped_fields(self):
        if not self.fieldsets:
            return [("", list(self))]
        return [(legend, [self[name] for name in names if name in self.fields]) for legend, names in self.fieldsets]


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


class ConsultationForm(EntryForm):
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
        (_("Consultation"), ["kind", "held_on", "participants", "organisation", "question", "advice"]),
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
        ]
        widgets = {"signals_discussed": forms.CheckboxSelectMultiple, "recognition": forms.RadioSelect}

    fieldsets = [
        (_("The conversation"), ["held_on", "attendees", "interpreter", "purpose_explained", "signals_discussed"]),
        (_("The parents"), ["recognition", "reaction", "explanation"]),
        (_("Agreements"), ["agreements", "school_measures"]),
        (_("Report"), ["report"]),
    ]

    def __init__(self, *args, signals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signals_discussed"].queryset = signals
        self.fields["signals_discussed"].label_from_instance = lambda s: (
            f"{s.observed_on:%d-%m-%Y} — {s.get_kind_display()}: {s.description[:80]}"
        )


class AcknowledgementForm(EntryForm):
    class Meta:
        model = ConversationAcknowledgement
        fields = ["conversation", "shared_on", "status", "responded_on", "how"]
        widgets = {"status": forms.RadioSelect}

    def __init__(self, *args, conversations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["conversation"].queryset = conversations
        self.fields["conversation"].label_from_instance = lambda c: (
            _("conversation of %(date)s") % {"date": f"{c.held_on:%d-%m-%Y}"}
        )


class ParentViewForm(EntryForm):
    class Meta:
        model = ParentView
        fields = ["conversation", "given_by", "given_on", "text"]

    def __init__(self, *args, conversations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["conversation"].queryset = conversations
        self.fields["conversation"].required = False
        self.fields["conversation"].label_from_instance = lambda c: (
            _("conversation of %(date)s") % {"date": f"{c.held_on:%d-%m-%Y}"}
        )


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
