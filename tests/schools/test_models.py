"""The school's people: memberships with a role per school, groups with their teachers, pupils."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cases import selectors
from schools.admin import ClassGroupForm
from schools.models import Membership, Role
from tests import factories


def test_one_person_may_hold_different_roles_at_different_schools(cast_a, cast_b):
    person = factories.UserFactory(username="wisselaar")
    factories.MembershipFactory(user=person, school=cast_a.school, role=Role.IB)
    factories.MembershipFactory(user=person, school=cast_b.school, role=Role.TEACHER)
    roles = {(m.school.name, m.role) for m in selectors.membership_list_for_user(user=person)}
    assert roles == {("School A", Role.IB), ("School B", Role.TEACHER)}


def test_the_same_role_twice_at_one_school_is_refused(cast_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=cast_a.ib, school=cast_a.school, role=Role.IB)


def test_an_unknown_role_is_refused_by_the_database(cast_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=cast_a.ib, school=cast_a.school, role="director")


def test_memberships_are_listed_with_the_most_responsible_role_first(cast_a):
    factories.MembershipFactory(user=cast_a.af, school=cast_a.school, role=Role.TEACHER)
    roles = [m.role for m in selectors.membership_list_for_user(user=cast_a.af)]
    assert roles == [Role.AF, Role.TEACHER]


def test_only_teachers_of_the_school_can_teach_a_group(cast_a, cast_b):
    form = ClassGroupForm(
        data={"school": cast_a.school.pk, "name": "groep 8", "teachers": [cast_a.teacher.pk, cast_b.teacher.pk]}
    )
    assert not form.is_valid()
    assert "teachers" in form.errors
    assert str(cast_b.teacher) in form.errors["teachers"][0]
    ok = ClassGroupForm(data={"school": cast_a.school.pk, "name": "groep 8", "teachers": [cast_a.teacher.pk]})
    assert ok.is_valid(), ok.errors


def test_a_pupil_cannot_be_placed_in_another_schools_group(cast_a, cast_b):
    pupil = factories.PupilFactory(class_group=cast_a.group1)
    pupil.class_group = cast_b.group1
    with pytest.raises(ValidationError) as exc:
        pupil.full_clean()
    assert "class_group" in exc.value.message_dict


def test_a_pupil_system_id_is_unique_within_a_school_only(cast_a, cast_b):
    factories.PupilFactory(class_group=cast_a.group1, pupil_system_id="123")
    factories.PupilFactory(class_group=cast_b.group1, pupil_system_id="123")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.PupilFactory(class_group=cast_a.group2, pupil_system_id="123")


def test_date_of_birth_in_the_future_is_refused(cast_a):
    pupil = factories.PupilFactory.build(
        class_group=cast_a.group1, school=cast_a.school, date_of_birth=datetime.date.today() + datetime.timedelta(1)
    )
    with pytest.raises(ValidationError) as exc:
        pupil.full_clean()
    assert "date_of_birth" in exc.value.message_dict


def test_household_member_minor_is_computed_from_date_of_birth(cast_a):
    today = datetime.date.today()
    child = factories.HouseholdMemberFactory.build(date_of_birth=today.replace(year=today.year - 5))
    adult = factories.HouseholdMemberFactory.build(date_of_birth=today.replace(year=today.year - 30))
    unknown = factories.HouseholdMemberFactory.build(date_of_birth=None)
    assert (child.is_minor, adult.is_minor, unknown.is_minor) == (True, False, None)


def test_teacher_sees_only_pupils_of_own_groups(cast_a):
    mine = factories.PupilFactory(class_group=cast_a.group1)
    factories.PupilFactory(class_group=cast_a.group2)
    pupils = list(selectors.pupil_list_for_teacher(user=cast_a.teacher, school_id=cast_a.school.pk))
    assert pupils == [mine]
