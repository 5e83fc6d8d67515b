"""The case (dossier) and its state machine, the chronology of transitions, and the audit trail."""

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from cases.models.base import AppendOnlyModel, append_only_triggers
from schools.models.people import ClassGroup, Pupil, Role, School


class CaseState(models.TextChoices):
    """The states of a case. What each one means (route, step, who acts, what is offered): ``cases.workflow``."""

    # Route A (and C): the five steps of the meldcode.
    SIGNALLING = "signalling", _("step 1: mapping the signals")
    CONSULTING = "consulting", _("step 2: consultation")
    PARENT_TALK = "parent_talk", _("step 3: conversation with the parents")
    WEIGHING = "weighing", _("step 4: weighing")
    HELP = "help", _("step 5: help organised")
    EVALUATING = "evaluating", _("step 5: evaluating the help")
    REPORTED = "reported", _("step 5: reported to Veilig Thuis")
    VT_INVOLVED = "vt_involved", _("Veilig Thuis involved")
    MONITORING = "monitoring", _("monitoring")
    CLOSED = "closed", _("closed")
    # Route B: a staff member is suspected of a sexual offence against a pupil.
    DUTY_TO_INFORM = "duty_to_inform", _("board informed (duty to inform)")
    INSPECTOR_CONSULTED = "inspector_consulted", _("confidential inspector consulted")
    POLICE_REPORT = "police_report", _("reported to the police")
    NO_POLICE_REPORT = "no_police_report", _("no police report")


