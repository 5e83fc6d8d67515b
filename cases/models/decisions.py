"""Records of steps 4 and 5 and of route B (domain.md §3-§4): weighing, the vlaggensysteem, the help plan and its
evaluation, the report to Veilig Thuis and its outcome, monitoring, emergency proposals, closing, and the staff
route. All append-only, like every record of the chronology."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from cases import decision
from cases.models.base import AppendOnlyModel, Entry, append_only_triggers
from cases.models.entries import validate_not_future
from schools.models.social_map import social_map_partner


class WeighingAnswer(Entry):
    """One of the five weighing questions answered, with its justification, by whom and when."""

    class Question(models.IntegerChoices):
        SUSPICION = 1, _("1. Suspicion: after steps 1 to 3, is there a strong suspicion?")
        SAFETY = 2, _("2. Safety: is there acute and/or structural unsafety?")
        HELP = 3, _("3. Help: can the school or a partner offer or organise effective help?")
        ACCEPTANCE = 4, _("4. Acceptance: do those involved accept the help and commit to it?")
        RESULT = 5, _("5. Result: does the help reach the agreed result within the agreed term?")

    class Answer(models.TextChoices):
        NO_ACTION = decision.Q1_NO_ACTION, _("A — no action needed: record and close")
        SUSPICION = decision.Q1_SUSPICION, _("B — strong suspicion; the board is informed")
        NO = decision.NO, _("no")
        YES = decision.YES, _("yes")
        DOUBT = decision.DOUBT, _("doubt (counts as yes)")
        YES_ACUTE = decision.YES_ACUTE, _("yes (acute) — emergency report")

    question = models.PositiveSmallIntegerField(_("question"), choices=Question.choices)
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices)
    justification = models.TextField(_("justification"))
    board_informed_on = models.DateField(
        _("board informed on"),
        null=True,
        blank=True,
        validators=[validate_not_future],
        help_text=_("Answer B requires that the board (bevoegd gezag) is informed."),
    )
    correction_reason = models.TextField(
        _("reason for the correction"),
        blank=True,
        help_text=_("Only for a correction: why the earlier answer was wrong. Both answers stay in the file."),
    )

    class Meta(Entry.Meta):
        verbose_name = _("weighing answer")
        verbose_name_plural = _("weighing answers")
        triggers = append_only_triggers()
        constraints = [
            models.CheckConstraint(condition=models.Q(question__gte=1, question__lte=5), name="weighing_question_1_5"),
            models.CheckConstraint(
                condition=~models.Q(question=1, answer=decision.Q1_SUSPICION)
                | models.Q(board_informed_on__isnull=False),
                name="weighing_q1_b_needs_board_date",
            ),
        ]

    def clean(self):
        errors = {}
        if self.question and self.answer and self.answer not in decision.ANSWERS.get(self.question, []):
            errors["answer"] = _("This answer does not belong to this question.")
        if self.question == 1 and self.answer == decision.Q1_SUSPICION and not self.board_informed_on:
            errors["board_informed_on"] = _("Give the date on which the board was informed.")
        if not (self.justification or "").strip():
            errors["justification"] = _("Every answer needs a justification.")
        if self.corrects_id and not self.correction_reason.strip():
            errors["correction_reason"] = _("Say why the earlier answer is corrected.")
        if errors:
            raise ValidationError(errors)


class RiskAssessment(Entry):
    """Risk and protective factors, and the instruments used, in the weighing."""

    risk_factors = models.TextField(_("risk factors"))
    protective_factors = models.TextField(_("protective factors"))
    instruments = models.CharField(_("instruments used"), max_length=300, blank=True)

    class Meta(Entry.Meta):
        verbose_name = _("risk and protective factors")
        verbose_name_plural = _("risk and protective factors")
        triggers = append_only_triggers()


class Judgement(models.TextChoices):
    OK = "ok", _("ok")
    NOT_OK = "not_ok", _("not ok")
    UNCLEAR = "unclear", _("unclear")


FLAG_CRITERIA = [
    ("consent", _("consent (toestemming)")),
    ("voluntariness", _("voluntariness (vrijwilligheid)")),
    ("equality", _("equality (gelijkwaardigheid)")),
    ("development", _("fits the development (ontwikkelingsadequaat)")),
    ("context", _("fits the context (contextadequaat)")),
    ("self_respect", _("self-respect (zelfrespect)")),
]


class FlagAssessment(Entry):
    """A vlaggensysteem assessment (Sensoa), for route C. The flag is chosen by the assessor, never computed."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("individual")
        GROUP = "group", _("group")

    class Flag(models.TextChoices):
        GREEN = "green", _("green flag: acceptable behaviour")
        YELLOW = "yellow", _("yellow flag: slightly transgressive behaviour")
        RED = "red", _("red flag: seriously transgressive behaviour")
        BLACK = "black", _("black flag: very seriously transgressive behaviour")

    kind = models.CharField(_("assessment of"), max_length=20, choices=Kind.choices)
    consent = models.CharField(_("consent"), max_length=10, choices=Judgement.choices)
    consent_note = models.TextField(_("note on consent"), blank=True)
    voluntariness = models.CharField(_("voluntariness"), max_length=10, choices=Judgement.choices)
    voluntariness_note = models.TextField(_("note on voluntariness"), blank=True)
    equality = models.CharField(_("equality"), max_length=10, choices=Judgement.choices)
    equality_note = models.TextField(_("note on equality"), blank=True)
    development = models.CharField(_("fits the development"), max_length=10, choices=Judgement.choices)
    development_note = models.TextField(_("note on development"), blank=True)
    context = models.CharField(_("fits the context"), max_length=10, choices=Judgement.choices)
    context_note = models.TextField(_("note on context"), blank=True)
    self_respect = models.CharField(_("self-respect"), max_length=10, choices=Judgement.choices)
    self_respect_note = models.TextField(_("note on self-respect"), blank=True)
    flag = models.CharField(
        _("flag"), max_length=10, choices=Flag.choices, help_text=_("Your own judgement; it is not computed.")
    )
    safety_risks = models.TextField(_("risks for physical and social safety"), blank=True)
    unrest = models.TextField(_("can it lead to unrest in the class, school or neighbourhood?"), blank=True)
    points_to_work_on = models.TextField(_("criteria to work on with those involved"), blank=True)

    class Meta(Entry.Meta):
        verbose_name = _("vlaggensysteem assessment")
        verbose_name_plural = _("vlaggensysteem assessments")
        triggers = append_only_triggers()


