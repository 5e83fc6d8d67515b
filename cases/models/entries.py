"""The records of a case's chronology (domain.md §3). Each kind is its own model with typed fields; all are
append-only (see ``cases.models.base``)."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from cases import bodymap, signal_list
from cases.models.base import AppendOnlyModel, Entry, append_only_triggers
from cases.models.choices import SignalKind, choice_label
from schools.models.people import Pupil
from schools.models.social_map import PartnerKind, social_map_partner

INITIAL_TOKEN = re.compile(r"^[A-Z]\.(?:[A-Za-z]\.){0,5}$")


def validate_initials(value: str) -> None:
    """Others present are recorded by initials only (privacy): "A.B., C.d.V."."""
    if not value.strip():
        return
    tokens = [token.strip().replace(" ", "") for token in value.split(",")]
    bad = [token for token in tokens if not INITIAL_TOKEN.match(token)]
    if bad:
        raise ValidationError(
            _(
                "Use initials only, separated by commas, such as A.B., C.d.V. — not: %(bad)s. "
                "Full names of others may not be recorded."
            ),
            code="initials",
            params={"bad": ", ".join(bad)},
        )


# Quotation marks a teacher may type around the child's words: the display adds its own, once.
DOUBLE_QUOTES = '"“”„‟«»‹›'
SINGLE_QUOTES = "'‘’‚‛`´"


def strip_outer_quotes(text: str) -> str:
    """The child's words without the quotation marks typed around them: ``"Papa was boos."`` → ``Papa was boos.``
    Only a pair around the whole text is taken off (repeatedly: ``''…''``), and only when the words inside hold no
    quotation marks of their own (``"Ga weg," zei ze, "nu."`` stays as it is). An apostrophe inside a word
    (``mama's``, ``'s avonds``) is not a quotation mark."""
    words = text.strip()
    while len(words) >= 2 and words[0] in DOUBLE_QUOTES + SINGLE_QUOTES and words[-1] in DOUBLE_QUOTES + SINGLE_QUOTES:
        inner = words[1:-1]
        core = inner.strip(DOUBLE_QUOTES + SINGLE_QUOTES + " ")  # (a doubled pair, ''…'', is taken off in turn)
        if any(mark in core for mark in DOUBLE_QUOTES):
            break
        if words[0] in SINGLE_QUOTES and re.search(r"(^|\W)['‘’‚‛`´]|['‘’‚‛`´](\W|$)", core.replace("'s ", "")):
            break
        words = inner.strip()
    return words


def validate_not_future(value) -> None:
    if value and value > timezone.localdate():
        raise ValidationError(_("This date is in the future."), code="future")


@deconstructible
class CodeListValidator:
    """A list of codes, each from a named list (kept in code, so migrations store only the name)."""

    def __init__(self, list_name: str):
        self.list_name = list_name

    def allowed(self) -> set[str]:
        return {
            "signal_categories": signal_list.CATEGORY_CODES,
            "signal_items": signal_list.ITEM_CODES,
            "vt_advice_points": VT_ADVICE_CODES,
        }[self.list_name]

    def __call__(self, value) -> None:
        allowed = self.allowed()
        if not isinstance(value, list) or any(code not in allowed for code in value):
            raise ValidationError(_("Choose from the list."), code="invalid_choice")

    def __eq__(self, other):
        return isinstance(other, CodeListValidator) and other.list_name == self.list_name


class Signal(Entry):
    """A signal (signaal): what a member of staff saw or heard, factually, with its kind and source."""

    class Frequency(models.TextChoices):
        ONCE = "once", _("once")
        REPEATEDLY = "repeatedly", _("repeatedly")

    class Source(models.TextChoices):
        OWN = "own", _("my own observation")
        COLLEAGUE = "colleague", _("a colleague")
        CONTACT_PERSON = "contact_person", _("the internal contact person")
        CHILD = "child", _("the child")
        PARENT = "parent", _("a parent")
        THIRD_PARTY = "third_party", _("a third party")

    observed_on = models.DateField(_("date observed"), validators=[validate_not_future])
    observed_time = models.TimeField(
        _("time observed"), null=True, blank=True, help_text=_("Leave empty if you only know the day.")
    )
    place = models.CharField(_("place"), max_length=200, help_text=_("For example: classroom, playground, gym."))
    situation = models.TextField(
        _("situation"),
        blank=True,
        help_text=_("What was going on at the time: the lesson, the activity, who was there."),
    )
    others_present = models.CharField(
        _("others present (initials)"),
        max_length=200,
        blank=True,
        validators=[validate_initials],
        help_text=_("Initials only, for privacy, separated by commas: A.B., C.d.V."),
    )
    kind = models.CharField(
        _("kind of signal"),
        max_length=20,
        choices=SignalKind.choices,
        help_text=_(
            "A factual observation is what you saw or heard yourself. The child's own words are written down "
            "verbatim; the quotation marks are added for you. A story or suspicion is marked as such: it is not a "
            "fact."
        ),
    )
    description = models.TextField(
        _("description"),
        help_text=_(
            "Describe behaviour and words as factually as you can: size, number, what was said. "
            "Do not fill in missing information and draw no conclusions."
        ),
    )
    # Optional since the quick signal (issue 15): the essentials first; how often can follow in a correction.
    frequency = models.CharField(_("how often"), max_length=20, choices=Frequency.choices, blank=True)
    frequency_count = models.PositiveSmallIntegerField(
        _("number of times"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    frequency_period = models.CharField(
        _("over which period"), max_length=100, blank=True, help_text=_("For example: since the autumn holiday.")
    )
    situations = models.TextField(_("in which situations does it occur"), blank=True)
    other_children = models.CharField(
        _("other children involved (initials)"),
        max_length=200,
        blank=True,
        validators=[validate_initials],
        help_text=_("Initials only, separated by commas."),
    )
    development_relation = models.TextField(
        _("relation to normal development"),
        blank=True,
        help_text=_("How does the behaviour relate to what is normal for a child of this age?"),
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.OWN)
    source_name = models.CharField(
        _("who is the source"),
        max_length=200,
        blank=True,
        help_text=_("Required for information from a colleague or a third party."),
    )
    source_consent = models.BooleanField(
        _("the source consents to recording this"),
        default=False,
        help_text=_("Information from a third party may only be recorded with the source's consent."),
    )
    categories = models.JSONField(
        _("categories"), default=list, blank=True, validators=[CodeListValidator("signal_categories")]
    )
    items = models.JSONField(
        _("signals from the signal list"), default=list, blank=True, validators=[CodeListValidator("signal_items")]
    )
    urgent = models.BooleanField(
        _("urgent: the aandachtsfunctionaris must know today"),
        default=False,
        help_text=_(
            "The aandachtsfunctionaris and the IB'er get an urgent alert at once. Is the child in acute danger? "
            "Call 112, or Veilig Thuis (0800-2000)."
        ),
    )
    # Where on the pupil's body something was seen (``cases.bodymap``): a list of marks, each a region, what it was,
    # its size, colour and a note.
    body_marks = models.JSONField(_("body map"), default=list, blank=True, validators=[bodymap.validate_body_marks])
    diagnosis = models.TextField(
        _("diagnosis"),
        blank=True,
        help_text=_("Only a diagnosis made by a qualified professional, with their name and register."),
    )
    diagnosis_by = models.CharField(_("diagnosis made by"), max_length=200, blank=True)
    diagnosis_register = models.CharField(
        _("professional register and number"), max_length=100, blank=True, help_text=_("For example: BIG, NIP or NVO.")
    )

    class Meta(Entry.Meta):
        verbose_name = _("signal")
        verbose_name_plural = _("signals")
        triggers = append_only_triggers()
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(source="third_party") | models.Q(source_consent=True),
                name="signal_third_party_needs_consent",
            ),
            models.CheckConstraint(
                condition=models.Q(diagnosis="") | (~models.Q(diagnosis_by="") & ~models.Q(diagnosis_register="")),
                name="signal_diagnosis_needs_professional",
            ),
        ]

    def clean(self):
        errors = {}
        if self.source == self.Source.THIRD_PARTY:
            if not self.source_consent:
                errors["source_consent"] = _(
                    "Information from a third party may not be recorded without the source's consent."
                )
            if not self.source_name.strip():
                errors["source_name"] = _("Say who the third party is.")
        if self.source == self.Source.COLLEAGUE and not self.source_name.strip():
            errors["source_name"] = _("Say which colleague this came from.")
        if self.diagnosis.strip():
            if not self.diagnosis_by.strip():
                errors["diagnosis_by"] = _("A diagnosis may only be recorded with the professional who made it.")
            if not self.diagnosis_register.strip():
                errors["diagnosis_register"] = _("Record the professional's register (for example BIG).")
        if self.frequency == self.Frequency.ONCE and self.frequency_count not in (None, 1):
            errors["frequency_count"] = _("You chose 'once': leave the number empty or fill in 1.")
        if self.kind == SignalKind.CHILD_WORDS and self.description:
            # Stored without the quotation marks typed around them: every display adds its own, once.
            self.description = strip_outer_quotes(self.description)
        today = timezone.localdate()
        if self.observed_on == today and self.observed_time and self.observed_time > timezone.localtime().time():
            errors["observed_time"] = _("This time is in the future.")
        if errors:
            raise ValidationError(errors)

    def get_kind_display(self) -> str:
        return choice_label(SignalKind, self.kind)

    @property
    def child_words(self) -> str:
        """The child's own words as they are shown, between one pair of quotation marks added by the display (a
        record stored before the marks were taken off on saving may still hold the ones the teacher typed)."""
        return strip_outer_quotes(self.description)

    def item_labels(self) -> list[str]:
        return [signal_list.item_label(code) for code in self.items]

    def category_labels(self) -> list[str]:
        return [signal_list.category_label(code) for code in self.categories]


class SignalFollowUp(Entry):
    """Later, a story or suspicion is confirmed or refuted — recorded beside the signal, never by editing it."""

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        REFUTED = "refuted", _("refuted")

    signal = models.ForeignKey(Signal, on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("signal"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    outcome_on = models.DateField(_("date"), validators=[validate_not_future])
    note = models.TextField(_("how it was confirmed or refuted"))

    class Meta(Entry.Meta):
        verbose_name = _("confirmation or refutation")
        verbose_name_plural = _("confirmations and refutations")
        triggers = append_only_triggers()


class SignalListAddition(Entry):
    """Details from the signal list (Bijlage 1) added to a signal after it was recorded: the categories and items that
    apply, and a note. Append-only like the signal: the signal itself is never changed; the chronology and the
    extract show each addition with the signal it belongs to. (A quick signal records the essentials; the checklist
    is the optional second part, issue 15.)"""

    signal = models.ForeignKey(Signal, on_delete=models.PROTECT, related_name="additions", verbose_name=_("signal"))
    categories = models.JSONField(
        _("categories"), default=list, blank=True, validators=[CodeListValidator("signal_categories")]
    )
    items = models.JSONField(
        _("signals from the signal list"), default=list, blank=True, validators=[CodeListValidator("signal_items")]
    )
    note = models.TextField(_("note"), blank=True, help_text=_("Optional: what you want to add to these details."))

    class Meta(Entry.Meta):
        verbose_name = _("details from the signal list")
        verbose_name_plural = _("details from the signal list")
        triggers = append_only_triggers()

    def clean(self):
        if not (self.categories or self.items or self.note.strip()):
            raise ValidationError(_("Tick at least one signal or category from the list, or write a note."))

    def item_labels(self) -> list[str]:
        return [signal_list.item_label(code) for code in self.items]

    def category_labels(self) -> list[str]:
        return [signal_list.category_label(code) for code in self.categories]


class Kindcheck(Entry):
    """The kindcheck: when signals concern a parent or another adult in the household, are there (other) minors
    at home, and who cares for them?"""

    class Answer(models.TextChoices):
        YES = "yes", _("yes")
        NO = "no", _("no")
        UNKNOWN = "unknown", _("not known yet")

    done_on = models.DateField(_("date"), validators=[validate_not_future])
    reason = models.TextField(_("why the kindcheck was done"), help_text=_("Which adult the signals concern."))
    other_minors = models.CharField(
        _("are there (other) minors in the household?"), max_length=10, choices=Answer.choices
    )
    minors_description = models.TextField(
        _("which minors"), blank=True, help_text=_("Ages, and where they go to school or childcare, if known.")
    )
    caregivers = models.TextField(_("who cares for them"), blank=True)
    outcome = models.TextField(_("outcome and follow-up"))

    class Meta(Entry.Meta):
        verbose_name = _("kindcheck")
        verbose_name_plural = _("kindchecks")
        triggers = append_only_triggers()

    def clean(self):
        if self.other_minors == self.Answer.YES and not self.minors_description.strip():
            raise ValidationError({"minors_description": _("Describe which minors live in the household.")})


VT_ADVICE_POINTS = [
    ("earlier_steps", _("the earlier steps taken under the meldcode")),
    ("nature", _("the nature and severity of the problem")),
    ("involvement", _("how the school is involved with the situation or the family")),
    ("minors", _("whether minors are victims or witnesses")),
    ("clarity", _("what the school could do to get more clarity")),
    ("discuss", _("how the school could discuss it with those involved")),
    ("tackle", _("how the school could tackle it")),
    ("vt_support", _("what support Veilig Thuis can offer")),
    ("local_experts", _("how to involve local experts")),
    ("follow_up", _("whether a follow-up advice is needed")),
    ("responsibilities", _("who is responsible for what")),
    ("registration", _("how Veilig Thuis records the advice")),
]
VT_ADVICE_CODES = {code for code, _label in VT_ADVICE_POINTS}


class Consultation(Entry):
    """A consultation (consultatie): collegial, CvB, case meeting, core team, experts, or advice from Veilig Thuis."""

    class Kind(models.TextChoices):
        COLLEAGUE = "colleague", _("colleague or IB'er")
        CVB = "cvb", _("CvB (commissie van begeleiding)")
        CASE_MEETING = "case_meeting", _("case meeting (casuïstiekoverleg)")
        CORE_TEAM = "core_team", _("core team (kernteam)")
        PSYCHOLOGIST = "psychologist", _("psychologist")
        SCHOOL_DOCTOR = "school_doctor", _("GGD or school doctor (jeugdarts)")
        VT_ADVICE = "vt_advice", _("advice from Veilig Thuis")
        MDO = "mdo", _("multidisciplinary meeting (MDO)")
        INJURY = "injury", _("injury assessment (letselduiding)")

    class VtRegistration(models.TextChoices):
        ANONYMOUS = "anonymous", _("anonymously")
        ADVISER_NAME = "adviser_name", _("in the name of the school's adviser")

    class Sharing(models.TextChoices):
        ANONYMOUS = "anonymous", _("anonymously: the child and the family were not named")
        CONSENT = "consent", _("by name, with the parents' consent")
        INTERNAL = "internal", _("within the school only: nothing left the school")
        MELDRECHT = "meldrecht", _("by name without consent: only with Veilig Thuis (meldrecht)")

    # Kinds of consultation held within the school, among its own staff.
    INTERNAL_KINDS = frozenset({"colleague", "cvb"})

    kind = models.CharField(_("kind of consultation"), max_length=20, choices=Kind.choices)
    held_on = models.DateField(_("date"), validators=[validate_not_future])
    participants = models.TextField(
        _("participants"), help_text=_("Roles or organisations, for example: IB'er, school psychologist, GGD.")
    )
    partner = social_map_partner(_("organisation from the social map"))
    organisation = models.CharField(
        _("organisation consulted"),
        max_length=200,
        blank=True,
        help_text=_("Only when the organisation is not on the social map."),
    )
    question = models.TextField(_("question"))
    advice = models.TextField(_("advice"))
    # Consent to share (domain.md §9.7): a named child is discussed outside the school only with the parents'
    # consent, or anonymously; Veilig Thuis may be consulted without consent, under the meldrecht.
    sharing = models.CharField(
        _("was the child named?"),
        max_length=20,
        choices=Sharing.choices,
        blank=True,
        help_text=_(
            "Outside the school a child is discussed by name only with the parents' consent, or anonymously. "
            "Only Veilig Thuis may be consulted without consent (meldrecht)."
        ),
    )
    # Veilig Thuis advice
    family_anonymous = models.BooleanField(
        _("the family was not named"),
        default=False,
        help_text=_("For an advice, Veilig Thuis records nothing about the family: do not give their names."),
    )
    vt_points = models.JSONField(
        _("points discussed with Veilig Thuis"),
        default=list,
        blank=True,
        validators=[CodeListValidator("vt_advice_points")],
    )
    vt_advised_report = models.BooleanField(_("Veilig Thuis advised turning the advice into a report"), default=False)
    vt_advised_report_reason = models.TextField(_("why Veilig Thuis advised a report"), blank=True)
    vt_registration = models.CharField(
        _("Veilig Thuis records the advice"), max_length=20, choices=VtRegistration.choices, blank=True
    )
    # MDO
    parents_present = models.BooleanField(_("the parents were present"), default=False)
    agenda_sent_on = models.DateField(_("agenda sent to the parents on"), null=True, blank=True)

    class Meta(Entry.Meta):
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        triggers = append_only_triggers()

    def is_with_veilig_thuis(self) -> bool:
        return self.kind == self.Kind.VT_ADVICE or (
            self.partner_id is not None and self.partner.kind == PartnerKind.VEILIG_THUIS
        )

    def sharing_errors(self) -> dict:
        """Consent to share (domain.md §9.7), for a new consultation: how the child was discussed is recorded; by
        name without consent only with Veilig Thuis; "within the school" only for a consultation among staff."""
        if not self._state.adding:
            return {}
        if not self.sharing:
            return {"sharing": _("Say whether the child was named, and if so whether the parents consented.")}
        if self.sharing == self.Sharing.MELDRECHT and not self.is_with_veilig_thuis():
            return {
                "sharing": _(
                    "Only Veilig Thuis may be consulted about a named child without the parents' consent (meldrecht). "
                    "Consult this partner anonymously, or ask the parents for their consent first."
                )
            }
        if self.sharing == self.Sharing.INTERNAL and (
            self.kind not in self.INTERNAL_KINDS or self.partner_id or self.organisation.strip()
        ):
            return {
                "sharing": _(
                    "This consultation was held with someone outside the school: say whether the child was named "
                    "anonymously or with the parents' consent."
                )
            }
        return {}

    def clean(self):
        errors = self.sharing_errors()
        if self.kind == self.Kind.VT_ADVICE:
            if not self.family_anonymous:
                errors["family_anonymous"] = _("An advice from Veilig Thuis is about an anonymous family: confirm it.")
            if not self.vt_registration:
                errors["vt_registration"] = _("Say how Veilig Thuis records the advice.")
            if self.vt_advised_report and not self.vt_advised_report_reason.strip():
                errors["vt_advised_report_reason"] = _("Say why Veilig Thuis advised a report.")
        if self.kind == self.Kind.MDO:
            if not self.parents_present:
                errors["parents_present"] = _("At an MDO the parents are always present.")
            if not self.agenda_sent_on:
                errors["agenda_sent_on"] = _(
                    "The parents always receive the agenda of an MDO beforehand: give the date."
                )
            elif self.held_on and self.agenda_sent_on > self.held_on:
                errors["agenda_sent_on"] = _("The agenda must be sent before the meeting.")
        if errors:
            raise ValidationError(errors)


class ConsultationAction(AppendOnlyModel):
    """A follow-up action agreed in a consultation: who does what, by when."""

    chain_via = "consultation"  # part of that record: chained in its case

    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="actions", verbose_name=_("consultation")
    )
    who = models.CharField(_("who"), max_length=200)
    what = models.CharField(_("what"), max_length=500)
    due_on = models.DateField(_("by when"))

    class Meta:
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")
        ordering = ["due_on", "pk"]
        triggers = append_only_triggers()


class ParentConversation(Entry):
    """A conversation with the parents (stap 3): purpose, signals discussed, their recognition and reaction,
    agreements, the school's measures, and the report (verslag)."""

    class Recognition(models.TextChoices):
        YES = "yes", _("yes")
        PARTLY = "partly", _("partly")
        NO = "no", _("no")

    held_on = models.DateField(_("date"), validators=[validate_not_future])
    attendees = models.TextField(_("attendees"), help_text=_("Roles and relation to the child; parents by relation."))
    interpreter = models.CharField(_("interpreter"), max_length=200, blank=True, help_text=_("If there was one."))
    purpose_explained = models.BooleanField(_("the purpose of the conversation was explained"), default=False)
    signals_discussed = models.ManyToManyField(
        Signal,
        blank=True,
        through="ConversationSignal",
        related_name="conversations",
        verbose_name=_("signals discussed"),
    )
    recognition = models.CharField(
        _("do the parents recognise the signals?"), max_length=10, choices=Recognition.choices
    )
    reaction = models.TextField(_("the parents' reaction"))
    explanation = models.TextField(_("the parents' explanation"), blank=True)
    agreements = models.TextField(_("agreements (who, what, when)"), blank=True)
    school_measures = models.TextField(_("measures the school takes"), blank=True)
    report = models.TextField(
        _("report of the conversation (verslag)"),
        blank=True,
        help_text=_("The parents read the report. Write it factually."),
    )
    # A case about several pupils (route C): whose parents the conversation was with. Each pupil's parents receive
    # their own extract, without the conversations with the other pupils' parents (issue 17).
    pupil = models.ForeignKey(
        Pupil,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("with the parents of"),
        help_text=_("In a case about several pupils: whose parents this conversation was with."),
    )

    class Meta(Entry.Meta):
        verbose_name = _("conversation with the parents")
        verbose_name_plural = _("conversations with the parents")
        triggers = append_only_triggers()

    def clean(self):
        errors = {}
        if not self.purpose_explained:
            errors["purpose_explained"] = _("Explain the purpose of the conversation to the parents.")
        if self.case_id:
            pupils = set(self.case.pupils.values_list("pk", flat=True))
            if self.pupil_id and self.pupil_id not in pupils:
                errors["pupil"] = _("Choose one of the pupils of this case.")
            elif not self.pupil_id and len(pupils) > 1:
                errors["pupil"] = _("This case is about several pupils: say whose parents the conversation was with.")
        if errors:
            raise ValidationError(errors)


