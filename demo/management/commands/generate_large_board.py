"""Create a fictional large school board for performance work (see ``demo.largeboard``).

    python manage.py generate_large_board --seed 1 [--schools 100 --pupils 30000 --cases 20000 --entries 300000]

Deterministic from the seed and the sizes. Meant for an empty database (the benchmark makes one); with
``--if-missing`` it does nothing when the same board (seed and sizes) is already there.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from cases import deadlines
from demo import largeboard


class Command(BaseCommand):
    help = "Create a fictional large school board (100 schools, 30,000 pupils, 20,000 cases) from a seed."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--schools", type=int, default=100)
        parser.add_argument("--pupils", type=int, default=30_000)
        parser.add_argument("--cases", type=int, default=20_000)
        parser.add_argument("--entries", type=int, default=300_000, help="chronology items, about")
        parser.add_argument(
            "--if-missing", action="store_true", help="do nothing when this board (seed and sizes) already exists"
        )

    def handle(self, *args, seed, schools, pupils, cases, entries, if_missing, **options):
        if schools < 1 or pupils < schools * largeboard.GROUPS_PER_SCHOOL or cases < 2:
            raise CommandError("Give at least 1 school, 8 pupils per school and 2 cases.")
        wanted = largeboard.signature(seed=seed, schools=schools, pupils=pupils, cases=cases, entries=entries)
        existing = largeboard.existing_signature()
        if existing == wanted and if_missing:
            # Made by an older release: the stored next due dates may be missing (``Case.next_due``).
            changed = deadlines.refresh_next_due()
            self.stdout.write(f"Already there: {existing} ({changed} next due date(s) recomputed)")
            return
        if existing is not None:
            raise CommandError(f"This database already holds a generated board ({existing}); use an empty database.")
        started = time.monotonic()
        result = largeboard.generate(seed=seed, schools=schools, pupils=pupils, cases=cases, entries=entries)
        deadlines.refresh_next_due()  # the cases were stored in bulk, past the services that keep it
        self.stdout.write(
            f"{wanted}: {result.schools} schools, {result.users} users, {result.pupils} pupils, {result.cases} cases, "
            f"{result.entries} chronology items in {time.monotonic() - started:.0f} s. "
            f"Benchmark cases: {result.bench_cases}. Every user's password: {largeboard.PASSWORD}"
        )