PARENTS_DO_NOT_ACCEPT = _(
    "Question 4 = yes means that the parents accept the help. If they do not accept it, or only partly, the answer "
    "to question 4 is no and the way is a report to Veilig Thuis: correct the answer to question 4 in the weighing."
)

PARENTS_WITHDRAW = _(
    "If the parents no longer accept the help, do not correct the plan: evaluate the help now, with that reason "
    "(question 5 = no). The way is then a report to Veilig Thuis."
)


class HelpPlan(Entry):
    """The help started after question 4 = yes: case manager, tasks, measurable result, evaluation date."""

    class Acceptance(models.TextChoices):
        YES = "yes", _("yes")
        PARTLY = "partly", _("partly")
        NO = "no", _("no")

    case_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case manager at school"),
        help_text=_("Not a teacher: the IB'er, the aandachtsfunctionaris or the internal contact person."),
    )
    case_manager_external = models.CharField(
        _("or: case manager at a partner organisation"),
        max_length=200,
        blank=True,
        help_text=_("Name and organisation, for example of the local team."),
    )
    roles = models.TextField(_("who has which role"))
    measurable_result = models.TextField(
        _("the measurable result"), help_text=_("What must be visibly better, by when.")
    )
    evaluation_on = models.DateField(_("evaluation date"))
    parents_accept = models.CharField(_("do the parents accept the help?"), max_length=10, choices=Acceptance.choices)
    parents_acceptance_note = models.TextField(_("how the parents reacted"), blank=True)
    correction_reason = models.TextField(
        _("reason for the correction"),
        blank=True,
        help_text=_("Only for a correction: what was wrong in the earlier version. Both versions stay in the file."),
    )

    class Meta(Entry.Meta):
        verbose_name = _("help plan")
        verbose_name_plural = _("help plans")
        triggers = append_only_triggers()

    def clean(self):
        errors = {}
        if bool(self.case_manager_id) == bool(self.case_manager_external.strip()):
            errors["case_manager"] = _("Choose a case manager at school, or name one at a partner organisation.")
        if self.evaluation_on and self.evaluation_on <= timezone.localdate() and self._state.adding:
            errors["evaluation_on"] = _("The evaluation date must be in the future.")
        if self._state.adding and self.parents_accept and self.parents_accept != self.Acceptance.YES:
            # Question 4 = yes means the parents accept the help (domain.md §9.5).
            errors["parents_accept"] = PARENTS_WITHDRAW if self.corrects_id else PARENTS_DO_NOT_ACCEPT
        if self.corrects_id and not self.correction_reason.strip():
            errors["correction_reason"] = _("Say what was wrong in the earlier version of the help plan.")
        if errors:
            raise ValidationError(errors)


