"""Reads that pages need, filtered by what the user may see."""

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Window,
    prefetch_related_objects,
)
from django.utils import timezone

from accounts.models import User
from cases import permissions, records, signal_list, steps, visibility, workflow
from cases.models import (
    AccessRequest,
    AuditEvent,
    Case,
    CaseState,
    ConsultationAction,
    EmergencyProposal,
    HelpPlan,
    HelpTask,
    Notification,
    ParentTalkSkip,
    Signal,
    Transition,
    WeighingAnswer,
)
from cases.models.choices import choice_label
from schools.models import ClassGroup, Guardian, Membership, Pupil, Role

# Order in which a person's roles are offered when they hold several.
ROLE_ORDER = [Role.AF, Role.BOARD, Role.IB, Role.CONTACT_PERSON, Role.TEACHER]


def membership_list_for_user(*, user: User) -> list[Membership]:
    memberships = list(Membership.objects.filter(user=user).select_related("school"))
    memberships.sort(key=lambda m: (m.school.name, ROLE_ORDER.index(m.role)))
    return memberships


def case_linked_for_user(*, user: User, case: Case) -> Case | None:
    """Route B: the pupil's case beside which the staff case was opened (``Case.linked_case``), with ``visible``: may
    the user open it. No query for a case without a link."""
    if case.linked_case_id is None:
        return None
    linked = Case.objects.only("pk", "school_id", "reference").get(pk=case.linked_case_id)
    linked.visible = permissions.can(user, permissions.VIEW, linked)
    return linked


