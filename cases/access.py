"""Who is in which access group, and which groups and users hold permissions on a case.

Derived state, kept in step by idempotent sync functions:
- ``access_sync_user(user)``: the user's access groups follow from their memberships and the groups they teach.
- ``case_sync_permissions(case)``: a case's object permissions follow from its school, its pupils' class groups
  and who opened it.

They run whenever a membership, a group's teachers or a pupil's group changes (receivers below, so that the
admin, imports and the shell all keep access right), and when a case is opened. ``manage.py sync_access``
recomputes everything.
"""

from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from accounts.models import User
from cases import permissions as perms
from cases.models import (
    AccessGroup,
    Case,
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    Route,
    SuspectedStaff,
)
from schools.models import ClassGroup, Membership, Pupil, Role


def role_group(school_id: int, role: str) -> Group:
    access = AccessGroup.objects.filter(school_id=school_id, role=role, class_group__isnull=True).first()
    if access:
        return access.group
    group = Group.objects.create(name=f"school {school_id} — {role}")
    AccessGroup.objects.create(group=group, school_id=school_id, role=role)
    return group


def class_group_access_group(class_group: ClassGroup) -> Group:
    access = AccessGroup.objects.filter(class_group=class_group).first()
    if access:
        return access.group
    group = Group.objects.create(name=f"school {class_group.school_id} — groep {class_group.pk} — leerkrachten")
    AccessGroup.objects.create(group=group, school_id=class_group.school_id, class_group=class_group)
    return group


def access_sync_user(user: User) -> None:
    """Put the user in exactly the access groups their memberships and teaching give them (a board contact: none;
    their access is to route B cases only, as a person: ``case_sync_permissions``)."""
    memberships = list(Membership.objects.filter(user=user))
    wanted: set[int] = {role_group(m.school_id, m.role).pk for m in memberships if m.role in perms.ROLE_PERMISSIONS}
    teacher_schools = {m.school_id for m in memberships if m.role == Role.TEACHER}
    for class_group in ClassGroup.objects.filter(teachers=user, school_id__in=teacher_schools):
        wanted.add(class_group_access_group(class_group).pk)
    managed = set(Group.objects.filter(user=user, access__isnull=False).values_list("pk", flat=True))
    if managed - wanted:
        user.groups.remove(*(managed - wanted))
    if wanted - managed:
        user.groups.add(*(wanted - managed))
    for kept in ("_meldcode_school_ids", "_meldcode_memberships"):  # per-request caches
        user.__dict__.pop(kept, None)
    # The opener's own permissions end when they no longer work at the school.
    schools = {m.school_id for m in memberships}
    CaseUserObjectPermission.objects.filter(user=user).exclude(content_object__school_id__in=schools).delete()


def _permission_ids(codenames: Iterable[str]) -> dict[str, int]:
    content_type = ContentType.objects.get_for_model(Case)
    return dict(
        Permission.objects.filter(content_type=content_type, codename__in=list(codenames)).values_list("codename", "pk")
    )


def suspected_staff_ids(case: Case) -> set[int]:
    """The users named in the case as the suspected member of staff (route B)."""
    return set(
        SuspectedStaff.objects.filter(case=case, staff_member__isnull=False).values_list("staff_member_id", flat=True)
    )


def route_b_readers(case: Case) -> dict[int, set[str]]:
    """Route B: who holds which roles (of ``perms.ROUTE_B_ROLE_PERMISSIONS``) at the case's school, by user id, leaving
    out every person named as suspected."""
    named = suspected_staff_ids(case)
    readers: dict[int, set[str]] = {}
    rows = Membership.objects.filter(
        school_id=case.school_id, role__in=list(perms.ROUTE_B_ROLE_PERMISSIONS), user__is_active=True
    ).values_list("user_id", "role")
    for user_id, role in rows:
        if user_id not in named:
            readers.setdefault(user_id, set()).add(role)
    return readers


def route_b_owner(case: Case) -> User | None:
    """Who owns a route B case: the school's aandachtsfunctionaris who is not suspected (the first, when there are
    several); when every one of them is named, the board contact takes the case (domain.md §9.3)."""
    readers = route_b_readers(case)
    for role in (Role.AF, Role.BOARD):
        ids = sorted(user_id for user_id, roles in readers.items() if role in roles)
        if ids:
            return User.objects.get(pk=ids[0])
    return None


