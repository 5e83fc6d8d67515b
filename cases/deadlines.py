"""Deadlines of a case (domain.md §5), derived from its step and its records — never entered by hand, so they can
never disagree with the case. One derived value is stored, for the lists to sort by: the soonest due date
(``Case.next_due``, at the end of this module), rewritten by the services in the transaction of every record and
step change. Only what a person agreed is stored (a feedback date, an evaluation date, how often
to check in while monitoring); everything else is computed here.

Working days follow the Algemene termijnenwet: Monday to Friday, without its general holidays (``public_holidays``:
the ``holidays`` package's Dutch calendar with 5 May every year, Good Friday only by the setting
``MELDCODE_GOOD_FRIDAY_HOLIDAY``, and the days of ``MELDCODE_EXTRA_HOLIDAYS``; the school's holiday region is passed
on as its subdivision).

Which deadlines a case has is derived from the workflow table: each state's ``deadlines`` (``workflow.DeadlineRule``:
what is due, counted from which date, how many working days, for whom, under which condition); every open state has
at least one (``tests/cases/test_deadlines_table.py``). Steps 1-3 and the states after a police decision have no
legal term: the stand-still rule (a configurable reminder when the case has not moved). The weighing is due a
configurable number of working days after the hand-over; when the weighing leads to a report at once (question 2 =
yes or doubt, question 5 = no), the report is due the working day of that answer. Route B is "at once": the board is
informed the day the case is opened, the confidential inspector consulted by the next working day, the police report
decided by the next working day after that.

``attach(cases)`` computes the deadlines of a page of cases in a fixed number of queries: none for cases whose rules
read only the case row (the stand-still rule), and at most one query per kind of record the rules read (the step
changes, the weighing answers, Veilig Thuis reports with their case's latest outcome, help plans, monitoring
agreements with their last check-in, board notifications) when a case whose rules read it is on the page.

The parents' request to see, copy or correct the file is answered within one calendar month of its receipt (AVG
art. 12(3)): 31 January → 28 (or 29) February. It counts in every step, a closed case included, until the answer is
recorded (one query for the cases on the page).
"""

import calendar
import datetime
import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import batched

import holidays
from dateutil.easter import easter
from django.conf import settings
from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cases import decision
from cases.models import (
    AccessRequest,
    BoardNotification,
    Case,
    CaseState,
    HelpPlan,
    MonitoringAgreement,
    Transition,
    VeiligThuisOutcome,
    VeiligThuisReport,
    WeighingAnswer,
)
from cases.workflow import DEADLINE_RULES, DeadlineRule
from schools.models import Role

# --- Dutch working days ------------------------------------------------------------------------------------------

REGION_SUBDIVISIONS = {"north": "Noord", "middle": "Midden", "south": "Zuid"}


# The general holidays of the Algemene termijnenwet (art. 3) that the ``holidays`` package's Dutch calendar does not
# have every year: it has Liberation Day (5 May) only in lustrum years, and the Act counts it every year.
LIBERATION_DAY = (5, 5)


def public_holidays(year: int, region: str = "middle") -> frozenset[datetime.date]:
    """The days of ``year`` that are not working days besides Saturdays and Sundays (domain.md §9.10): the general
    holidays of the Algemene termijnenwet (New Year's Day, Easter Monday, Ascension Day, Whit Monday, King's Day,
    5 May every year, Christmas Day and Boxing Day), the days the government declares equal to them
    (``MELDCODE_EXTRA_HOLIDAYS``), and Good Friday only when the school counts it (``MELDCODE_GOOD_FRIDAY_HOLIDAY``;
    the Act does not)."""
    return _public_holidays(
        year,
        region,
        settings.MELDCODE_GOOD_FRIDAY_HOLIDAY,
        tuple(settings.MELDCODE_EXTRA_HOLIDAYS),
    )