def staff_list_for_school(*, school_id: int) -> QuerySet[User]:
    """The people who hold a role at the school, by name: whom a signal about a suspected member of staff can name
    (route B). One query, lazy."""
    return (
        User.objects.filter(memberships__school_id=school_id, is_active=True)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


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


# --- Cases ----------------------------------------------------------------------------------------------------


# The pupils of each case in a list, as ``case.pupil_list`` (as ``case_get_for_user`` sets it for one case): a list,
# so that a template reads it without making a related manager and a queryset per row.
PUPIL_LIST = Prefetch(
    "pupils",
    queryset=Pupil.objects.select_related("class_group").only("first_name", "last_name", "class_group__name"),
    to_attr="pupil_list",
)
# The columns a list of cases shows (templates/cases/_case_table.html) and its deadlines need (cases.deadlines):
# a list reads no more, and makes smaller model instances.
CASE_LIST_FIELDS = (
    "reference",
    "state",
    "route",  # the compact picture of the steps (cases.steps)
    "last_activity_at",
    "school__name",
    "school__holiday_region",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
)


def attach_pupils(cases: list[Case]) -> None:
    """Set ``case.pupil_list`` on cases fetched without their pupils (``.prefetch_related(None)``): one query for
    all of them, where a page shows several lists of cases."""
    prefetch_related_objects(cases, PUPIL_LIST)


def _listed(queryset: QuerySet[Case]) -> QuerySet[Case]:
    """A queryset of cases as a list shows them: school and owner joined, the pupils prefetched."""
    return queryset.select_related("school", "owner").only(*CASE_LIST_FIELDS).prefetch_related(PUPIL_LIST)


def first_rows(queryset: QuerySet, limit: int, offset: int = 0) -> tuple[list, int]:
    """The first ``limit`` rows of ``queryset`` (after ``offset`` rows) and how many rows it has in all, in one
    query: the total is a window count (``COUNT(*) OVER ()``), computed before the limit. A start page shows the
    first rows of a list and links to the whole list on the case list."""
    rows = list(queryset.annotate(rows_in_all=Window(Count("pk")))[offset : offset + limit])
    return rows, rows[0].rows_in_all if rows else 0


def page_of(queryset: QuerySet, number, per_page: int) -> Page:
    """Page ``number`` of ``queryset``, as ``Paginator(queryset, per_page).get_page(number)`` gives it, in one query
    instead of two: the number of rows is a window count in the page's own query. Only a page past the end (or
    below 1) takes Django's way: a COUNT, then the last page."""
    paginator = Paginator(queryset, per_page)
    try:
        number = int(number)
    except (TypeError, ValueError):
        number = 1
    if number >= 1:
        bottom = (number - 1) * per_page
        rows, total = first_rows(queryset, per_page, offset=bottom)
        if rows or number == 1:
            paginator.count = total
            return Page(rows, number, paginator)
    return paginator.get_page(number)


def case_list_for_user(*, user: User, school_id: int | None = None, states: list[str] | None = None) -> QuerySet[Case]:
    """Every case the user may see (at the schools where they work), newest activity first; the pupils and the
    owner come along in a fixed number of queries."""
    qs = permissions.case_queryset_for_user(user)
    if school_id is not None:
        qs = qs.filter(school_id=school_id)
    if states:
        qs = qs.filter(state__in=states)
    return _listed(qs).order_by("-last_activity_at", "-pk")


def case_get_for_user(*, user: User, case_id: int, perm: str | Callable[[Case], str] = permissions.VIEW) -> Case:
    """The case for a page that does ``perm`` on it: 404 if the user may not see it (they must not learn that it
    exists), 403 if they see it but may not do ``perm`` (``permissions.case_for_user``)."""
    qs = Case.objects.select_related("school", "owner", "opened_by")
    case = permissions.case_for_user(user, case_id, perm, queryset=qs)
    case.pupil_list = list(case.pupils.select_related("class_group"))
    return case


@dataclass
class TimelineItem:
    kind: str
    at: object
    entry: object
    corrected_by: object = None
    # Set when the reader reads only that the record exists (``cases.visibility``): the item shows its summary.
    restricted: visibility.Restricted | None = None

    @property
    def template(self) -> str:
        return RESTRICTED_TEMPLATE if self.restricted is not None else records.KINDS[self.kind].template


# How a record that the reader may read only the summary of shows in the chronology.
RESTRICTED_TEMPLATE = "cases/timeline/_restricted.html"


def case_timeline(
    *, case: Case, reader: visibility.Reader | None = None, index: "TimelineIndex | None" = None
) -> list[TimelineItem]:
    """Every record and step change of the case, oldest first (the parent extract, the staff dossier and
    ``?pagina=alle``; the case page shows one page of it: ``case_timeline_page``). One query lists which kinds of
    record the case holds (its chronology's index: ``index``, when the caller has read it); then one query per kind
    it holds, with the parts of its items (``records.PARTS``) of the kinds it holds. With a ``reader``: as they may
    read it (``cases.visibility``: hidden records left out, restricted ones as their summary); without, all of it."""
    present = (index or timeline_index(case.pk)).kinds
    items: list[TimelineItem] = []
    for record_kind in records.CHRONOLOGY:  # in the order in which records of the same moment are shown
        if record_kind.kind not in present:
            continue
        entries = list(record_kind.queryset(present).filter(case=case))
        record_kind.without_parts(entries, present)
        corrected_by = {e.corrects_id: e for e in entries if getattr(e, "corrects_id", None)}
        items += [TimelineItem(record_kind.kind, e.recorded_at, e, corrected_by.get(e.pk)) for e in entries]
    items.sort(key=lambda item: (item.at, item.kind == "transition"))
    return visibility.apply(items, reader)


TIMELINE_PAGE_SIZE = 25


# The kinds in the chronology's index: the chronology's own, then the records shown as part of its items (which the
# index lists so that a page knows which of them the case holds: ``records.RecordKind.queryset``).
INDEXED_KINDS: list[records.RecordKind] = records.CHRONOLOGY + [k for k in records.KINDS_IN_ORDER if k.part_of]


@functools.cache
def _timeline_index_sql() -> tuple[list[str], str, list[list]]:
    """One query that lists every record of a case's chronology as (kind, id, time, corrected record's id, author's
    id, late, part, flag), in the order of ``case_timeline``: by time, a step change after the records of the same
    moment, then by kind and id; ``part`` is 1 for a record shown as part of another's item (not an item itself);
    ``flag`` is 1 when the record meets its kind's ``index_flag`` (``records.RecordKind``), else 0. Built once from
    the models' tables and the flags' conditions (compiled by the ORM, their values parameters); returns the kinds,
    the SQL and each kind's parameters before the case id (``_timeline_index_params``)."""
    from django.db import connection
    from django.db.models.sql import Query

    kinds, selects, params = [], [], []
    for index, record_kind in enumerate(INDEXED_KINDS):
        kind = record_kind.kind
        opts = record_kind.model._meta
        at = opts.get_field("at" if kind == "transition" else "recorded_at").column
        corrects = opts.get_field("corrects").column if any(f.name == "corrects" for f in opts.fields) else "NULL"
        case_column = opts.get_field("case").column
        author = opts.get_field("actor" if kind == "transition" else "author").column
        flag, flag_params = "0", ()
        if record_kind.index_flag is not None:
            # As a check constraint is compiled: the condition on the model's own columns, unqualified.
            query = Query(model=record_kind.model, alias_cols=False)
            where = query.build_where(record_kind.index_flag())
            condition, flag_params = where.as_sql(query.get_compiler(connection=connection), connection)
            flag = f"CASE WHEN {condition} THEN 1 ELSE 0 END"
        kinds.append(kind)
        params.append(list(flag_params))
        selects.append(
            f"SELECT {index} AS k, id, {at} AS at, {corrects} AS corrects_id, {author} AS author_id, "  # noqa: S608
            f"{1 if kind == 'transition' else 0} AS late, {1 if record_kind.part_of else 0} AS part, "
            f"{flag} AS flag FROM {opts.db_table} WHERE {case_column} = %s"
        )
    return kinds, " UNION ALL ".join(selects) + " ORDER BY at, late, k, id", params


def _timeline_index_params(case_id: int) -> list:
    _kinds, _sql, params = _timeline_index_sql()
    return [value for flag_params in params for value in (*flag_params, case_id)]


def _aware(at: datetime.datetime) -> datetime.datetime:
    """A time from a raw query: SQLite's driver gives the stored UTC time without its zone (the ORM adds it)."""
    return at if timezone.is_aware(at) else at.replace(tzinfo=datetime.UTC)


@dataclass
class TimelineIndex:
    """A case's chronology as its index lists it (``_timeline_index_sql``), one query whatever its length."""

    rows: list[tuple]  # (position in INDEXED_KINDS, id, time, corrected id, author id, late, part, flag), in time order
    kinds: frozenset[str]  # the kinds of record the case holds, parts of items included
    latest: dict  # kind: when its latest record was made
    flagged: list  # (kind, id, time) of the records whose ``index_flag`` is set and that no later record corrects


def timeline_index(case_id: int) -> TimelineIndex:
    from django.db import connection

    kinds, sql, _params = _timeline_index_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, _timeline_index_params(case_id))
        rows = cursor.fetchall()
    latest = {kinds[k]: _aware(at) for k, _pk, at, *_rest in rows}  # the rows are in time order: the last one wins
    corrected = {(k, corrects) for k, _pk, _at, corrects, *_rest in rows if corrects is not None}
    flagged = [(kinds[k], pk, _aware(at)) for k, pk, at, *_rest, flag in rows if flag and (k, pk) not in corrected]
    return TimelineIndex(rows=rows, kinds=frozenset(latest), latest=latest, flagged=flagged)


