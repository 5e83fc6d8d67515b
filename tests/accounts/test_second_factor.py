"""The second factor: who needs one, enrolment, verification with a code or a backup code, throttling, the
aandachtsfunctionaris's reset, the admin, the demo codes, and the Permissions-Policy header."""

import datetime
import io
import time
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from cases.models import AuditEvent
from tests import factories
from tests.factories import PASSWORD
from tests.otp import next_totp_code
from tests.tasks import sent_mail


def password_login(user: User) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def app_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=True)


def enrol(client: Client, user: User) -> list[str]:
    """Set up an authenticator app through the pages; returns the backup codes shown."""
    assert client.get(reverse("second-factor-enrol")).status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("second-factor-enrol"), {"code": next_totp_code(device)})
    assert response.status_code == 200
    return response.context["codes"]


def test_an_ib_without_a_second_factor_must_set_one_up_before_anything_else(cast_a):
    case = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1))
    client = password_login(cast_a.ib)
    enrol_url = reverse("second-factor-enrol")
    for path in [
        reverse("home"),
        reverse("cases:case-list"),
        reverse("cases:case-detail", kwargs={"pk": case.pk}),
        reverse("dossier:extract-preview", kwargs={"pk": case.pk}),
        reverse("security"),
        "/beheer/",
    ]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith(enrol_url), (path, response.url)
    response = client.post(reverse("cases:case-transition", kwargs={"pk": case.pk, "name": "to_consulting"}))
    assert response.status_code == 302 and response.url == enrol_url
    assert not AuditEvent.objects.filter(user=cast_a.ib).exists()
    # The enrolment page shows a QR code as inline SVG and the secret as text.
    page = client.get(enrol_url)
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "data:" not in html
    assert page.context["secret"].replace(" ", "") in TOTPDevice.objects.get(user=cast_a.ib).config_url
    # Once set up, the case is reachable.
    codes = enrol(client, cast_a.ib)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get(reverse("cases:case-detail", kwargs={"pk": case.pk})).status_code == 200


def test_a_wrong_enrolment_code_is_refused_in_dutch_and_nothing_is_confirmed(cast_a):
    client = password_login(cast_a.af)
    client.get(reverse("second-factor-enrol"))
    response = client.post(reverse("second-factor-enrol"), {"code": "000000"})
    assert response.status_code == 200
    assert "Deze code klopt niet" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=cast_a.af, confirmed=True).exists()
    assert not StaticDevice.objects.filter(user=cast_a.af).exists()


def test_a_user_with_a_second_factor_enters_a_code_after_the_password(cast_a):
    device = app_device(cast_a.ib)
    client = password_login(cast_a.ib)
    response = client.get(reverse("cases:case-list"))
    assert response.url == reverse("second-factor-verify") + "?next=%2Fdossiers%2F"
    # Enrolling a new device is not a way around the code.
    assert client.get(reverse("second-factor-enrol")).url == reverse("second-factor-verify")

    wrong = client.post(reverse("second-factor-verify"), {"code": "123456", "next": "/dossiers/"})
    assert wrong.status_code == 200
    assert "Deze code klopt niet" in wrong.content.decode()
    assert client.get(reverse("cases:case-list")).status_code == 302

    device.refresh_from_db()
    device.throttle_reset()  # (the wrong code above makes the next try wait a moment)
    right = client.post(reverse("second-factor-verify"), {"code": next_totp_code(device), "next": "/dossiers/"})
    assert right.status_code == 302 and right.url == "/dossiers/"
    assert client.get(reverse("cases:case-list")).status_code == 200


def test_the_session_key_changes_when_the_second_factor_is_passed(cast_a):
    device = app_device(cast_a.ib)
    client = password_login(cast_a.ib)
    before = client.session.session_key
    client.post(reverse("second-factor-verify"), {"code": next_totp_code(device)})
    assert client.session.session_key != before
    assert client.session["otp_device_id"] == device.persistent_id


