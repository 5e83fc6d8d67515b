"""The case (dossier) and its state machine, the chronology of transitions, and the audit trail."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from cases.models.base import AppendOnlyModel, append_only_triggers
from cases.models.people import ClassGroup, Pupil, Role, School


class CaseState(models.TextChoices):
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


OPEN_STATES = [s for s in CaseState.values if s != CaseState.CLOSED]
# Steps 1-3: the states in which new signals, consultations and parent conversations are recorded.
EARLY_STATES = [CaseState.SIGNALLING, CaseState.CONSULTING, CaseState.PARENT_TALK]


class SignalKind(models.TextChoices):
    FACT = "fact", _("factual observation")
    CHILD_WORDS = "child_words", _("the child's own words (verbatim)")
    STORY = "story", _("story or suspicion")


class Route(models.TextChoices):
    A = "A", _("A — suspected violence or abuse at home")
    B = "B", _("B — a staff member is suspected of a sexual offence against a pupil")
    C = "C", _("C — behaviour between pupils")


def _can(permission: str):
    """A django-fsm permission callable that asks the one permission module."""

    def check(instance, user) -> bool:
        from cases.permissions import can

        return can(user, permission, instance)

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

    @property
    def is_open(self) -> bool:
        return self.state != CaseState.CLOSED

    @property
    def step_number(self) -> int | None:
        return {
            CaseState.SIGNALLING: 1,
            CaseState.CONSULTING: 2,
            CaseState.PARENT_TALK: 3,
            CaseState.WEIGHING: 4,
        }.get(self.state, 5 if self.state in (CaseState.HELP, CaseState.EVALUATING, CaseState.REPORTED) else None)

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