def choice_label(choices: type[models.Choices], value) -> str:
    """The label of ``value``, as Django's generated ``get_FOO_display`` gives it (the value itself when it is not
    one of the choices), without building a dict of every lazily translated label on each call: that translated
    all the labels again for every row of a list (twenty for a case's step)."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


class SignalKind(models.TextChoices):
    FACT = "fact", _("factual observation")
    CHILD_WORDS = "child_words", _("the child's own words (verbatim)")
    STORY = "story", _("story or suspicion")


class Route(models.TextChoices):
    A = "A", _("A — suspected violence or abuse at home")
    B = "B", _("B — a staff member is suspected of a sexual offence against a pupil")
    C = "C", _("C — behaviour between pupils")


# Who may fire a transition is decided by the one permission module (``cases.permissions.can``: object permissions
# only, only while the user works at the school, none for being a superuser). That module imports the models, so the
# models do not import it: it registers its check when the app is ready (``CasesConfig.ready``). Until then, and
# without it, every transition is refused.
_permission_check = None


def register_permission_check(check) -> None:
    """Called once, when the app is ready, with ``cases.permissions.can``."""
    global _permission_check
    _permission_check = check


def _can(permission: str):
    """A django-fsm permission callable that asks the one permission module (see ``register_permission_check``)."""

    def check(instance, user) -> bool:
        return _permission_check is not None and _permission_check(user, permission, instance)

    check.__name__ = f"can_{permission}"
    return check


class Case(models.Model):
    """A meldcode case (zorgdossier meldcode) about one or more pupils of one school.

    ``state`` is protected: only the transition methods below change it, and only services call those.
    A transition only checks its conditions and changes the state; every side effect lives in the services.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="cases", verbose_name=_("school"))
    reference = models.CharField(_("case number"), max_length=20, editable=False)
    route = models.CharField(_("route"), max_length=1, choices=Route.choices, default=Route.A)
    state = FSMField(_("step"), default=CaseState.SIGNALLING, choices=CaseState.choices, protected=True)
    pupils = models.ManyToManyField(Pupil, related_name="cases", verbose_name=_("pupils"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("opened by")
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("current owner"),
    )
    acute = models.BooleanField(_("acute"), default=False)
    board_informed_on = models.DateField(_("board informed on"), null=True, blank=True)
    closing_reason_code = models.CharField(_("closing reason"), max_length=30, blank=True)
    closing_text = models.TextField(_("closing explanation"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    retention_until = models.DateField(_("keep until"), null=True, blank=True)
    legal_hold = models.BooleanField(_("legal hold"), default=False)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-last_activity_at", "-pk"]
        permissions = [
            ("add_signal_case", "Can record a signal in the case"),
            ("consult_case", "Can record consultations and the kindcheck"),
            ("talk_parents_case", "Can record conversations with the parents"),
            ("to_consulting_case", "Can hand the case over for consultation (step 2)"),
            ("to_parent_talk_case", "Can move the case to the conversation with the parents (step 3)"),
            ("to_weighing_case", "Can hand the case over for weighing (step 4)"),
            ("confirm_skip_case", "Can confirm skipping the conversation with the parents"),
            ("weigh_case", "Can answer the weighing questions"),
            ("decide_case", "Can decide on help, reports, monitoring and closing (steps 4-5)"),
            ("emergency_report_case", "Can make an emergency report to Veilig Thuis"),
            ("propose_emergency_case", "Can propose an emergency report"),
            ("reopen_case", "Can reopen a closed case with a new signal"),
            ("route_b_case", "Can handle the staff route (route B)"),
            ("view_audit_case", "Can see who read, changed or exported the case"),
            ("extract_case", "Can preview and generate the parent extract"),
            ("redact_case", "Can leave information out of the parent extract because it could endanger someone"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["school", "reference"], name="case_unique_reference_per_school"),
            models.CheckConstraint(condition=models.Q(route__in=Route.values), name="case_route_valid"),
            models.CheckConstraint(condition=models.Q(state__in=CaseState.values), name="case_state_valid"),
        ]
        indexes = [
            models.Index(fields=["school", "state", "-last_activity_at"]),
            models.Index(fields=["school", "-last_activity_at"]),
        ]

    def __str__(self):
        return str(_("Case %(reference)s") % {"reference": self.reference})

    def get_state_display(self) -> str:
        return choice_label(CaseState, self.state)

    @property
    def is_open(self) -> bool:
        return self.state != CaseState.CLOSED

    # --- Guards. Each returns the list of reasons (Dutch, translated) why a transition cannot happen yet. ------
    def blockers_to_consulting(self) -> list[str]:
        if not self.signals.filter(kind=SignalKind.FACT, corrections__isnull=True).exists():
            return [str(_("Record at least one factual observation first."))]
        return []

    def blockers_to_parent_talk(self) -> list[str]:
        if not self.consultations.exists():
            return [str(_("Record at least one consultation first."))]
        return []

    def blockers_to_weighing(self) -> list[str]:
        if self.parentconversations.exclude(report__regex=r"^\s*$").exists():
            return []
        return [str(_("Record a conversation with the parents with its report, or a confirmed reason to skip it."))]

    def blockers_skip_to_weighing(self) -> list[str]:
        if self.parenttalkskips.filter(confirmations__isnull=False).exists():
            return []
        return [
            str(_("A reason to skip the conversation must be recorded and confirmed by the aandachtsfunctionaris."))
        ]

    # --- Transitions of steps 1-3. Later steps are added by the issue for steps 4-5. -------------------------
    @transition(
        field=state,
        source=CaseState.SIGNALLING,
        target=CaseState.CONSULTING,
        conditions=[lambda case: not case.blockers_to_consulting()],
        permission=_can("to_consulting_case"),
        custom={"label": _("Hand over for consultation (step 2)")},
    )
    def to_consulting(self):
        pass

    @transition(
        field=state,
        source=CaseState.CONSULTING,
        target=CaseState.PARENT_TALK,
        conditions=[lambda case: not case.blockers_to_parent_talk()],
        permission=_can("to_parent_talk_case"),
        custom={"label": _("To the conversation with the parents (step 3)")},
    )
    def to_parent_talk(self):
        pass

    @transition(
        field=state,
        source=CaseState.PARENT_TALK,
        target=CaseState.WEIGHING,
        conditions=[lambda case: not case.blockers_to_weighing()],
        permission=_can("to_weighing_case"),
        custom={"label": _("Hand over for weighing (step 4)")},
    )
    def to_weighing(self):
        pass

    @transition(
        field=state,
        source=[CaseState.CONSULTING, CaseState.PARENT_TALK],
        target=CaseState.WEIGHING,
        conditions=[lambda case: not case.blockers_skip_to_weighing()],
        permission=_can("to_weighing_case"),
        custom={"label": _("Hand over for weighing without a conversation with the parents")},
    )
    def skip_to_weighing(self):
        pass

    # --- Steps 4-5 (domain.md §4). Guards read the current weighing round (``cases.decision``). -------------
    def weighing_round_start(self):
        return self.transitions.filter(to_state=CaseState.WEIGHING).order_by("-at").values_list("at", flat=True).first()

    def _since_round(self, queryset):
        start = self.weighing_round_start()
        return queryset.filter(recorded_at__gte=start) if start else queryset

    def weighing_answers(self) -> dict[int, str]:
        """The latest answer per question in the current weighing round."""
        answers: dict[int, str] = {}
        rows = self._since_round(self.weighinganswers.all()).order_by("recorded_at", "pk")
        for question, answer in rows.values_list("question", "answer"):
            answers[question] = answer
        return answers

    def weighing_position(self):
        from cases import decision

        return decision.position(self.weighing_answers())

    def open_tasks_exist(self) -> bool:
        # By name: the tasks' modules import this one.
        HelpTask = apps.get_model("cases", "HelpTask")
        ConsultationAction = apps.get_model("cases", "ConsultationAction")
        return (
            HelpTask.objects.filter(plan__case=self, done__isnull=True).exists()
            or ConsultationAction.objects.filter(consultation__case=self, done__isnull=True).exists()
        )

    def blockers_close_no_action(self) -> list[str]:
        from cases import decision

        reasons = []
        if self.weighing_position().outcome != decision.CLOSE:
            reasons.append(str(_("Only when question 1 is answered with A can the case be closed without action.")))
        if not self._since_round(self.closures.all()).exists():
            reasons.append(str(_("Record the closing explanation.")))
        return reasons

    def blockers_report(self) -> list[str]:
        from cases import decision

        reasons = []
        position = self.weighing_position()
        if self.state != CaseState.MONITORING and position.outcome != decision.REPORT:
            reasons.append(
                str(
                    _(
                        "A report follows from the weighing questions: question 1 = B, and then question 2 = yes or "
                        "doubt, or question 3, 4 or 5 = no. Outside that, only an emergency report is possible."
                    )
                )
            )
        if not self._since_round(self.veiligthuisreports.all()).exists():
            reasons.append(str(_("Record the report to Veilig Thuis.")))
        return reasons

    def blockers_emergency_report(self) -> list[str]:
        if not self.veiligthuisreports.filter(emergency=True, recorded_at__gte=self._state_since()).exists():
            return [str(_("Record the emergency report with its justification."))]
        return []

    def _state_since(self):
        return self.transitions.order_by("-at").values_list("at", flat=True).first() or self.opened_at

    def blockers_start_help(self) -> list[str]:
        from cases import decision

        reasons = []
        if self.weighing_position().outcome != decision.HELP:
            reasons.append(str(_("A help plan starts only when question 4 is answered with yes.")))
        plan = self._since_round(self.helpplans.all()).order_by("-recorded_at").first()
        if plan is None:
            reasons.append(str(_("Record the help plan.")))
        elif not plan.tasks.exists():
            reasons.append(str(_("The help plan needs at least one task.")))
        return reasons

    def blockers_start_evaluation(self) -> list[str]:
        if not self._since_round(self.helpevaluations.all()).exists():
            return [str(_("Record the evaluation of the help."))]
        return []

    def blockers_to_monitoring(self) -> list[str]:
        from cases import decision

        reasons = []
        if self.state == CaseState.EVALUATING and self.weighing_position().outcome != decision.MONITORING:
            reasons.append(str(_("Monitoring follows when the help reached its result (question 5 = yes).")))
        if not self.monitoringagreements.filter(recorded_at__gte=self._state_since()).exists():
            reasons.append(str(_("Record the monitoring agreements.")))
        return reasons

    def blockers_to_vt_involved(self) -> list[str]:
        if not self.veiligthuisoutcomes.filter(recorded_at__gte=self._state_since()).exists():
            return [str(_("Record the decision of Veilig Thuis."))]
        return []

    def blockers_close(self) -> list[str]:
        reasons = []
        if self.open_tasks_exist():
            reasons.append(str(_("There are open tasks: mark them done first.")))
        if not self.closures.filter(recorded_at__gte=self._state_since()).exists():
            reasons.append(str(_("Record the closing reason and explanation.")))
        return reasons

    def blockers_reopen(self) -> list[str]:
        if not (self.closed_at and self.signals.filter(recorded_at__gt=self.closed_at).exists()):
            return [str(_("A closed case is reopened by a new signal."))]
        return []

    def blockers_back_to_weighing(self) -> list[str]:
        return self.blockers_reopen_from(self._state_since())

    def blockers_reopen_from(self, since) -> list[str]:
        if not self.signals.filter(recorded_at__gt=since).exists():
            return [str(_("A new signal sends the case back to weighing."))]
        return []

    def blockers_inspector_consulted(self) -> list[str]:
        reasons = []
        if not self.boardnotifications.exists():
            reasons.append(str(_("Record when the board was informed.")))
        if not self.inspectorconsultations.exists():
            reasons.append(str(_("Record the consultation of the confidential inspector.")))
        return reasons

    def _police_decision(self):
        return self.policedecisions.order_by("-recorded_at", "-pk").first()

    def blockers_police_report(self) -> list[str]:
        decision_ = self._police_decision()
        if decision_ is None or not decision_.report_made:
            return [str(_("Record the police report."))]
        return []

    def blockers_no_police_report(self) -> list[str]:
        decision_ = self._police_decision()
        if decision_ is None or decision_.report_made:
            return [str(_("Record the decision not to report to the police, with its explanation."))]
        if self.inspectorconsultations.filter(reasonable_suspicion=True).exists():
            return [str(_("There is a reasonable suspicion of a sexual offence: the board must report to the police."))]
        return []

    @transition(
        field=state,
        source=CaseState.WEIGHING,
        target=CaseState.CLOSED,
        conditions=[lambda c: not c.blockers_close_no_action()],
        permission=_can("decide_case"),
        custom={"label": _("Close without action (question 1 = A)")},
    )
    def close_no_action(self):
        pass

    @transition(
        field=state,
        source=[CaseState.WEIGHING, CaseState.EVALUATING, CaseState.MONITORING],
        target=CaseState.REPORTED,
        conditions=[lambda c: not c.blockers_report()],
        permission=_can("decide_case"),
        custom={"label": _("Report to Veilig Thuis")},
    )
    def report(self):
        pass

    @transition(
        field=state,
        # Any open state of routes A and C that has not reported yet (``cases.workflow.EMERGENCY_SOURCES``).
        source=[
            CaseState.SIGNALLING,
            CaseState.CONSULTING,
            CaseState.PARENT_TALK,
            CaseState.WEIGHING,
            CaseState.HELP,
            CaseState.EVALUATING,
            CaseState.MONITORING,
        ],
        target=CaseState.REPORTED,
        conditions=[lambda c: not c.blockers_emergency_report()],
        permission=_can("emergency_report_case"),
        custom={"label": _("Emergency report to Veilig Thuis")},
    )
    def emergency_report(self):
        pass

    @transition(
        field=state,
        source=CaseState.WEIGHING,
        target=CaseState.HELP,
        conditions=[lambda c: not c.blockers_start_help()],
        permission=_can("decide_case"),
        custom={"label": _("Start the help (question 4 = yes)")},
    )
    def start_help(self):
        pass

    @transition(
        field=state,
        source=CaseState.HELP,
        target=CaseState.EVALUATING,
        conditions=[lambda c: not c.blockers_start_evaluation()],
        permission=_can("decide_case"),
        custom={"label": _("Evaluate the help (question 5)")},
    )
    def start_evaluation(self):
        pass

    @transition(
        field=state,
        source=[CaseState.EVALUATING, CaseState.VT_INVOLVED],
        target=CaseState.MONITORING,
        conditions=[lambda c: not c.blockers_to_monitoring()],
        permission=_can("decide_case"),
        custom={"label": _("Monitor the safety")},
    )
    def to_monitoring(self):
        pass

    @transition(
        field=state,
        source=CaseState.REPORTED,
        target=CaseState.VT_INVOLVED,
        conditions=[lambda c: not c.blockers_to_vt_involved()],
        permission=_can("decide_case"),
        custom={"label": _("Veilig Thuis has decided")},
    )
    def to_vt_involved(self):
        pass

    @transition(
        field=state,
        source=[CaseState.MONITORING, CaseState.VT_INVOLVED, CaseState.POLICE_REPORT, CaseState.NO_POLICE_REPORT],
        target=CaseState.CLOSED,
        conditions=[lambda c: not c.blockers_close()],
        permission=_can("decide_case"),
        custom={"label": _("Close the case")},
    )
    def close(self):
        pass

    @transition(
        field=state,
        source=CaseState.CLOSED,
        target=CaseState.WEIGHING,
        conditions=[lambda c: not c.blockers_reopen()],
        permission=_can("reopen_case"),
        custom={"label": _("Reopen with a new signal")},
    )
    def reopen(self):
        pass

    @transition(
        field=state,
        source=CaseState.MONITORING,
        target=CaseState.WEIGHING,
        conditions=[lambda c: not c.blockers_back_to_weighing()],
        permission=_can("add_signal_case"),
        custom={"label": _("Back to weighing after a new signal")},
    )
    def back_to_weighing(self):
        pass

    # --- Route B ------------------------------------------------------------------------------------------------
    @transition(
        field=state,
        source=CaseState.SIGNALLING,
        target=CaseState.DUTY_TO_INFORM,
        conditions=[lambda c: c.route == Route.B],
        permission=_can("add_signal_case"),
        custom={"label": _("Staff route: inform the board")},
    )
    def start_route_b(self):
        pass

    @transition(
        field=state,
        source=CaseState.DUTY_TO_INFORM,
        target=CaseState.INSPECTOR_CONSULTED,
        conditions=[lambda c: not c.blockers_inspector_consulted()],
        permission=_can("route_b_case"),
        custom={"label": _("The confidential inspector has been consulted")},
    )
    def inspector_consulted(self):
        pass

    @transition(
        field=state,
        source=CaseState.INSPECTOR_CONSULTED,
        target=CaseState.POLICE_REPORT,
        conditions=[lambda c: not c.blockers_police_report()],
        permission=_can("route_b_case"),
        custom={"label": _("Police report made")},
    )
    def police_report(self):
        pass

    @transition(
        field=state,
        source=CaseState.INSPECTOR_CONSULTED,
        target=CaseState.NO_POLICE_REPORT,
        conditions=[lambda c: not c.blockers_no_police_report()],
        permission=_can("route_b_case"),
        custom={"label": _("No police report")},
    )
    def no_police_report(self):
        pass


class Transition(AppendOnlyModel):
    """A row of the chronology for every change of step: who, when, from, to, and why."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="transitions", verbose_name=_("case"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), default=timezone.now, editable=False)
    name = models.CharField(_("transition"), max_length=40)
    from_state = models.CharField(_("from"), max_length=30, choices=CaseState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=30, choices=CaseState.choices)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("step change")
        verbose_name_plural = _("step changes")
        ordering = ["at", "pk"]
        triggers = append_only_triggers()
        indexes = [models.Index(fields=["case", "at"])]

    @property
    def recorded_at(self):
        return self.at


class AuditEvent(AppendOnlyModel):
    """Who read, changed or exported what, when, and from where. Holds no case content."""

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        CREATE = "create", _("recorded")
        TRANSITION = "transition", _("changed step")
        EXPORT = "export", _("exported")
        DENIED = "denied", _("refused")
        SECOND_FACTOR_RESET = "2fa_reset", _("reset a colleague's second factor")

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events", verbose_name=_("case")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now, editable=False)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    target = models.CharField(_("what"), max_length=100, blank=True)
    path = models.CharField(_("address"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-pk"]
        triggers = append_only_triggers()
        indexes = [models.Index(fields=["case", "-at"])]


class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        abstract = False


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = False


class AccessGroup(models.Model):
    """A permission group that the application manages: one per school role, one per class group's teachers.

    Case permissions are granted to these groups (never at model level); who is in them follows from the
    memberships and the class groups' teachers (``cases.access``).
    """

    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="access")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    class_group = models.OneToOneField(ClassGroup, on_delete=models.CASCADE, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "role"], condition=models.Q(class_group__isnull=True), name="accessgroup_one_per_role"
            ),
        ]

    def __str__(self):
        return self.group.name
