"""``permissions.case_queryset_for_user`` writes out the visibility subquery over guardian's direct-foreign-key
tables instead of calling guardian's ``get_objects_for_user``: here both are compared, case by case, for every user
of two schools and every case permission, in situations that could tell them apart — cases opened by a teacher, by
the internal contact person and by the IB'er, a pupil who moved to another group, a case at another school, a user
who left the school (their own permissions end), an inactive user, a superuser, a model-level grant (which the
application never makes and which must not count), and grants made directly in guardian's tables to a user and to
a group outside the application's access groups."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from guardian.shortcuts import assign_perm, get_objects_for_user

from cases import permissions as perms
from cases.models import Case
from schools.models import Membership, Role
from tests import factories
from tests.conftest import CAST_ROLES


def guardian_reference(user, perm: str) -> set[int]:
    """What the application selected before: guardian's object permissions, narrowed to the user's schools."""
    schools = perms.school_ids_for_user(user)
    if not schools:
        return set()
    qs = get_objects_for_user(
        user,
        f"cases.{perm}",
        klass=Case.objects.filter(school_id__in=schools),
        accept_global_perms=False,
        with_superuser=False,
    )
    return set(qs.values_list("pk", flat=True))


def fresh(user):
    """The user without the per-request caches kept on the object."""
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def world(cast_a, cast_b):
    factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1))
    factories.open_case(cast_a.contact_person, factories.PupilFactory(class_group=cast_a.group2))
    case_ib = factories.open_case(cast_a.ib, factories.PupilFactory(class_group=cast_a.group1))
    factories.case_in_state(cast_a, "parent_talk")
    factories.case_in_state(cast_b, "consulting")
    factories.open_case(cast_b.teacher, factories.PupilFactory(class_group=cast_b.group1))
    moved = factories.PupilFactory(class_group=cast_a.group2)
    factories.open_case(cast_a.other_teacher, moved)
    moved.class_group = cast_a.group1
    moved.save()

    # A teacher who opened a case and then left school A (still working at school B).
    leaver = factories.UserFactory(username="leaver")
    factories.MembershipFactory(user=leaver, school=cast_a.school, role=Role.TEACHER)
    factories.MembershipFactory(user=leaver, school=cast_b.school, role=Role.TEACHER)
    cast_a.group1.teachers.add(leaver)
    factories.open_case(leaver, factories.PupilFactory(class_group=cast_a.group1))
    Membership.objects.filter(user=leaver, school=cast_a.school).delete()

    inactive = factories.UserFactory(username="inactive")
    factories.MembershipFactory(user=inactive, school=cast_a.school, role=Role.IB)
    inactive.is_active = False
    inactive.save()

    superuser = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    factories.MembershipFactory(user=superuser, school=cast_b.school, role=Role.TEACHER)

    # A model-level grant (never made by the application): must not count.
    cast_b.other_teacher.user_permissions.add(
        Permission.objects.get(content_type=ContentType.objects.get_for_model(Case), codename=perms.VIEW)
    )
    # Grants straight into guardian's tables: to a user on a case of their school and on one of another school, and
    # to a group that is not one of the application's access groups.
    assign_perm(f"cases.{perms.WEIGH}", cast_a.teacher, case_ib)
    assign_perm(f"cases.{perms.VIEW}", cast_a.teacher, Case.objects.filter(school=cast_b.school).first())
    extra = Group.objects.create(name="not an access group")
    extra.user_set.add(cast_a.other_teacher)
    assign_perm(f"cases.{perms.DECIDE}", extra, case_ib)

    users = [cast.by_role(role) for cast in (cast_a, cast_b) for role in CAST_ROLES]
    return users + [leaver, inactive, superuser]


@pytest.mark.parametrize("perm", perms.ALL_CASE_PERMISSIONS)
def test_the_written_out_subquery_selects_what_guardian_selects(world, perm):
    seen_any = False
    for user in world:
        expected = guardian_reference(fresh(user), perm)
        got = set(perms.case_queryset_for_user(fresh(user), perm).values_list("pk", flat=True))
        assert got == expected, (user.username, perm)
        seen_any |= bool(expected)
    assert seen_any  # the comparison is not between two empty sets


def test_grants_outside_the_users_schools_or_at_model_level_do_not_count(world, cast_a, cast_b):
    teacher_b_other = fresh(cast_b.other_teacher)  # holds view_case at model level only
    assert not perms.case_queryset_for_user(teacher_b_other).exists()
    teacher_a = fresh(cast_a.teacher)  # holds view_case on a case of school B, where they do not work
    assert not perms.case_queryset_for_user(teacher_a).filter(school=cast_b.school).exists()
    assert perms.case_queryset_for_user(teacher_a, perms.WEIGH).count() == 1  # the direct grant at school A
    assert perms.case_queryset_for_user(fresh(cast_a.other_teacher), perms.DECIDE).count() == 1  # via a group
    leaver = next(u for u in world if u.username == "leaver")
    assert not perms.case_queryset_for_user(fresh(leaver)).filter(school=cast_a.school).exists()
    inactive = next(u for u in world if u.username == "inactive")
    assert not perms.case_queryset_for_user(fresh(inactive)).exists()
