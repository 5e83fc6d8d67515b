"""Logging in, landing on the start page of one's role, logging out."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from schools.models import Role
from tests import factories
from tests.factories import PASSWORD
from tests.otp import next_totp_code


def test_login_page_is_dutch(anon_client, db):
    response = anon_client.get(reverse("login"))
    html = response.content.decode()
    assert '<html lang="nl">' in html
    assert "Inloggen" in html
    assert "Gebruikersnaam" in html and "Wachtwoord" in html


def test_anonymous_visitor_is_sent_to_login(anon_client, db):
    response = anon_client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_failed_login_shows_a_dutch_message_and_keeps_the_username(anon_client, cast_a):
    response = anon_client.post(reverse("login"), {"username": "ib-a", "password": "fout-wachtwoord"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "De gebruikersnaam of het wachtwoord is niet juist" in html
    assert 'value="ib-a"' in html
    assert "_auth_user_id" not in anon_client.session


@pytest.mark.parametrize(
    "who,role,heading",
    [
        ("teacher", Role.TEACHER, "Startpagina — leerkracht"),
        ("contact_person", Role.CONTACT_PERSON, "Startpagina — interne contactpersoon"),
        ("ib", Role.IB, "Startpagina — intern begeleider"),
        ("af", Role.AF, "Startpagina — aandachtsfunctionaris"),
    ],
)
def test_each_role_lands_on_its_own_start_page(anon_client, cast_a, who, role, heading):
    """Teachers and contact persons after the password; IB'ers and aandachtsfunctionarissen after the code from
    their authenticator app."""
    user = cast_a.by_role(who)
    device = TOTPDevice.objects.create(user=user, confirmed=True) if role in (Role.IB, Role.AF) else None
    response = anon_client.post(reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True)
    if device is not None:
        assert response.redirect_chain[-1][0] == reverse("second-factor-verify") + "?next=%2F"
        assert "Tweede factor" in response.content.decode()
        response = anon_client.post(
            reverse("second-factor-verify"), {"code": next_totp_code(device), "next": "/"}, follow=True
        )
    expected = reverse("start", kwargs={"school_id": cast_a.school.pk, "role": role})
    assert response.redirect_chain[-1][0] == expected
    assert heading in response.content.decode()


def test_teacher_start_page_lists_own_groups_pupils_only(client_for, cast_a):
    mine = factories.PupilFactory(class_group=cast_a.group1, first_name="Jorinde", last_name="Klaverweide")
    factories.PupilFactory(class_group=cast_a.group2, first_name="Onno", last_name="Buitengroep")
    response = client_for(cast_a.teacher).get(
        reverse("start", kwargs={"school_id": cast_a.school.pk, "role": Role.TEACHER})
    )
    html = response.content.decode()
    assert str(mine) in html
    assert "Buitengroep" not in html


def test_person_with_several_roles_chooses(client_for, cast_a, cast_b):
    person = factories.UserFactory(username="twee-rollen")
    factories.MembershipFactory(user=person, school=cast_a.school, role=Role.IB)
    factories.MembershipFactory(user=person, school=cast_b.school, role=Role.TEACHER)
    response = client_for(person).get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("start", kwargs={"school_id": cast_a.school.pk, "role": Role.IB}) in html
    assert reverse("start", kwargs={"school_id": cast_b.school.pk, "role": Role.TEACHER}) in html


def test_start_page_of_a_role_not_held_is_404(client_for, cast_a, cast_b):
    client = client_for(cast_a.teacher)
    assert client.get(reverse("start", kwargs={"school_id": cast_a.school.pk, "role": Role.AF})).status_code == 404
    assert client.get(reverse("start", kwargs={"school_id": cast_b.school.pk, "role": Role.TEACHER})).status_code == 404


def test_user_without_role_is_told_so(client_for, db):
    response = client_for(factories.UserFactory()).get(reverse("home"))
    assert "heeft nog geen rol" in response.content.decode()


def test_logout_requires_post_and_ends_the_session(client_for, cast_a):
    client = client_for(cast_a.ib)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_english_is_available_by_choice(client_for, cast_a):
    client = client_for(cast_a.ib)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("start", kwargs={"school_id": cast_a.school.pk, "role": Role.IB})).content.decode()
    assert '<html lang="en">' in html
    assert "Log out" in html


def test_browser_language_does_not_override_dutch(anon_client, db):
    html = anon_client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="nl">' in html