@dataclass
class TimelinePage:
    items: list[TimelineItem]
    page: object  # a django.core.paginator.Page (page 1 the newest), or None when everything is shown
    total: int
    kinds: frozenset[str] = frozenset()  # the kinds of record in the whole chronology, with those of its items' parts
    # When the latest record of each kind in ``kinds`` was made (the page's reader aside): what the page needs to know
    # about records it does not show, such as the latest kindcheck (``kindcheck_prompt``).
    latest: dict = field(default_factory=dict)
    # The records of the whole chronology whose ``index_flag`` is set and that no later record corrects, as (kind,
    # id, time): what ``kindcheck_prompt`` needs.
    flagged: list = field(default_factory=list)
    first: int = 1  # the place of the page's first and last item in the whole chronology (1 = the oldest)
    last: int = 0
    html: list | None = None  # the items rendered (cases.fragments), set by the view


def case_timeline_page(
    *, case: Case, page: str | None, per_page: int = TIMELINE_PAGE_SIZE, reader: visibility.Reader | None = None
) -> TimelinePage:
    """One page of the case's chronology. Pages count back from the newest records (page 1, the default, holds the
    latest ``per_page`` of them), and each page reads oldest first; ``"alle"`` gives everything on one page
    (printing). One query lists the chronology (kind and id of every record); then only the records on the page
    are loaded: one query per kind of record on the page plus its prefetches — at most as many as
    ``case_timeline`` takes, whatever the chronology's length. With a ``reader``: as they may read it
    (``cases.visibility``); a reader of their own entries only pages through their own entries."""
    index = timeline_index(case.pk)
    if page == "alle":
        items = case_timeline(case=case, reader=reader, index=index)
        return TimelinePage(
            items=items,
            page=None,
            total=len(items),
            kinds=index.kinds,
            latest=index.latest,
            flagged=index.flagged,
            last=len(items),
        )
    rows = [row for row in index.rows if not row[6]]  # the parts are read with their items
    if reader is not None and (reader.own_only or reader.role is None):
        rows = [row for row in rows if reader.own_only and reader.user_id and row[4] == reader.user_id]
    listed = [(k, pk, corrects) for k, pk, _at, corrects, _author, _late, _part, _flag in rows]
    corrector = {(k, corrects): pk for k, pk, corrects in listed if corrects is not None}  # the latest one wins
    current = Paginator(listed[::-1], per_page).get_page(page)
    on_page = current.object_list[::-1]
    wanted: dict[int, set[int]] = {}
    for k, pk, _corrects in on_page:
        wanted.setdefault(k, set()).add(pk)
        if (k, pk) in corrector:
            wanted[k].add(corrector[(k, pk)])
    loaded: dict[tuple[int, int], object] = {}
    for k, pks in wanted.items():
        record_kind = INDEXED_KINDS[k]
        entries = list(record_kind.queryset(index.kinds).filter(case=case, pk__in=pks))
        record_kind.without_parts(entries, index.kinds)
        loaded.update(((k, entry.pk), entry) for entry in entries)
    items = [
        TimelineItem(
            INDEXED_KINDS[k].kind,
            loaded[(k, pk)].recorded_at,
            loaded[(k, pk)],
            loaded.get((k, corrector.get((k, pk), -1))),
        )
        for k, pk, _corrects in on_page
    ]
    items = visibility.apply(items, reader)
    total = len(listed)
    return TimelinePage(
        items=items,
        page=current,
        total=total,
        kinds=index.kinds,
        latest=index.latest,
        flagged=index.flagged,
        first=total - current.end_index() + 1 if items else 0,
        last=total - current.start_index() + 1 if items else 0,
    )