@lru_cache(maxsize=64)
def _public_holidays(
    year: int, region: str, good_friday: bool, extra: tuple[datetime.date, ...]
) -> frozenset[datetime.date]:
    calendar_ = holidays.country_holidays("NL", subdiv=REGION_SUBDIVISIONS.get(region), years=year)
    days = set(calendar_.keys())
    good_friday_date = easter(year) - datetime.timedelta(days=2)
    if good_friday:
        days.add(good_friday_date)
    else:
        days.discard(good_friday_date)
    days.add(datetime.date(year, *LIBERATION_DAY))
    days.update(day for day in extra if day.year == year)
    return frozenset(days)


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

STANDSTILL = "standstill"
WEIGHING = "weighing"
REPORT_TODAY = "report_today"
HELP_EVALUATION = "help_evaluation"
AFTER_EVALUATION = "after_evaluation"
VT_SAFETY_ASSESSMENT = "vt_safety_assessment"
VT_FEEDBACK_ASK = "vt_feedback_ask"
VT_FEEDBACK_AGREED = "vt_feedback_agreed"
VT_ENDED = "vt_ended"
VT_RAPPEL = "vt_rappel"
MONITORING_CHECK_IN = "monitoring_check_in"
INFORM_BOARD = "inform_board"
CONSULT_INSPECTOR = "consult_inspector"
POLICE_DECISION = "police_decision"
ACCESS_REQUEST = "access_request"

LABELS = {
    STANDSTILL: _("The case has not moved: take the next step or record why it waits"),
    WEIGHING: _("Weigh the suspicion: answer the weighing questions"),
    REPORT_TODAY: _("Report to Veilig Thuis today: the weighing leads to a report at once"),
    HELP_EVALUATION: _("Evaluate the help plan"),
    AFTER_EVALUATION: _("The help reached its result: agree on monitoring the safety"),
    VT_SAFETY_ASSESSMENT: _("Veilig Thuis safety assessment (5 working days after the report)"),
    VT_FEEDBACK_ASK: _("Ask Veilig Thuis for feedback on the investigation (about 10 weeks after the report)"),
    VT_FEEDBACK_AGREED: _("Feedback from Veilig Thuis on the agreed date"),
    VT_ENDED: _("Veilig Thuis has ended its involvement: monitor the safety or close the case"),
    VT_RAPPEL: _("Veilig Thuis checks back (rappel): have at hand what the school has seen since"),
    MONITORING_CHECK_IN: _("Monitoring check-in"),
    INFORM_BOARD: _("Inform the board at once"),
    CONSULT_INSPECTOR: _("Consult the confidential inspector (the same or the next working day)"),
    POLICE_DECISION: _("Decide on the police report (aangifteplicht): without delay"),
    ACCESS_REQUEST: _("Answer the parents' request to see, copy or correct the file (1 month)"),
}
# The label of a deadline that is not overdue yet, where it differs: a case "stands still" only once the working days
# have passed.
LABELS_BEFORE_DUE = {
    STANDSTILL: _("Take the next step (a reminder follows if the case stands still)"),
}
WEEK_BEFORE = "week_before"  # the reminder key of the early reminder a week before the day


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
        if not self.overdue and self.kind in LABELS_BEFORE_DUE:
            return LABELS_BEFORE_DUE[self.kind]
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


# --- What the rules of the workflow table read (``workflow.DeadlineRule``) -----------------------------------------


