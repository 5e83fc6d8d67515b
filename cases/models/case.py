"""The case (dossier) and its state machine (the guards: ``cases.models.guards``), the chronology of transitions,
the audit trail, and the case's object permissions."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from cases.models.base import AppendOnlyModel, append_only_triggers
from cases.models.choices import CaseState, Route, choice_label
from cases.models.guards import CaseGuards
from schools.models.people import ClassGroup, Pupil, Role, School

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


class Case(CaseGuards, models.Model):
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
    # The soonest due date of the case's deadlines (``cases.deadlines``, derived from its step and its records),
    # stored so that lists sort and page by urgency in the database. Written by ``cases.deadlines.store_next_due``
    # in the transaction of every change that can move it (a record, a step change); ``manage.py
    # refresh_due_dates`` and the hourly reminders rewrite it wherever it differs (settings, holidays).
    next_due = models.DateField(_("next deadline"), null=True, blank=True, editable=False)
    # Route B: the pupil's open case (route A or C) beside which this staff case was opened (domain.md §9.3). Shown
    # only on the route B case: the readers of the other case (the class teacher, who may be the one suspected) do
    # not learn of it.
    linked_case = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("linked case"),
    )
    # The pupil's case before this one (domain.md §9.8: look back), set when the case is opened. Not a record of the
    # chronology: destroying the earlier case at the end of its term clears it (``dossier.retention``).
    previous_case = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("previous case"),
    )

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
            models.Index(fields=["school", "next_due"]),
        ]

    def __str__(self):
        return str(_("Case %(reference)s") % {"reference": self.reference})

    def get_state_display(self) -> str:
        return choice_label(CaseState, self.state)

    @property
    def is_open(self) -> bool:
        return self.state != CaseState.CLOSED

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
        # Any open state of routes A and C (``cases.workflow.EMERGENCY_SOURCES``): also after a report, while Veilig
        # Thuis is involved, when new signals call for it (domain.md §9.4).
        source=[
            CaseState.SIGNALLING,
            CaseState.CONSULTING,
            CaseState.PARENT_TALK,
            CaseState.WEIGHING,
            CaseState.HELP,
            CaseState.EVALUATING,
            CaseState.MONITORING,
            CaseState.REPORTED,
            CaseState.VT_INVOLVED,
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
        # domain.md §9.4: while Veilig Thuis is involved the school keeps signalling; new signals may lead to an
        # additional report, which Veilig Thuis weighs again (back to "reported").
        source=[CaseState.REPORTED, CaseState.VT_INVOLVED],
        target=CaseState.REPORTED,
        conditions=[lambda c: not c.blockers_report_again()],
        permission=_can("decide_case"),
        custom={"label": _("Additional report to Veilig Thuis")},
    )
    def report_again(self):
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

    # Not in the case's chain (``docs/chain.md``): the access log, not the file; written on every read, which must
    # not wait for the case's row lock.
    chain_via = None

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        CREATE = "create", _("recorded")
        TRANSITION = "transition", _("changed step")
        EXPORT = "export", _("exported")
        DENIED = "denied", _("refused")
        SECOND_FACTOR_RESET = "2fa_reset", _("reset a colleague's second factor")
        ALERT_ACKNOWLEDGED = "alert_ack", _("acknowledged an urgent alert")
        # Accounts and roles (no case): who asked for, confirmed, refused or revoked a school role, and who sent a
        # colleague a link to set a new password. ``school`` says which school sees it; ``subject_user`` whom it is
        # about.
        ROLE_REQUESTED = "role_requested", _("asked for a role at the school")
        ROLE_CONFIRMED = "role_confirmed", _("confirmed a role at the school")
        ROLE_REFUSED = "role_refused", _("refused a role at the school")
        ROLE_REVOKED = "role_revoked", _("removed a role at the school")
        PASSWORD_RESET_SENT = "password_reset", _("sent a link to set a new password")
        # A case that moves to another school (``dossier.transfer``): one row for each school, ``school`` set.
        TRANSFER_REQUESTED = "transfer_requested", _("asked another school to take over the case")
        TRANSFER_ACCEPTED = "transfer_accepted", _("took over the case from another school")
        TRANSFER_REFUSED = "transfer_refused", _("refused to take over the case")
        # Route B: a person named as suspected loses access to the case, whatever their role (``subject_user``).
        CONFLICT_OF_INTEREST = "conflict", _("access withdrawn: conflict of interest")

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
    # For the events about accounts and roles (no case): the school that sees the event in its account log, and the
    # colleague it is about.
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("school")
    )
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("about"),
    )

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-pk"]
        triggers = append_only_triggers()
        indexes = [models.Index(fields=["case", "-at"]), models.Index(fields=["school", "-at"])]


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