# The kind of record (``cases.records``) of each model of the chronology, for ``readable_records``.
KIND_OF_MODEL = {k.model: k.kind for k in records.KINDS_IN_ORDER}


def readable_records(reader: visibility.Reader):
    """For a form's choices of related records (``forms.EntryForm``): a queryset of records narrowed to those that
    ``reader`` reads in full (``cases.visibility``)."""

    def narrow(queryset: QuerySet) -> QuerySet:
        kind = KIND_OF_MODEL.get(queryset.model)
        return queryset.none() if kind is None else visibility.readable(queryset, kind, reader)

    return narrow


def case_skips_awaiting_confirmation(*, case: Case) -> QuerySet[ParentTalkSkip]:
    return ParentTalkSkip.objects.filter(case=case, confirmations__isnull=True).select_related("author")


def signal_list_for_author(*, user: User, school_id: int, limit: int = 10) -> list[Signal]:
    """The ``limit`` signals this user recorded last at this school, newest first, in cases they can still see."""
    return list(
        Signal.objects.filter(permissions.visible_cases_q(user, via="case"), author=user, case__school_id=school_id)
        .select_related("case")
        .only("case_id", "observed_on", "kind", "recorded_at", "case__reference", "case__state")
        .order_by("-recorded_at", "-pk")[:limit]
    )


