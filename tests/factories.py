import datetime

import factory
from factory.django import DjangoModelFactory

from accounts.models import User
from schools.models import Board, ClassGroup, Guardian, HouseholdMember, Membership, Pupil, Role, School

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


# --- Cases, through the services (so permissions and the chronology are as in production) ---------------------


def signal_data(**overrides) -> dict:
    data = {
        "observed_on": datetime.date(2026, 11, 2),
        "place": "speelplein",
        "situation": "kleine pauze",
        "others_present": "A.B.",
        "kind": "fact",
        "description": "Blauwe plek van ongeveer 4 cm op de linkeronderarm.",
        "frequency": "once",
        "source": "own",
        "categories": ["physical"],
        "items": ["physical.bruises"],
    }
    data.update(overrides)
    return data


def make_signal(**overrides):
    from cases.models import Signal

    return Signal(**signal_data(**overrides))


def open_case(user, pupil, route="A", **signal_overrides):
    from cases import services

    return services.case_open(
        user=user, school=pupil.school, pupils=[pupil], route=route, signal=make_signal(**signal_overrides)
    )


def add_consultation(user, case, **overrides):
    from cases import permissions, services
    from cases.models import Consultation

    data = {
        "kind": "colleague",
        "held_on": datetime.date(2026, 11, 3),
        "participants": "IB'er, leerkracht",
        "question": "Hoe verder?",
        "advice": "Gesprek met ouders plannen.",
    }
    data.update(overrides)
    # How the child was discussed (domain.md §9.7): among colleagues within the school, or else anonymously.
    internal = data["kind"] in Consultation.INTERNAL_KINDS and not data.get("partner") and not data.get("organisation")
    data.setdefault("sharing", "internal" if internal else "anonymous")
    return services.entry_record(user=user, case=case, entry=Consultation(**data), permission=permissions.CONSULT)


def add_flag_assessment(user, case, **overrides):
    """A vlaggensysteem assessment (route C), as the IB'er records it."""
    from cases import permissions, services
    from cases.models import FlagAssessment

    criteria = ["consent", "voluntariness", "equality", "development", "context", "self_respect"]
    data = {"kind": "individual", "flag": "yellow", **dict.fromkeys(criteria, "unclear")}
    data.update(overrides)
    return services.entry_record(user=user, case=case, entry=FlagAssessment(**data), permission=permissions.CONSULT)


def add_conversation(user, case, report="Verslag van het gesprek.", **overrides):
    from cases import permissions, services
    from cases.models import ParentConversation

    data = {
        "held_on": datetime.date(2026, 11, 4),
        "attendees": "moeder, IB'er, leerkracht",
        "purpose_explained": True,
        "recognition": "partly",
        "reaction": "Moeder schrok.",
        "report": report,
    }
    data.update(overrides)
    return services.entry_record(
        user=user, case=case, entry=ParentConversation(**data), permission=permissions.TALK_PARENTS
    )


def advance(user, case, name):
    from cases import services
    from cases.models import Case

    current = Case.objects.get(pk=case.pk)
    return services.case_transition(user=user, case_id=case.pk, name=name, expected_state=current.state)


def case_in_state(cast, state: str, pupil=None, route: str = "A"):
    """A case of ``cast``'s school about a pupil of group 1, walked to ``state`` through the services."""
    pupil = pupil or PupilFactory(class_group=cast.group1)
    case = open_case(cast.teacher, pupil, route=route)
    if state == "signalling":
        return case
    advance(cast.teacher, case, "to_consulting")
    if state == "consulting":
        return case
    add_consultation(cast.ib, case)
    advance(cast.ib, case, "to_parent_talk")
    if state == "parent_talk":
        return case
    add_conversation(cast.ib, case)
    advance(cast.ib, case, "to_weighing")
    assert state == "weighing", state
    return case
