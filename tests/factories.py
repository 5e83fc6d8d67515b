import datetime

import factory
from factory.django import DjangoModelFactory

from cases.models import Board, ClassGroup, Guardian, HouseholdMember, Membership, Pupil, Role, School, User

PASSWORD = "test-wachtwoord-123"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"gebruiker{n}")
    first_name = factory.Sequence(lambda n: f"Voornaam{n}")
    last_name = factory.Sequence(lambda n: f"Achternaam{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    password = factory.django.Password(PASSWORD)


class BoardFactory(DjangoModelFactory):
    class Meta:
        model = Board

    name = factory.Sequence(lambda n: f"Stichting Proef {n}")


class SchoolFactory(DjangoModelFactory):
    class Meta:
        model = School

    board = factory.SubFactory(BoardFactory)
    name = factory.Sequence(lambda n: f"Proefschool {n}")
    brin = factory.Sequence(lambda n: f"{10 + n % 90:02d}Z{chr(65 + n // 90 % 26)}")


class ClassGroupFactory(DjangoModelFactory):
    class Meta:
        model = ClassGroup

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"groep {n}")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)
    role = Role.TEACHER


class PupilFactory(DjangoModelFactory):
    class Meta:
        model = Pupil

    class_group = factory.SubFactory(ClassGroupFactory)
    school = factory.LazyAttribute(lambda p: p.class_group.school)
    first_name = factory.Sequence(lambda n: f"Leerling{n}")
    last_name = factory.Sequence(lambda n: f"Proefnaam{n}")
    date_of_birth = datetime.date(2018, 5, 17)
    pupil_system_id = factory.Sequence(lambda n: f"P{100000 + n}")


class GuardianFactory(DjangoModelFactory):
    class Meta:
        model = Guardian

    pupil = factory.SubFactory(PupilFactory)
    name = factory.Sequence(lambda n: f"Ouder Proef{n}")
    relation = Guardian.Relation.PARENT
    has_parental_authority = True


class HouseholdMemberFactory(DjangoModelFactory):
    class Meta:
        model = HouseholdMember

    pupil = factory.SubFactory(PupilFactory)
    name = factory.Sequence(lambda n: f"Broer Proef{n}")
    relation = HouseholdMember.Relation.SIBLING