def test_a_backup_code_works_once(cast_a):
    client = password_login(cast_a.ib)
    codes = enrol(client, cast_a.ib)
    client.post(reverse("logout"))

    client = password_login(cast_a.ib)
    response = client.post(reverse("second-factor-verify"), {"code": codes[0].upper()})
    assert response.status_code == 302
    assert client.get(reverse("cases:case-list")).status_code == 200
    assert StaticToken.objects.filter(device__user=cast_a.ib).count() == 9
    client.post(reverse("logout"))

    client = password_login(cast_a.ib)
    response = client.post(reverse("second-factor-verify"), {"code": codes[0]})
    assert response.status_code == 200
    assert "Deze code klopt niet" in response.content.decode()


def test_new_backup_codes_replace_the_old_ones(cast_a, client_for):
    client = password_login(cast_a.af)
    old = enrol(client, cast_a.af)
    new = client.post(reverse("backup-codes")).context["codes"]
    stored = set(StaticToken.objects.filter(device__user=cast_a.af).values_list("token", flat=True))
    assert stored == set(new) and not stored & set(old)


def test_repeated_wrong_codes_are_throttled(cast_a):
    device = app_device(cast_a.ib)
    client = password_login(cast_a.ib)
    with time_machine.travel(time.time(), tick=False) as clock:
        for _ in range(3):
            client.post(reverse("second-factor-verify"), {"code": "000000"})
        # Even the right code is refused while the devices wait; the refusal says so in Dutch.
        code = next_totp_code(device)
        response = client.post(reverse("second-factor-verify"), {"code": code})
        assert response.status_code == 200
        assert "Te veel onjuiste codes" in response.content.decode()
        device.refresh_from_db()
        assert device.throttling_failure_count == 1  # refused attempts are not even checked
        clock.shift(datetime.timedelta(seconds=5))
        response = client.post(reverse("second-factor-verify"), {"code": next_totp_code(device)})
        assert response.status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_a_teacher_needs_no_second_factor_unless_the_school_requires_it(cast_a):
    client = password_login(cast_a.teacher)
    assert client.get(reverse("cases:case-list")).status_code == 200

    cast_a.school.require_second_factor_for_teachers = True
    cast_a.school.save()
    response = client.get(reverse("cases:case-list"))
    assert response.status_code == 302 and response.url.startswith(reverse("second-factor-enrol"))
    # The contact person of that school too; a teacher of another school not.
    assert password_login(cast_a.contact_person).get(reverse("cases:case-list")).status_code == 302


def test_a_teacher_may_set_up_a_second_factor_and_must_then_use_it(cast_a):
    client = password_login(cast_a.teacher)
    assert "Stel een tweede factor in" in client.get(reverse("security")).content.decode()
    enrol(client, cast_a.teacher)
    client.post(reverse("logout"))
    client = password_login(cast_a.teacher)
    assert client.get(reverse("cases:case-list")).url.startswith(reverse("second-factor-verify"))


def test_the_aandachtsfunctionaris_resets_a_colleague(cast_a, cast_b, client_for):
    ib_client = password_login(cast_a.ib)
    enrol(ib_client, cast_a.ib)
    assert ib_client.get(reverse("cases:case-list")).status_code == 200

    af = client_for(cast_a.af)
    page = af.get(reverse("security"))
    assert cast_a.ib in page.context["colleagues"] and cast_b.ib not in page.context["colleagues"]
    response = af.post(reverse("second-factor-reset", kwargs={"user_id": cast_a.ib.pk}), follow=True)
    assert "is hersteld" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=cast_a.ib).exists()
    assert not StaticDevice.objects.filter(user=cast_a.ib).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.SECOND_FACTOR_RESET)
    assert (event.user, event.case, event.ip_address) == (cast_a.af, None, "127.0.0.1")
    # The colleague's running session must set up a second factor again.
    assert ib_client.get(reverse("cases:case-list")).url.startswith(reverse("second-factor-enrol"))


