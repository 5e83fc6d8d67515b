"""Benchmark: render the parent extract of a 50-entry case several times and print the median (not a test).

Builds the case in a throwaway SQLite database (a temporary file, migrated first), so the dev database is not
touched. Usage:

    DEBUG=true .venv/bin/python scripts/bench_extract.py [--runs 7]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--entries", type=int, default=50)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="meldcode-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meldcode.settings")
    import logging

    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)

    from cases import selectors, services
    from cases.models import Case
    from dossier import extract, pdf
    from dossier import selectors as dossier_selectors
    from schools.models import Role
    from tests import factories

    school = factories.SchoolFactory(name="Basisschool De Proefboom")
    group = factories.ClassGroupFactory(school=school, name="groep 5")
    users = {}
    for name, role in [("teacher", Role.TEACHER), ("ib", Role.IB), ("af", Role.AF)]:
        users[name] = factories.UserFactory(username=f"bench-{name}")
        factories.MembershipFactory(user=users[name], school=school, role=role)
    group.teachers.add(users["teacher"])
    pupil = factories.PupilFactory(class_group=group)
    case = factories.open_case(users["teacher"], pupil)
    factories.advance(users["teacher"], case, "to_consulting")
    for i in range(args.entries - 2):
        current = Case.objects.get(pk=case.pk)
        if i % 2:
            factories.add_consultation(users["ib"], current)
        else:
            services.signal_record(
                user=users["ib"], case=current, signal=factories.make_signal(description=f"Signaal nummer {i}.")
            )

    af = users["af"]
    case = selectors.case_get_for_user(user=af, case_id=case.pk)
    data = dossier_selectors.case_extract_data(case=case)
    built = extract.build_extract(
        case=case, timeline=data.timeline, redactions=data.redactions, contact_persons=data.contact_persons
    )
    timings = []
    for _run in range(args.runs):
        start = time.perf_counter()
        rendered = pdf.render_extract(extract=built, generated_by=af, generated_at=timezone.now())
        timings.append(time.perf_counter() - start)
    print(
        f"{len(built.items)} entries (of which {len(built.included)} in the extract), {len(rendered.pdf) // 1024} KiB, "
        f"{args.runs} runs: median {statistics.median(timings):.2f} s "
        f"(min {min(timings):.2f} s, max {max(timings):.2f} s)"
    )


if __name__ == "__main__":
    main()