# --- Steps 4-5 -------------------------------------------------------------------------------------------------


def weighing_round(*, case: Case) -> list[WeighingAnswer]:
    """The answers of the current weighing round, in the order given; each with ``corrected_by``: the answer that
    corrects it, or None (it counts)."""
    start = case.weighing_round_start()
    qs = WeighingAnswer.objects.filter(case=case).select_related("author").order_by("recorded_at", "pk")
    answers = list(qs.filter(recorded_at__gte=start) if start else qs)
    correction_of = {a.corrects_id: a for a in answers if a.corrects_id}
    for answer in answers:
        answer.corrected_by = correction_of.get(answer.pk)
    return answers


def case_manager_candidates(*, case: Case) -> QuerySet[User]:
    """Who can be the case manager at school: not a teacher (domain.md §3)."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__school_id=case.school_id,
            memberships__role__in=permissions.CASE_MANAGER_ROLES,
        )
        .distinct()
        .order_by("last_name", "first_name")
    )


def case_help_plans(*, case: Case) -> QuerySet[HelpPlan]:
    """The help plans of the case in their current version (a corrected version is not evaluated)."""
    return HelpPlan.objects.filter(case=case, corrections__isnull=True).order_by("-recorded_at")


def case_open_tasks(*, case: Case, kinds: frozenset[str] | None = None) -> list:
    """Tasks of help plans and follow-up actions of consultations that are not done yet. ``kinds``: the kinds of
    record the case's chronology holds, when known (``TimelinePage.kinds``) — a case without a help plan or without
    a consultation has no tasks of that kind to look for."""
    help_tasks, actions = [], []
    if kinds is None or "helpplan" in kinds:
        help_tasks = HelpTask.objects.filter(plan__case=case, done__isnull=True).order_by("due_on", "pk")
    if kinds is None or "consultation" in kinds:
        actions = ConsultationAction.objects.filter(consultation__case=case, done__isnull=True).order_by("due_on", "pk")
    return [("hulpplan", t) for t in help_tasks] + [("consultatie", a) for a in actions]


# Which steps need whose action (start pages, oldest first): ``cases.workflow``.
ACTION_STATES = workflow.ACTION_STATES


def cases_needing_action(*, user: User, school_id: int, role: str) -> QuerySet[Case]:
    """The cases that need this person's action now, oldest first, with ``state_since`` (when they entered their
    current step). Teachers and internal contact persons: the cases they opened that are still in step 1.
    The aandachtsfunctionaris also gets cases with an emergency proposal or a reason to skip awaiting them."""
    qs = permissions.case_queryset_for_user(user).filter(school_id=school_id)
    condition = Q(state__in=ACTION_STATES[role])
    if role in (Role.TEACHER, Role.CONTACT_PERSON):
        condition &= Q(opened_by=user)
    if role == Role.AF:
        since = Transition.objects.filter(case=OuterRef(OuterRef("pk"))).order_by("-at").values("at")[:1]
        condition |= Exists(EmergencyProposal.objects.filter(case=OuterRef("pk"), recorded_at__gte=since)) & ~Q(
            state__in=[CaseState.REPORTED, CaseState.VT_INVOLVED, CaseState.CLOSED]
        )
        condition |= Exists(ParentTalkSkip.objects.filter(case=OuterRef("pk"), confirmations__isnull=True)) & Q(
            state__in=[CaseState.CONSULTING, CaseState.PARENT_TALK]
        )
    # When the case entered its step: its latest step change (a subquery on the (case, at) index, not a join with
    # GROUP BY over every column of the list).
    entered = Transition.objects.filter(case=OuterRef("pk")).order_by("-at").values("at")[:1]
    return _listed(qs.filter(condition).annotate(state_since=Subquery(entered))).order_by("state_since", "pk")


def case_audit_trail(*, case: Case) -> QuerySet[AuditEvent]:
    """Who read, changed, exported or was refused this case, newest first."""
    return AuditEvent.objects.filter(case=case).select_related("user").order_by("-at", "-pk")


def notification_list_for_user(*, user: User, school_id: int, limit: int = 10) -> tuple[list[Notification], int]:
    """The user's newest ``limit`` unread notifications that are not done yet (the case is still in the state the
    hand-over announced) about cases of this school that they can still see, and how
    many unread ones there are in all. One query (visibility is a subquery, the total a window count)."""
    return first_rows(
        Notification.objects.filter(
            permissions.visible_cases_q(user, via="case"),
            user=user,
            read_at__isnull=True,
            resolved_at__isnull=True,
            case__school_id=school_id,
        )
        .select_related("case")
        .only("case_id", "kind", "created_at", "case__reference")
        .order_by("-created_at", "-pk"),
        limit,
    )


NOTIFICATION_HISTORY_ROWS = 20


def notification_history_for_user(*, user: User, limit: int = NOTIFICATION_HISTORY_ROWS) -> list[Notification]:
    """The user's newest ``limit`` notifications that are read or done (the case has moved on), about cases they can
    still see, at any of their schools. One query."""
    return list(
        Notification.objects.filter(
            Q(read_at__isnull=False) | Q(resolved_at__isnull=False),
            permissions.visible_cases_q(user, via="case"),
            user=user,
        )
        .select_related("case__school")
        .only("case_id", "kind", "created_at", "read_at", "resolved_at", "case__reference", "case__school__name")
        .order_by("-created_at", "-pk")[:limit]
    )


# --- The parents' requests -------------------------------------------------------------


def case_guardians(*, case: Case) -> QuerySet[Guardian]:
    return Guardian.objects.filter(pupil__in=case.pupils.all()).select_related("pupil").order_by("pupil", "name")


def case_open_access_requests(*, case: Case) -> QuerySet[AccessRequest]:
    return AccessRequest.objects.filter(case=case, handled__isnull=True).select_related("requester")


def cases_with_open_access_requests(*, user: User, school_id: int) -> QuerySet[Case]:
    """Cases of this school that the user may handle parents' requests for, with a request not yet answered."""
    return _listed(
        permissions.case_queryset_for_user(user, permissions.EXTRACT).filter(
            school_id=school_id,
            pk__in=AccessRequest.objects.filter(handled__isnull=True).values("case_id"),
        )
    ).order_by("pk")


