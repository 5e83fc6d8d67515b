"""Writes of a school's reference data: its own entries of the social map (domain.md §3)."""

from django.core.exceptions import PermissionDenied

from accounts.models import User
from cases import permissions as perms
from schools.models import School, SocialMapEntry


def social_map_entry_save(*, user: User, school: School, entry: SocialMapEntry) -> SocialMapEntry:
    """Add or change an entry of the school's own social map (an ordinary change, not case data)."""
    if not perms.can_edit_social_map(user, school.pk):
        raise PermissionDenied
    if entry.pk is not None and entry.school_id != school.pk:
        raise PermissionDenied
    entry.school = school
    entry.board = None
    entry.full_clean()
    entry.save()
    return entry