@dataclass
class Facts:
    """What the deadline rules of one case read, loaded for a page of cases at once (``attach``)."""

    entered: datetime.datetime | None = None  # when the case entered its current state
    answers: dict[int, tuple[str, datetime.datetime]] = field(default_factory=dict)  # the weighing round's latest
    report: VeiligThuisReport | None = None  # the latest report to Veilig Thuis (with ``outcome_decision``)
    plan: HelpPlan | None = None  # the latest help plan
    agreement: MonitoringAgreement | None = None  # the latest monitoring agreement (with ``last_check_in``)
    board: BoardNotification | None = None  # the latest record that the board was informed (route B)

    @property
    def outcome(self) -> str | None:
        """The decision of the case's latest Veilig Thuis outcome."""
        return getattr(self.report, "outcome_decision", None) if self.report is not None else None

    @property
    def rappel_on(self) -> datetime.date | None:
        """When Veilig Thuis checks back, as its latest outcome says (domain.md §9.4: "not confirmed", with a
        rappel)."""
        return getattr(self.report, "outcome_rappel_on", None) if self.report is not None else None

    def deciding_answer(self) -> tuple[int, str, datetime.datetime] | None:
        """The answer that ended the weighing round: (question, answer, recorded at); None while it is open."""
        question = decision.deciding_question({q: a for q, (a, _at) in self.answers.items()})
        if question is None:
            return None
        answer, at = self.answers[question]
        return question, answer, at


def _report_at_once(facts: Facts) -> bool:
    """Question 2 = yes or doubt ("report at once", domain.md §4), or question 5 = no."""
    deciding = facts.deciding_answer()
    if deciding is None:
        return False
    question, answer, _at = deciding
    return decision.position({q: a for q, (a, _at) in facts.answers.items()}).outcome == decision.REPORT and (
        question in (2, 5)
    )


def _vt_feedback_to_ask(facts: Facts) -> bool:
    outcome = facts.outcome
    if outcome == VeiligThuisOutcome.Decision.END:
        return False
    return outcome == VeiligThuisOutcome.Decision.INVESTIGATION or not facts.report.feedback_agreed_on


CONDITIONS = {
    "report_at_once": _report_at_once,
    "no_report_at_once": lambda facts: not _report_at_once(facts),
    "vt_feedback_to_ask": lambda facts: facts.report is not None and _vt_feedback_to_ask(facts),
    "vt_ended": lambda facts: facts.outcome == VeiligThuisOutcome.Decision.END,
    "board_informed": lambda facts: facts.board is not None,
    "board_not_informed": lambda facts: facts.board is None,
}


def _next_check_in(facts: Facts) -> datetime.date | None:
    agreement = facts.agreement
    if agreement is None:
        return None
    interval = parse_interval(agreement.how_often)
    if interval is None:
        return agreement.until
    last = agreement.last_check_in or _local_date(agreement.recorded_at)
    return min(add_interval(last, interval), agreement.until)


def _date(moment) -> datetime.date | None:
    return _local_date(moment) if moment is not None else None


# Each basis: (the kind of record it reads — ``LOADERS`` — or None for the case row, its date, a person responsible
# besides the rule's role).
BASES = {
    "last_activity": (None, lambda case, facts: _local_date(case.last_activity_at), lambda case, facts: None),
    "entered": ("entered", lambda case, facts: _date(facts.entered), lambda case, facts: None),
    "deciding_answer": (
        "answers",
        lambda case, facts: _date(d[2]) if (d := facts.deciding_answer()) else None,
        lambda case, facts: None,
    ),
    "reported": (
        "reports",
        lambda case, facts: _date(facts.report.reported_at) if facts.report else None,
        lambda case, facts: None,
    ),
    "feedback_agreed": (
        "reports",
        lambda case, facts: facts.report.feedback_agreed_on if facts.report else None,
        lambda case, facts: None,
    ),
    "evaluation_date": (
        "plans",
        lambda case, facts: facts.plan.evaluation_on if facts.plan else None,
        lambda case, facts: facts.plan.case_manager if facts.plan else None,
    ),
    "next_check_in": ("agreements", lambda case, facts: _next_check_in(facts), lambda case, facts: None),
    "rappel": ("reports", lambda case, facts: facts.rappel_on, lambda case, facts: None),
    "board_informed": (
        "board",
        lambda case, facts: facts.board.informed_on if facts.board else None,
        lambda c, f: None,
    ),
}
# The kind of record each condition reads.
CONDITION_SOURCES = {
    "report_at_once": "answers",
    "no_report_at_once": "answers",
    "vt_feedback_to_ask": "reports",
    "vt_ended": "reports",
    "board_informed": "board",
    "board_not_informed": "board",
}