class HelpTask(AppendOnlyModel):
    chain_via = "plan"  # part of that record: chained in its case

    plan = models.ForeignKey(HelpPlan, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("help plan"))
    who = models.CharField(_("who"), max_length=200)
    what = models.CharField(_("what"), max_length=500)
    due_on = models.DateField(_("by when"))

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_on", "pk"]
        triggers = append_only_triggers()


class TaskDone(Entry):
    """A task of a help plan, or a follow-up action of a consultation, is done."""

    help_task = models.OneToOneField(
        HelpTask, on_delete=models.PROTECT, null=True, blank=True, related_name="done", verbose_name=_("task")
    )
    consultation_action = models.OneToOneField(
        "cases.ConsultationAction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="done",
        verbose_name=_("follow-up action"),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta(Entry.Meta):
        verbose_name = _("task done")
        verbose_name_plural = _("tasks done")
        triggers = append_only_triggers()
        constraints = [
            models.CheckConstraint(
                condition=models.Q(help_task__isnull=False, consultation_action__isnull=True)
                | models.Q(help_task__isnull=True, consultation_action__isnull=False),
                name="taskdone_exactly_one_task",
            )
        ]


class HelpEvaluation(Entry):
    """The evaluation of the help plan: it answers weighing question 5."""

    plan = models.ForeignKey(
        HelpPlan, on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("help plan")
    )
    evaluated_on = models.DateField(_("date"), validators=[validate_not_future])
    result_reached = models.BooleanField(_("the agreed result was reached within the term"))
    findings = models.TextField(_("findings"))
    early_reason = models.TextField(
        _("why the help is evaluated before the agreed evaluation date"),
        blank=True,
        help_text=_(
            "Only when you evaluate before the evaluation date of the help plan, for example because the "
            "parents withdrew or the situation got worse."
        ),
    )

    class Meta(Entry.Meta):
        verbose_name = _("evaluation of the help")
        verbose_name_plural = _("evaluations of the help")
        triggers = append_only_triggers()

    def clean(self):
        # Question 5 is answered at the agreed evaluation date, not before without a reason (domain.md §9.5).
        if (
            self._state.adding
            and self.plan_id
            and self.evaluated_on
            and self.evaluated_on < self.plan.evaluation_on
            and not self.early_reason.strip()
        ):
            raise ValidationError(
                {
                    "early_reason": _(
                        "The agreed evaluation date of the help plan is %(date)s. Before that date question 5 is "
                        "answered only with a reason: say why the help is evaluated now."
                    )
                    % {"date": date_format(self.plan.evaluation_on, "j F Y")}
                }
            )


class VeiligThuisReport(Entry):
    """A report (melding) to Veilig Thuis, with what Veilig Thuis asks (seed Bijlage 3, 2019 model)."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("by phone")
        ONLINE = "online", _("online form")
        IN_PERSON = "in_person", _("in person")

    class NotInformedReason(models.TextChoices):
        CHILD_SAFETY = "child_safety", _("the safety of the child")
        PARENT_SAFETY = "parent_safety", _("the safety of a parent")
        OTHERS_SAFETY = "others_safety", _("the safety of others")
        REPORTER_SAFETY = "reporter_safety", _("the safety of the reporter")
        BREAK_CONTACT = "break_contact", _("the parents would break off contact")

    emergency = models.BooleanField(_("emergency report"), default=False)
    # A report after an earlier one (domain.md §9.4: while Veilig Thuis is involved the school keeps signalling and
    # reports again): set by the service when the case has an earlier report; it says what is new.
    additional = models.BooleanField(_("additional report"), default=False)
    what_is_new = models.TextField(
        _("what is new since the previous report"),
        blank=True,
        help_text=_("The new signals or facts since the previous report, and why you report again now."),
    )
    emergency_justification = models.TextField(_("why this is an emergency"), blank=True)
    reported_at = models.DateTimeField(_("reported at"))
    channel = models.CharField(_("how"), max_length=20, choices=Channel.choices)
    partner = social_map_partner(_("Veilig Thuis (from the social map)"))
    vt_contact = models.CharField(_("contact at Veilig Thuis"), max_length=200, blank=True)
    vt_reference = models.CharField(_("Veilig Thuis reference"), max_length=100, blank=True)
    relation_to_family = models.TextField(_("the reporter's relation to the family"))
    direct_cause = models.TextField(_("the direct cause of the report"))
    nature_frequency_severity = models.TextField(_("the violence or abuse: nature, frequency, severity"))
    risk_factors = models.TextField(_("risk factors"), blank=True)
    protective_factors = models.TextField(_("protective factors"), blank=True)
    household = models.TextField(_("composition of the family or household"), blank=True)
    names_and_address = models.TextField(_("names, address and town of the family"), blank=True)
    children_ages = models.CharField(_("ages of the children"), max_length=200, blank=True)
    care_contacts = models.TextField(_("current and recent care contacts"), blank=True)
    police_contacts = models.TextField(_("police contacts"), blank=True)
    intervention_risks = models.TextField(_("risks of intervening"), blank=True)
    parents_informed = models.BooleanField(_("the parents were told about the report beforehand"))
    parents_informed_on = models.DateField(_("parents told on"), null=True, blank=True)
    parents_reaction = models.TextField(_("the parents' reaction"), blank=True)
    not_informed_reason = models.CharField(
        _("why the parents were not told"), max_length=20, choices=NotInformedReason.choices, blank=True
    )
    not_informed_explanation = models.TextField(_("explanation"), blank=True)
    # domain.md §9.6: both parents with parental authority are told before a report, unless that endangers someone.
    # Who was told is in ``ReportInformedParent``; this says why a parent with authority was not.
    not_all_informed_reason = models.TextField(
        _("why a parent with parental authority was not told"),
        blank=True,
        help_text=_("Only when telling this parent would endanger the child, a parent or someone else."),
    )
    anonymous_to_family = models.BooleanField(
        _("ask Veilig Thuis not to reveal the reporter to the family"),
        default=False,
        help_text=_(
            "A professional reporter is always known to Veilig Thuis; only anonymity towards the family exists."
        ),
    )
    anonymity_reason = models.TextField(_("reason for anonymity towards the family"), blank=True)
    feedback_agreed_on = models.DateField(_("agreed moment of feedback from Veilig Thuis"), null=True, blank=True)
    disclosure_withheld = models.BooleanField(
        _("do not disclose this report to the parents yet, for safety"), default=False
    )
    meldrecht_acknowledged = models.BooleanField(
        _("the school may share information without consent (meldrecht, art. 5.2.6 Wmo 2015)"),
        default=False,
    )

    class Meta(Entry.Meta):
        verbose_name = _("report to Veilig Thuis")
        verbose_name_plural = _("reports to Veilig Thuis")
        triggers = append_only_triggers()

    def clean(self):
        errors = {}
        if self.parents_informed:
            if not self.parents_informed_on:
                errors["parents_informed_on"] = _("Give the date on which the parents were told.")
        elif not self.not_informed_reason:
            errors["not_informed_reason"] = _("Say why the parents were not told beforehand.")
        if self.anonymous_to_family and not self.anonymity_reason.strip():
            errors["anonymity_reason"] = _("Give the reason for asking anonymity towards the family.")
        if not self.meldrecht_acknowledged:
            errors["meldrecht_acknowledged"] = _("Confirm that you know the meldrecht.")
        if self.additional and not self.what_is_new.strip():
            errors["what_is_new"] = _("Say what is new since the previous report.")
        if self.emergency and not self.emergency_justification.strip():
            errors["emergency_justification"] = _("Explain why this is an emergency.")
        if self.reported_at and self.reported_at > timezone.now():
            errors["reported_at"] = _("This moment is in the future.")
        if errors:
            raise ValidationError(errors)


class ReportInformedParent(AppendOnlyModel):
    """A parent or carer with parental authority who was told about the report beforehand (domain.md §9.6)."""

    chain_via = "report"  # part of that record: chained in its case

    report = models.ForeignKey(
        VeiligThuisReport, on_delete=models.PROTECT, related_name="informed_parents", verbose_name=_("report")
    )
    guardian = models.ForeignKey(
        "schools.Guardian", on_delete=models.PROTECT, related_name="+", verbose_name=_("parent or carer")
    )

    class Meta:
        verbose_name = _("parent told about the report")
        verbose_name_plural = _("parents told about the report")
        ordering = ["pk"]
        triggers = append_only_triggers()
        constraints = [models.UniqueConstraint(fields=["report", "guardian"], name="report_informed_parent_once")]


class VeiligThuisOutcome(Entry):
    """What Veilig Thuis decided and concluded. Restricted: never part of the parent extract."""

    class Decision(models.TextChoices):
        INVESTIGATION = "investigation", _("investigation by Veilig Thuis")
        RAAD = "raad", _("request to the Raad voor de Kinderbescherming")
        CONDITIONS = "conditions", _("conditions and follow-up")
        HANDOVER = "handover", _("hand-over to the local team, existing care or a multidisciplinary centre")
        END = "end", _("end of involvement")

    class Conclusion(models.TextChoices):
        REFUTED = "refuted", _("refuted (weerlegd)")
        NOT_CONFIRMED = "not_confirmed", _("not confirmed (niet bevestigd)")
        CONFIRMED = "confirmed", _("confirmed (bevestigd)")

    assessed_on = models.DateField(_("date of the safety assessment"), validators=[validate_not_future])
    decision = models.CharField(_("decision of Veilig Thuis"), max_length=20, choices=Decision.choices)
    conclusion = models.CharField(
        _("conclusion"), max_length=20, choices=Conclusion.choices, blank=True, help_text=_("After an investigation.")
    )
    expectations = models.TextField(_("what Veilig Thuis expects of the school"), blank=True)
    receiving_partner = social_map_partner(_("receiving organisation from the social map"))
    receiving_organisation = models.CharField(
        _("receiving organisation"),
        max_length=200,
        blank=True,
        help_text=_("Only when the organisation is not on the social map."),
    )
    receiving_contact = models.CharField(_("contact person there"), max_length=200, blank=True)
    # domain.md §9.4: "vermoeden niet bevestigd", and Veilig Thuis will check back later (rappel).
    rappel_on = models.DateField(
        _("Veilig Thuis checks back on (rappel)"),
        null=True,
        blank=True,
        help_text=_("Only when Veilig Thuis concluded 'not confirmed' and said it will check back later."),
    )

    class Meta(Entry.Meta):
        verbose_name = _("Veilig Thuis outcome")
        verbose_name_plural = _("Veilig Thuis outcomes")
        triggers = append_only_triggers()

    def clean(self):
        if self.rappel_on and self.conclusion != self.Conclusion.NOT_CONFIRMED:
            raise ValidationError(
                {"rappel_on": _("A rappel belongs to the conclusion 'not confirmed': choose that conclusion first.")}
            )
        if self.rappel_on and self.assessed_on and self.rappel_on <= self.assessed_on:
            raise ValidationError({"rappel_on": _("The rappel comes after the safety assessment.")})


class MonitoringAgreement(Entry):
    what = models.TextField(_("what is monitored"))
    who = models.CharField(_("who"), max_length=200)
    how_often = models.CharField(_("how often"), max_length=100)
    until = models.DateField(_("until"))

    class Meta(Entry.Meta):
        verbose_name = _("monitoring agreement")
        verbose_name_plural = _("monitoring agreements")
        triggers = append_only_triggers()


class MonitoringCheckIn(Entry):
    agreement = models.ForeignKey(
        MonitoringAgreement, on_delete=models.PROTECT, related_name="check_ins", verbose_name=_("agreement")
    )
    held_on = models.DateField(_("date"), validators=[validate_not_future])
    findings = models.TextField(_("findings"))
    signals_continue = models.BooleanField(_("the signals continue"), default=False)

    class Meta(Entry.Meta):
        verbose_name = _("monitoring check-in")
        verbose_name_plural = _("monitoring check-ins")
        triggers = append_only_triggers()


class EmergencyProposal(Entry):
    """A teacher proposes an emergency report; the aandachtsfunctionaris (or the IB'er) decides."""

    justification = models.TextField(_("why an emergency report is needed now"))

    class Meta(Entry.Meta):
        verbose_name = _("proposal for an emergency report")
        verbose_name_plural = _("proposals for an emergency report")
        triggers = append_only_triggers()


class Closure(Entry):
    class ReasonCode(models.TextChoices):
        NO_ACTION = "no_action", _("no action needed (question 1 = A)")
        HELP_COMPLETED = "help_completed", _("help completed and monitoring ended")
        VT_TOOK_OVER = "vt_took_over", _("Veilig Thuis took over; nothing left for the school")
        REFUTED = "refuted", _("the suspicion was refuted")
        NOT_CONFIRMED = "not_confirmed", _("Veilig Thuis did not confirm the suspicion")
        PUPIL_LEFT = "pupil_left", _("the pupil left the school")
        ROUTE_B_DONE = "route_b_done", _("staff route completed")
        OTHER = "other", _("other")

    reason_code = models.CharField(_("reason"), max_length=30, choices=ReasonCode.choices)
    text = models.TextField(_("closing explanation"))
    parents_told = models.BooleanField(_("the parents were told that the case is closed"))
    parents_not_told_reason = models.TextField(_("why the parents were not told"), blank=True)

    class Meta(Entry.Meta):
        verbose_name = _("closing")
        verbose_name_plural = _("closings")
        triggers = append_only_triggers()

    def clean(self):
        if not self.parents_told and not self.parents_not_told_reason.strip():
            raise ValidationError({"parents_not_told_reason": _("Say why the parents were not told.")})


class BoardNotification(Entry):
    """Route B: the board (bevoegd gezag) is informed at once (meldplicht)."""

    informed_on = models.DateField(_("board informed on"), validators=[validate_not_future])
    informed_whom = models.CharField(_("who at the board"), max_length=200)
    how = models.CharField(_("how"), max_length=200)

    class Meta(Entry.Meta):
        verbose_name = _("board informed")
        verbose_name_plural = _("board informed")
        triggers = append_only_triggers()


class SuspectedStaff(Entry):
    """Route B: the member of staff who is suspected, as the person who reported it named them (domain.md §9.3).

    A colleague with an account (``staff_member``) loses every access to the case, whatever their role: the route
    B case's permissions leave them out (``cases.access``), and the naming is in the audit trail as a conflict of
    interest. Someone without an account (a caretaker, a volunteer) is described in ``description``. Never removed:
    a person once named keeps no access to the file."""

    staff_member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("suspected member of staff"),
    )
    description = models.CharField(
        _("name and function"),
        max_length=200,
        blank=True,
        help_text=_("For someone who does not use this application: their name and function."),
    )

    class Meta(Entry.Meta):
        verbose_name = _("suspected member of staff")
        verbose_name_plural = _("suspected members of staff")
        triggers = append_only_triggers()
        constraints = [
            models.CheckConstraint(
                condition=models.Q(staff_member__isnull=False) | ~models.Q(description=""),
                name="suspectedstaff_named",
            )
        ]

    def clean(self):
        if self.staff_member_id is None and not self.description.strip():
            raise ValidationError(
                _("Name the member of staff who is suspected: choose them, or give their name and function.")
            )


class InspectorConsultation(Entry):
    """Route B: the board consults the confidential inspector (vertrouwensinspecteur)."""

    consulted_on = models.DateField(_("date"), validators=[validate_not_future])
    partner = social_map_partner(_("confidential inspector (from the social map)"))
    inspector = models.CharField(
        _("confidential inspector"), max_length=200, help_text=_("The name of the inspector you spoke to.")
    )
    advice = models.TextField(_("advice"))
    reasonable_suspicion = models.BooleanField(
        _("there is a reasonable suspicion of a crime by staff against a pupil"),
        help_text=_(
            "A sexual offence, physical violence or another crime by a member of staff against a pupil: the board must "
            "report it to the police (aangifteplicht, WPO art. 4a)."
        ),
    )

    class Meta(Entry.Meta):
        verbose_name = _("consultation of the confidential inspector")
        verbose_name_plural = _("consultations of the confidential inspector")
        triggers = append_only_triggers()


class PoliceDecision(Entry):
    """Route B: a police report (aangifteplicht on a reasonable suspicion), or why not."""

    report_made = models.BooleanField(_("a police report was made"))
    decided_on = models.DateField(_("date"), validators=[validate_not_future])
    parents_informed_before = models.BooleanField(_("the parents were told before the report"), default=False)
    accused_informed_before = models.BooleanField(_("the accused was told before the report"), default=False)
    explanation = models.TextField(_("explanation"))

    class Meta(Entry.Meta):
        verbose_name = _("police report decision")
        verbose_name_plural = _("police report decisions")
        triggers = append_only_triggers()

    def clean(self):
        if self.report_made and not (self.parents_informed_before and self.accused_informed_before):
            raise ValidationError(_("The parents and the accused are told before the police report is made."))
