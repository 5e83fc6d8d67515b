"""Lists of cases sorted by urgency (issue 16): overdue first (the most overdue first), then due today, then the
rest by due date, then the cases without a deadline (in the list's own order: the oldest waiting first, or the
newest activity first).

Deadlines are computed, never stored (``cases.deadlines``), so the database cannot sort by them: the cases of a list
that can have a deadline — every open case, and a closed one with an unanswered request of the parents — are read
whole (up to ``LIMIT``), their deadlines computed at once, sorted here, and cut to the page; the cases that cannot
have one follow, paged by the database. The lists of a page are loaded first and their deadlines computed together
(``attach``): a fixed number of queries for the whole page, however many cases it lists.
"""

import datetime
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from accounts.models import User
from cases import deadlines, selectors, visibility
from cases.models import AccessRequest, Case

# At most this many cases of one list that can have a deadline are read and sorted (a school has far fewer open
# cases; beyond it, the first ``LIMIT`` of them in the list's own order are listed).
LIMIT = 1000


def can_have_deadlines() -> Q:
    """The cases that can have a deadline: every state with a rule in the workflow table, and any case with an
    unanswered request of the parents."""
    return Q(state__in=deadlines.DEADLINE_STATES) | Q(
        pk__in=AccessRequest.objects.filter(handled__isnull=True).values("case_id")
    )


@dataclass
class UrgentList:
    """A list of cases being sorted by urgency: ``urgent`` the cases that can have a deadline (read whole), ``rest``
    the query of those that cannot (None: the list holds none of them)."""

    urgent: list[Case]
    urgent_total: int
    rest: QuerySet[Case] | None
    sorted: bool = field(default=False)


def load(queryset: QuerySet[Case], *, all_urgent: bool = False) -> UrgentList:
    """Read the cases of ``queryset`` (a list as ``selectors`` gives it, in its own order) that can have a deadline.
    ``all_urgent``: every case of the list can have one (the cases waiting for someone: open states only)."""
    queryset = queryset.prefetch_related(None)  # the pupils of the page's rows only: ``page``
    if all_urgent:
        rows, total = selectors.first_rows(queryset, LIMIT)
        return UrgentList(rows, total, None)
    rows, total = selectors.first_rows(queryset.filter(can_have_deadlines()), LIMIT)
    return UrgentList(rows, total, queryset.exclude(can_have_deadlines()))


def attach(lists: list[UrgentList], user: User, today: datetime.date | None = None) -> None:
    """Compute the deadlines of every case read by ``load`` for one page (one go: ``deadlines.attach``), as ``user``
    may see them (``visibility.limit_case_rows``), and sort each list by urgency."""
    every = [case for urgent in lists for case in urgent.urgent]
    visibility.limit_case_rows(user, deadlines.attach(every, today=today))
    for urgent in lists:
        urgent.urgent.sort(key=deadlines.urgency)  # stable: ties keep the list's own order
        urgent.sorted = True


def page(urgent: UrgentList, number, per_page: int, *, pupils: bool = True) -> Page:
    """Page ``number`` of a list sorted by ``attach`` (as ``Paginator.get_page``: not a number → 1, past the end →
    the last page), the pupils of its cases loaded (``pupils=False``: the caller loads them, for several lists at
    once)."""
    assert urgent.sorted, "attach() first"
    try:
        number = max(int(number), 1)
    except (TypeError, ValueError):
        number = 1
    while True:
        bottom = (number - 1) * per_page
        rows = urgent.urgent[bottom : bottom + per_page]
        rest_total = 0
        if urgent.rest is not None:
            need = per_page - len(rows)
            if need:
                offset = max(0, bottom - urgent.urgent_total)
                more, rest_total = selectors.first_rows(urgent.rest, need, offset)
                if not more and offset:
                    rest_total = urgent.rest.count()  # past the end of the list: how long it is
                for case in more:
                    case.deadlines = []  # nothing can be due in them
                rows = rows + more
            else:
                rest_total = urgent.rest.count()
        paginator = Paginator([], per_page)
        paginator.count = urgent.urgent_total + rest_total
        if rows or number == 1 or number <= paginator.num_pages:
            break
        number = paginator.num_pages
    if pupils:
        selectors.attach_pupils(rows)
    return Page(rows, number, paginator)


def first(urgent: UrgentList, limit: int, *, pupils: bool = True) -> tuple[list[Case], int]:
    """The ``limit`` most urgent cases of a list (a start page's summary) and how many the list has in all."""
    first_page = page(urgent, 1, limit, pupils=pupils)
    return list(first_page.object_list), first_page.paginator.count