class ConversationSignal(AppendOnlyModel):
    """A signal discussed in a conversation with the parents. Part of the conversation's record: append-only, so the
    list cannot be changed afterwards (``remove()`` and ``clear()`` are refused)."""

    chain_via = "conversation"  # part of that record: chained in its case

    conversation = models.ForeignKey(ParentConversation, on_delete=models.PROTECT, related_name="+")
    signal = models.ForeignKey(Signal, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("signal discussed")
        verbose_name_plural = _("signals discussed")
        triggers = append_only_triggers()
        constraints = [models.UniqueConstraint(fields=["conversation", "signal"], name="conversation_signal_once")]


class ConversationAcknowledgement(Entry):
    """The report of a conversation was shared with the parents: did they acknowledge it?"""

    class Status(models.TextChoices):
        ACKNOWLEDGED = "acknowledged", _("acknowledged")
        REFUSED = "refused", _("refused to acknowledge")
        NO_RESPONSE = "no_response", _("no response yet")

    conversation = models.ForeignKey(
        ParentConversation, on_delete=models.PROTECT, related_name="acknowledgements", verbose_name=_("conversation")
    )
    shared_on = models.DateField(_("report shared with the parents on"), validators=[validate_not_future])
    status = models.CharField(_("response"), max_length=20, choices=Status.choices)
    responded_on = models.DateField(_("date of the response"), null=True, blank=True, validators=[validate_not_future])
    how = models.CharField(_("how"), max_length=200, blank=True, help_text=_("For example: signed, by e-mail."))

    class Meta(Entry.Meta):
        verbose_name = _("acknowledgement of a report")
        verbose_name_plural = _("acknowledgements of reports")
        triggers = append_only_triggers()

    def clean(self):
        if self.status != self.Status.NO_RESPONSE and not self.responded_on:
            raise ValidationError({"responded_on": _("Give the date of the parents' response.")})
        if self.responded_on and self.shared_on and self.responded_on < self.shared_on:
            raise ValidationError({"responded_on": _("The response cannot be before the report was shared.")})


class ParentView(Entry):
    """The parents' own view (zienswijze), recorded verbatim. Staff never edit it; it cannot be corrected."""

    conversation = models.ForeignKey(
        ParentConversation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="views",
        verbose_name=_("conversation"),
    )
    given_by = models.CharField(_("given by"), max_length=200, help_text=_("For example: mother, father."))
    given_on = models.DateField(_("date"), validators=[validate_not_future])
    text = models.TextField(_("the parents' view, verbatim"), help_text=_("Write down exactly what the parents say."))

    class Meta(Entry.Meta):
        verbose_name = _("parents' view")
        verbose_name_plural = _("parents' views")
        triggers = append_only_triggers()


class ParentTalkSkip(Entry):
    """A reason not to talk to the parents before weighing; it needs the aandachtsfunctionaris's confirmation."""

    class Reason(models.TextChoices):
        DANGER = "danger", _("the conversation would endanger the child, a parent, others or the reporter")
        BREAK_CONTACT = "break_contact", _("the parents would break off contact with the school")

    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    explanation = models.TextField(_("explanation"))

    class Meta(Entry.Meta):
        verbose_name = _("reason to skip the conversation with the parents")
        verbose_name_plural = _("reasons to skip the conversation with the parents")
        triggers = append_only_triggers()


class ParentTalkSkipConfirmation(AppendOnlyModel):
    chain_via = "skip"  # part of that record: chained in its case

    skip = models.ForeignKey(
        ParentTalkSkip, on_delete=models.PROTECT, related_name="confirmations", verbose_name=_("reason")
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("confirmed by")
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("confirmation of a reason to skip")
        verbose_name_plural = _("confirmations of reasons to skip")
        triggers = append_only_triggers()
        constraints = [models.UniqueConstraint(fields=["skip"], name="skip_confirmed_once")]
