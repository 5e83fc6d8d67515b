"""The one module that knows permission names and roles.

- Which cases may this user see: ``case_queryset_for_user`` (selectors build on it).
- May this user do X to this case: ``can(user, perm, case)``; django-fsm's ``permission=`` calls the same.

Case permissions are object permissions (django-guardian) held by the application's access groups — one per
school role, one per class group's teachers — and by the user who opened a case. They are never granted at model
level: django-fsm and ``get_objects_for_user`` would otherwise let that user act on every school's cases.
Not visible → 404; visible but not allowed → 403: ``case_for_user(user, case_id, perm)`` fetches a case that way, in
one call (the views reach it through ``selectors.case_get_for_user``).

Seeing a case is not reading all of it: which records of a visible case each role reads, and how much of them, is
the table of ``cases.visibility`` (restricted records by role).
"""

import functools
from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404

from accounts.models import User
from cases.models import Case, CaseGroupObjectPermission, CaseState, CaseUserObjectPermission
from schools.models import Membership, Pupil, Role

VIEW = "view_case"
ADD_SIGNAL = "add_signal_case"
CONSULT = "consult_case"
TALK_PARENTS = "talk_parents_case"
TO_CONSULTING = "to_consulting_case"
TO_PARENT_TALK = "to_parent_talk_case"
TO_WEIGHING = "to_weighing_case"
CONFIRM_SKIP = "confirm_skip_case"
WEIGH = "weigh_case"
DECIDE = "decide_case"
EMERGENCY_REPORT = "emergency_report_case"
PROPOSE_EMERGENCY = "propose_emergency_case"
REOPEN = "reopen_case"
ROUTE_B = "route_b_case"
VIEW_AUDIT = "view_audit_case"
EXTRACT = "extract_case"
REDACT = "redact_case"
# The staff dossier (the whole file, with a summary of its audit trail, issue 19): who sees the case's audit trail,
# the aandachtsfunctionaris. Handing a case over to another school: who decides on the case, the same person. Names of
# their own (the views and services ask for these), granted as the permissions they stand for.
STAFF_DOSSIER = VIEW_AUDIT
TRANSFER = DECIDE

# What each holder of access gets on a case of its school.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    # The IB'er runs steps 2-3; when the aandachtsfunctionaris cannot be reached, the IB'er may make an emergency
    # report (domain.md §4).
    Role.IB: [
        VIEW,
        ADD_SIGNAL,
        CONSULT,
        TALK_PARENTS,
        TO_CONSULTING,
        TO_PARENT_TALK,
        TO_WEIGHING,
        EMERGENCY_REPORT,
        PROPOSE_EMERGENCY,
        REOPEN,
        EXTRACT,
    ],
    # The aandachtsfunctionaris weighs and decides (steps 4-5), closes, and handles the staff route.
    Role.AF: [
        VIEW,
        ADD_SIGNAL,
        CONSULT,
        TALK_PARENTS,
        CONFIRM_SKIP,
        WEIGH,
        DECIDE,
        EMERGENCY_REPORT,
        REOPEN,
        ROUTE_B,
        VIEW_AUDIT,
        EXTRACT,
        REDACT,
    ],
}
# Route B (a member of staff suspected, domain.md §9.3): the case belongs to the board and the
# aandachtsfunctionaris. Its permissions are held by persons, not by the role groups (``cases.access``): the
# school's aandachtsfunctionarissen, IB'ers and board contacts who are not named in it as suspected. The class
# teachers and the person who reported it get nothing; a person named as suspected gets nothing, whatever their role.
ROUTE_B_ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.AF: ROLE_PERMISSIONS[Role.AF],
    # The IB'er sees the case and may add what they learn; the staff route's steps are the board's and the AF's.
    Role.IB: [VIEW, ADD_SIGNAL],
    # The board contact informs, consults the confidential inspector, decides on the police report and closes; they
    # take the case when the aandachtsfunctionaris is the one suspected.
    Role.BOARD: [VIEW, ADD_SIGNAL, ROUTE_B, DECIDE, VIEW_AUDIT],
}
# The teachers of a group in which a pupil of the case sits: they see it, add signals, may propose an emergency.
CLASS_TEACHER_PERMISSIONS = [VIEW, ADD_SIGNAL, PROPOSE_EMERGENCY]
# The person who opened the case (a teacher or the internal contact person), as long as they work at the school.
OPENER_PERMISSIONS = [VIEW, ADD_SIGNAL, TO_CONSULTING, PROPOSE_EMERGENCY]

