"""Role grants: a school role given in the admin takes effect only once the school's aandachtsfunctionaris (or, for a
school without one, a second administrator) confirmed it; nobody grants or confirms a role of their own; every step is
in the school's audit trail (issue 18)."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts import roles
from accounts.models import User
from cases.models import AuditEvent
from schools.models import Membership, Role, RoleGrant
from tests import factories
from tests.accounts.test_admin_trust import assert_reads_nothing, case_pages
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


def test_an_administrator_cannot_grant_themselves_a_role(root, cast_a, case_a):
    client = login_verified(Client(), root)
    client.post(reverse("admin:schools_rolegrant_add"), {"user": root.pk, "school": cast_a.school.pk, "role": Role.AF})
    assert not RoleGrant.objects.filter(user=root).exists()
    assert not Membership.objects.filter(user=root).exists()
    with pytest.raises(roles.RoleGrantRefused):
        roles.role_grant_request(actor=root, user=root, school=cast_a.school, role=Role.AF)
    assert_reads_nothing(login_verified(Client(), root), case_a)


def test_a_role_granted_in_the_admin_waits_for_the_schools_aandachtsfunctionaris(
    root, cast_a, case_a, client_for, django_capture_on_commit_callbacks
):
    newcomer = factories.UserFactory(username="nieuw-a", email="nieuw@example.invalid")
    client = login_verified(Client(), root)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:schools_rolegrant_add"), {"user": newcomer.pk, "school": cast_a.school.pk, "role": Role.IB}
        )
    assert response.status_code == 302
    grant = RoleGrant.objects.get(user=newcomer)
    assert grant.state == RoleGrant.State.PENDING and grant.requested_by == root
    # Not in effect: no membership, no access group, no case.
    assert not Membership.objects.filter(user=newcomer).exists()
    assert not newcomer.groups.exists()
    assert_reads_nothing(client_for(newcomer), case_a)
    # The grant is in the school's audit trail, and the aandachtsfunctionaris is told (an e-mail naming nothing).
    event = AuditEvent.objects.get(action=AuditEvent.Action.ROLE_REQUESTED)
    assert (event.user, event.school, event.subject_user, event.case) == (root, cast_a.school, newcomer, None)
    assert [m.to for m in sent_mail()] == [[cast_a.af.email]]
    assert "Korenbloem" not in mail.outbox[0].body

    # The aandachtsfunctionaris sees it on their security page and confirms it.
    af = client_for(cast_a.af)
    page = af.get(reverse("security"))
    assert grant in page.context["pending_grants"]
    assert "nieuw@example.invalid" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = af.post(reverse("role-grant-confirm", kwargs={"grant_id": grant.pk}))
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.state == RoleGrant.State.CONFIRMED and grant.decided_by == cast_a.af
    assert Membership.objects.filter(user=newcomer, school=cast_a.school, role=Role.IB).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ROLE_CONFIRMED, school=cast_a.school).count() == 1
    # The first role of an account: whatever password the administrator set is no longer usable; the newcomer gets
    # a link to set their own.
    newcomer.refresh_from_db()
    assert not newcomer.has_usable_password()
    assert any(m.to == ["nieuw@example.invalid"] for m in sent_mail())
    assert client_for(newcomer).get(case_pages(case_a)[0]).status_code == 200


def test_the_school_sees_the_role_grants_in_its_account_log(root, cast_a, client_for):
    newcomer = factories.UserFactory(username="nieuw-a")
    roles.role_grant_request(actor=root, user=newcomer, school=cast_a.school, role=Role.TEACHER)
    page = client_for(cast_a.af).get(reverse("school-account-log", kwargs={"school_id": cast_a.school.pk}))
    assert page.status_code == 200
    assert [e.action for e in page.context["events"]] == [AuditEvent.Action.ROLE_REQUESTED]
    assert (
        client_for(cast_a.ib).get(reverse("school-account-log", kwargs={"school_id": cast_a.school.pk})).status_code
        == 403
    )


def test_the_aandachtsfunctionaris_may_refuse_a_role(root, cast_a, client_for):
    newcomer = factories.UserFactory(username="nieuw-a")
    grant = roles.role_grant_request(actor=root, user=newcomer, school=cast_a.school, role=Role.AF)
    response = client_for(cast_a.af).post(reverse("role-grant-refuse", kwargs={"grant_id": grant.pk}))
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.state == RoleGrant.State.REFUSED
    assert not Membership.objects.filter(user=newcomer).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ROLE_REFUSED).count() == 1


def test_nobody_confirms_a_role_for_themselves_or_at_another_school(root, cast_a, cast_b, client_for):
    grant = roles.role_grant_request(actor=root, user=cast_a.af, school=cast_a.school, role=Role.IB)
    # The grantee cannot confirm their own role, even as the school's aandachtsfunctionaris.
    assert client_for(cast_a.af).post(reverse("role-grant-confirm", kwargs={"grant_id": grant.pk})).status_code == 404
    # Another school's aandachtsfunctionaris, or an IB'er of the school: not theirs to confirm.
    assert client_for(cast_b.af).post(reverse("role-grant-confirm", kwargs={"grant_id": grant.pk})).status_code == 404
    assert client_for(cast_a.ib).post(reverse("role-grant-confirm", kwargs={"grant_id": grant.pk})).status_code == 404
    grant.refresh_from_db()
    assert grant.state == RoleGrant.State.PENDING
    assert not Membership.objects.filter(user=cast_a.af, role=Role.IB).exists()


def test_a_school_without_an_aandachtsfunctionaris_needs_a_second_administrator(root, cast_a):
    Membership.objects.filter(user=cast_a.af).delete()
    newcomer = factories.UserFactory(username="nieuw-a")
    grant = roles.role_grant_request(actor=root, user=newcomer, school=cast_a.school, role=Role.AF)
    client = login_verified(Client(), root)
    data = {"action": "confirm_grants", "_selected_action": [grant.pk]}
    client.post(reverse("admin:schools_rolegrant_changelist"), data)
    grant.refresh_from_db()
    assert grant.state == RoleGrant.State.PENDING  # not by the administrator who asked
    other = User.objects.create_superuser("beheer-twee", "twee@example.invalid", PASSWORD)
    login_verified(Client(), other).post(reverse("admin:schools_rolegrant_changelist"), data)
    grant.refresh_from_db()
    assert grant.state == RoleGrant.State.CONFIRMED and grant.decided_by == other
    assert Membership.objects.filter(user=newcomer, school=cast_a.school, role=Role.AF).exists()


def test_a_school_with_an_aandachtsfunctionaris_is_not_confirmed_by_an_administrator(root, cast_a):
    newcomer = factories.UserFactory(username="nieuw-a")
    grant = roles.role_grant_request(actor=root, user=newcomer, school=cast_a.school, role=Role.AF)
    other = User.objects.create_superuser("beheer-twee", "twee@example.invalid", PASSWORD)
    login_verified(Client(), other).post(
        reverse("admin:schools_rolegrant_changelist"), {"action": "confirm_grants", "_selected_action": [grant.pk]}
    )
    grant.refresh_from_db()
    assert grant.state == RoleGrant.State.PENDING


def test_a_role_cannot_be_moved_to_another_user_in_the_admin(root, cast_a):
    membership = Membership.objects.get(user=cast_a.af)
    client = login_verified(Client(), root)
    client.post(
        reverse("admin:schools_membership_change", args=[membership.pk]),
        {"user": root.pk, "school": cast_a.school.pk, "role": Role.AF},
    )
    membership.refresh_from_db()
    assert membership.user == cast_a.af


def test_revoking_a_role_in_the_admin_is_audited_for_the_school(root, cast_a):
    membership = Membership.objects.get(user=cast_a.ib)
    client = login_verified(Client(), root)
    response = client.post(reverse("admin:schools_membership_delete", args=[membership.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.ROLE_REVOKED)
    assert (event.school, event.subject_user, event.user) == (cast_a.school, cast_a.ib, root)


def test_the_link_in_the_password_mail_sets_a_new_password(root, cast_a, django_capture_on_commit_callbacks):
    import re
    from urllib.parse import urlsplit

    with django_capture_on_commit_callbacks(execute=True):
        roles.password_reset_send(actor=root, user=cast_a.ib)
    (message,) = sent_mail()
    assert "Zwaantje" not in message.body and "Korenbloem" not in message.body
    link = urlsplit(re.search(r"https?://\S+/wachtwoord/nieuw/\S+/", message.body).group(0)).path
    client = Client()
    response = client.get(link)
    assert response.status_code == 302
    new_password = "Een-eigen-wachtwoord-77"
    response = client.post(response.url, {"new_password1": new_password, "new_password2": new_password})
    assert response.status_code == 302 and response.url == reverse("password_reset_complete")
    cast_a.ib.refresh_from_db()
    assert cast_a.ib.check_password(new_password)
    # The link works once.
    assert Client().get(link).context["validlink"] is False


def test_the_admin_pages_of_roles_and_users_open(root, cast_a):
    client = login_verified(Client(), root)
    newcomer = factories.UserFactory(username="nieuw-a")
    roles.role_grant_request(actor=root, user=newcomer, school=cast_a.school, role="ib")
    for url in [
        reverse("admin:schools_rolegrant_add"),
        reverse("admin:schools_rolegrant_changelist"),
        reverse("admin:schools_membership_changelist"),
        reverse("admin:accounts_user_changelist"),
    ]:
        assert client.get(url).status_code == 200, url
    page = client.get(reverse("admin:accounts_user_change", args=[cast_a.af.pk]))
    assert page.status_code == 200
    assert 'name="email"' not in page.content.decode()  # read-only for a user with a role
    # A self-grant through the form: a Dutch error, nothing stored.
    response = client.post(
        reverse("admin:schools_rolegrant_add"), {"user": root.pk, "school": cast_a.school.pk, "role": Role.AF}
    )
    assert response.status_code == 200
    assert "Niemand kan zichzelf een rol op een school geven" in response.content.decode()
