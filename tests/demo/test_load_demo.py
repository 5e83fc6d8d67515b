"""The demo data loads (twice), and every demo login documented in the README works."""

import re
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from accounts.models import User
from schools.models import ClassGroup, Guardian, Membership, Pupil, Role, School

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def demo(db):
    call_command("load_demo", verbosity=0)


def test_demo_loads_twice_without_duplicates(demo):
    counts = (User.objects.count(), Pupil.objects.count(), Guardian.objects.count())
    call_command("load_demo", verbosity=0)
    assert (User.objects.count(), Pupil.objects.count(), Guardian.objects.count()) == counts


def test_demo_has_two_schools_with_the_roles_groups_and_pupils(demo):
    assert School.objects.count() == 2
    for school in School.objects.all():
        roles = set(Membership.objects.filter(school=school).values_list("role", flat=True))
        assert {Role.TEACHER, Role.IB, Role.AF} <= roles
        groups = ClassGroup.objects.filter(school=school)
        assert groups.count() == 3
        assert all(g.teachers.exists() for g in groups)
        pupils = Pupil.objects.filter(school=school)
        assert pupils.count() >= 20
        assert not pupils.filter(guardians__isnull=True).exists()


def test_every_demo_login_in_the_readme_works(demo):
    text = README.read_text()
    password = re.search(r"password[^`]*`([^`]+)`", text, re.IGNORECASE).group(1)
    usernames = re.findall(r"^\| `([a-z0-9-]+)` \|", text, re.MULTILINE)
    assert len(usernames) >= 8
    assert set(usernames) == set(User.objects.values_list("username", flat=True))
    for username in usernames:
        request = RequestFactory().post("/inloggen/")  # the lock-out backend needs the request
        assert authenticate(request, username=username, password=password) is not None, username


def test_demo_shows_the_social_map_a_partner_a_parents_request_and_a_legal_hold(demo):
    from cases.models import AccessRequest, Case, Consultation
    from schools.models import SocialMapEntry

    for school in School.objects.all():
        kinds = set(SocialMapEntry.objects.for_school(school).values_list("kind", flat=True))
        assert {"veilig_thuis", "emergency", "inspector", "police", "school_doctor", "local_team"} <= kinds
        assert kinds >= {"school_social_work"}
    assert Consultation.objects.filter(partner__organisation="Wijkteam Vlinderwijk").exists()
    assert AccessRequest.objects.filter(handled__isnull=True, case__state="closed").exists()
    assert Case.objects.filter(legal_hold=True).exists()
    call_command("load_demo", verbosity=0)
    assert SocialMapEntry.objects.filter(organisation="Wijkteam Vlinderwijk").count() == 1