ALL_CASE_PERMISSIONS = sorted(
    {*CLASS_TEACHER_PERMISSIONS, *OPENER_PERMISSIONS, *(p for perms in ROLE_PERMISSIONS.values() for p in perms)}
)
# Roles that may open a case by recording a first signal.
OPENING_ROLES = [Role.TEACHER, Role.CONTACT_PERSON, Role.IB, Role.AF]
# Roles that may open a case about any current pupil of the school; a teacher only about the pupils of their groups.
OPENING_FOR_ANY_PUPIL_ROLES = {Role.IB, Role.AF, Role.CONTACT_PERSON}
# Who may be the case manager of a help plan: anyone at the school but a teacher (domain.md §3).
CASE_MANAGER_ROLES = [Role.IB, Role.AF, Role.CONTACT_PERSON]
# Who keeps a school's own entries of the social map: the aandachtsfunctionaris, who decides on reports and help,
# and the IB'er, who runs the consultations. Board and national entries are kept by the administrator (admin).
SOCIAL_MAP_EDITORS = {Role.AF, Role.IB}


def memberships_of_user(user: User) -> set[tuple[int, str]]:
    """(school id, role) of every role the user holds now; one query, cached on the user object."""
    if not user.is_authenticated or not user.is_active:
        return set()
    cached = getattr(user, "_meldcode_memberships", None)
    if cached is None:
        cached = set(Membership.objects.filter(user=user).values_list("school_id", "role"))
        user._meldcode_memberships = cached
    return cached


def remember_memberships(user: User, memberships) -> None:
    """Keep what ``memberships_of_user`` would read, from a list of all the user's memberships that a page has just
    read anyway (the start page lists them): one query fewer."""
    if user.is_authenticated and user.is_active and getattr(user, "_meldcode_memberships", None) is None:
        user._meldcode_memberships = {(m.school_id, m.role) for m in memberships}


def school_ids_for_user(user: User) -> set[int]:
    if not user.is_authenticated or not user.is_active:
        return set()
    cached = getattr(user, "_meldcode_school_ids", None)
    if cached is None:
        cached = {school_id for school_id, _role in memberships_of_user(user)}
        user._meldcode_school_ids = cached
    return cached


# --- Annual figures (counts only, no case content: reporting.figures) -------------------------------------------------
# The aandachtsfunctionaris sees the figures of their own school(s). There is no board role in the application: the
# administrators (staff) see the board's figures and every school's. Not at the school → 404; at the school in
# another role → 403.


