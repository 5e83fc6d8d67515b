"""Writes of a school's reference data: its own entries of the social map (domain.md §3)."""

from django.core.exceptions import PermissionDenied

from accounts.models import User
from cases import permissions as perms
from schools.models import Role, School, SocialMapEntry

# Who keeps a school's own entries of the social map: the aandachtsfunctionaris, who decides on reports and help,
# and the IB'er, who runs the consultations. Board and national entries are kept by the administrator (admin).
SOCIAL_MAP_EDITORS = {Role.AF, Role.IB}


def social_map_can_edit(*, user: User, school: School) -> bool:
    return bool(perms.roles_at_school(user, school.pk) & SOCIAL_MAP_EDITORS)


def social_map_entry_save(*, user: User, school: School, entry: SocialMapEntry) -> SocialMapEntry:
    """Add or change an entry of the school's own social map (an ordinary change, not case data)."""
    if not social_map_can_edit(user=user, school=school):
        raise PermissionDenied
    if entry.pk is not None and entry.school_id != school.pk:
        raise PermissionDenied
    entry.school = school
    entry.board = None
    entry.full_clean()
    entry.save()
    return entry
