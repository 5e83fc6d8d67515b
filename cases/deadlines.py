"""Deadlines of a case (domain.md §5), derived from its step and its records — never stored by hand, so they can
never disagree with the case. Only what a person agreed is stored (a feedback date, an evaluation date, how often
to check in while monitoring); everything else is computed here.

Working days are Dutch working days: Monday to Friday, without the Dutch public holidays (the ``holidays``
package; the school's holiday region is passed on as its subdivision).

``attach(cases)`` computes the deadlines of a page of cases in a fixed number of queries: none for cases in steps
1-3 (the stand-still rule reads the case row), and at most one query per kind of record (Veilig Thuis reports with
their case's latest outcome, help plans, monitoring agreements with their last check-in) when a case of such a step
is on the page.

The parents' request to see, copy or correct the file is answered within one calendar month of its receipt (AVG
art. 12(3)): 31 January → 28 (or 29) February. It counts in every step, a closed case included, until the answer is
recorded (one query for the cases on the page). Emergency reports and route B are "at once": they are the next step
itself, not a deadline.
"""

import calendar
import datetime
import re
from dataclasses import dataclass, field
from functools import lru_cache

import holidays
from django.conf import settings
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cases.models import (
    AccessRequest,
    Case,
    CaseState,
    HelpPlan,
    MonitoringAgreement,
    VeiligThuisOutcome,
    VeiligThuisReport,
)
from cases.workflow import EARLY_STATES
from schools.models import Role

# --- Dutch working days ------------------------------------------------------------------------------------------

REGION_SUBDIVISIONS = {"north": "Noord", "middle": "Midden", "south": "Zuid"}


@lru_cache(maxsize=64)
def public_holidays(year: int, region: str = "middle") -> frozenset[datetime.date]:
    """The Dutch public holidays of ``year`` (King's Day, Christmas, Easter Monday, ...)."""
    calendar_ = holidays.country_holidays("NL", subdiv=REGION_SUBDIVISIONS.get(region), years=year)
    return frozenset(calendar_.keys())


def is_working_day(day: datetime.date, region: str = "middle") -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year, region)


def add_working_days(start: datetime.date, days: int, region: str = "middle") -> datetime.date:
    """The date ``days`` working days after ``start`` (``start`` itself does not count)."""
    day = start
    counted = 0
    while counted < days:
        day += datetime.timedelta(days=1)
        if is_working_day(day, region):
            counted += 1
    return day


def next_working_day(day: datetime.date, region: str = "middle") -> datetime.date:
    """``day`` itself if it is a working day, else the first working day after it."""
    while not is_working_day(day, region):
        day += datetime.timedelta(days=1)
    return day


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


# --- "How often" of a monitoring agreement -------------------------------------------------------------------------

_NUMBERS = {"een": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "zes": 6, "two": 2, "three": 3, "four": 4, "six": 6}
_UNITS = {
    "dag": "days",
    "dagen": "days",
    "day": "days",
    "days": "days",
    "week": "weeks",
    "weken": "weeks",
    "weeks": "weeks",
    "maand": "months",
    "maanden": "months",
    "month": "months",
    "months": "months",
}
_EVERY_N = re.compile(
    r"\b(?:elke|iedere|om de|every|each)\s+([0-9]{1,3}|[a-zé]+)\s+"
    r"(dagen|dag|weken|week|maanden|maand|days?|weeks?|months?)\b"
)
_EVERY = re.compile(r"\b(?:elke|iedere|every|each|per|1x per|eens per)\s+(dag|week|maand|day|week|month)\b")
_ADVERBS = [
    (re.compile(r"\b(?:twee|2)[\s-]?wekelijks\b|\bfortnightly\b|\bbiweekly\b"), (2, "weeks")),
    (re.compile(r"\bdrie[\s-]?wekelijks\b"), (3, "weeks")),
    (re.compile(r"\bwekelijks\b|\bweekly\b"), (1, "weeks")),
    (re.compile(r"\bmaandelijks\b|\bmonthly\b"), (1, "months")),
    (re.compile(r"\bdagelijks\b|\bdaily\b"), (1, "days")),
]


def parse_interval(how_often: str) -> tuple[int, str] | None:
    """``(count, unit)`` for simple values such as "wekelijks", "tweewekelijks", "maandelijks", "elke 3 weken",
    "om de twee weken", "1x per maand"; ``None`` when it cannot be understood (then the agreement's end counts)."""
    text = (how_often or "").strip().lower()
    for pattern, interval in _ADVERBS:
        if pattern.search(text):
            return interval
    if m := _EVERY_N.search(text):
        count = int(m.group(1)) if m.group(1).isdigit() else _NUMBERS.get(m.group(1))
        if count:
            return count, _UNITS[m.group(2)]
    if m := _EVERY.search(text):
        return 1, _UNITS[m.group(1)]
    return None


