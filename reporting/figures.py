"""Anonymised annual figures for the board and the inspection: counts per school (or board) and calendar year.

What is counted (each in the calendar year it happened, Europe/Amsterdam):
- cases opened, by route (A, B, C);
- of the cases of routes A and C opened that year: the furthest step reached so far (1-5; step 5 = help started
  or reported to Veilig Thuis);
- reports to Veilig Thuis made that year (of which emergency reports);
- Veilig Thuis decisions and conclusions recorded with a safety assessment that year;
- the median number of days from the first signal (the earliest date observed) to the decision (the first step
  out of weighing, or an emergency report), over the decisions taken that year.

Everything is counted in the database with aggregates, in a fixed number of queries (four, however many cases).
Only the durations of the decisions are read as numbers (no ids) to take the median.

Small numbers that could identify a child are suppressed (``suppress``):
- primary: a count from 1 to 4 is shown as "< 5" (0 is shown: no child can be recognised in it);
- secondary: in every group of counts that adds up to a total, a hidden count must not be recoverable by
  subtraction. The total of each group is assumed to be known (also when it is not printed); while any hidden
  count could be pinned down from the total and the other counts, the smallest visible count of the group is
  hidden as well (shown as "x"); if none is left, the total is hidden too;
- a median is shown only over 5 or more decisions.
The figures hold no case ids, names or links: there is no path from them to a case.
"""

import datetime
import statistics
from dataclasses import dataclass, field

from django.db.models import Case as CaseWhen
from django.db.models import Count, Exists, IntegerField, Min, OuterRef, Q, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import workflow
from cases.models import Case, CaseState, Route, Signal, Transition, VeiligThuisOutcome, VeiligThuisReport
from schools.models import School

THRESHOLD = 5
FIRST_YEAR = 2013  # the Wet verplichte meldcode

PRIMARY = "primary"  # 1-4: "< 5"
SECONDARY = "secondary"  # hidden so that a small count cannot be recovered: "x"


@dataclass
class Cell:
    label: str
    value: int
    hidden: str = ""  # "", PRIMARY or SECONDARY

    @property
    def shown(self) -> str:
        if self.hidden == PRIMARY:
            return "< 5"
        if self.hidden == SECONDARY:
            return "x"
        return str(self.value)

    @property
    def visible(self) -> bool:
        return not self.hidden


@dataclass
class Group:
    key: str
    title: str
    cells: list[Cell]
    total: Cell
    show_total: bool = True
    chart: dict | None = None


@dataclass
class Figures:
    title: str
    year: int
    groups: list[Group] = field(default_factory=list)
    decisions: Cell | None = None
    median_days: float | None = None

    @property
    def has_secondary(self) -> bool:
        cells = [c for g in self.groups for c in [*g.cells, g.total]]
        return any(c.hidden == SECONDARY for c in cells)


# --- Suppression ----------------------------------------------------------------------------------------------


def _pinned(cells: list[Cell], total: Cell) -> bool:
    """Could any primary-hidden cell be pinned down from the total and the visible cells? The total is known
    exactly when shown, known to lie in 1-4 when shown as "< 5", and unknown when hidden as "x"."""
    if total.hidden == SECONDARY:
        return False
    low_total, high_total = (1, THRESHOLD - 1) if total.hidden == PRIMARY else (total.value, total.value)
    visible = sum(c.value for c in cells if not c.hidden)
    hidden = [c for c in cells if c.hidden]
    for cell in hidden:
        if cell.hidden != PRIMARY:
            continue
        others = [c for c in hidden if c is not cell]
        least = sum(1 if c.hidden == PRIMARY else THRESHOLD for c in others)
        unbounded = any(c.hidden == SECONDARY for c in others)
        high = min(THRESHOLD - 1, high_total - visible - least)
        low = 1 if unbounded else max(1, low_total - visible - (THRESHOLD - 1) * len(others))
        if high == low:
            return True
    return False


def suppress(cells: list[Cell], total: Cell) -> None:
    """Primary and secondary suppression of one group, in place (see the module's docstring)."""
    for cell in [*cells, total]:
        cell.hidden = PRIMARY if 0 < cell.value < THRESHOLD else ""
    suppress_more(cells, total)


def suppress_more(cells: list[Cell], total: Cell) -> None:
    """Secondary suppression: hide the smallest visible counts (and at last the total) while a small count could
    still be worked out. Keeps what is hidden already."""
    while _pinned(cells, total):
        candidates = sorted((c for c in cells if not c.hidden and c.value > 0), key=lambda c: c.value)
        if candidates:
            candidates[0].hidden = SECONDARY
        else:
            total.hidden = SECONDARY