def case_sync_permissions(case: Case) -> None:
    """Grant exactly the object permissions the case should have, and remove any others."""
    ids = _permission_ids(perms.ALL_CASE_PERMISSIONS)
    if case.route == Route.B:
        # The staff route: persons only, never a group (a group would include a suspected member of staff).
        wanted_users = {
            (user_id, ids[c])
            for user_id, roles in route_b_readers(case).items()
            for role in roles
            for c in perms.ROUTE_B_ROLE_PERMISSIONS[role]
        }
        _sync_rows(CaseGroupObjectPermission, "group_id", case, set())
        _sync_rows(CaseUserObjectPermission, "user_id", case, wanted_users)
        return
    wanted_groups: set[tuple[int, int]] = set()
    for role, codenames in perms.ROLE_PERMISSIONS.items():
        group = role_group(case.school_id, role)
        wanted_groups |= {(group.pk, ids[c]) for c in codenames}
    for class_group in ClassGroup.objects.filter(pupils__cases=case).distinct():
        group = class_group_access_group(class_group)
        wanted_groups |= {(group.pk, ids[c]) for c in perms.CLASS_TEACHER_PERMISSIONS}
    wanted_users: set[tuple[int, int]] = set()
    opener_roles = perms.roles_at_school(case.opened_by, case.school_id)
    if opener_roles and not opener_roles & set(perms.ROLE_PERMISSIONS):
        wanted_users |= {(case.opened_by_id, ids[c]) for c in perms.OPENER_PERMISSIONS}

    _sync_rows(CaseGroupObjectPermission, "group_id", case, wanted_groups)
    _sync_rows(CaseUserObjectPermission, "user_id", case, wanted_users)


def _sync_rows(model, holder_field: str, case: Case, wanted: set[tuple[int, int]]) -> None:
    existing = {
        (holder, permission): pk
        for pk, holder, permission in model.objects.filter(content_object=case).values_list(
            "pk", holder_field, "permission_id"
        )
    }
    extra = [pk for key, pk in existing.items() if key not in wanted]
    if extra:
        model.objects.filter(pk__in=extra).delete()
    missing = wanted - set(existing)
    if missing:
        model.objects.bulk_create(
            [model(content_object=case, permission_id=p, **{holder_field: h}) for h, p in missing]
        )


def sync_all() -> None:
    with transaction.atomic():
        for user in User.objects.all():
            access_sync_user(user)
        for case in Case.objects.select_related("opened_by"):
            case_sync_permissions(case)


# --- Keep access in step with every change of memberships, teachers and pupils' groups ------------------------


@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
def _membership_changed(sender, instance: Membership, **kwargs):
    if kwargs.get("raw"):
        return  # loaddata: load_demo and sync_access call access_sync_user afterwards
    _sync_user_now(instance.user_id, instance.school_id)


def _sync_user_now(user_id: int, school_id: int | None = None) -> None:
    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        access_sync_user(user)
        for case in Case.objects.filter(opened_by=user):
            case_sync_permissions(case)
    if school_id is not None:
        # Route B cases are held by persons (``case_sync_permissions``): a role given or taken at the school changes
        # who holds them. There are few of them.
        for case in Case.objects.filter(school_id=school_id, route=Route.B):
            case_sync_permissions(case)


@receiver(m2m_changed, sender=ClassGroup.teachers.through)
def _teachers_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if reverse:  # user.class_groups.add(...)
        access_sync_user(instance)
        return
    users = User.objects.filter(pk__in=pk_set) if pk_set else User.objects.none()
    if action == "post_clear":
        users = User.objects.filter(groups__access__class_group=instance)
    for user in users:
        access_sync_user(user)


@receiver(pre_save, sender=Pupil)
def _remember_old_group(sender, instance: Pupil, **kwargs):
    if kwargs.get("raw") or instance.pk is None:
        return
    instance._old_class_group_id = Pupil.objects.filter(pk=instance.pk).values_list("class_group_id", flat=True).first()


@receiver(post_save, sender=Pupil)
def _pupil_moved(sender, instance: Pupil, created, **kwargs):
    if kwargs.get("raw") or created:
        return
    if getattr(instance, "_old_class_group_id", instance.class_group_id) != instance.class_group_id:
        for case in instance.cases.all():
            case_sync_permissions(case)
