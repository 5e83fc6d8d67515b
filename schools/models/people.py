"""The school's people: boards, schools, groups, pupils with their guardians and household, and staff roles
(a ``Membership`` gives a user a role at a school)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    TEACHER = "teacher", _("teacher")
    CONTACT_PERSON = "contact_person", _("internal contact person")
    IB = "ib", _("internal support coordinator (IB'er)")
    AF = "af", _("designated officer (aandachtsfunctionaris)")
    # The board's contact person (bevoegd gezag) at a school: sees no case of routes A and C, only the route B cases
    # of the school (a member of staff suspected, domain.md §9.3), and takes such a case when its
    # aandachtsfunctionaris is the one suspected (``cases.access``). Held at each school of the board they cover.
    BOARD = "board", _("board contact (bevoegd gezag)")


class Board(models.Model):
    """A school board (bestuur); one installation may serve several schools of one board."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    # Whom an urgent alert that nobody at a school acknowledged in time is escalated to (``cases.alerts``). Someone
    # without an account: the e-mail names the school only.
    contact_name = models.CharField(_("contact for urgent alerts"), max_length=200, blank=True)
    contact_email = models.EmailField(
        _("contact's e-mail address"),
        blank=True,
        help_text=_(
            "An urgent alert (an emergency proposal, a new signal during monitoring) that no aandachtsfunctionaris "
            "of a school acknowledges in time is escalated to this address. The e-mail names the school only."
        ),
    )

    class Meta:
        verbose_name = _("school board")
        verbose_name_plural = _("school boards")
        ordering = ["name"]

    def __str__(self):
        return self.name


class HolidayRegion(models.TextChoices):
    NORTH = "north", _("north")
    MIDDLE = "middle", _("middle")
    SOUTH = "south", _("south")


class School(models.Model):
    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="schools", verbose_name=_("board"))
    name = models.CharField(_("name"), max_length=200)
    brin = models.CharField(
        _("BRIN code"),
        max_length=6,
        unique=True,
        validators=[RegexValidator(r"^[0-9]{2}[A-Z]{2}([0-9]{2})?$", _("Enter a BRIN code such as 12AB or 12AB00."))],
        help_text=_("The school's code with the Ministry of Education (four characters, optionally two digits)."),
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    holiday_region = models.CharField(
        _("school holiday region"), max_length=10, choices=HolidayRegion.choices, default=HolidayRegion.MIDDLE
    )
    require_second_factor_for_teachers = models.BooleanField(
        _("second factor required for teachers"),
        default=False,
        help_text=_(
            "IB'ers, aandachtsfunctionarissen and administrators always need a second factor (an authenticator app). "
            "Tick this to require it from the teachers and contact persons of this school too."
        ),
    )

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["board", "name"], name="school_unique_name_per_board")]

    def __str__(self):
        return self.name


class ClassGroup(models.Model):
    """A group (groep/klas) of one school, with the teachers who teach it."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="class_groups", verbose_name=_("school"))
    name = models.CharField(_("name"), max_length=50, help_text=_("For example: groep 5 or groep 7/8."))
    teachers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="class_groups",
        verbose_name=_("teachers"),
        help_text=_("Only staff with the teacher role at this school can teach a group."),
    )

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["school", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="classgroup_unique_name_per_school")]

    def __str__(self):
        return f"{self.name} ({self.school})"


class Membership(models.Model):
    """A staff member's role at one school. One person may hold different roles at different schools."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("school"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("role at a school")
        verbose_name_plural = _("roles at schools")
        ordering = ["school", "role", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "school", "role"], name="membership_unique_role"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="membership_role_valid"),
        ]
        indexes = [models.Index(fields=["school", "role"])]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} — {self.school}"