def add_interval(day: datetime.date, interval: tuple[int, str]) -> datetime.date:
    count, unit = interval
    if unit == "months":
        return add_months(day, count)
    return day + datetime.timedelta(days=count * (7 if unit == "weeks" else 1))


# --- Deadlines -----------------------------------------------------------------------------------------------------

VT_SAFETY_ASSESSMENT = "vt_safety_assessment"
VT_FEEDBACK_ASK = "vt_feedback_ask"
VT_FEEDBACK_AGREED = "vt_feedback_agreed"
HELP_EVALUATION = "help_evaluation"
MONITORING_CHECK_IN = "monitoring_check_in"
STANDSTILL = "standstill"
ACCESS_REQUEST = "access_request"

LABELS = {
    VT_SAFETY_ASSESSMENT: _("Veilig Thuis safety assessment (5 working days after the report)"),
    VT_FEEDBACK_ASK: _("Ask Veilig Thuis for feedback on the investigation (about 10 weeks after the report)"),
    VT_FEEDBACK_AGREED: _("Feedback from Veilig Thuis on the agreed date"),
    HELP_EVALUATION: _("Evaluate the help plan"),
    MONITORING_CHECK_IN: _("Monitoring check-in"),
    STANDSTILL: _("The case has not moved: take the next step or record why it waits"),
    ACCESS_REQUEST: _("Answer the parents' request to see, copy or correct the file (1 month)"),
}
WEEK_BEFORE = "week_before"  # the reminder key of the help-plan evaluation's early reminder

# The steps in which a case can have deadlines.
DEADLINE_STATES = [
    *EARLY_STATES,
    CaseState.REPORTED,
    CaseState.VT_INVOLVED,
    CaseState.HELP,
    CaseState.MONITORING,
]


@dataclass
class Deadline:
    """Something due in a case: what, when, who is responsible (a role of the school and/or a named person)."""

    kind: str
    due: datetime.date
    today: datetime.date
    role: str | None = None
    user: User | None = None
    # (reminder key, date from which to send it): one e-mail per key. "" is the reminder on the day itself.
    reminders: tuple[tuple[str, datetime.date], ...] = field(default=())
    ref: int | None = None  # the record the deadline belongs to, when a case can have several of a kind

    def __post_init__(self):
        if not self.reminders:
            self.reminders = (("", self.due),)

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    @property
    def overdue(self) -> bool:
        return self.today > self.due

    @property
    def due_today(self) -> bool:
        return self.today == self.due

    @property
    def responsible(self) -> str:
        parts = []
        if self.role:
            parts.append(str(Role(self.role).label))
        if self.user is not None:
            parts.append(str(self.user))
        return ", ".join(parts)

    def reminder_kind(self, key: str) -> str:
        kind = f"{self.kind}#{self.ref}" if self.ref is not None else self.kind
        return f"{kind}:{key}" if key else kind

    def reminders_due(self) -> list[tuple[str, datetime.date]]:
        return [(key, on) for key, on in self.reminders if on <= self.today]


def _latest_per_case(rows, key=lambda row: row.case_id) -> dict:
    """Rows ordered oldest first → the newest row per case."""
    latest = {}
    for row in rows:
        latest[key(row)] = row
    return latest


def _local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localdate(moment)