def case_steps(*, case: Case) -> steps.StepPicture:
    """Where ``case`` stands among the stations of its route (the case page's header), from its step changes (one
    query)."""
    history = Transition.objects.filter(case=case).order_by().values_list("name", "to_state")
    return steps.picture_for_case(case, history)


# --- The children of a case: earlier cases, the kindcheck prompt, route C's pupils (issue 17) ----------------------


@dataclass
class EarlierCase:
    """An earlier case of a pupil, as the IB'er and the aandachtsfunctionaris see it when they look back (domain.md
    §9.8): its number, route, when it was opened and closed, and its outcome (the closing reason, or its step)."""

    case: Case
    outcome: str


def may_look_back(*, user: User, school_id: int) -> bool:
    """Earlier cases are for the IB'er and the aandachtsfunctionaris; a teacher must not learn of them."""
    return any(
        sid == school_id and role in visibility.SCHOOL_STAFF for sid, role in permissions.memberships_of_user(user)
    )


def earlier_cases(*, user: User, school_id: int, pupil_ids, exclude_case_id: int | None = None) -> list[EarlierCase]:
    """The other cases of these pupils at the school that ``user`` may see, the newest first, closed ones too (a
    destroyed case is gone: what is shown is within its retention term). Only for the IB'er and the
    aandachtsfunctionaris (``may_look_back``); nothing for anyone else. One query when the pupils have no other case,
    two when they have. Listing them is not reading them: the caller audits the list (``audit_earlier_cases``)."""
    from cases.models import Closure

    pupil_ids = list(pupil_ids)
    if not pupil_ids or not may_look_back(user=user, school_id=school_id):
        return []
    # Most pupils have no other case: a plain read of the cases' pupils says so, before the permission-filtered one.
    others = Case.pupils.through.objects.filter(pupil_id__in=pupil_ids).exclude(case_id=exclude_case_id)
    other_ids = set(others.values_list("case_id", flat=True))
    if not other_ids:
        return []
    qs = (
        permissions.case_queryset_for_user(user)
        .filter(school_id=school_id, pk__in=other_ids)
        .only("reference", "route", "state", "opened_at", "closed_at", "closing_reason_code", "school_id")
        .order_by("-opened_at", "-pk")
    )
    result = []
    for case in qs:
        if case.state == CaseState.CLOSED and case.closing_reason_code:
            outcome = choice_label(Closure.ReasonCode, case.closing_reason_code)
        else:
            outcome = case.get_state_display()
        result.append(EarlierCase(case, outcome))
    return result


