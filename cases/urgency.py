"""Lists of cases sorted by urgency (issue 16): overdue first (the most overdue first), then due today, then the
rest by due date, then the cases without a deadline (in the list's own order: the oldest waiting first, or the
newest activity first).

Every one of those is the order of the soonest due date, which each case stores (``Case.next_due``, kept by
``cases.deadlines``), so the database sorts and pages a list: ``by_urgency`` puts it before the list's own order.
A case whose deadlines the user may not see (a reader of their own records only: ``visibility.case_facts``) sorts
as if it had none, so the order tells nothing that the page does not show. The deadlines themselves are computed for
the rows shown only (``attach``: a fixed number of queries for a page, however many lists it has).
"""

import datetime

from django.db.models import Case as Choose
from django.db.models import F, QuerySet, Value, When
from django.db.models.fields import DateField

from accounts.models import User
from cases import deadlines, visibility
from cases import permissions as perms
from cases.models import Case


def _schools_without_deadlines(user: User) -> set[int]:
    """The schools where ``user`` reads their own records only, so no deadlines (no query beyond the memberships,
    which ``permissions`` reads once per request)."""
    roles: dict[int, set[str]] = {}
    for school_id, role in perms.memberships_of_user(user):
        roles.setdefault(school_id, set()).add(role)
    return {
        school_id for school_id, held in roles.items() if visibility.reader_role(held) in visibility.OWN_ENTRIES_ONLY
    }


def by_urgency(queryset: QuerySet[Case], user: User) -> QuerySet[Case]:
    """``queryset`` (a list as ``selectors`` gives it, in its own order) sorted by urgency first."""
    due = F("next_due")
    hidden = _schools_without_deadlines(user)
    if hidden:
        due = Choose(When(school_id__in=hidden, then=Value(None, DateField())), default=due)
    own = list(queryset.query.order_by) or list(Case._meta.ordering)
    return queryset.order_by(due.asc(nulls_last=True), *own)


def attach(cases: list[Case], user: User, today: datetime.date | None = None) -> list[Case]:
    """Compute the deadlines of the cases shown (``deadlines.attach``, one go for every list of a page), as ``user``
    may see them (``visibility.limit_case_rows``)."""
    return visibility.limit_case_rows(user, deadlines.attach(cases, today=today))