def _sources(rules) -> set[str]:
    found = set()
    for rule in rules:
        if source := BASES[rule.basis][0]:
            found.add(source)
        if rule.when:
            found.add(CONDITION_SOURCES[rule.when])
    return found


# The kinds of record the rules of each state read (derived from the workflow table, once).
STATE_SOURCES: dict[str, set[str]] = {state: _sources(rules) for state, rules in DEADLINE_RULES.items()}

# The states in which a case can have deadlines: every state with a rule in the workflow table.
DEADLINE_STATES = list(DEADLINE_RULES)


def _load_entered(facts: dict[int, Facts], cases: list) -> None:
    # The start page's lists of cases waiting already know when each case entered its step (``state_since``).
    missing = []
    for case in cases:
        since = getattr(case, "state_since", None)
        if since is not None:
            facts[case.pk].entered = since
        else:
            missing.append(case.pk)
    if missing:
        for row in Transition.objects.filter(case_id__in=missing).values("case_id").annotate(at=Max("at")):
            facts[row["case_id"]].entered = row["at"]


def _load_answers(facts: dict[int, Facts], cases: list) -> None:
    # The current round: since the case's latest step into weighing (all of its answers when there is none).
    round_start = (
        Transition.objects.filter(case_id=OuterRef("case_id"), to_state=CaseState.WEIGHING)
        .order_by("-at")
        .values("at")[:1]
    )
    # The answer that counts per question: the latest one not corrected (a correction replaces the one it corrects).
    rows = (
        WeighingAnswer.objects.filter(case_id__in=[c.pk for c in cases], corrections__isnull=True)
        .annotate(round_start=Subquery(round_start))
        .values_list("case_id", "question", "answer", "recorded_at", "round_start")
        .order_by("recorded_at", "pk")
    )
    for case_id, question, answer, recorded_at, start in rows:
        if start is None or recorded_at >= start:
            facts[case_id].answers[question] = (answer, recorded_at)


def _load_reports(facts: dict[int, Facts], cases: list) -> None:
    # With each report, the decision and the rappel of its case's latest Veilig Thuis outcome (one query for all).
    latest_outcome = VeiligThuisOutcome.objects.filter(case_id=OuterRef("case_id")).order_by("-recorded_at", "-pk")
    reports = _latest_per_case(
        VeiligThuisReport.objects.filter(case_id__in=[c.pk for c in cases])
        .only("case_id", "reported_at", "feedback_agreed_on", "recorded_at")
        .annotate(
            outcome_decision=Subquery(latest_outcome.values("decision")[:1]),
            outcome_rappel_on=Subquery(latest_outcome.values("rappel_on")[:1]),
        )
        .order_by("recorded_at", "pk")
    )
    for case in cases:
        report = reports.get(case.pk)
        if report is not None and case.state != CaseState.VT_INVOLVED:
            report.outcome_decision = None  # the outcome counts once Veilig Thuis is involved
        facts[case.pk].report = report


def _load_plans(facts: dict[int, Facts], cases: list) -> None:
    plans = _latest_per_case(
        HelpPlan.objects.filter(case_id__in=[c.pk for c in cases])
        .select_related("case_manager")
        .only("case_id", "recorded_at", "evaluation_on", "case_manager")
        .order_by("recorded_at", "pk")
    )
    for pk, plan in plans.items():
        facts[pk].plan = plan


