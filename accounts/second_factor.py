"""The second factor (django-otp): who needs one, enrolment with an authenticator app (TOTP), verification with a
code or a one-time backup code, regenerating backup codes, and the aandachtsfunctionaris resetting a colleague's
second factor. The middleware at the end sends users who need a second factor to verify or enrol before anything
else is reachable.

Who needs one: IB'ers and aandachtsfunctionarissen (at any school), staff and superusers (the admin), and the
teachers and contact persons of a school that requires it (``School.require_second_factor_for_teachers``). Anyone
who has set one up (also voluntarily) must use it at every login.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import roles
from accounts.models import User
from cases import permissions as perms
from cases.audit import audit_log
from cases.models import AuditEvent
from schools.models import Membership, Role, School

# Device names. The demo devices (fixed, documented secrets; ``manage.py load_demo``) carry their own name, so that
# ``manage.py demo_code`` can refuse every other device.
APP_DEVICE_NAME = "authenticator app"
BACKUP_DEVICE_NAME = "backup codes"
DEMO_DEVICE_NAME = "demo (fixed secret)"
BACKUP_CODE_COUNT = 10

ALWAYS_REQUIRED_ROLES = (Role.IB, Role.AF, Role.BOARD)


# --- Who needs a second factor ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    required: bool
    has_device: bool


def status(user: User) -> Status:
    """Whether ``user`` must have a second factor and whether they have one, in one query."""
    memberships = Membership.objects.filter(user=OuterRef("pk"))
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            by_role=Exists(
                memberships.filter(
                    Q(role__in=ALWAYS_REQUIRED_ROLES) | Q(school__require_second_factor_for_teachers=True)
                )
            ),
            has_app=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
            has_backup=Exists(StaticDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
        )
        .values("is_staff", "is_superuser", "by_role", "has_app", "has_backup")
        .get()
    )
    return Status(
        required=row["is_staff"] or row["is_superuser"] or row["by_role"],
        has_device=row["has_app"] or row["has_backup"],
    )


def is_verified(user) -> bool:
    return bool(getattr(user, "is_verified", None) and user.is_verified())


# --- Enrolment ------------------------------------------------------------------------------------------------


def enrolment_device(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator-app device being set up (made once, so the QR code stays the same while the
    user tries)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def qr_code_svg(device: TOTPDevice) -> str:
    """The otpauth:// address of ``device`` as inline SVG markup, rendered on the server (no image request, no
    data: URI, no script)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=4,
        border=2,
        dark="#000",
        light="#fff",
        omitsize=False,
        title=gettext("QR code for your authenticator app"),
    )