class RoleGrant(models.Model):
    """A school role asked for (in the admin): it takes effect — a ``Membership`` is made — only when the school's
    aandachtsfunctionaris confirms it, or, for a school without one, a second administrator
    (``accounts.roles``). Nobody asks for or confirms a role of their own; the database refuses it too.

    Until then the grant gives nothing: every permission lookup reads ``Membership`` only, and no ``Membership`` is
    made anywhere else in the running application (the admin cannot add or change one)."""

    class State(models.TextChoices):
        PENDING = "pending", _("waiting for confirmation")
        CONFIRMED = "confirmed", _("confirmed")
        REFUSED = "refused", _("refused")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_grants", verbose_name=_("user")
    )
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="role_grants", verbose_name=_("school"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("asked by")
    )
    requested_at = models.DateTimeField(_("asked at"), default=timezone.now, editable=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="rolegrant_role_valid"),
            models.CheckConstraint(condition=~models.Q(requested_by=models.F("user")), name="rolegrant_not_own"),
            models.CheckConstraint(
                condition=~models.Q(decided_by=models.F("user")) & ~models.Q(decided_by=models.F("requested_by")),
                name="rolegrant_decided_by_another",
            ),
            models.UniqueConstraint(
                fields=["user", "school", "role"],
                condition=models.Q(state="pending"),
                name="rolegrant_one_pending_per_role",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} — {self.school} ({self.get_state_display()})"


class Pupil(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="pupils", verbose_name=_("school"))
    class_group = models.ForeignKey(
        ClassGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="pupils", verbose_name=_("group")
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=150)
    date_of_birth = models.DateField(_("date of birth"))
    pupil_system_id = models.CharField(
        _("pupil administration id"),
        max_length=40,
        help_text=_("The pupil's number in the pupil administration system (ESIS, ParnasSys)."),
    )
    left_on = models.DateField(_("left school on"), null=True, blank=True)

    class Meta:
        verbose_name = _("pupil")
        verbose_name_plural = _("pupils")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "pupil_system_id"], name="pupil_unique_system_id_per_school")
        ]
        indexes = [models.Index(fields=["class_group", "last_name"])]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    def clean(self):
        if self.class_group_id and self.school_id and self.class_group.school_id != self.school_id:
            raise ValidationError({"class_group": _("This group belongs to another school.")})
        if self.date_of_birth and self.date_of_birth > timezone.localdate():
            raise ValidationError({"date_of_birth": _("The date of birth cannot be in the future.")})


class Guardian(models.Model):
    """A parent or carer (ouder/verzorger) of a pupil."""

    class Relation(models.TextChoices):
        MOTHER = "mother", _("mother")
        FATHER = "father", _("father")
        PARENT = "parent", _("parent")
        FOSTER_PARENT = "foster_parent", _("foster parent")
        GUARDIAN = "guardian", _("legal guardian")
        OTHER = "other", _("other carer")

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="guardians", verbose_name=_("pupil"))
    name = models.CharField(_("name"), max_length=200)
    relation = models.CharField(_("relation to the pupil"), max_length=20, choices=Relation.choices)
    has_parental_authority = models.BooleanField(
        _("has parental authority"), help_text=_("Whether this person has parental authority (gezag).")
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("parent or carer")
        verbose_name_plural = _("parents and carers")
        ordering = ["pupil", "name"]

    def __str__(self):
        return f"{self.name} ({self.get_relation_display()})"


class HouseholdMember(models.Model):
    """Siblings and other members of the pupil's household, needed for the kindcheck."""

    class Relation(models.TextChoices):
        SIBLING = "sibling", _("brother or sister")
        HALF_SIBLING = "half_sibling", _("half or step brother or sister")
        PARENT_PARTNER = "parent_partner", _("partner of a parent")
        GRANDPARENT = "grandparent", _("grandparent")
        OTHER = "other", _("other household member")

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="household", verbose_name=_("pupil"))
    name = models.CharField(_("name"), max_length=200)
    relation = models.CharField(_("relation to the pupil"), max_length=20, choices=Relation.choices)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    lives_with_pupil = models.BooleanField(_("lives in the same household"), default=True)
    school_or_care = models.CharField(
        _("school or childcare"),
        max_length=200,
        blank=True,
        help_text=_("Where this child goes to school or childcare, if known."),
    )

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        ordering = ["pupil", "date_of_birth"]

    def __str__(self):
        return f"{self.name} ({self.get_relation_display()})"

    @property
    def is_minor(self) -> bool | None:
        if self.date_of_birth is None:
            return None
        today = timezone.localdate()
        age = (
            today.year
            - self.date_of_birth.year
            - ((today.month, today.day) < (self.date_of_birth.month, self.date_of_birth.day))
        )
        return age < 18