def _load_agreements(facts: dict[int, Facts], cases: list) -> None:
    agreements = _latest_per_case(
        MonitoringAgreement.objects.filter(case_id__in=[c.pk for c in cases])
        .only("case_id", "recorded_at", "how_often", "until")
        .annotate(last_check_in=Max("check_ins__held_on"))
        .order_by("recorded_at", "pk")
    )
    for pk, agreement in agreements.items():
        facts[pk].agreement = agreement


def _load_board(facts: dict[int, Facts], cases: list) -> None:
    boards = _latest_per_case(
        BoardNotification.objects.filter(case_id__in=[c.pk for c in cases])
        .only("case_id", "recorded_at", "informed_on")
        .order_by("recorded_at", "pk")
    )
    for pk, board in boards.items():
        facts[pk].board = board


# One query per kind of record, for the cases on the page whose state's rules read it; with the kind of record
# (``cases.records``) whose rows each one reads (without any, it finds nothing).
LOADERS = {
    "entered": (_load_entered, "transition"),
    "answers": (_load_answers, "weighing"),
    "reports": (_load_reports, "report"),
    "plans": (_load_plans, "helpplan"),
    "agreements": (_load_agreements, "monitoring"),
    "board": (_load_board, "board"),
}


def attach(cases, today: datetime.date | None = None, *, kinds: frozenset[str] | None = None) -> list:
    """Set ``case.deadlines`` (soonest first) on each case of ``cases`` (with ``school`` and ``owner`` loaded), as
    the rules of its state in the workflow table say (``workflow.DeadlineRule``). ``kinds``: the kinds of record
    that the cases hold, when the caller knows (the case page: its chronology's index); the records of a kind they
    do not hold are not read (the parents' requests among them)."""
    cases = list(cases)
    today = today or timezone.localdate()
    facts = {case.pk: Facts() for case in cases}
    needing: dict[str, list] = {}
    for case in cases:
        for source in STATE_SOURCES.get(case.state, ()):
            needing.setdefault(source, []).append(case)
    for source, (loader, kind) in LOADERS.items():
        if needing.get(source) and (kinds is None or kind in kinds):
            loader(facts, needing[source])

    requests: dict[int, list] = {}
    if cases and (kinds is None or "accessrequest" in kinds):
        for request in (
            AccessRequest.objects.filter(case_id__in=[c.pk for c in cases], handled__isnull=True)
            .select_related("author")
            .only("case_id", "received_on", "author")
            .order_by("received_on", "pk")
        ):
            requests.setdefault(request.case_id, []).append(request)

    for case in cases:
        found = _deadlines(case, today, facts[case.pk])
        found += [_access_request_deadline(request, today) for request in requests.get(case.pk, [])]
        case.deadlines = sorted(found, key=lambda d: (d.due, d.kind))
    return cases


def _due(rule: DeadlineRule, basis: datetime.date, region: str) -> datetime.date:
    if rule.weeks:
        basis += datetime.timedelta(weeks=rule.weeks)
    days = rule.working_days
    if days is None:
        return basis
    if isinstance(days, str):
        days = getattr(settings, days)
    if days == 0:
        return next_working_day(basis, region)
    return add_working_days(basis, days, region)


def _rule_dues(case: Case, facts: Facts):
    """(rule, due date) for each rule of the case's state that applies now."""
    region = case.school.holiday_region
    for rule in DEADLINE_RULES.get(case.state, ()):
        if rule.when and not CONDITIONS[rule.when](facts):
            continue
        basis = BASES[rule.basis][1](case, facts)
        if basis is not None:
            yield rule, _due(rule, basis, region)


def _deadlines(case: Case, today: datetime.date, facts: Facts) -> list[Deadline]:
    result: list[Deadline] = []
    for rule, due in _rule_dues(case, facts):
        role, user = rule.role, BASES[rule.basis][2](case, facts)
        if rule.owner and case.owner_id:
            role, user = None, case.owner
        reminders = ((WEEK_BEFORE, due - datetime.timedelta(days=7)), ("", due)) if rule.week_before else ()
        result.append(Deadline(rule.kind, due, today, role=role, user=user, reminders=reminders))
    return result


