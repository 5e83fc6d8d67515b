"""Which cases there are (school, route, path, extra signals, the benchmark's cases) and their insertion in chunks
with their pupils, chronology and object permissions."""

import datetime
from itertools import batched

from django.db import transaction
from django.utils import timezone

from cases.models import Case, CaseState
from demo.largeboard.constants import (
    B_PATHS,
    BATCH,
    BENCH_REFERENCES,
    CLOSED_PATHS,
    GROUPS_PER_SCHOOL,
    PATHS,
    ROUTE_A_STATES,
    ROUTE_B_STATES,
    TARGETS,
)
from demo.largeboard.people import SchoolStaff
from demo.largeboard.rows import Rows


class CasesMixin:
    """Plans every case, then inserts them 1,000 at a time, each chunk in its own transaction."""

    def plan(self) -> list[dict]:
        """Decide every case's school, pupils, route, path and number of extra signals."""
        plans = []
        for n in range(self.n_cases):
            staff = self.staff[n % len(self.staff)]
            roll = self.rng.random()
            route = "B" if roll < 0.04 else "C" if roll < 0.14 else "A"
            if route == "B":
                states, weights = zip(*ROUTE_B_STATES, strict=True)
                state = self.rng.choices(states, weights)[0]
                path = B_PATHS[state]
            else:
                states, weights = zip(*ROUTE_A_STATES, strict=True)
                state = self.rng.choices(states, weights)[0]
                path = self.rng.choice(CLOSED_PATHS) if state == CaseState.CLOSED else PATHS[state]
            plans.append({"staff": staff, "route": route, "path": path, "extra": 0, "reference": None})
        # Every state of every route at least once, however small the board.
        ordinary = plans[min(len(plans), 2 * len(self.staff)) :] or plans
        combos = (
            [("A", s) for s, _w in ROUTE_A_STATES] + [("C", CaseState.CLOSED)] + [("B", s) for s, _w in ROUTE_B_STATES]
        )
        for (route, state), plan in zip(combos, ordinary, strict=False):
            path = B_PATHS[state] if route == "B" else CLOSED_PATHS[0] if state == CaseState.CLOSED else PATHS[state]
            plan.update(route=route, path=path)
        # The benchmark's cases: at the first school, about a pupil of group 1, in step 4 (weighing).
        for (reference, size), plan in zip(BENCH_REFERENCES.items(), plans[:: len(self.staff)], strict=False):
            plan.update(route="A", path=PATHS[CaseState.WEIGHING], reference=reference, size=size, group=0)
        # Spread the remaining entries as extra signals (and their follow-ups) over the ordinary cases.
        base = sum(self.base_size(p) for p in plans)
        spare = max(0, self.n_entries - base)
        ordinary = [p for p in plans if p["reference"] is None]
        for _ in range(spare // 2):
            self.rng.choice(ordinary)["extra"] += 2
        return plans

    @staticmethod
    def base_size(plan) -> int:
        """How many chronology items a path gives without extra signals (see ``fill``)."""
        size = 2  # the first signal, the step change "open"
        for name in plan["path"]:
            size += (
                1
                + {
                    "to_consulting": 1,  # a consultation
                    "to_parent_talk": 2,  # a kindcheck (or a flag assessment), a second consultation
                    "to_weighing": 3,  # the conversation, its acknowledgement, the parents' view
                    "start_help": 3,  # weighing answers 1, 4 (the rest below), a risk assessment... counted loosely
                    "report": 3,
                    "close_no_action": 2,
                    "start_evaluation": 1,
                    "to_vt_involved": 1,
                    "to_monitoring": 2,
                    "close": 1,
                    "start_route_b": 1,
                    "inspector_consulted": 1,
                    "police_report": 1,
                    "no_police_report": 1,
                }[name]
            )
        return size

    def cases(self) -> None:
        plans = self.plan()
        numbers: dict[int, int] = {}
        for chunk in batched(plans, 1000):
            with transaction.atomic():
                self.fill(list(chunk), numbers)

    def fill(self, plans: list[dict], numbers: dict[int, int]) -> None:
        """Insert one chunk of cases with their pupils, chronology, notifications and object permissions."""
        rng = self.rng
        cases = []
        for plan in plans:
            staff: SchoolStaff = plan["staff"]
            group_index = plan.get("group", rng.randrange(GROUPS_PER_SCHOOL))
            group = staff.groups[group_index]
            pupils = rng.sample(staff.pupils_by_group[group.pk], k=2 if rng.random() < 0.08 else 1)
            opener = rng.choice([staff.teachers[group_index], staff.teachers[group_index], staff.contact, staff.ib])
            opened_at = self.anchor - datetime.timedelta(days=rng.randint(3, 3 * 365), minutes=rng.randint(0, 600))
            year = timezone.localtime(opened_at).year
            numbers[(staff.school.pk, year)] = numbers.get((staff.school.pk, year), 0) + 1
            reference = plan["reference"] or f"{year}-{numbers[(staff.school.pk, year)]:03d}"
            # The state is protected (django-fsm): it can only be given when the object is made.
            final = TARGETS[plan["path"][-1]] if plan["path"] else CaseState.SIGNALLING
            case = Case(
                school=staff.school,
                reference=reference,
                route=plan["route"],
                state=final,
                opened_by=opener,
                opened_at=opened_at,
                owner=opener,
                acute=rng.random() < 0.03,
            )
            plan.update(case=case, pupils=pupils, opener=opener, at=opened_at)
            cases.append(case)

        rows = Rows()
        for plan in plans:
            self.chronology(plan, rows)
            plan["case"].last_activity_at = plan["at"]
        Case.objects.bulk_create(cases, batch_size=BATCH)
        Case.pupils.through.objects.bulk_create(
            [Case.pupils.through(case=plan["case"], pupil=p) for plan in plans for p in plan["pupils"]],
            batch_size=BATCH,
        )
        rows.save()
        self.result.cases += len(plans)
        self.result.entries += rows.items
        for plan in plans:
            if plan["reference"] in BENCH_REFERENCES:
                self.result.bench_cases[plan["reference"]] = plan["case"].pk
        self.permissions(plans)

    def tick(self, plan, hours: tuple[int, int] = (2, 200)) -> datetime.datetime:
        plan["at"] = min(plan["at"] + datetime.timedelta(hours=self.rng.randint(*hours)), self.anchor)
        return plan["at"]