def can_see_board_figures(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def figure_school_ids(user: User | AnonymousUser) -> set[int]:
    """The schools whose figures the user may see as aandachtsfunctionaris."""
    return {school_id for school_id, role in memberships_of_user(user) if role == Role.AF}


def require_school_figures(user: User, school_id: int) -> None:
    if can_see_board_figures(user) or school_id in figure_school_ids(user):
        return
    if school_id in school_ids_for_user(user):
        raise PermissionDenied
    raise Http404


def require_board_figures(user: User, school_ids: set[int]) -> None:
    if can_see_board_figures(user):
        return
    if school_ids & school_ids_for_user(user):
        raise PermissionDenied
    raise Http404


def may_see_figures(user: User | AnonymousUser) -> bool:
    """For the menu: does the user see any figures?"""
    return can_see_board_figures(user) or bool(figure_school_ids(user))


def visible_cases_q(user: User | AnonymousUser, perm: str = VIEW, *, via: str = "") -> Q:
    """The condition "the case (reached through the relation ``via`` of the filtered model, or the case itself when
    ``via`` is empty) is one that ``user`` holds ``perm`` on, at a school where they work now".

    The case's id is in a hand-written subquery over guardian's direct-foreign-key tables: the user's own object
    permissions and those of their groups — what guardian's ``get_objects_for_user(user, perm,
    accept_global_perms=False, with_superuser=False)`` selects (``tests/cases/test_permissions.py`` compares the
    two). Guardian's queryset, and the same written with the ORM, cost milliseconds of Python per query to build
    and to compile into every query that uses it — more than the database needs to run it; this is a fixed SQL
    string with parameters. The permission's row is looked up inside the query (a scalar subquery), so that the
    unique ``(holder, permission, object)`` indexes of guardian's tables are used."""
    schools = school_ids_for_user(user)
    if not schools:
        return Q(pk__in=[])
    case = via or "pk"
    school = f"{via}__school_id" if via else "school_id"
    own_sql, via_groups_sql = _visible_sql()
    params = [user.pk, perm, Case._meta.app_label, Case._meta.model_name]
    # Only names from the models' metadata are formatted into the SQL; every value is a parameter. Two
    # conditions rather than one UNION: PostgreSQL then estimates the number of visible cases far better.
    own = RawSQL(own_sql, params)  # noqa: S611
    via_groups = RawSQL(via_groups_sql, params)  # noqa: S611
    return (Q(**{f"{case}__in": own}) | Q(**{f"{case}__in": via_groups})) & Q(**{f"{school}__in": schools})


@functools.cache
def _visible_sql() -> tuple[str, str]:
    """The subqueries of ``visible_cases_q``: the cases in the user's own object permissions, and in their groups'.
    Parameters of each: user id, codename, the case model's app label and model name."""
    q = connection.ops.quote_name
    case_type = (
        f"SELECT {q('id')} FROM {q(ContentType._meta.db_table)} "  # noqa: S608
        f"WHERE {q('app_label')} = %s AND {q('model')} = %s"
    )
    permission_id = (
        f"(SELECT {q('id')} FROM {q(Permission._meta.db_table)} "  # noqa: S608
        f"WHERE {q('codename')} = %s AND {q('content_type_id')} = ({case_type}))"
    )
    groups = f"SELECT {q('group_id')} FROM {q(User.groups.through._meta.db_table)} WHERE {q('user_id')} = %s"  # noqa: S608
    own = (
        f"SELECT {q('content_object_id')} FROM {q(CaseUserObjectPermission._meta.db_table)} "  # noqa: S608
        f"WHERE {q('user_id')} = %s AND {q('permission_id')} = {permission_id}"
    )
    via_groups = (
        f"SELECT {q('content_object_id')} FROM {q(CaseGroupObjectPermission._meta.db_table)} "  # noqa: S608
        f"WHERE {q('group_id')} IN ({groups}) AND {q('permission_id')} = {permission_id}"
    )
    return own, via_groups


def case_queryset_for_user(user: User | AnonymousUser, perm: str = VIEW) -> QuerySet[Case]:
    """Every case this user holds ``perm`` on, at the schools where they work now. One query, lazy."""
    if not school_ids_for_user(user):
        return Case.objects.none()
    return Case.objects.filter(visible_cases_q(user, perm))


def can(user: User | AnonymousUser, perm: str, case: Case) -> bool:
    """May ``user`` do ``perm`` on ``case``? Only object permissions count, and only while they work there."""
    if not user.is_authenticated or not user.is_active or case.school_id not in school_ids_for_user(user):
        return False
    return perm in permissions_for(user, case)


def permissions_for(user: User, case: Case) -> set[str]:
    """All case permissions of ``user`` on ``case``: their own object permissions and their access groups', and
    nothing else — a superuser gets no case rights from being one (cached per request on the case object)."""
    cache = case.__dict__.setdefault("_meldcode_perm_cache", {})
    if user.pk not in cache:
        if case.school_id not in school_ids_for_user(user):
            cache[user.pk] = set()
        else:
            own = CaseUserObjectPermission.objects.filter(user=user, content_object=case)
            via_groups = CaseGroupObjectPermission.objects.filter(group__user=user, content_object=case)
            cache[user.pk] = set(
                own.values_list("permission__codename", flat=True).union(
                    via_groups.values_list("permission__codename", flat=True)
                )
            )
    return cache[user.pk]


def require(user: User, perm: str, case: Case) -> None:
    """Raise 403 unless ``user`` may do ``perm`` on the (visible) ``case``."""
    if not can(user, perm, case):
        raise PermissionDenied


def case_for_user(
    user: User, case_id: int, perm: str | Callable[[Case], str] = VIEW, *, queryset: QuerySet[Case] | None = None
) -> Case:
    """The case ``case_id``, for ``user`` to do ``perm`` on: not visible to them → 404 (they must not learn that it
    exists); visible but ``perm`` not theirs → 403. ``perm`` may depend on the case (a function of it, e.g.
    ``signal_permission``). ``queryset`` says how to load the case (``select_related``); only the cases in it that the
    user may see count. Seeing the case is ``VIEW``: asking for it costs no query beyond the one that fetches."""
    qs = Case.objects.all() if queryset is None else queryset
    case = qs.filter(visible_cases_q(user)).filter(pk=case_id).first()
    if case is None:
        raise Http404
    perm = perm(case) if callable(perm) else perm
    if perm != VIEW:
        require(user, perm, case)
    return case


def may_receive_transfers(user: User, school_id: int) -> bool:
    """May ``user`` accept or refuse a case handed over to the school by another school of its board: the school's
    aandachtsfunctionaris (``figure_school_ids``: their schools)."""
    return school_id in figure_school_ids(user)


def roles_at_school(user: User, school_id: int) -> set[str]:
    return set(Membership.objects.filter(user=user, school_id=school_id).values_list("role", flat=True))


def holds_a_role(user: User, school_id: int, roles) -> bool:
    """Does ``user`` hold one of ``roles`` at the school now?"""
    return bool(roles_at_school(user, school_id) & set(roles))


# --- Rules that are not one case permission ---------------------------------------------------------------------


def signal_permission(case: Case) -> str:
    """What recording a signal on ``case`` takes: a signal on a closed case reopens it."""
    return REOPEN if case.state == CaseState.CLOSED else ADD_SIGNAL


def can_mark_task_done(user: User, case: Case) -> bool:
    """A task of a help plan, or a follow-up action of a consultation, is marked done (and the open tasks are listed
    on the case page) by whoever decides on the case or consults about it."""
    return can(user, DECIDE, case) or can(user, CONSULT, case)


def may_open_case(user: User, school_id: int) -> bool:
    """May ``user`` open a case at the school (by recording a first signal)?"""
    return holds_a_role(user, school_id, OPENING_ROLES)


def pupils_for_new_case(user: User, school_id: int) -> QuerySet[Pupil]:
    """Pupils for whom this user may open a case: a teacher their own groups' pupils; the IB'er, the
    aandachtsfunctionaris and the internal contact person every current pupil of the school."""
    roles = roles_at_school(user, school_id)
    qs = Pupil.objects.filter(school_id=school_id, left_on__isnull=True).select_related("class_group")
    if roles & OPENING_FOR_ANY_PUPIL_ROLES:
        return qs
    if Role.TEACHER in roles:
        return qs.filter(class_group__teachers=user).distinct()
    return qs.none()


def may_be_case_manager(user: User, school_id: int) -> bool:
    """May ``user`` be the case manager of a help plan at the school (``CASE_MANAGER_ROLES``)?"""
    return holds_a_role(user, school_id, CASE_MANAGER_ROLES)


def can_edit_social_map(user: User, school_id: int) -> bool:
    """May ``user`` keep the school's own entries of the social map (``SOCIAL_MAP_EDITORS``)?"""
    return holds_a_role(user, school_id, SOCIAL_MAP_EDITORS)


def second_factor_resettable_users(user: User) -> QuerySet[User]:
    """Whose second factor ``user`` may reset: as aandachtsfunctionaris, their colleagues at those schools (a lost
    phone) — not themselves, and no administrator (staff or superuser): only an administrator resets an
    administrator's second factor (otherwise an aandachtsfunctionaris could clear it and, knowing the password, set up
    their own). A colleague who also holds a role at another school is reset only by someone who is
    aandachtsfunctionaris at every school the colleague works at (or by an administrator): otherwise one school could
    clear the second factor that guards another school's cases. One query for the schools; the users' query is lazy,
    and none at all when there are no schools."""
    school_ids = list(Membership.objects.filter(user=user, role=Role.AF).values_list("school_id", flat=True))
    if not school_ids:
        return User.objects.none()
    elsewhere = Membership.objects.filter(user=OuterRef("pk")).exclude(school_id__in=school_ids)
    return (
        User.objects.filter(memberships__school_id__in=school_ids, is_staff=False, is_superuser=False)
        .exclude(pk=user.pk)
        .exclude(Exists(elsewhere))
        .distinct()
    )


# --- Roles and accounts (issue 18: administrators administer, they don't read) ------------------------------------


def may_decide_role_grant(user: User, grant) -> bool:
    """May ``user`` confirm or refuse the pending role grant (``schools.models.RoleGrant``)? Never the person it is
    for, nor the one who asked for it. The school's aandachtsfunctionaris does (any of them but the grantee); only a
    school without another aandachtsfunctionaris is decided by an administrator — a second one, as the first asked."""
    if not user.is_authenticated or not user.is_active or user.pk in (grant.user_id, grant.requested_by_id):
        return False
    school_afs = set(
        Membership.objects.filter(school_id=grant.school_id, role=Role.AF, user__is_active=True)
        .exclude(user_id=grant.user_id)
        .values_list("user_id", flat=True)
    )
    if school_afs:
        return user.pk in school_afs
    return bool(user.is_staff)


def require_school_account_log(user: User, school_id: int) -> None:
    """The school's account log (roles asked for, confirmed, removed; second factors reset): its
    aandachtsfunctionaris. At the school in another role → 403; not at the school → 404."""
    if school_id in figure_school_ids(user):
        return
    if school_id in school_ids_for_user(user):
        raise PermissionDenied
    raise Http404
