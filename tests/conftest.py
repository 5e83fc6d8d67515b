"""The standard cast: for schools A and B each, a teacher of group 1, a teacher of another group, an IB'er and an
aandachtsfunctionaris; plus an anonymous client. Invented names only."""

from dataclasses import dataclass

import pytest
from django.test import Client

from accounts.models import User
from schools.models import ClassGroup, Role, School
from tests import factories
from tests.otp import login_verified


@dataclass
class SchoolCast:
    school: School
    group1: ClassGroup
    group2: ClassGroup
    teacher: User  # teaches group 1
    other_teacher: User  # teaches group 2
    contact_person: User
    ib: User
    af: User

    def by_role(self, name: str) -> User:
        return getattr(self, name)


CAST_ROLES = ["teacher", "other_teacher", "contact_person", "ib", "af"]


def make_school_cast(letter: str, board=None) -> SchoolCast:
    school = factories.SchoolFactory(name=f"School {letter}", **({"board": board} if board else {}))
    group1 = factories.ClassGroupFactory(school=school, name="groep 1")
    group2 = factories.ClassGroupFactory(school=school, name="groep 2")
    users = {}
    for name, role in [
        ("teacher", Role.TEACHER),
        ("other_teacher", Role.TEACHER),
        ("contact_person", Role.CONTACT_PERSON),
        ("ib", Role.IB),
        ("af", Role.AF),
    ]:
        user = factories.UserFactory(username=f"{name}-{letter.lower()}")
        factories.MembershipFactory(user=user, school=school, role=role)
        users[name] = user
    group1.teachers.add(users["teacher"])
    group2.teachers.add(users["other_teacher"])
    return SchoolCast(school=school, group1=group1, group2=group2, **users)


@pytest.fixture
def cast_a(db) -> SchoolCast:
    return make_school_cast("A")


@pytest.fixture
def cast_b(db, cast_a) -> SchoolCast:
    return make_school_cast("B", board=cast_a.school.board)


@pytest.fixture
def anon_client() -> Client:
    return Client()


@pytest.fixture
def client_for():
    """Log a user in on a fresh client, second factor passed: ``client_for(cast_a.ib)``."""

    def make(user: User) -> Client:
        return login_verified(Client(), user)

    return make


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