def test_an_aandachtsfunctionaris_cannot_reset_another_schools_colleague(cast_a, cast_b, client_for):
    device = app_device(cast_b.ib)
    response = client_for(cast_a.af).post(reverse("second-factor-reset", kwargs={"user_id": cast_b.ib.pk}))
    assert response.status_code == 404
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SECOND_FACTOR_RESET).exists()
    # Nor can an IB'er reset a colleague of their own school.
    response = client_for(cast_b.ib).post(reverse("second-factor-reset", kwargs={"user_id": cast_b.teacher.pk}))
    assert response.status_code == 404


def test_an_aandachtsfunctionaris_cannot_reset_an_administrator(cast_a, client_for):
    # An administrator who also works at the school: only another administrator may clear their second factor.
    cast_a.ib.is_staff = True
    cast_a.ib.save(update_fields=["is_staff"])
    device = app_device(cast_a.ib)
    af = client_for(cast_a.af)
    assert cast_a.ib not in af.get(reverse("security")).context["colleagues"]
    response = af.post(reverse("second-factor-reset", kwargs={"user_id": cast_a.ib.pk}))
    assert response.status_code == 404
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SECOND_FACTOR_RESET).exists()


def test_the_admin_needs_the_second_factor(db):
    root = User.objects.create_superuser("beheer-test", "beheer@example.invalid", PASSWORD)
    client = Client()
    client.post(reverse("admin:login"), {"username": root.username, "password": PASSWORD})
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response.url.startswith(reverse("second-factor-enrol"))
    codes = enrol(client, root)
    assert codes
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_admin_refuses_a_session_that_skipped_the_second_factor(db):
    """Defence in depth: even past the middleware, the admin site itself asks for a verified user."""
    from django.contrib import admin
    from django.test import RequestFactory

    root = User.objects.create_superuser("beheer-test", "beheer@example.invalid", PASSWORD)
    request = RequestFactory().get("/beheer/")
    request.user = root
    root.is_verified = lambda: False
    assert not admin.site.has_permission(request)
    root.is_verified = lambda: True
    assert admin.site.has_permission(request)


def test_the_admin_action_resets_the_second_factor(client_for, cast_a):
    root = User.objects.create_superuser("beheer-test", "beheer@example.invalid", PASSWORD)
    app_device(cast_a.ib)
    response = client_for(root).post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [cast_a.ib.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=cast_a.ib).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SECOND_FACTOR_RESET, user=root).count() == 1


# --- The demo -----------------------------------------------------------------------------------------------------


@pytest.fixture
def demo(db):
    call_command("load_demo", verbosity=0)


def test_the_demo_users_have_their_documented_secrets(demo):
    from demo.management.commands.load_demo import DEMO_TOTP_SECRETS

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for username, secret in DEMO_TOTP_SECRETS.items():
        assert f"| `{username}` | `{secret}` |" in readme
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        assert device.config_url.split("secret=")[1].startswith(secret)
    assert not TOTPDevice.objects.filter(user__username__startswith="leerkracht").exists()


