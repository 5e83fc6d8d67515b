"""Reads of a school's reference data."""

from django.db.models import QuerySet

from accounts.models import User
from schools.models import School, SocialMapEntry


def school_get_for_member(*, user: User, school_id: int) -> School | None:
    """The school if the user works there (any role); ``None`` otherwise (the view answers 404)."""
    return School.objects.filter(pk=school_id, memberships__user=user).select_related("board").distinct().first()


def social_map_for_school(*, school: School, include_inactive: bool = False) -> QuerySet[SocialMapEntry]:
    """The partners that apply to ``school``: national, its board's and its own entries."""
    qs = SocialMapEntry.objects.for_school(school).select_related("board", "school")
    return qs if include_inactive else qs.filter(active=True)
