"""Administrators administer, they don't read (issue 18, findings 1 and 2): an administrator cannot give themselves a
school role, a role takes effect only once the school confirmed it, the admin sets no password of a user with case
access, and no admin list links a pupil to a case."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from cases import permissions as perms
from cases.models import AuditEvent
from schools.models import Membership, Role
from tests import factories
from tests.factories import PASSWORD
from tests.otp import login_verified
from tests.tasks import sent_mail


@pytest.fixture
def root(db) -> User:
    return User.objects.create_superuser("beheer-test", "beheer@example.invalid", PASSWORD)


@pytest.fixture
def case_a(cast_a):
    pupil = factories.PupilFactory(class_group=cast_a.group1, first_name="Zwaantje", last_name="Korenbloem")
    return factories.open_case(cast_a.teacher, pupil)


def case_pages(case) -> list[str]:
    return [
        reverse("cases:case-detail", kwargs={"pk": case.pk}),
        reverse("dossier:extract-preview", kwargs={"pk": case.pk}),
        reverse("cases:case-audit", kwargs={"pk": case.pk}),
    ]


def assert_reads_nothing(client: Client, case) -> None:
    for url in case_pages(case):
        response = client.get(url)
        assert response.status_code == 404, (url, response.status_code)
        assert "Korenbloem" not in response.content.decode()


# --- Finding 1: a role given to oneself in the admin ---------------------------------------------------------------


def test_an_administrator_who_adds_a_role_for_themselves_in_the_admin_reads_no_case(root, cast_a, case_a):
    client = login_verified(Client(), root)
    # The reproduction: add a Membership for yourself (school A, aandachtsfunctionaris) in the admin.
    client.post(
        reverse("admin:schools_membership_add"),
        {"user": root.pk, "school": cast_a.school.pk, "role": Role.AF},
    )
    assert not Membership.objects.filter(user=root).exists()
    root.refresh_from_db()
    assert perms.memberships_of_user(root) == set()
    assert_reads_nothing(login_verified(Client(), root), case_a)


# --- Finding 1, second route: reset the second factor and set the password -------------------------------------


def test_the_admin_cannot_set_the_password_of_a_user_with_case_access(root, cast_a, case_a):
    TOTPDevice.objects.create(user=cast_a.af, name="authenticator app", confirmed=True)
    client = login_verified(Client(), root)
    client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [cast_a.af.pk]},
    )
    new_password = "Een-nieuw-wachtwoord-42"
    response = client.post(
        reverse("admin:auth_user_password_change", args=[cast_a.af.pk]),
        {"password1": new_password, "password2": new_password, "usable_password": "true"},
    )
    assert response.status_code in (302, 403)
    cast_a.af.refresh_from_db()
    assert not cast_a.af.check_password(new_password)
    assert cast_a.af.check_password(PASSWORD)
    attacker = Client()
    attacker.post(reverse("login"), {"username": cast_a.af.username, "password": new_password})
    assert "_auth_user_id" not in attacker.session


def test_the_admin_sends_a_reset_link_instead(root, cast_a, django_capture_on_commit_callbacks):
    client = login_verified(Client(), root)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "send_password_reset", "_selected_action": [cast_a.af.pk]},
        )
    assert response.status_code == 302
    assert [m.to for m in sent_mail()] == [[cast_a.af.email]]
    assert cast_a.af.check_password(PASSWORD)  # nothing changes until the user sets a new one
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.PASSWORD_RESET_SENT, subject_user=cast_a.af, school=cast_a.school
    ).exists()


def test_the_admin_may_set_the_password_of_an_account_without_a_role(root, db):
    someone = factories.UserFactory(username="zonder-rol")
    client = login_verified(Client(), root)
    new_password = "Een-nieuw-wachtwoord-42"
    response = client.post(
        reverse("admin:auth_user_password_change", args=[someone.pk]),
        {"password1": new_password, "password2": new_password, "usable_password": "true"},
    )
    assert response.status_code == 302
    someone.refresh_from_db()
    assert someone.check_password(new_password)


def test_the_admin_reset_of_a_second_factor_tells_the_user_and_the_school(
    root, cast_a, django_capture_on_commit_callbacks
):
    TOTPDevice.objects.create(user=cast_a.ib, name="authenticator app", confirmed=True)
    with django_capture_on_commit_callbacks(execute=True):
        login_verified(Client(), root).post(
            reverse("admin:accounts_user_changelist"),
            {"action": "reset_second_factor", "_selected_action": [cast_a.ib.pk]},
        )
    recipients = sorted(m.to[0] for m in sent_mail())
    assert recipients == sorted([cast_a.ib.email, cast_a.af.email])
    event = AuditEvent.objects.get(action=AuditEvent.Action.SECOND_FACTOR_RESET)
    assert (event.school, event.subject_user) == (cast_a.school, cast_a.ib)


# --- Finding 2: the admin names which child has a case -----------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["pupils={pupil}", "pupils__in={pupil},{other}", "pupils__id__exact={pupil}", "pupils__last_name=Korenbloem"],
)
def test_the_case_list_in_the_admin_takes_no_lookup_across_to_pupils(query, root, cast_a, case_a):
    pupil = case_a.pupils.get()
    other = factories.PupilFactory(class_group=cast_a.group1)
    url = reverse("admin:cases_case_changelist") + "?" + query.format(pupil=pupil.pk, other=other.pk)
    response = login_verified(Client(), root).get(url)
    assert response.status_code == 400
    assert case_a.reference not in response.content.decode()


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("admin:schools_pupil_changelist", "cases__isnull=False"),
        ("admin:schools_pupil_changelist", "cases__state=signalling"),
        ("admin:cases_transition_changelist", "case__pupils={pupil}"),
        ("admin:cases_auditevent_changelist", "case__pupils={pupil}"),
        ("admin:cases_notification_changelist", "case__pupils={pupil}"),
        ("admin:schools_classgroup_changelist", "pupils__cases__isnull=False"),
        ("admin:accounts_user_changelist", "notifications__case__pupils={pupil}"),
    ],
)
def test_no_admin_list_links_a_pupil_to_a_case(name, query, root, cast_a, case_a):
    pupil = case_a.pupils.get()
    response = login_verified(Client(), root).get(reverse(name) + "?" + query.format(pupil=pupil.pk))
    assert response.status_code == 400


def test_the_admin_lists_still_filter_by_their_own_filters(root, cast_a, case_a):
    client = login_verified(Client(), root)
    response = client.get(reverse("admin:cases_case_changelist") + f"?school__id__exact={cast_a.school.pk}")
    assert response.status_code == 200 and case_a.reference in response.content.decode()
    response = client.get(reverse("admin:schools_pupil_changelist") + f"?class_group__id__exact={cast_a.group1.pk}")
    assert response.status_code == 200


def test_every_modeladmin_of_the_project_takes_only_its_own_filters_as_lookups():
    """Every ModelAdmin registered by the project's apps (cases, dossier, schools, accounts) refuses lookups other
    than its filters (``schools.admin.FilterLookupsOnly``), so a new one cannot open a path from a pupil to a case."""
    from django.contrib import admin

    from schools.admin import FilterLookupsOnly

    project_apps = {"accounts", "schools", "cases", "dossier", "reporting", "outbox"}
    ours = {m: a for m, a in admin.site._registry.items() if m._meta.app_label in project_apps}
    assert ours
    missing = sorted(m.__name__ for m, a in ours.items() if not isinstance(a, FilterLookupsOnly))
    assert missing == []
