"""School roles given in the admin: asked for, then confirmed by the school (issue 18: administrators administer,
they don't read).

- An administrator asks for a role (``role_grant_request``): a pending ``RoleGrant``. It gives nothing: every
  permission lookup reads ``Membership`` only, and only ``role_grant_confirm`` makes one in the running application
  (the admin can neither add nor change a ``Membership``).
- The school's aandachtsfunctionaris confirms or refuses it on their **Beveiliging** page; a school without one (or
  whose only aandachtsfunctionaris is the one the role is for) needs a second administrator, in the admin's list of
  role grants (``permissions.may_decide_role_grant``).
- Nobody asks for a role for themselves, and nobody decides on a role of their own or one they asked for; the
  database refuses both too (``RoleGrant``'s check constraints).
- A confirmed first role of an account makes its password unusable and sends the user a link to set their own: a
  password the administrator chose when making the account stops working the moment it would open cases.
- Every step, and removing a role, is an ``AuditEvent`` of the school (its account log, ``school_account_log``);
  asking for a role e-mails the aandachtsfunctionarissen (naming no one: e-mail is not a safe channel).
"""

import logging

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from cases import permissions as perms
from cases.audit import audit_log
from cases.models import AuditEvent
from outbox.services import queue_mail
from schools.models import Membership, Role, RoleGrant, School

logger = logging.getLogger(__name__)


class RoleGrantRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- E-mail (names nothing: e-mail is not a safe channel) ---------------------------------------------------------


def url(name: str, **kwargs) -> str:
    return settings.MELDCODE_BASE_URL + reverse(name, kwargs=kwargs or None)


def notify(users, subject: str, paragraphs: list[str]) -> None:
    """One e-mail per user with an address, queued in the outbox in the caller's transaction (committed with it or
    not at all; the task worker delivers it). Every message ends by saying why it names nothing."""
    body = "\n\n".join([*paragraphs, _not_safe()])
    for user in users:
        if user.email:
            queue_mail(to=user.email, subject=subject, body=body)


def _not_safe() -> str:
    return gettext("This e-mail deliberately gives no details: e-mail is not a safe channel for them.")


def school_afs(school_ids, *, exclude=()) -> list[User]:
    return list(
        User.objects.filter(is_active=True, memberships__school_id__in=list(school_ids), memberships__role=Role.AF)
        .exclude(pk__in=[u.pk for u in exclude])
        .distinct()
    )


def password_reset_mail(user: User) -> None:
    """A one-time link to set a new password (Django's token: it stops working once the password changed, and after
    ``PASSWORD_RESET_TIMEOUT``)."""
    link = url(
        "password_reset_confirm",
        uidb64=urlsafe_base64_encode(force_bytes(user.pk)),
        token=default_token_generator.make_token(user),
    )
    with translation.override("nl"):
        notify(
            [user],
            gettext("Meldcode: set a new password"),
            [
                gettext("Hello,"),
                gettext("Choose a new password for the meldcode application with this link (it works once):")
                + "\n"
                + link,
                gettext("Did you not expect this e-mail? Tell your school's aandachtsfunctionaris."),
            ],
        )


def password_reset_send(*, actor: User, user: User) -> None:
    """An administrator sends ``user`` a link to set a new password (instead of setting it: the admin sets no password
    of a user with case access). Audited for each of the user's schools."""
    with transaction.atomic():
        for school in _schools_of(user) or [None]:
            audit_log(
                user=actor,
                case=None,
                action=AuditEvent.Action.PASSWORD_RESET_SENT,
                target=f"user {user.pk} ({user.username})",
                school=school,
                subject_user=user,
            )
        password_reset_mail(user)


def _schools_of(user: User) -> list[School]:
    return list(School.objects.filter(memberships__user=user).distinct().order_by("pk"))


# --- Asking, confirming, refusing, removing ------------------------------------------------------------------------


def role_grant_check(*, actor: User, user: User, school: School, role: str) -> None:
    """Raise ``RoleGrantRefused`` (a Dutch message) unless ``actor`` may ask for this role."""
    if actor.pk == user.pk:
        raise RoleGrantRefused(gettext("Nobody can give themselves a role at a school: ask another administrator."))
    if Membership.objects.filter(user=user, school=school, role=role).exists():
        raise RoleGrantRefused(gettext("This person already has this role at this school."))
    if RoleGrant.objects.filter(user=user, school=school, role=role, state=RoleGrant.State.PENDING).exists():
        raise RoleGrantRefused(gettext("This role is already waiting for the school's confirmation."))


