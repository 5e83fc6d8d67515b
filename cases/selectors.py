"""Reads that pages need, filtered by what the user may see."""

from django.db.models import Count, QuerySet

from cases.models import ClassGroup, Membership, Pupil, Role, User

# Order in which a person's roles are offered when they hold several.
ROLE_ORDER = [Role.AF, Role.IB, Role.CONTACT_PERSON, Role.TEACHER]


def membership_list_for_user(*, user: User) -> list[Membership]:
    memberships = list(Membership.objects.filter(user=user).select_related("school"))
    memberships.sort(key=lambda m: (m.school.name, ROLE_ORDER.index(m.role)))
    return memberships


def membership_get_for_user(*, user: User, school_id: int, role: str) -> Membership | None:
    return Membership.objects.filter(user=user, school_id=school_id, role=role).select_related("school").first()


def class_group_list_for_teacher(*, user: User, school_id: int) -> QuerySet[ClassGroup]:
    return (
        ClassGroup.objects.filter(school_id=school_id, teachers=user)
        .annotate(pupil_count=Count("pupils"))
        .order_by("name")
    )


def class_group_list_for_school(*, school_id: int) -> QuerySet[ClassGroup]:
    return (
        ClassGroup.objects.filter(school_id=school_id)
        .annotate(pupil_count=Count("pupils"))
        .prefetch_related("teachers")
        .order_by("name")
    )


def pupil_list_for_teacher(*, user: User, school_id: int) -> QuerySet[Pupil]:
    return (
        Pupil.objects.filter(school_id=school_id, class_group__teachers=user, left_on__isnull=True)
        .select_related("class_group")
        .order_by("class_group__name", "last_name", "first_name")
    )