def test_demo_code_prints_the_current_code(demo, settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("demo_code", "af-a", stdout=out)
    device = TOTPDevice.objects.get(user__username="af-a")
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    assert out.getvalue().strip() == f"{totp.token():06d}"
    assert device.verify_token(out.getvalue().strip())


def test_demo_code_refuses_other_devices_and_production(demo, settings):
    settings.DEBUG = True
    user = factories.UserFactory(username="niet-demo")
    app_device(user)
    with pytest.raises(CommandError):
        call_command("demo_code", user.username, stdout=io.StringIO())
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_code", "af-a", stdout=io.StringIO())


# --- Permissions-Policy ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/inloggen/", "/dossiers/", "/bestaat-niet/", "/beheer/login/"])
def test_every_response_switches_off_unused_browser_features(path, db):
    header = Client().get(path)["Permissions-Policy"]
    features = dict(item.split("=", 1) for item in header.split(", "))
    for feature in ["camera", "microphone", "geolocation", "payment", "usb", "interest-cohort", "browsing-topics"]:
        assert features[feature] == "()", feature


# --- Issue 18: resets only within one's own school; a ceiling on the throttle ----------------------------------


def test_an_aandachtsfunctionaris_cannot_reset_a_colleague_who_also_works_at_another_school(cast_a, cast_b, client_for):
    """The reproduction: af-a resets the second factor of ``combi`` (teacher at A, IB'er at B); combi then logs in
    with the password alone and enrols a new device. Only an aandachtsfunctionaris of every school they work at (or
    an administrator) may reset them."""
    combi = factories.UserFactory(username="combi")
    factories.MembershipFactory(user=combi, school=cast_a.school, role="teacher")
    factories.MembershipFactory(user=combi, school=cast_b.school, role="ib")
    device = app_device(combi)
    af = client_for(cast_a.af)
    assert combi not in af.get(reverse("security")).context["colleagues"]
    response = af.post(reverse("second-factor-reset", kwargs={"user_id": combi.pk}))
    assert response.status_code == 404
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SECOND_FACTOR_RESET).exists()
    # Someone who is aandachtsfunctionaris at both schools may.
    factories.MembershipFactory(user=cast_a.af, school=cast_b.school, role="af")
    cast_a.af.refresh_from_db()
    response = client_for(cast_a.af).post(reverse("second-factor-reset", kwargs={"user_id": combi.pk}))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=combi).exists()


def test_a_reset_by_the_aandachtsfunctionaris_tells_the_colleague_and_the_school(
    cast_a, client_for, django_capture_on_commit_callbacks
):
    # A second aandachtsfunctionaris of the school is told; the one who did it is not mailed about their own act.
    second_af = factories.UserFactory(username="af2-a")
    factories.MembershipFactory(user=second_af, school=cast_a.school, role="af")
    app_device(cast_a.ib)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(cast_a.af).post(reverse("second-factor-reset", kwargs={"user_id": cast_a.ib.pk}))
    assert sorted(m.to[0] for m in sent_mail()) == sorted([cast_a.ib.email, second_af.email])
    for message in sent_mail():  # the e-mail names nobody
        assert cast_a.ib.last_name not in message.body and cast_a.ib.username not in message.body
    event = AuditEvent.objects.filter(action=AuditEvent.Action.SECOND_FACTOR_RESET).order_by("-pk").first()
    assert (event.school, event.subject_user) == (cast_a.school, cast_a.ib)
    # The colleague sees it on their own security page.
    page = client_for(cast_a.ib).get(reverse("security"))
    assert event.pk in [e.pk for e in page.context["resets_of_me"]]


def test_the_throttle_of_wrong_codes_has_a_ceiling(cast_a, settings):
    """After many wrong codes the wait does not grow without end (2^(n-1) × factor): at most
    ``SECOND_FACTOR_THROTTLE_MAX_SECONDS``."""
    device = app_device(cast_a.ib)
    client = password_login(cast_a.ib)
    ceiling = getattr(settings, "SECOND_FACTOR_THROTTLE_MAX_SECONDS", 300)
    with time_machine.travel(time.time(), tick=False) as clock:
        for _ in range(40):
            client.post(reverse("second-factor-verify"), {"code": "000000"})
            device.refresh_from_db()
            clock.shift(datetime.timedelta(seconds=ceiling + 1))
        client.post(reverse("second-factor-verify"), {"code": "000000"})  # counted: the device waits again
        response = client.post(reverse("second-factor-verify"), {"code": "000000"})
        assert "Te veel onjuiste codes" in response.content.decode()
        device.refresh_from_db()
        allowed, info = device.verify_is_allowed()
        assert not allowed
        assert info["locked_until"] <= timezone.now() + datetime.timedelta(seconds=ceiling)
        clock.shift(datetime.timedelta(seconds=ceiling + 1))
        response = client.post(reverse("second-factor-verify"), {"code": next_totp_code(device)})
        assert response.status_code == 302