def role_grant_request(*, actor: User, user: User, school: School, role: str) -> RoleGrant:
    role_grant_check(actor=actor, user=user, school=school, role=role)
    with transaction.atomic():
        grant = RoleGrant.objects.create(user=user, school=school, role=role, requested_by=actor)
        audit_log(
            user=actor,
            case=None,
            action=AuditEvent.Action.ROLE_REQUESTED,
            target=f"{Role(role).label}"[:100],
            school=school,
            subject_user=user,
        )
        with translation.override("nl"):
            notify(
                school_afs([school.pk], exclude=[user, actor]),
                gettext("Meldcode: a role at your school waits for your confirmation"),
                [
                    gettext("Hello,"),
                    gettext(
                        "An administrator asked for a role for someone at your school. It takes effect only once "
                        "you confirm it. Log in to confirm or refuse it:"
                    )
                    + "\n"
                    + url("security"),
                ],
            )
    return grant


def grants_to_decide_for(user: User) -> list[RoleGrant]:
    """The pending role grants ``user`` may confirm or refuse as aandachtsfunctionaris."""
    af_schools = perms.figure_school_ids(user)  # the schools where they are aandachtsfunctionaris
    if not af_schools:
        return []
    grants = (
        RoleGrant.objects.filter(school_id__in=af_schools, state=RoleGrant.State.PENDING)
        .exclude(user=user)
        .exclude(requested_by=user)
        .select_related("user", "school", "requested_by")
        .order_by("requested_at", "pk")
    )
    return [g for g in grants if perms.may_decide_role_grant(user, g)]


def _decide(*, actor: User, grant_id: int, confirm: bool) -> RoleGrant:
    with transaction.atomic():
        grant = (
            RoleGrant.objects.select_for_update()
            .select_related("user", "school")
            .filter(pk=grant_id, state=RoleGrant.State.PENDING)
            .first()
        )
        if grant is None or not perms.may_decide_role_grant(actor, grant):
            raise RoleGrantRefused(gettext("This role cannot be confirmed or refused by you."))
        grant.state = RoleGrant.State.CONFIRMED if confirm else RoleGrant.State.REFUSED
        grant.decided_by, grant.decided_at = actor, timezone.now()
        grant.save(update_fields=["state", "decided_by", "decided_at"])
        if confirm:
            first_role = not Membership.objects.filter(user=grant.user).exists()
            Membership.objects.get_or_create(user=grant.user, school=grant.school, role=grant.role)
            if first_role:
                # A password the administrator chose when making the account stops working now; the user sets their
                # own with the link, and their own second factor at the first login.
                grant.user.set_unusable_password()
                grant.user.save(update_fields=["password"])
                TOTPDevice.objects.filter(user=grant.user).delete()
                StaticDevice.objects.filter(user=grant.user).delete()
                password_reset_mail(grant.user)
        audit_log(
            user=actor,
            case=None,
            action=AuditEvent.Action.ROLE_CONFIRMED if confirm else AuditEvent.Action.ROLE_REFUSED,
            target=f"{grant.get_role_display()}"[:100],
            school=grant.school,
            subject_user=grant.user,
        )
    return grant


def role_grant_confirm(*, actor: User, grant_id: int) -> RoleGrant:
    return _decide(actor=actor, grant_id=grant_id, confirm=True)


def role_grant_refuse(*, actor: User, grant_id: int) -> RoleGrant:
    return _decide(actor=actor, grant_id=grant_id, confirm=False)


def membership_revoke(*, actor: User, membership: Membership) -> None:
    """Remove a role (the admin): audited for the school; access follows at once (``cases.access``)."""
    with transaction.atomic():
        audit_log(
            user=actor,
            case=None,
            action=AuditEvent.Action.ROLE_REVOKED,
            target=f"{membership.get_role_display()}"[:100],
            school=membership.school,
            subject_user=membership.user,
        )
        membership.delete()


# --- The school's account log ----------------------------------------------------------------------------------------

ACCOUNT_ACTIONS = [
    AuditEvent.Action.ROLE_REQUESTED,
    AuditEvent.Action.ROLE_CONFIRMED,
    AuditEvent.Action.ROLE_REFUSED,
    AuditEvent.Action.ROLE_REVOKED,
    AuditEvent.Action.SECOND_FACTOR_RESET,
    AuditEvent.Action.PASSWORD_RESET_SENT,
]


def school_account_log(*, school_id: int, limit: int = 200) -> list[AuditEvent]:
    """What happened to the accounts and roles of the school, newest first."""
    return list(
        AuditEvent.objects.filter(school_id=school_id, case__isnull=True, action__in=ACCOUNT_ACTIONS)
        .select_related("user", "subject_user")
        .order_by("-at", "-pk")[:limit]
    )