def secret_for_display(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for typing into an app by hand."""
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice | None
    codes: list[str] = field(default_factory=list)  # the new backup codes, to be shown once
    locked_until: datetime | None = None  # set when refused because of too many wrong codes


def enrolment_confirm(*, user: User, device_id: int, token: str) -> Enrolment:
    """Confirm the device being set up with a code from the app. On success the device replaces any earlier one,
    and new backup codes replace the old ones. Wrong codes are throttled as at verification."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, pk=device_id, confirmed=False).first()
        if device is None:
            return Enrolment(device=None)
        allowed, info = device.verify_is_allowed()
        if not allowed:
            return Enrolment(device=None, locked_until=(info or {}).get("locked_until") or timezone.now())
        if not device.verify_token(_clean(token)):
            _cap_throttle(device)
            return Enrolment(device=None)
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_backup_codes(user)
    return Enrolment(device=device, codes=codes)


def backup_codes_regenerate(*, user: User) -> list[str]:
    with transaction.atomic():
        return _new_backup_codes(user)


def _new_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


# --- Verification ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    device: TOTPDevice | StaticDevice | None
    locked_until: datetime | None = None  # set when refused because of too many wrong codes


def verify(*, user: User, token: str) -> Verification:
    """Check a code from the app or a backup code against the user's devices. Every wrong code counts against
    each device (django-otp's throttling: after n wrong codes the next attempt waits 2^(n-1) × the factor in
    seconds); while any device waits, no code is checked at all."""
    token = _clean(token)
    with transaction.atomic():
        devices = [
            *TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk"),
            *StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk"),
        ]
        refusals = [info or {} for ok, info in (d.verify_is_allowed() for d in devices) if not ok]
        if refusals:
            waits = [info["locked_until"] for info in refusals if info.get("locked_until")]
            return Verification(device=None, locked_until=max(waits) if waits else timezone.now())
        for device in devices:
            if device.verify_token(token):
                for other in devices:
                    if other is not device and other.throttling_failure_count:
                        other.throttle_reset()
                return Verification(device=device)
        for device in devices:
            _cap_throttle(device)
    return Verification(device=None)


def throttle_ceiling_count() -> int:
    """The largest count of wrong codes whose wait (2^(n-1) × ``OTP_TOTP_THROTTLE_FACTOR`` seconds, django-otp)
    stays within ``SECOND_FACTOR_THROTTLE_MAX_SECONDS``."""
    factor, ceiling = settings.OTP_TOTP_THROTTLE_FACTOR, settings.SECOND_FACTOR_THROTTLE_MAX_SECONDS
    count = 1
    while factor * 2**count <= ceiling:
        count += 1
    return count


def _cap_throttle(device) -> None:
    """django-otp's wait doubles with every wrong code, without end (after 30 wrong codes: years). Keep the count at
    the ceiling's, so that the wait never passes ``SECOND_FACTOR_THROTTLE_MAX_SECONDS``; the count still rises to
    it, and a right code resets it as before."""
    ceiling = throttle_ceiling_count()
    if device.throttling_failure_count > ceiling:
        device.throttling_failure_count = ceiling
        device.save(update_fields=["throttling_failure_count"])


def complete_verification(request, device) -> None:
    """The second factor is passed: a new session key (the old one may have been seen before it), then the device
    in the session (``django_otp.login``; ``cycle_key`` keeps the session's data)."""
    request.session.cycle_key()
    otp_login(request, device)


def _clean(token: str) -> str:
    return "".join((token or "").split()).lower()


# --- The aandachtsfunctionaris resets a colleague -------------------------------------------------------------


def colleague_list_for_af(*, user: User) -> list[User]:
    """The colleagues whose second factor ``user`` may reset (``permissions.second_factor_resettable_users``: at the
    schools where they are aandachtsfunctionaris, no administrators), with ``has_second_factor``."""
    return list(
        perms.second_factor_resettable_users(user)
        .filter(is_active=True)
        .distinct()
        .annotate(
            has_second_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
            | Exists(StaticDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
        )
        .order_by("last_name", "first_name", "username")
    )


def colleague_get_for_af(*, user: User, colleague_id: int) -> User:
    """A colleague at one of the schools where ``user`` is aandachtsfunctionaris; anyone else: 404."""
    colleague = perms.second_factor_resettable_users(user).filter(pk=colleague_id).first()
    if colleague is None:
        raise Http404
    return colleague


def second_factor_reset(*, actor: User, colleague: User) -> int:
    """Remove every second-factor device of ``colleague``: at the next request or login they must set one up again
    (when they need one). Recorded in the audit trail of each of the colleague's schools (their account logs), and
    told — by e-mail naming nothing, and on their own security page — to the colleague and to the
    aandachtsfunctionarissen of their schools (but the one who did it): a reset nobody expected is seen at once.
    Returns the number of devices removed."""
    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=colleague).delete()[1].get("otp_totp.TOTPDevice", 0)
        removed += StaticDevice.objects.filter(user=colleague).delete()[1].get("otp_static.StaticDevice", 0)
        schools = list(School.objects.filter(memberships__user=colleague).distinct().order_by("pk"))
        for school in schools or [None]:
            audit_log(
                user=actor,
                case=None,
                action=AuditEvent.Action.SECOND_FACTOR_RESET,
                target=f"user {colleague.pk} ({colleague.username})",
                school=school,
                subject_user=colleague,
            )
        with translation.override("nl"):
            roles.notify(
                [colleague],
                gettext("Meldcode: your second factor has been reset"),
                [
                    gettext("Hello,"),
                    gettext(
                        "Your second factor for the meldcode application has been reset. At your next login you set "
                        "it up again with your authenticator app. Did you not ask for this? Tell your school's "
                        "aandachtsfunctionaris at once."
                    ),
                ],
            )
            roles.notify(
                roles.school_afs([s.pk for s in schools], exclude=[actor, colleague]),
                gettext("Meldcode: a colleague's second factor has been reset"),
                [
                    gettext("Hello,"),
                    gettext(
                        "The second factor of a colleague at your school has been reset. Log in to see whose and by "
                        "whom, in your school's account log:"
                    )
                    + "\n"
                    + roles.url("security"),
                ],
            )
    return removed


def resets_of(user: User, *, days: int = 30) -> list[AuditEvent]:
    """The resets of ``user``'s second factor in the last ``days`` days, newest first (one per reset, though the audit
    has a row per school)."""
    since = timezone.now() - timedelta(days=days)
    events = (
        AuditEvent.objects.filter(action=AuditEvent.Action.SECOND_FACTOR_RESET, subject_user=user, at__gte=since)
        .select_related("user")
        .order_by("-at", "-pk")
    )
    seen, unique = set(), []
    for event in events:
        key = (event.user_id, event.at.replace(microsecond=0))
        if key not in seen:
            seen.add(key)
            unique.append(event)
    return unique


# --- Enforcement ----------------------------------------------------------------------------------------------


class SecondFactorMiddleware:
    """After ``django_otp.middleware.OTPMiddleware``: a logged-in user who has a second factor but has not used it
    in this session is sent to enter a code; one who needs a second factor but has none is sent to set one up.
    Until then only logging in and out, these two pages, the language switch and static files are reachable."""

    ALLOWED_URL_NAMES = [
        "login",
        "logout",
        "set_language",
        "second-factor-verify",
        "second-factor-enrol",
        "favicon",
    ]

    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def allowed_paths(self) -> set[str]:
        return {reverse(name) for name in self.ALLOWED_URL_NAMES}

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not is_verified(user) and not self._allowed(request.path_info):
            state = status(user)
            if state.has_device or state.required:
                target = "second-factor-verify" if state.has_device else "second-factor-enrol"
                url = reverse(target)
                if request.method in ("GET", "HEAD"):
                    url += "?" + urlencode({"next": request.get_full_path()})
                return redirect(url)
        return self.get_response(request)

    def _allowed(self, path: str) -> bool:
        return path in self.allowed_paths or path.startswith("/" + settings.STATIC_URL.lstrip("/"))
