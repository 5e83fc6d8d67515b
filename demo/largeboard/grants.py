"""Access groups and object permissions, inserted in bulk: exactly the rows that ``cases.access.sync_all`` would
produce (``tests/test_large_board.py`` compares them)."""

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from accounts.models import User
from cases import access
from cases import permissions as perms
from cases.models import Case, CaseGroupObjectPermission, CaseUserObjectPermission, Route
from demo.largeboard.constants import BATCH
from schools.models import Role


class GrantsMixin:
    """The access groups once, after the people; the object permissions per chunk of cases."""

    def access_groups(self) -> None:
        """Every access group that ``sync_all`` would make, through the same functions, and their members."""
        self.role_groups: dict[tuple[int, str], int] = {}
        self.class_groups: dict[int, int] = {}
        memberships_of_groups = []
        for staff in self.staff:
            for role, user in ((Role.IB, staff.ib), (Role.AF, staff.af)):
                group = access.role_group(staff.school.pk, role)
                self.role_groups[(staff.school.pk, role)] = group.pk
                memberships_of_groups.append(User.groups.through(user=user, group=group))
            for class_group, teacher in zip(staff.groups, staff.teachers, strict=True):
                group = access.class_group_access_group(class_group)
                self.class_groups[class_group.pk] = group.pk
                memberships_of_groups.append(User.groups.through(user=teacher, group=group))
        User.groups.through.objects.bulk_create(memberships_of_groups, batch_size=BATCH)
        content_type = ContentType.objects.get_for_model(Case)
        self.permission_ids = dict(
            Permission.objects.filter(content_type=content_type, codename__in=perms.ALL_CASE_PERMISSIONS).values_list(
                "codename", "pk"
            )
        )

    def permissions(self, plans: list[dict]) -> None:
        """The object permissions of these cases, as ``case_sync_permissions`` grants them."""
        ids = self.permission_ids
        group_rows, user_rows = [], []
        for plan in plans:
            case, staff = plan["case"], plan["staff"]
            if case.route == Route.B:
                # Route B is held by persons, never by a group (``access.case_sync_permissions``); the generated
                # cases name no suspected member of staff.
                user_rows += [
                    CaseUserObjectPermission(content_object=case, user=user, permission_id=ids[c])
                    for role, user in ((Role.IB, staff.ib), (Role.AF, staff.af))
                    for c in perms.ROUTE_B_ROLE_PERMISSIONS[role]
                ]
                continue
            wanted = set()
            for role, codenames in perms.ROLE_PERMISSIONS.items():
                wanted |= {(self.role_groups[(staff.school.pk, role)], ids[c]) for c in codenames}
            for class_group_id in {p.class_group_id for p in plan["pupils"]}:
                wanted |= {(self.class_groups[class_group_id], ids[c]) for c in perms.CLASS_TEACHER_PERMISSIONS}
            group_rows += [
                CaseGroupObjectPermission(content_object=case, group_id=g, permission_id=p) for g, p in wanted
            ]
            if plan["opener"] in (staff.contact, *staff.teachers):
                user_rows += [
                    CaseUserObjectPermission(content_object=case, user=plan["opener"], permission_id=ids[c])
                    for c in perms.OPENER_PERMISSIONS
                ]
        CaseGroupObjectPermission.objects.bulk_create(group_rows, batch_size=BATCH)
        CaseUserObjectPermission.objects.bulk_create(user_rows, batch_size=BATCH)