def attach(cases, today: datetime.date | None = None, *, access_requests: bool = True) -> list:
    """Set ``case.deadlines`` (soonest first) on each case of ``cases`` (with ``school`` and ``owner`` loaded).
    ``access_requests=False``: the caller knows that none of the cases has a parents' request (skips a query)."""
    cases = list(cases)
    today = today or timezone.localdate()
    by_state: dict[str, list[int]] = {}
    for case in cases:
        by_state.setdefault(case.state, []).append(case.pk)

    def ids(*states):
        return [pk for state in states for pk in by_state.get(state, [])]

    reports, outcomes, plans, agreements = {}, {}, {}, {}
    requests: dict[int, list] = {}
    if cases and access_requests:
        for request in (
            AccessRequest.objects.filter(case_id__in=[c.pk for c in cases], handled__isnull=True)
            .select_related("author")
            .only("case_id", "received_on", "author")
            .order_by("received_on", "pk")
        ):
            requests.setdefault(request.case_id, []).append(request)
    if vt_ids := ids(CaseState.REPORTED, CaseState.VT_INVOLVED):
        # With each report, the decision of its case's latest Veilig Thuis outcome (one query for both).
        latest_outcome = (
            VeiligThuisOutcome.objects.filter(case_id=OuterRef("case_id"))
            .order_by("-recorded_at", "-pk")
            .values("decision")[:1]
        )
        reports = _latest_per_case(
            VeiligThuisReport.objects.filter(case_id__in=vt_ids)
            .only("case_id", "reported_at", "feedback_agreed_on", "recorded_at")
            .annotate(outcome_decision=Subquery(latest_outcome))
            .order_by("recorded_at", "pk")
        )
        # The outcome counts once Veilig Thuis is involved.
        involved = set(ids(CaseState.VT_INVOLVED))
        outcomes = {pk: report.outcome_decision for pk, report in reports.items() if pk in involved}
    if help_ids := ids(CaseState.HELP):
        plans = _latest_per_case(
            HelpPlan.objects.filter(case_id__in=help_ids)
            .select_related("case_manager")
            .only("case_id", "recorded_at", "evaluation_on", "case_manager")
            .order_by("recorded_at", "pk")
        )
    if monitoring_ids := ids(CaseState.MONITORING):
        agreements = _latest_per_case(
            MonitoringAgreement.objects.filter(case_id__in=monitoring_ids)
            .only("case_id", "recorded_at", "how_often", "until")
            .annotate(last_check_in=Max("check_ins__held_on"))
            .order_by("recorded_at", "pk")
        )

    for case in cases:
        found = _deadlines(
            case, today, reports.get(case.pk), outcomes.get(case.pk), plans.get(case.pk), agreements.get(case.pk)
        )
        found += [_access_request_deadline(request, today) for request in requests.get(case.pk, [])]
        case.deadlines = sorted(found, key=lambda d: (d.due, d.kind))
    return cases


def _deadlines(case: Case, today, report, outcome: str | None, plan, agreement) -> list[Deadline]:
    """``outcome`` is the decision of the case's latest Veilig Thuis outcome (while Veilig Thuis is involved)."""
    region = case.school.holiday_region
    result: list[Deadline] = []
    if case.state in EARLY_STATES:
        since = _local_date(case.last_activity_at)
        due = add_working_days(since, settings.MELDCODE_STANDSTILL_WORKING_DAYS, region)
        if case.owner_id:
            result.append(Deadline(STANDSTILL, due, today, user=case.owner))
        else:
            result.append(Deadline(STANDSTILL, due, today, role=Role.IB))
    if report is not None and case.state in (CaseState.REPORTED, CaseState.VT_INVOLVED):
        reported_on = _local_date(report.reported_at)
        if case.state == CaseState.REPORTED:
            result.append(Deadline(VT_SAFETY_ASSESSMENT, add_working_days(reported_on, 5, region), today, role=Role.AF))
        if outcome == VeiligThuisOutcome.Decision.INVESTIGATION:
            due = next_working_day(reported_on + datetime.timedelta(weeks=10), region)
            result.append(Deadline(VT_FEEDBACK_ASK, due, today, role=Role.AF))
        if report.feedback_agreed_on:
            result.append(Deadline(VT_FEEDBACK_AGREED, report.feedback_agreed_on, today, role=Role.AF))
    if plan is not None and case.state == CaseState.HELP:
        due = plan.evaluation_on
        reminders = ((WEEK_BEFORE, due - datetime.timedelta(days=7)), ("", due))
        result.append(Deadline(HELP_EVALUATION, due, today, role=Role.AF, user=plan.case_manager, reminders=reminders))
    if agreement is not None and case.state == CaseState.MONITORING:
        interval = parse_interval(agreement.how_often)
        if interval is None:
            due = agreement.until
        else:
            last = agreement.last_check_in or _local_date(agreement.recorded_at)
            due = min(add_interval(last, interval), agreement.until)
        result.append(Deadline(MONITORING_CHECK_IN, due, today, role=Role.AF))
    return result


def access_request_due(received_on: datetime.date) -> datetime.date:
    """One calendar month after receipt; at the end of a shorter month, its last day."""
    return add_months(received_on, 1)


def _access_request_deadline(request: AccessRequest, today: datetime.date) -> Deadline:
    due = access_request_due(request.received_on)
    reminders = ((WEEK_BEFORE, due - datetime.timedelta(days=7)), ("", due))
    # Per request: two requests on one case are two deadlines (and two reminders), even on the same day.
    return Deadline(ACCESS_REQUEST, due, today, role=Role.AF, user=request.author, reminders=reminders, ref=request.pk)