def kindcheck_prompt(*, case: Case, timeline: TimelinePage | None = None) -> list[Signal]:
    """The signals of the case that concern a parent's own problems (domain.md §9.9: psychiatric or serious illness,
    addiction, domestic violence, a suicide threat) recorded after the latest kindcheck — or all of them when no
    kindcheck is recorded: while there are any, the kindcheck is to be done. A signal counts by its own signal-list
    codes, or by the details from the signal list added beside it later (issue 15); a record that a later one
    corrects counts no more. The database tells which codes name such a problem
    (``signal_list.parent_problems_condition``).

    ``timeline``: a page of the chronology (``case_timeline_page``), which the case page has read anyway. Its index
    tells the latest kindcheck and which records name such a problem: no query while none is due, and otherwise
    the signals and the details read by their ids. Without it (the consultation form), the latest kindcheck is a
    subquery of two queries."""
    from cases.models import Kindcheck, SignalListAddition

    if timeline is not None:
        since = timeline.latest.get("kindcheck")
        due = [(kind, pk) for kind, pk, at in timeline.flagged if since is None or at > since]
        if not due:
            return []
        signal_ids = [pk for kind, pk in due if kind == "signal"]
        addition_ids = [pk for kind, pk in due if kind == "signaladdition"]
        signals = Signal.objects.filter(case=case, pk__in=signal_ids) if signal_ids else None
        additions = SignalListAddition.objects.filter(case=case, pk__in=addition_ids) if addition_ids else None
    else:
        since = Kindcheck.objects.filter(case=case).order_by("-recorded_at").values("recorded_at")[:1]
        after = Q(recorded_at__gt=Subquery(since)) | ~Exists(Kindcheck.objects.filter(case=case))
        due = Q(after, signal_list.parent_problems_condition(), case=case, corrections__isnull=True)
        signals, additions = Signal.objects.filter(due), SignalListAddition.objects.filter(due)
    found = []
    if signals is not None:
        found = list(
            signals.only("items", "categories", "observed_on", "recorded_at", "kind").order_by("recorded_at", "pk")
        )
    if additions is None:
        return found
    # The signal list is also ticked after saving, as a record of its own beside the signal (issue 15).
    seen = {s.pk for s in found}
    for addition in additions.select_related("signal").order_by("recorded_at", "pk"):
        if addition.signal_id not in seen:
            seen.add(addition.signal_id)
            found.append(addition.signal)
    return found
    seen = {s.pk for s in found}
    additions = SignalListAddition.objects.filter(after, case=case, names_parent_problems=True)
    for addition in additions.select_related("signal").order_by("recorded_at", "pk"):
        if addition.signal_id not in seen:
            seen.add(addition.signal_id)
            found.append(addition.signal)
    return found