def access_request_due(received_on: datetime.date) -> datetime.date:
    """One calendar month after receipt; at the end of a shorter month, its last day."""
    return add_months(received_on, 1)


def _access_request_deadline(request: AccessRequest, today: datetime.date) -> Deadline:
    due = access_request_due(request.received_on)
    reminders = ((WEEK_BEFORE, due - datetime.timedelta(days=7)), ("", due))
    # Per request: two requests on one case are two deadlines (and two reminders), even on the same day.
    return Deadline(ACCESS_REQUEST, due, today, role=Role.AF, user=request.author, reminders=reminders, ref=request.pk)


# --- The stored next due date (``Case.next_due``) ------------------------------------------------------------------


def soonest_due(case: Case) -> datetime.date | None:
    """The soonest due date of ``case``'s deadlines (its parents' requests included), None when nothing is due: the
    records its state's rules read (a query per kind, none for the stand-still rule) and its unanswered requests."""
    facts = Facts()
    for source in STATE_SOURCES.get(case.state, ()):
        loader, _kind = LOADERS[source]
        loader({case.pk: facts}, [case])
    dues = [due for _rule, due in _rule_dues(case, facts)]
    received = AccessRequest.objects.filter(case_id=case.pk, handled__isnull=True).values_list("received_on", flat=True)
    dues += [access_request_due(day) for day in received]
    return min(dues, default=None)


def store_next_due(case: Case) -> None:
    """Write ``case.next_due`` when it has changed: called in the transaction of every change that can move it (a
    record, a step change: ``services.touch_case`` and ``services.fire_transition``), after that change."""
    due = soonest_due(case)
    if due != case.next_due:
        Case.objects.filter(pk=case.pk).update(next_due=due)
        case.next_due = due


def may_have_deadlines() -> Q:
    """The cases that can have a deadline: every state with a rule in the workflow table, and any case with an
    unanswered request of the parents."""
    return Q(state__in=DEADLINE_STATES) | Q(pk__in=AccessRequest.objects.filter(handled__isnull=True).values("case_id"))


def refresh_next_due(cases=None, chunk_size: int = 500) -> int:
    """Recompute ``next_due`` for ``cases`` (a queryset; every case by default) and write it where it differs; return
    how many rows changed. For what no record or step change announces: a changed setting of working days, a changed
    holiday region, the demo and benchmark data loaded in bulk (``manage.py refresh_due_dates``, the hourly
    reminders)."""
    cases = Case.objects.all() if cases is None else cases
    changed = cases.exclude(may_have_deadlines()).exclude(next_due=None).update(next_due=None)
    candidates = cases.filter(may_have_deadlines()).select_related("school", "owner").order_by("pk")
    for chunk in batched(candidates.iterator(chunk_size=chunk_size), chunk_size):
        changed += store_computed(attach(chunk))
    return changed


def school_saved(sender, instance, created: bool, update_fields=None, **kwargs) -> None:
    """A school was saved (its holiday region may have changed): its cases' next due dates, recomputed."""
    if created or (update_fields is not None and "holiday_region" not in update_fields):
        return
    refresh_next_due(Case.objects.filter(school=instance))


def store_computed(cases: list) -> int:
    """Write ``next_due`` for cases whose deadlines ``attach`` has just computed, where it differs; return how many
    changed. Outside the cases' transactions (a background task), so a row is written only if the case has not moved
    since it was read — a record or a step change always moves ``last_activity_at`` — and never overwrites what a
    service has just stored."""
    changed = 0
    for case in cases:
        due = case.deadlines[0].due if case.deadlines else None
        if due != case.next_due:
            changed += Case.objects.filter(
                pk=case.pk, state=case.state, last_activity_at=case.last_activity_at, school_id=case.school_id
            ).update(next_due=due)
            case.next_due = due
    return changed
