"""Access follows the school's organisation at once, with no manual step (docs/design.md; cases/access.py): who
teaches which group, which group a pupil is in, who works at the school in which role, and whether the account is
active. Every check loads the user afresh, as a new request would."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from cases import permissions as perms
from cases import services
from cases.models import AccessGroup, Case, CaseGroupObjectPermission, CaseUserObjectPermission, Transition
from schools.models import Membership, Role
from tests import factories

needs_sync_access = pytest.mark.skipif(
    not (Path(__file__).resolve().parents[2] / "cases/management/commands/sync_access.py").exists(),
    reason="manage.py sync_access does not exist (yet).",
)


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def visible(user: User, perm: str = perms.VIEW) -> set[int]:
    return set(perms.case_queryset_for_user(fresh(user), perm).values_list("pk", flat=True))


def can(user: User, perm: str, case: Case) -> bool:
    return perms.can(fresh(user), perm, Case.objects.get(pk=case.pk))


def page_status(client_for, user: User, case: Case) -> int:
    return client_for(user).get(reverse("cases:case-detail", kwargs={"pk": case.pk})).status_code


def new_staff(school, role: str, username: str) -> User:
    user = factories.UserFactory(username=username)
    factories.MembershipFactory(user=user, school=school, role=role)
    return user


# --- (a) Teaching a group -------------------------------------------------------------------------------------


def test_a_teacher_added_to_a_group_sees_its_cases_at_once_and_loses_them_when_removed(cast_a, client_for):
    case = factories.open_case(cast_a.ib, factories.PupilFactory(class_group=cast_a.group1))
    newcomer = new_staff(cast_a.school, Role.TEACHER, "invaller")
    assert visible(newcomer) == set()
    assert page_status(client_for, newcomer, case) == 404

    cast_a.group1.teachers.add(newcomer)
    assert visible(newcomer) == {case.pk}
    assert visible(newcomer, perms.ADD_SIGNAL) == {case.pk}
    assert can(newcomer, perms.ADD_SIGNAL, case)
    assert not can(newcomer, perms.TO_CONSULTING, case)  # a class teacher who did not open it
    assert page_status(client_for, newcomer, case) == 200

    cast_a.group1.teachers.remove(newcomer)
    assert visible(newcomer) == set()
    assert not can(newcomer, perms.VIEW, case)
    assert page_status(client_for, newcomer, case) == 404


def test_adding_a_group_from_the_teachers_side_works_too(cast_a):
    case = factories.open_case(cast_a.ib, factories.PupilFactory(class_group=cast_a.group1))
    newcomer = new_staff(cast_a.school, Role.TEACHER, "invaller")
    newcomer.class_groups.add(cast_a.group1)
    assert visible(newcomer) == {case.pk}
    newcomer.class_groups.remove(cast_a.group1)
    assert visible(newcomer) == set()
    newcomer.class_groups.add(cast_a.group1)
    newcomer.class_groups.clear()
    assert visible(newcomer) == set()


def test_clearing_a_groups_teachers_removes_their_access(cast_a):
    case = factories.open_case(cast_a.ib, factories.PupilFactory(class_group=cast_a.group1))
    second = new_staff(cast_a.school, Role.TEACHER, "duo-collega")
    cast_a.group1.teachers.add(second)
    assert visible(cast_a.teacher) == visible(second) == {case.pk}
    cast_a.group1.teachers.clear()
    assert visible(cast_a.teacher) == visible(second) == set()


def test_teaching_a_group_gives_nothing_without_the_teacher_role_at_that_school(cast_a):
    case = factories.open_case(cast_a.ib, factories.PupilFactory(class_group=cast_a.group1))
    # An internal contact person (no teacher role) put in a group's teacher list gets no class access.
    cast_a.group1.teachers.add(cast_a.contact_person)
    assert case.pk not in visible(cast_a.contact_person)
    # When they are given the teacher role as well, the group counts at once.
    factories.MembershipFactory(user=cast_a.contact_person, school=cast_a.school, role=Role.TEACHER)
    assert case.pk in visible(cast_a.contact_person)


# --- (b) A pupil moves to another group -----------------------------------------------------------------------


def test_when_a_pupil_moves_group_the_new_teacher_sees_the_case_and_the_old_one_not(cast_a, client_for):
    pupil = factories.PupilFactory(class_group=cast_a.group1)
    case = factories.open_case(cast_a.ib, pupil)
    assert case.pk in visible(cast_a.teacher)
    assert case.pk not in visible(cast_a.other_teacher)

    pupil.class_group = cast_a.group2
    pupil.save()

    assert case.pk in visible(cast_a.other_teacher)
    assert can(cast_a.other_teacher, perms.ADD_SIGNAL, case)
    assert page_status(client_for, cast_a.other_teacher, case) == 200
    assert case.pk not in visible(cast_a.teacher)
    assert not can(cast_a.teacher, perms.ADD_SIGNAL, case)
    assert page_status(client_for, cast_a.teacher, case) == 404


def test_the_opener_keeps_the_case_when_the_pupil_moves_group(cast_a):
    pupil = factories.PupilFactory(class_group=cast_a.group1)
    case = factories.open_case(cast_a.teacher, pupil)
    pupil.class_group = cast_a.group2
    pupil.save()
    assert case.pk in visible(cast_a.teacher)
    assert can(cast_a.teacher, perms.TO_CONSULTING, case)
    assert case.pk in visible(cast_a.other_teacher)


def test_a_case_about_two_pupils_is_seen_by_the_teachers_of_both_groups(cast_a):
    first = factories.PupilFactory(class_group=cast_a.group1)
    second = factories.PupilFactory(class_group=cast_a.group2)
    case = services.case_open(
        user=cast_a.ib, school=cast_a.school, pupils=[first, second], route="C", signal=factories.make_signal()
    )
    assert case.pk in visible(cast_a.teacher)
    assert case.pk in visible(cast_a.other_teacher)
    first.class_group = cast_a.group2
    first.save()
    assert case.pk not in visible(cast_a.teacher)
    assert case.pk in visible(cast_a.other_teacher)


# --- (c) A member of staff leaves -----------------------------------------------------------------------------


def test_a_teacher_who_leaves_sees_nothing_not_even_the_cases_they_opened(cast_a, client_for):
    own = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1))
    class_case = factories.open_case(cast_a.ib, factories.PupilFactory(class_group=cast_a.group1))
    assert visible(cast_a.teacher) == {own.pk, class_case.pk}
    assert CaseUserObjectPermission.objects.filter(user=cast_a.teacher).exists()

    Membership.objects.get(user=cast_a.teacher, school=cast_a.school).delete()

    assert visible(cast_a.teacher) == set()
    assert not CaseUserObjectPermission.objects.filter(user=cast_a.teacher).exists()
    assert not fresh(cast_a.teacher).groups.filter(access__isnull=False).exists()
    for case in (own, class_case):
        for perm in perms.ALL_CASE_PERMISSIONS:
            assert not can(cast_a.teacher, perm, case), perm
        assert page_status(client_for, cast_a.teacher, case) == 404
    with pytest.raises(PermissionDenied):
        services.case_transition(
            user=fresh(cast_a.teacher), case_id=own.pk, name="to_consulting", expected_state="signalling"
        )
    own = Case.objects.get(pk=own.pk)
    assert own.state == "signalling"
    assert not Transition.objects.filter(case=own, to_state="consulting").exists()
    # The others still see them.
    assert {own.pk, class_case.pk} <= visible(cast_a.ib)


def test_an_ib_who_leaves_sees_nothing_and_cannot_move_cases_on(cast_a):
    case = factories.case_in_state(cast_a, "consulting")
    factories.add_consultation(cast_a.ib, case)
    assert case.pk in visible(cast_a.ib)
    Membership.objects.filter(user=cast_a.ib).delete()
    assert visible(cast_a.ib) == set()
    with pytest.raises(PermissionDenied):
        services.case_transition(
            user=fresh(cast_a.ib), case_id=case.pk, name="to_parent_talk", expected_state="consulting"
        )
    assert Case.objects.get(pk=case.pk).state == "consulting"


def test_a_teacher_who_comes_back_gets_access_back_at_once(cast_a):
    own = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1))
    Membership.objects.get(user=cast_a.teacher, school=cast_a.school).delete()
    assert visible(cast_a.teacher) == set()
    assert not can(cast_a.teacher, perms.TO_CONSULTING, own)
    factories.MembershipFactory(user=cast_a.teacher, school=cast_a.school, role=Role.TEACHER)
    assert visible(cast_a.teacher) == {own.pk}
    # Both the group's access and the opener's own permission (only the opener may hand over) are back.
    assert can(cast_a.teacher, perms.TO_CONSULTING, own)
    assert visible(cast_a.teacher, perms.TO_CONSULTING) == {own.pk}


# --- (d) A new IB'er ------------------------------------------------------------------------------------------


def test_a_new_ib_sees_all_the_schools_cases_at_once(cast_a, cast_b, client_for):
    cases_a = {
        factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1)).pk,
        factories.open_case(cast_a.other_teacher, factories.PupilFactory(class_group=cast_a.group2)).pk,
        factories.open_case(cast_a.contact_person, factories.PupilFactory(class_group=cast_a.group2)).pk,
        factories.case_in_state(cast_a, "parent_talk").pk,
    }
    case_b = factories.open_case(cast_b.ib, factories.PupilFactory(class_group=cast_b.group1))
    newcomer = factories.UserFactory(username="nieuwe-ib")
    assert visible(newcomer) == set()

    Membership.objects.create(user=newcomer, school=cast_a.school, role=Role.IB)

    assert visible(newcomer) == cases_a
    assert visible(newcomer, perms.TO_CONSULTING) == cases_a
    assert page_status(client_for, newcomer, case_b) == 404
    assert not can(newcomer, perms.VIEW, case_b)
    signalling = Case.objects.filter(pk__in=cases_a, state="signalling").first()
    moved = services.case_transition(
        user=fresh(newcomer), case_id=signalling.pk, name="to_consulting", expected_state="signalling"
    )
    assert moved.state == "consulting"


# --- (e) Roles at two schools ---------------------------------------------------------------------------------


def test_roles_at_two_schools_give_each_schools_cases_through_that_role_only(cast_a, cast_b):
    person = factories.UserFactory(username="wisselaar")
    factories.MembershipFactory(user=person, school=cast_a.school, role=Role.TEACHER)
    factories.MembershipFactory(user=person, school=cast_b.school, role=Role.IB)
    cast_a.group1.teachers.add(person)

    a_group1 = factories.open_case(cast_a.ib, factories.PupilFactory(class_group=cast_a.group1))
    a_group2 = factories.open_case(cast_a.ib, factories.PupilFactory(class_group=cast_a.group2))
    b_group1 = factories.open_case(cast_b.teacher, factories.PupilFactory(class_group=cast_b.group1))
    b_group2 = factories.open_case(cast_b.other_teacher, factories.PupilFactory(class_group=cast_b.group2))

    assert visible(person) == {a_group1.pk, b_group1.pk, b_group2.pk}
    assert visible(person, perms.TO_CONSULTING) == {b_group1.pk, b_group2.pk}
    assert visible(person, perms.CONSULT) == {b_group1.pk, b_group2.pk}
    # At school A only what a group teacher has.
    assert {p for p in perms.ALL_CASE_PERMISSIONS if can(person, p, a_group1)} == set(perms.CLASS_TEACHER_PERMISSIONS)
    assert {p for p in perms.ALL_CASE_PERMISSIONS if can(person, p, a_group2)} == set()
    # At school B what an IB'er has.
    assert {p for p in perms.ALL_CASE_PERMISSIONS if can(person, p, b_group1)} == set(perms.ROLE_PERMISSIONS[Role.IB])

    # Leaving school B leaves school A untouched.
    Membership.objects.get(user=person, school=cast_b.school).delete()
    assert visible(person) == {a_group1.pk}


def test_a_teacher_at_two_schools_sees_only_the_groups_they_teach(cast_a, cast_b):
    person = factories.UserFactory(username="reizende-juf")
    factories.MembershipFactory(user=person, school=cast_a.school, role=Role.TEACHER)
    factories.MembershipFactory(user=person, school=cast_b.school, role=Role.TEACHER)
    cast_a.group2.teachers.add(person)
    cast_b.group1.teachers.add(person)
    cases = {
        (letter, group): factories.open_case(cast.ib, factories.PupilFactory(class_group=getattr(cast, group))).pk
        for letter, cast in (("A", cast_a), ("B", cast_b))
        for group in ("group1", "group2")
    }
    assert visible(person) == {cases["A", "group2"], cases["B", "group1"]}


# --- (f) A deactivated account --------------------------------------------------------------------------------


def test_a_deactivated_user_sees_nothing(cast_a, client_for):
    own = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1))
    class_case = factories.open_case(cast_a.ib, factories.PupilFactory(class_group=cast_a.group1))
    User.objects.filter(pk__in=[cast_a.teacher.pk, cast_a.ib.pk]).update(is_active=False)

    for user in (cast_a.teacher, cast_a.ib):
        assert visible(user) == set()
        for perm in perms.ALL_CASE_PERMISSIONS:
            assert not can(user, perm, own), (user, perm)
        response = client_for(fresh(user)).get(reverse("cases:case-detail", kwargs={"pk": class_case.pk}))
        assert response.status_code in (302, 404)
        if response.status_code == 302:
            assert reverse("login") in response["Location"]
    with pytest.raises(PermissionDenied):
        services.case_transition(
            user=fresh(cast_a.teacher), case_id=own.pk, name="to_consulting", expected_state="signalling"
        )
    assert Case.objects.get(pk=own.pk).state == "signalling"
    # Reactivated, they see their cases again without any other step.
    User.objects.filter(pk=cast_a.teacher.pk).update(is_active=True)
    assert visible(cast_a.teacher) == {own.pk, class_case.pk}


# --- One person, two roles at one school ----------------------------------------------------------------------


def test_a_person_with_two_roles_at_one_school_can_open_the_new_signal_page(cast_a, client_for):
    factories.MembershipFactory(user=cast_a.af, school=cast_a.school, role=Role.TEACHER)
    response = client_for(cast_a.af).get(reverse("cases:signal-new", kwargs={"school_id": cast_a.school.pk}))
    assert response.status_code == 200


def test_a_person_with_two_roles_at_one_school_gets_the_wider_access(cast_a):
    factories.MembershipFactory(user=cast_a.af, school=cast_a.school, role=Role.IB)
    case = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1))
    granted = {p for p in perms.ALL_CASE_PERMISSIONS if can(cast_a.af, p, case)}
    assert granted == set(perms.ROLE_PERMISSIONS[Role.IB]) | set(perms.ROLE_PERMISSIONS[Role.AF])
    Membership.objects.get(user=cast_a.af, role=Role.IB).delete()
    granted = {p for p in perms.ALL_CASE_PERMISSIONS if can(cast_a.af, p, case)}
    assert granted == set(perms.ROLE_PERMISSIONS[Role.AF])


# --- No permission at model level -----------------------------------------------------------------------------


@needs_sync_access
def test_no_user_or_group_holds_a_case_permission_at_model_level(cast_a, cast_b):
    factories.case_in_state(cast_a, "weighing")
    factories.open_case(cast_b.teacher, factories.PupilFactory(class_group=cast_b.group1))
    call_command("sync_access", verbosity=0)
    case_permissions = Permission.objects.filter(content_type__app_label="cases", content_type__model="case")
    assert not User.objects.filter(user_permissions__in=case_permissions).exists()
    assert not Group.objects.filter(permissions__in=case_permissions).exists()


# --- manage.py sync_access ------------------------------------------------------------------------------------


def access_snapshot() -> dict:
    return {
        "user_groups": set(
            User.groups.through.objects.filter(group__access__isnull=False).values_list("user_id", "group_id")
        ),
        "group_rows": set(
            CaseGroupObjectPermission.objects.values_list("pk", "group_id", "permission_id", "content_object_id")
        ),
        "user_rows": set(
            CaseUserObjectPermission.objects.values_list("pk", "user_id", "permission_id", "content_object_id")
        ),
        "access_groups": set(AccessGroup.objects.values_list("pk", "group_id", "school_id", "role", "class_group_id")),
    }


def _without_pks(snapshot: dict) -> dict:
    return {
        **snapshot,
        "group_rows": {row[1:] for row in snapshot["group_rows"]},
        "user_rows": {row[1:] for row in snapshot["user_rows"]},
    }


@pytest.fixture
def populated(cast_a, cast_b):
    factories.case_in_state(cast_a, "parent_talk")
    factories.open_case(cast_a.contact_person, factories.PupilFactory(class_group=cast_a.group2))
    factories.open_case(cast_b.teacher, factories.PupilFactory(class_group=cast_b.group1))
    two_schools = factories.UserFactory(username="wisselaar")
    factories.MembershipFactory(user=two_schools, school=cast_a.school, role=Role.AF)
    factories.MembershipFactory(user=two_schools, school=cast_b.school, role=Role.TEACHER)
    cast_b.group2.teachers.add(two_schools)


@needs_sync_access
def test_sync_access_is_idempotent_and_changes_nothing_that_is_already_right(populated):
    before = access_snapshot()
    assert before["group_rows"] and before["user_rows"] and before["user_groups"]
    call_command("sync_access", verbosity=0)
    after_first = access_snapshot()
    call_command("sync_access", verbosity=0)
    after_second = access_snapshot()
    assert after_first == before  # the receivers had kept it right: not a row changed, not even recreated
    assert after_second == after_first


@needs_sync_access
def test_sync_access_repairs_access_that_drifted(populated, cast_a, cast_b):
    before = _without_pks(access_snapshot())
    stranger = factories.UserFactory(username="buitenstaander")
    case = Case.objects.filter(school=cast_a.school).first()
    # Drift: a stray grant to an outsider, a lost group row, and a teacher dropped from their access groups.
    CaseUserObjectPermission.objects.create(
        user=stranger,
        content_object=case,
        permission=Permission.objects.get(codename=perms.VIEW, content_type__app_label="cases"),
    )
    CaseGroupObjectPermission.objects.filter(content_object=case).first().delete()
    cast_b.teacher.groups.clear()
    assert _without_pks(access_snapshot()) != before

    call_command("sync_access", verbosity=0)
    assert _without_pks(access_snapshot()) == before
    call_command("sync_access", verbosity=0)
    assert _without_pks(access_snapshot()) == before
    assert visible(stranger) == set()
