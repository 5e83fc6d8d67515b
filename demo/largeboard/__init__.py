"""A fictional large school board for performance work: deterministic from a seed, inserted in bulk.

``generate(seed=1, schools=100, pupils=30_000, cases=20_000, entries=300_000)`` creates one board with its schools,
eight class groups per school with a teacher each, an IB'er, an aandachtsfunctionaris and an internal contact
person per school, the pupils, and the cases spread over every state of routes A, B and C with a chronology that
fits each state (signals, consultations with actions, kindchecks, conversations with the parents, weighing
answers, help plans, reports, Veilig Thuis outcomes, monitoring, closures, route B records, step changes).

Everything goes in with ``bulk_create`` in batches: no per-row signals, so the access groups and the object
permissions are assigned in bulk too — exactly the rows that ``cases.access.sync_all`` would produce (a test
compares them). Append-only records may be inserted (their querysets refuse only UPDATE, DELETE and upserts).

All names are invented from the short lists in ``constants``. Every user has the same password (hashed once:
hashing 1,100 passwords separately would take minutes). Two cases are there for the benchmark at the first school,
about a pupil of its group 1: ``PROEF-200`` (200 chronology entries) and ``PROEF-050`` (50 entries).

The board's name records the seed and the sizes (``signature``), so a second run with the same arguments can see
that the data is already there.

The parts, each a mixin of ``Generator`` working on its shared state (the random generator, the staff per school,
the access groups, the counts): ``people`` (the board, schools, staff and pupils), ``grants`` (access groups and
object permissions), ``cases`` (which cases, inserted chunk by chunk), ``chronology`` (each case's records) and
``rows`` (the bulk writer of a chunk's records). ``constants`` holds the sizes, names, texts and case paths.
"""

import datetime
import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from demo.largeboard.case_plan import CasesMixin
from demo.largeboard.chronology import ChronologyMixin
from demo.largeboard.constants import BENCH_REFERENCES, BOARD_PREFIX, GROUPS_PER_SCHOOL, PASSWORD
from demo.largeboard.grants import GrantsMixin
from demo.largeboard.people import PeopleMixin, SchoolStaff, existing_signature, signature

__all__ = [
    "BENCH_REFERENCES",
    "BOARD_PREFIX",
    "GROUPS_PER_SCHOOL",
    "PASSWORD",
    "Generator",
    "Result",
    "existing_signature",
    "generate",
    "signature",
]


@dataclass
class Result:
    schools: int = 0
    users: int = 0
    pupils: int = 0
    cases: int = 0
    entries: int = 0
    bench_cases: dict = field(default_factory=dict)


class Generator(PeopleMixin, GrantsMixin, CasesMixin, ChronologyMixin):
    """One board, made in order: people, access groups, then the cases chunk by chunk (see ``run``).

    Every random choice comes from ``self.rng``, in a fixed order: the same seed gives the same board.
    """

    def __init__(self, *, seed: int, schools: int, pupils: int, cases: int, entries: int, anchor: datetime.datetime):
        self.rng = random.Random(seed)
        self.seed, self.n_schools, self.n_pupils, self.n_cases, self.n_entries = seed, schools, pupils, cases, entries
        self.anchor = anchor
        self.result = Result()
        self.staff: list[SchoolStaff] = []
        self.password = make_password(PASSWORD, salt=f"grootproef{seed}")

    def run(self) -> Result:
        with transaction.atomic():
            self.people()
            self.access_groups()
        self.cases()
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # Fresh statistics (ANALYZE): without them the planner takes the tables for small and scans them whole.
            # And the visibility map (VACUUM), as autovacuum keeps it on a database in use: without it PostgreSQL
            # cannot answer from an index alone, e.g. the permission subquery fetched 200 rows from the table
            # instead of the index. VACUUM cannot run inside a transaction (tests generate inside one: ANALYZE only).
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        elif connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        return self.result


def generate(
    *,
    seed: int = 1,
    schools: int = 100,
    pupils: int = 30_000,
    cases: int = 20_000,
    entries: int = 300_000,
    anchor: datetime.datetime | None = None,
) -> Result:
    if anchor is None:
        anchor = datetime.datetime(2026, 11, 2, 12, 0, tzinfo=datetime.UTC)
    return Generator(seed=seed, schools=schools, pupils=pupils, cases=cases, entries=entries, anchor=anchor).run()
