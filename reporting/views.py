"""Annual figures: anonymised counts per school or board and year, with a chart and a CSV download.
Counts only: no case ids, no names, no links to cases (reporting.figures)."""

import csv

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from cases import permissions as perms
from cases.audit import audit_log
from cases.models import AuditEvent
from reporting import figures as fig
from schools.models import Board, School

YEARS_SHOWN = 6


def _year(request) -> int:
    current = timezone.localdate().year
    try:
        year = int(request.GET.get("jaar", current))
    except ValueError:
        return current
    return year if fig.FIRST_YEAR <= year <= current else current


def _years() -> list[int]:
    current = timezone.localdate().year
    return list(range(current, max(fig.FIRST_YEAR, current - YEARS_SHOWN + 1) - 1, -1))


@require_safe
@login_required
def figures_index(request):
    """The figures the user may see: their school(s) as aandachtsfunctionaris, and the boards for administrators."""
    schools = list(School.objects.filter(pk__in=perms.figure_school_ids(request.user)).order_by("name"))
    boards = list(Board.objects.order_by("name")) if perms.can_see_board_figures(request.user) else []
    if not schools and not boards:
        raise PermissionDenied
    if len(schools) == 1 and not boards:
        return redirect("reporting:figures-school", school_id=schools[0].pk)
    return render(
        request, "reporting/figures_index.html", {"schools": schools, "boards": boards, "title": _("Annual figures")}
    )


def _school_figures(request, school_id: int):
    school = School.objects.filter(pk=school_id).select_related("board").first()
    if school is None:
        raise Http404
    perms.require_school_figures(request.user, school.pk)
    return school, fig.compute(schools=[school], year=_year(request), title=school.name)


def _board_figures(request, board_id: int):
    board = Board.objects.filter(pk=board_id).first()
    if board is None:
        raise Http404
    schools = list(School.objects.filter(board=board).order_by("name"))
    perms.require_board_figures(request.user, {s.pk for s in schools})
    return board, fig.compute(schools=schools, year=_year(request), title=board.name, per_school=True)


def _page(request, figures, csv_url: str, scope: str, schools=()):
    return render(
        request,
        "reporting/figures.html",
        {
            "figures": figures,
            "csv_url": csv_url,
            "years": _years(),
            "scope": scope,
            "schools": schools,
            "title": gettext("Annual figures %(year)s — %(scope)s") % {"year": figures.year, "scope": figures.title},
        },
    )


def _csv(request, figures, filename: str, target: str):
    audit_log(user=request.user, case=None, action=AuditEvent.Action.EXPORT, target=target)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # so that Excel reads UTF-8
    writer = csv.writer(response, delimiter=";", lineterminator="\r\n")
    writer.writerows(fig.csv_rows(figures))
    return response


@require_safe
@login_required
def figures_school(request, school_id: int):
    school, figures = _school_figures(request, school_id)
    return _page(request, figures, f"{_csv_path('school', school.pk)}?jaar={figures.year}", "school")


@require_safe
@login_required
def figures_school_csv(request, school_id: int):
    school, figures = _school_figures(request, school_id)
    return _csv(
        request, figures, f"jaarcijfers-{school.brin}-{figures.year}.csv", f"figures school {school.pk} {figures.year}"
    )


@require_safe
@login_required
def figures_board(request, board_id: int):
    board, figures = _board_figures(request, board_id)
    schools = School.objects.filter(board=board).order_by("name")
    return _page(request, figures, f"{_csv_path('board', board.pk)}?jaar={figures.year}", "board", schools)


@require_safe
@login_required
def figures_board_csv(request, board_id: int):
    board, figures = _board_figures(request, board_id)
    return _csv(
        request,
        figures,
        f"jaarcijfers-bestuur-{board.pk}-{figures.year}.csv",
        f"figures board {board.pk} {figures.year}",
    )


def _csv_path(kind: str, object_id: int) -> str:
    if kind == "school":
        return reverse("reporting:figures-school-csv", kwargs={"school_id": object_id})
    return reverse("reporting:figures-board-csv", kwargs={"board_id": object_id})
