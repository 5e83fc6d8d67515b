"""Benchmark: the render of a 50-record case's staff dossier against its parent extract (issue 19), in the worker's
way (built from the database, laid out by WeasyPrint, written) — on the large board's case PROEF-050 of school 001.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/meldcode_bench .venv/bin/python bench/render_times.py

Each document is rendered five times in a row (the first warms up), and the best of the last four is printed
(the machine may be busy). Each in a run of its own: taken in turns, each render paid for the other's. Not part of
``make test``: timings belong in a benchmark, not in a test (docs/performance.md).
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meldcode.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/meldcode_bench")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from cases import selectors  # noqa: E402
from cases.models import Case  # noqa: E402
from demo import largeboard  # noqa: E402
from dossier import pdf  # noqa: E402
from dossier import services as dossier_services  # noqa: E402
from schools.models import Membership, Role  # noqa: E402


def best_of(render, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        render()
        times.append(time.perf_counter() - started)
    return min(times[1:])


def main() -> None:
    case = Case.objects.get(
        school__board__name=largeboard.existing_signature(), school__name__endswith=" 001", reference="PROEF-050"
    )
    af = Membership.objects.filter(school=case.school, role=Role.AF).select_related("user").first().user
    now = timezone.now()

    def parent():
        pdf.render_extract(
            extract=dossier_services.build_extract(selectors.case_get_for_user(user=af, case_id=case.pk)),
            generated_by=af,
            generated_at=now,
        )

    def staff():
        pdf.render_staff_dossier(
            dossier=dossier_services.staff_dossier_build(case, as_of=now),
            reference=f"{case.reference}-V1",
            recipient="Inspectie van het Onderwijs",
            purpose="inspectie",
            released_by=af,
            released_at=now,
        )

    parent_s, staff_s = best_of(parent), best_of(staff)
    print(
        f"case {case.reference} ({case.pk}): parent extract {parent_s:.3f} s, staff dossier {staff_s:.3f} s "
        f"({staff_s / parent_s:.2f}x)"
    )


if __name__ == "__main__":
    main()