# --- The chart (SVG, drawn by the template) ---------------------------------------------------------------------

BAR_LEFT, BAR_WIDTH, ROW_HEIGHT = 190, 300, 28


def chart(group: Group) -> dict:
    """Geometry for a horizontal bar chart. A hidden count gets no bar (its length would reveal it), only its label."""
    top = max([c.value for c in group.cells if c.visible] + [1])
    rows = []
    for index, cell in enumerate(group.cells):
        width = round(BAR_WIDTH * cell.value / top) if cell.visible else 0
        y = 10 + index * ROW_HEIGHT
        rows.append(
            {
                "label": cell.label,
                "shown": cell.shown,
                "y": y,
                "text_y": y + 15,
                "width": width,
                "value_x": BAR_LEFT + width + 6,
                "hidden": bool(cell.hidden),
            }
        )
    return {
        "rows": rows,
        "height": 20 + len(rows) * ROW_HEIGHT,
        "width": BAR_LEFT + BAR_WIDTH + 60,
        "bar_left": BAR_LEFT,
        "label_x": BAR_LEFT - 8,
    }


# --- Counting -----------------------------------------------------------------------------------------------------


def year_range(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_default_timezone()
    return (
        timezone.make_aware(datetime.datetime(year, 1, 1), tz),
        timezone.make_aware(datetime.datetime(year + 1, 1, 1), tz),
    )


def _reached(*states: str):
    return Exists(Transition.objects.filter(case=OuterRef("pk"), to_state__in=states))


def compute(*, schools: list[School], year: int, title: str, per_school: bool = False) -> Figures:
    """The figures of ``schools`` in ``year``: four queries, whatever the number of cases."""
    start, end = year_range(year)
    school_ids = [s.pk for s in schools]
    figures = Figures(title=title, year=year)

    # 1. Cases opened, by school, route and furthest step reached.
    # A case has reached step n when it has ever entered a state of step n (``cases.workflow``).
    step = CaseWhen(
        *(When(_reached(*workflow.STEP_STATES[n]), then=Value(n)) for n in (5, 4, 3, 2)),
        default=Value(1),
        output_field=IntegerField(),
    )
    rows = list(
        Case.objects.filter(school_id__in=school_ids, opened_at__gte=start, opened_at__lt=end)
        .annotate(step=step)
        .values("school_id", "route", "step")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_route = {route: 0 for route in Route.values}
    by_step = dict.fromkeys(range(1, 6), 0)
    by_school = dict.fromkeys(school_ids, 0)
    for row in rows:
        by_route[row["route"]] += row["n"]
        by_school[row["school_id"]] += row["n"]
        if row["route"] != Route.B:
            by_step[row["step"]] += row["n"]
    opened = sum(by_route.values())
    route_labels = {Route.A: _("route A (home)"), Route.B: _("route B (staff member)"), Route.C: _("route C (pupils)")}
    figures.groups.append(
        Group(
            "routes",
            _("Cases opened, by route"),
            [Cell(str(route_labels[r]), by_route[r]) for r in Route.values],
            Cell(_("cases opened"), opened),
        )
    )
    step_labels = {
        1: _("step 1: signals"),
        2: _("step 2: consultation"),
        3: _("step 3: conversation with the parents"),
        4: _("step 4: weighing"),
        5: _("step 5: help or report"),
    }
    figures.groups.append(
        Group(
            "steps",
            _("Furthest step reached (routes A and C, cases opened this year)"),
            [Cell(str(step_labels[s]), by_step[s]) for s in range(1, 6)],
            Cell(_("routes A and C"), sum(by_step.values())),
            # Not printed: with the route counts it would reveal a hidden count of route B.
            show_total=False,
        )
    )
    if per_school:
        names = {s.pk: s.name for s in schools}
        figures.groups.append(
            Group(
                "schools",
                _("Cases opened, per school"),
                [Cell(names[pk], by_school[pk]) for pk in school_ids],
                Cell(_("cases opened"), opened),
            )
        )

    # 2. Reports to Veilig Thuis made this year (corrections of a report are not counted again).
    reports = VeiligThuisReport.objects.filter(
        case__school_id__in=school_ids, reported_at__gte=start, reported_at__lt=end, corrects__isnull=True
    ).aggregate(total=Count("pk"), emergency=Count("pk", filter=Q(emergency=True)))
    figures.groups.append(
        Group(
            "reports",
            _("Reports to Veilig Thuis"),
            [
                Cell(_("after weighing"), reports["total"] - reports["emergency"]),
                Cell(_("emergency reports"), reports["emergency"]),
            ],
            Cell(_("reports"), reports["total"]),
        )
    )

    # 3. Veilig Thuis decisions and conclusions (safety assessment this year).
    decisions = VeiligThuisOutcome.Decision
    conclusions = VeiligThuisOutcome.Conclusion
    aggregates = {f"d_{value}": Count("pk", filter=Q(decision=value)) for value in decisions.values}
    aggregates |= {f"c_{value}": Count("pk", filter=Q(conclusion=value)) for value in conclusions.values}
    outcomes = VeiligThuisOutcome.objects.filter(
        case__school_id__in=school_ids,
        assessed_on__gte=start.date(),
        assessed_on__lt=end.date(),
        corrects__isnull=True,
    ).aggregate(total=Count("pk"), **aggregates)
    figures.groups.append(
        Group(
            "vt_decisions",
            _("Decisions of Veilig Thuis"),
            [Cell(str(label), outcomes[f"d_{value}"]) for value, label in decisions.choices],
            Cell(_("decisions"), outcomes["total"]),
        )
    )
    concluded = sum(outcomes[f"c_{value}"] for value in conclusions.values)
    figures.groups.append(
        Group(
            "vt_conclusions",
            _("Conclusions of Veilig Thuis"),
            [
                *[Cell(str(label), outcomes[f"c_{value}"]) for value, label in conclusions.choices],
                Cell(_("no conclusion (yet)"), outcomes["total"] - concluded),
            ],
            Cell(_("decisions"), outcomes["total"]),
            show_total=False,  # the same as the decisions' total
        )
    )

    # 4. Days from the first signal to the decision, over the decisions taken this year.
    first_signal = Signal.objects.filter(case=OuterRef("pk")).order_by("observed_on").values("observed_on")[:1]
    durations = (
        Case.objects.filter(school_id__in=school_ids)
        .exclude(route=Route.B)
        .annotate(
            decided_at=Min(
                "transitions__at",
                filter=Q(transitions__from_state=CaseState.WEIGHING) | Q(transitions__name="emergency_report"),
            ),
            first_observed=Subquery(first_signal),
        )
        .filter(decided_at__gte=start, decided_at__lt=end)
        .values_list("first_observed", "decided_at")
    )
    days = [
        (timezone.localtime(decided).date() - observed).days
        for observed, decided in durations
        if observed is not None and decided is not None
    ]
    figures.decisions = Cell(_("decisions taken"), len(days))
    figures.decisions.hidden = PRIMARY if 0 < len(days) < THRESHOLD else ""
    figures.median_days = statistics.median(days) if len(days) >= THRESHOLD else None

    groups = {group.key: group for group in figures.groups}
    for group in figures.groups:
        suppress(group.cells, group.total)
    # The steps' total (routes A and C together) must not be derivable from the routes when it had to be hidden:
    # then route B is hidden too (or, when it is 0, the number of cases opened).
    if groups["steps"].total.hidden == SECONDARY:
        routes = groups["routes"]
        route_b = routes.cells[Route.values.index(Route.B)]
        if not route_b.hidden:
            if route_b.value:
                route_b.hidden = SECONDARY
            else:
                routes.total.hidden = SECONDARY
        suppress_more(routes.cells, routes.total)
    # Groups that share a total: hidden in one, hidden in all.
    for keys in (("routes", "schools"), ("vt_decisions", "vt_conclusions")):
        sharing = [g for g in figures.groups if g.key in keys]
        if any(g.total.hidden == SECONDARY for g in sharing):
            for g in sharing:
                g.total.hidden = g.total.hidden or SECONDARY
    for group in figures.groups:
        if group.key in ("routes", "steps"):
            group.chart = chart(group)
    return figures


def csv_safe(value: str) -> str:
    """Against CSV injection: a cell that a spreadsheet would read as a formula gets a leading apostrophe."""
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def csv_rows(figures: Figures) -> list[list[str]]:
    header = [_("scope"), _("year"), _("part"), _("what"), _("number")]
    rows = [header]
    for group in figures.groups:
        for cell in group.cells:
            rows.append([figures.title, str(figures.year), group.title, cell.label, cell.shown])
        if group.show_total:
            rows.append([figures.title, str(figures.year), group.title, group.total.label, group.total.shown])
    time_title = _("Time from the first signal to the decision")
    rows.append([figures.title, str(figures.year), time_title, figures.decisions.label, figures.decisions.shown])
    median = "" if figures.median_days is None else f"{figures.median_days:g}"
    rows.append([figures.title, str(figures.year), time_title, _("median number of days"), median or _("too few")])
    return [[csv_safe(cell) for cell in row] for row in rows]
