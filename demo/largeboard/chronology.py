"""A fictional large school board for performance work: deterministic from a seed, inserted in bulk.

``generate(seed=1, schools=100, pupils=30_000, cases=20_000, entries=300_000)`` creates one board with its schools,
eight class groups per school with a teacher each, an IB'er, an aandachtsfunctionaris and an internal contact
person per school, the pupils, and the cases spread over every state of routes A, B and C with a chronology that
fits each state (signals, consultations with actions, kindchecks, conversations with the parents, weighing
answers, help plans, reports, Veilig Thuis outcomes, monitoring, closures, route B records, step changes).

Everything goes in with ``bulk_create`` in batches: no per-row signals, so the access groups and the object
permissions are assigned in bulk too — exactly the rows that ``cases.access.sync_all`` would produce (a test
compares them). Append-only records may be inserted (their querysets refuse only UPDATE, DELETE and upserts).

All names are invented from the short lists below. Every user has the same password (hashed once: hashing 1,100
passwords separately would take minutes). Two cases are there for the benchmark at the first school, about a pupil
of its group 1: ``PROEF-200`` (200 chronology entries) and ``PROEF-050`` (50 entries).

The board's name records the seed and the sizes (``signature``), so a second run with the same arguments can see
that the data is already there.
"""

import datetime
import random
from dataclasses import dataclass, field
from itertools import batched

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from cases import access
from cases import permissions as perms
from cases.models import (
    BoardNotification,
    Case,
    CaseGroupObjectPermission,
    CaseState,
    CaseUserObjectPermission,
    Closure,
    Consultation,
    ConsultationAction,
    ConversationAcknowledgement,
    ConversationSignal,
    FlagAssessment,
    HelpEvaluation,
    HelpPlan,
    HelpTask,
    InspectorConsultation,
    Kindcheck,
    MonitoringAgreement,
    MonitoringCheckIn,
    Notification,
    ParentConversation,
    ParentView,
    PoliceDecision,
    RiskAssessment,
    Signal,
    SignalFollowUp,
    Transition,
    VeiligThuisOutcome,
    VeiligThuisReport,
    WeighingAnswer,
)
from schools.models import Board as BoardModel
from schools.models import ClassGroup, Membership, Pupil, Role, School

BOARD_PREFIX = "Stichting Grootproef"
PASSWORD = "meldcode-bench"
BENCH_REFERENCES = {"PROEF-200": 200, "PROEF-050": 50}
BATCH = 2000
GROUPS_PER_SCHOOL = 8

FIRST_NAMES = [
    "Anouk",
    "Bram",
    "Daan",
    "Eline",
    "Fenna",
    "Gijs",
    "Hanna",
    "Isa",
    "Jelle",
    "Kiki",
    "Lars",
    "Maud",
    "Noor",
    "Olaf",
    "Pien",
    "Quinten",
    "Roos",
    "Sem",
    "Tess",
    "Ugo",
    "Vera",
    "Wout",
    "Xander",
    "Yara",
    "Zoë",
    "Bas",
    "Cato",
    "Dirk",
    "Evi",
    "Floor",
    "Guus",
    "Hidde",
    "Ilse",
    "Joep",
    "Lotte",
    "Mees",
    "Nina",
    "Otto",
    "Puck",
    "Rik",
]
LAST_NAMES = [
    "Akkerveld",
    "Berkhout",
    "Dijkgraaf",
    "Esveld",
    "Fluitsma",
    "Goudriaan",
    "Hoekstein",
    "Ijzerman",
    "Jonkhout",
    "Kamperdijk",
    "Lindeboom",
    "Meerveld",
    "Nagelkerk",
    "Oosterbroek",
    "Pekelaar",
    "Rietveldt",
    "Schuttenberg",
    "Terwisscha",
    "Uilenbroek",
    "Vlasveld",
    "Wijnstok",
    "Zandvliet",
    "Brinkhorst",
    "Heuvelink",
    "Klaverstein",
    "Molenaar",
    "Strookman",
    "Veldhuizen",
    "Wolterbeek",
    "Zwanenburg",
]
SCHOOL_NAMES = "De Regenboog|Het Klimrek|De Zandloper|De Kastanje|Het Palet|De Wegwijzer|De Sterrenwacht|Het Kompas"
SCHOOL_NAMES = SCHOOL_NAMES.split("|")
CITIES = ["Zwolle", "Deventer", "Apeldoorn", "Kampen", "Harderwijk", "Meppel", "Hattem", "Heino", "Raalte", "Dalfsen"]
PLACES = ["klaslokaal", "speelplein", "gymzaal", "gang", "schoolplein bij het hek", "bibliotheek"]
SITUATIONS = ["rekenles", "kleine pauze", "gymles", "binnenkomst", "overblijven", "kringgesprek"]
OBSERVATIONS = [
    "Blauwe plek van ongeveer {n} cm op de bovenarm.",
    "Kind zegt: 'Papa was weer heel boos gisteren.'",
    "Kind komt zonder ontbijt en zonder jas naar school, de {n}e keer deze maand.",
    "Moeder vertelt bij het hek dat het thuis onrustig is.",
    "Kind schrikt hevig als een volwassene de stem verheft.",
    "Kind valt {n} keer in slaap tijdens de les.",
]
ROUTE_A_STATES = [
    (CaseState.SIGNALLING, 10),
    (CaseState.CONSULTING, 10),
    (CaseState.PARENT_TALK, 8),
    (CaseState.WEIGHING, 8),
    (CaseState.HELP, 8),
    (CaseState.EVALUATING, 5),
    (CaseState.REPORTED, 5),
    (CaseState.VT_INVOLVED, 6),
    (CaseState.MONITORING, 8),
    (CaseState.CLOSED, 32),
]
ROUTE_B_STATES = [
    (CaseState.DUTY_TO_INFORM, 30),
    (CaseState.INSPECTOR_CONSULTED, 25),
    (CaseState.POLICE_REPORT, 15),
    (CaseState.NO_POLICE_REPORT, 10),
    (CaseState.CLOSED, 20),
]
# The step changes that lead to each state (route A and C).
PATHS = {
    CaseState.SIGNALLING: [],
    CaseState.CONSULTING: ["to_consulting"],
    CaseState.PARENT_TALK: ["to_consulting", "to_parent_talk"],
    CaseState.WEIGHING: ["to_consulting", "to_parent_talk", "to_weighing"],
    CaseState.HELP: ["to_consulting", "to_parent_talk", "to_weighing", "start_help"],
    CaseState.EVALUATING: ["to_consulting", "to_parent_talk", "to_weighing", "start_help", "start_evaluation"],
    CaseState.REPORTED: ["to_consulting", "to_parent_talk", "to_weighing", "report"],
    CaseState.VT_INVOLVED: ["to_consulting", "to_parent_talk", "to_weighing", "report", "to_vt_involved"],
    CaseState.MONITORING: [
        "to_consulting",
        "to_parent_talk",
        "to_weighing",
        "start_help",
        "start_evaluation",
        "to_monitoring",
    ],
}
CLOSED_PATHS = [
    ["to_consulting", "to_parent_talk", "to_weighing", "close_no_action"],
    ["to_consulting", "to_parent_talk", "to_weighing", "start_help", "start_evaluation", "to_monitoring", "close"],
    ["to_consulting", "to_parent_talk", "to_weighing", "report", "to_vt_involved", "close"],
]
B_PATHS = {
    CaseState.DUTY_TO_INFORM: ["start_route_b"],
    CaseState.INSPECTOR_CONSULTED: ["start_route_b", "inspector_consulted"],
    CaseState.POLICE_REPORT: ["start_route_b", "inspector_consulted", "police_report"],
    CaseState.NO_POLICE_REPORT: ["start_route_b", "inspector_consulted", "no_police_report"],
    CaseState.CLOSED: ["start_route_b", "inspector_consulted", "police_report", "close"],
}
TARGETS = {
    "to_consulting": CaseState.CONSULTING,
    "to_parent_talk": CaseState.PARENT_TALK,
    "to_weighing": CaseState.WEIGHING,
    "start_help": CaseState.HELP,
    "start_evaluation": CaseState.EVALUATING,
    "report": CaseState.REPORTED,
    "to_vt_involved": CaseState.VT_INVOLVED,
    "to_monitoring": CaseState.MONITORING,
    "close": CaseState.CLOSED,
    "close_no_action": CaseState.CLOSED,
    "start_route_b": CaseState.DUTY_TO_INFORM,
    "inspector_consulted": CaseState.INSPECTOR_CONSULTED,
    "police_report": CaseState.POLICE_REPORT,
    "no_police_report": CaseState.NO_POLICE_REPORT,
}


def signature(*, seed: int, schools: int, pupils: int, cases: int, entries: int) -> str:
    return f"{BOARD_PREFIX} (seed {seed}, {schools} scholen, {pupils} leerlingen, {cases} dossiers, {entries} items)"


def existing_signature() -> str | None:
    board = BoardModel.objects.filter(name__startswith=BOARD_PREFIX).first()
    return board.name if board else None


@dataclass
class SchoolStaff:
    school: School
    ib: User
    af: User
    contact: User
    teachers: list[User]
    groups: list[ClassGroup]
    pupils_by_group: dict[int, list[Pupil]] = field(default_factory=dict)


@dataclass
class Result:
    schools: int = 0
    users: int = 0
    pupils: int = 0
    cases: int = 0
    entries: int = 0
    bench_cases: dict = field(default_factory=dict)


class Generator:
    def __init__(self, *, seed: int, schools: int, pupils: int, cases: int, entries: int, anchor: datetime.datetime):
        self.rng = random.Random(seed)
        self.seed, self.n_schools, self.n_pupils, self.n_cases, self.n_entries = seed, schools, pupils, cases, entries
        self.anchor = anchor
        self.result = Result()
        self.staff: list[SchoolStaff] = []
        self.password = make_password(PASSWORD, salt=f"grootproef{seed}")

    # --- people ---------------------------------------------------------------------------------------------------
    def name(self) -> tuple[str, str]:
        return self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)

    def people(self) -> None:
        board = BoardModel.objects.create(
            name=signature(
                seed=self.seed,
                schools=self.n_schools,
                pupils=self.n_pupils,
                cases=self.n_cases,
                entries=self.n_entries,
            )
        )
        schools = School.objects.bulk_create(
            [
                School(
                    board=board,
                    name=f"{SCHOOL_NAMES[i % len(SCHOOL_NAMES)]} {i + 1:03d}",
                    brin=f"{i // 26 % 100:02d}{chr(65 + i % 26)}X",
                    city=CITIES[i % len(CITIES)],
                    holiday_region=["north", "middle", "south"][i % 3],
                )
                for i in range(self.n_schools)
            ]
        )
        users, memberships, groups = [], [], []
        for i, school in enumerate(schools, start=1):
            prefix = f"s{i:03d}"
            roles = [("ib", Role.IB), ("af", Role.AF), ("icp", Role.CONTACT_PERSON)] + [
                (f"leerkracht-g{g}", Role.TEACHER) for g in range(1, GROUPS_PER_SCHOOL + 1)
            ]
            for suffix, role in roles:
                first, last = self.name()
                user = User(
                    username=f"{prefix}-{suffix}",
                    first_name=first,
                    last_name=last,
                    email=f"{prefix}-{suffix}@example.invalid",
                    password=self.password,
                )
                users.append(user)
                memberships.append((user, school, role))
            groups += [ClassGroup(school=school, name=f"groep {g}") for g in range(1, GROUPS_PER_SCHOOL + 1)]
        User.objects.bulk_create(users, batch_size=BATCH)
        Membership.objects.bulk_create(
            [Membership(user=u, school=s, role=r) for u, s, r in memberships], batch_size=BATCH
        )
        ClassGroup.objects.bulk_create(groups, batch_size=BATCH)
        per_school = 3 + GROUPS_PER_SCHOOL
        through = ClassGroup.teachers.through
        teaching = []
        for i, school in enumerate(schools):
            staff_users = users[i * per_school : (i + 1) * per_school]
            school_groups = groups[i * GROUPS_PER_SCHOOL : (i + 1) * GROUPS_PER_SCHOOL]
            staff = SchoolStaff(school, staff_users[0], staff_users[1], staff_users[2], staff_users[3:], school_groups)
            teaching += [through(classgroup=g, user=t) for g, t in zip(school_groups, staff.teachers, strict=True)]
            self.staff.append(staff)
        through.objects.bulk_create(teaching, batch_size=BATCH)

        pupils = []
        for n in range(self.n_pupils):
            staff = self.staff[n % len(self.staff)]
            group_index = (n // len(self.staff)) % GROUPS_PER_SCHOOL
            first, last = self.name()
            age = 4 + group_index + self.rng.randint(0, 1)
            pupils.append(
                Pupil(
                    school=staff.school,
                    class_group=staff.groups[group_index],
                    first_name=first,
                    last_name=last,
                    date_of_birth=self.anchor.date().replace(year=self.anchor.year - age)
                    - datetime.timedelta(days=self.rng.randint(0, 360)),
                    pupil_system_id=f"GP{n + 1:07d}",
                )
            )
        Pupil.objects.bulk_create(pupils, batch_size=BATCH)
        for pupil, n in zip(pupils, range(len(pupils)), strict=True):
            staff = self.staff[n % len(self.staff)]
            staff.pupils_by_group.setdefault(pupil.class_group_id, []).append(pupil)
        self.result.schools = len(schools)
        self.result.users = len(users)
        self.result.pupils = len(pupils)

    # --- cases ----------------------------------------------------------------------------------------------------
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

    def chronology(self, plan: dict, rows: "Rows") -> None:
        rng, case, staff = self.rng, plan["case"], plan["staff"]
        opener = plan["opener"]
        signals = []

        def signal(author, at):
            n = rng.randint(2, 9)
            kind = rng.choice(["fact", "fact", "child_words", "story"])
            s = Signal(
                case=case,
                author=author,
                recorded_at=at,
                observed_on=timezone.localtime(at).date(),
                place=rng.choice(PLACES),
                situation=rng.choice(SITUATIONS),
                others_present=rng.choice(["", "A.B.", "C.d.V., E.F."]),
                kind=kind,
                description=rng.choice(OBSERVATIONS).format(n=n),
                frequency="once",
                source="own",
                categories=["physical"] if kind == "fact" else ["behaviour"],
                items=["physical.bruises"] if kind == "fact" else [],
            )
            rows.add(s)
            signals.append(s)
            if kind == "story" and rng.random() < 0.5:
                rows.add(
                    SignalFollowUp(
                        case=case,
                        author=staff.ib,
                        recorded_at=at + datetime.timedelta(days=1),
                        signal=s,
                        outcome=rng.choice(["confirmed", "refuted"]),
                        outcome_on=timezone.localtime(at).date() + datetime.timedelta(days=1),
                        note="Nagevraagd bij de leerkracht.",
                    ),
                    counts=False,
                )

        def step(name, actor):
            from_state = plan["state"]
            plan["state"] = TARGETS[name]
            rows.add(
                Transition(
                    case=case,
                    actor=actor,
                    at=self.tick(plan, (1, 48)),
                    name=name,
                    from_state=from_state,
                    to_state=plan["state"],
                )
            )
            plan["last_transition"] = (name, rows.last)

        plan["state"] = CaseState.SIGNALLING
        start = rows.items
        signal(opener, plan["at"])
        rows.add(Transition(case=case, actor=opener, at=plan["at"], name="open", from_state="", to_state="signalling"))
        extra = plan["extra"]
        early = extra if not plan["path"] else rng.randint(0, extra)
        for _ in range(early):
            signal(rng.choice([opener, staff.ib]), self.tick(plan))
        extra -= early
        case.owner = opener
        today = lambda: timezone.localtime(plan["at"]).date()  # noqa: E731
        for name in plan["path"]:
            if name == "to_consulting":
                step(name, opener)
                case.owner = staff.ib
                c = Consultation(
                    case=case,
                    author=staff.ib,
                    recorded_at=self.tick(plan),
                    kind=rng.choice(["colleague", "case_meeting", "vt_advice", "school_doctor"]),
                    held_on=today(),
                    participants="IB'er, leerkracht",
                    question="Wat zien we en wat is de volgende stap?",
                    advice="Gesprek met de ouders voorbereiden en blijven signaleren.",
                )
                rows.add(c)
                for k in range(rng.randint(0, 2)):
                    rows.add(
                        ConsultationAction(consultation=c, who="IB'er", what=f"Actie {k + 1}", due_on=today()),
                        counts=False,
                    )
            elif name == "to_parent_talk":
                if plan["route"] == "C":
                    rows.add(
                        FlagAssessment(
                            case=case,
                            author=staff.ib,
                            recorded_at=self.tick(plan),
                            kind="group",
                            consent="unclear",
                            voluntariness="not_ok",
                            equality="not_ok",
                            development="ok",
                            context="not_ok",
                            self_respect="unclear",
                            flag=rng.choice(["yellow", "red"]),
                        )
                    )
                else:
                    rows.add(
                        Kindcheck(
                            case=case,
                            author=staff.ib,
                            recorded_at=self.tick(plan),
                            done_on=today(),
                            reason="De signalen gaan over een ouder.",
                            other_minors=rng.choice(["yes", "no", "unknown"]),
                            outcome="Geen andere minderjarigen in beeld.",
                        )
                    )
                rows.add(
                    Consultation(
                        case=case,
                        author=staff.ib,
                        recorded_at=self.tick(plan),
                        kind="colleague",
                        held_on=today(),
                        participants="IB'er, aandachtsfunctionaris",
                        question="Is een gesprek met de ouders veilig?",
                        advice="Ja, met twee collega's.",
                    )
                )
                step(name, staff.ib)
            elif name == "to_weighing":
                conversation = ParentConversation(
                    case=case,
                    author=staff.ib,
                    recorded_at=self.tick(plan),
                    held_on=today(),
                    attendees="moeder, IB'er, leerkracht",
                    purpose_explained=True,
                    recognition=rng.choice(["yes", "partly", "no"]),
                    reaction="Moeder herkent een deel van de signalen.",
                    report="Verslag van het gesprek, gedeeld met de ouders.",
                )
                rows.add(conversation)
                for s in signals[-2:]:
                    rows.add(ConversationSignal(conversation=conversation, signal=s), counts=False)
                rows.add(
                    ConversationAcknowledgement(
                        case=case,
                        author=staff.ib,
                        recorded_at=self.tick(plan),
                        conversation=conversation,
                        shared_on=today(),
                        status="acknowledged",
                        responded_on=today(),
                        how="per brief getekend",
                    ),
                    counts=False,  # shown with its conversation, not as an item of its own
                )
                rows.add(
                    ParentView(
                        case=case,
                        author=staff.ib,
                        recorded_at=self.tick(plan),
                        conversation=conversation,
                        given_by="moeder",
                        given_on=today(),
                        text="Wij doen ons best en willen graag hulp.",
                    ),
                )
                step(name, staff.ib)
                case.owner = staff.af
            elif name in ("start_help", "report", "close_no_action"):
                answers = {
                    "start_help": [(1, "B"), (2, "no"), (3, "yes"), (4, "yes")],
                    "report": [(1, "B"), (2, "yes")],
                    "close_no_action": [(1, "A")],
                }[name]
                for question, answer in answers:
                    rows.add(
                        WeighingAnswer(
                            case=case,
                            author=staff.af,
                            recorded_at=self.tick(plan, (1, 24)),
                            question=question,
                            answer=answer,
                            justification="Afgewogen op grond van de signalen en het gesprek.",
                            # Question 1 = B: the board must have been informed first (a database constraint).
                            board_informed_on=today() if (question, answer) == (1, "B") else None,
                        )
                    )
                if name == "start_help":
                    rows.add(
                        RiskAssessment(
                            case=case,
                            author=staff.af,
                            recorded_at=self.tick(plan, (1, 24)),
                            risk_factors="Spanningen thuis.",
                            protective_factors="Betrokken grootouders.",
                        )
                    )
                    help_plan = HelpPlan(
                        case=case,
                        author=staff.af,
                        recorded_at=self.tick(plan),
                        case_manager=staff.ib,
                        roles="IB'er is casemanager.",
                        measurable_result="Kind komt elke dag met ontbijt op school.",
                        evaluation_on=today() + datetime.timedelta(days=42),
                        parents_accept="yes",
                    )
                    rows.add(help_plan)
                    rows.add(
                        HelpTask(plan=help_plan, who="IB'er", what="Verwijzen naar het wijkteam", due_on=today()),
                        counts=False,
                    )
                    plan["help_plan"] = help_plan
                elif name == "report":
                    rows.add(
                        VeiligThuisReport(
                            case=case,
                            author=staff.af,
                            recorded_at=self.tick(plan),
                            reported_at=plan["at"],
                            channel="phone",
                            relation_to_family="School van het kind.",
                            direct_cause="Nieuwe blauwe plekken.",
                            nature_frequency_severity="Herhaald, matig.",
                            parents_informed=True,
                            parents_informed_on=today(),
                            meldrecht_acknowledged=True,
                        )
                    )
                else:
                    rows.add(
                        Closure(
                            case=case,
                            author=staff.af,
                            recorded_at=self.tick(plan),
                            reason_code="no_action",
                            text="De zorgen zijn weggenomen.",
                            parents_told=True,
                        )
                    )
                step(name, staff.af)
            elif name == "start_evaluation":
                rows.add(
                    HelpEvaluation(
                        case=case,
                        author=staff.af,
                        recorded_at=self.tick(plan),
                        plan=plan["help_plan"],
                        evaluated_on=today(),
                        result_reached=True,
                        findings="Het resultaat is bereikt.",
                    ),
                )
                step(name, staff.af)
            elif name == "to_vt_involved":
                rows.add(
                    VeiligThuisOutcome(
                        case=case,
                        author=staff.af,
                        recorded_at=self.tick(plan),
                        assessed_on=today(),
                        decision=rng.choice(["investigation", "handover", "end"]),
                        conclusion="not_confirmed",
                    )
                )
                step(name, staff.af)
            elif name == "to_monitoring":
                agreement = MonitoringAgreement(
                    case=case,
                    author=staff.af,
                    recorded_at=self.tick(plan),
                    what="Welbevinden volgen",
                    who="leerkracht",
                    how_often="maandelijks",
                    until=today() + datetime.timedelta(days=180),
                )
                rows.add(agreement)
                rows.add(
                    MonitoringCheckIn(
                        case=case,
                        author=staff.af,
                        recorded_at=self.tick(plan),
                        agreement=agreement,
                        held_on=today(),
                        findings="Het gaat beter.",
                    ),
                )
                step(name, staff.af)
            elif name == "close":
                rows.add(
                    Closure(
                        case=case,
                        author=staff.af,
                        recorded_at=self.tick(plan),
                        reason_code="route_b_done" if plan["route"] == "B" else "help_completed",
                        text="Afgesloten.",
                        parents_told=True,
                    )
                )
                step(name, staff.af)
            elif name == "start_route_b":
                step(name, opener)
                case.owner = staff.af
                case.board_informed_on = today()
                rows.add(
                    BoardNotification(
                        case=case,
                        author=staff.af,
                        recorded_at=self.tick(plan, (1, 12)),
                        informed_on=today(),
                        informed_whom="bestuurder",
                        how="telefonisch",
                    )
                )
            elif name == "inspector_consulted":
                rows.add(
                    InspectorConsultation(
                        case=case,
                        author=staff.af,
                        recorded_at=self.tick(plan),
                        consulted_on=today(),
                        inspector="vertrouwensinspecteur",
                        advice="Aangifte doen.",
                        reasonable_suspicion=plan["path"][-1] != "no_police_report",
                    )
                )
                step(name, staff.af)
            elif name in ("police_report", "no_police_report"):
                rows.add(
                    PoliceDecision(
                        case=case,
                        author=staff.af,
                        recorded_at=self.tick(plan),
                        report_made=name == "police_report",
                        decided_on=today(),
                        explanation="Besloten na overleg met de vertrouwensinspecteur.",
                    )
                )
                step(name, staff.af)
            if extra and name != plan["path"][-1]:
                more = rng.randint(0, extra)
                for _ in range(more):
                    signal(rng.choice([opener, staff.ib]), self.tick(plan))
                extra -= more
        for _ in range(extra):  # the rest after the last step (signals keep coming after a report)
            signal(rng.choice([opener, staff.ib, staff.af]), self.tick(plan))
        if plan["state"] == CaseState.CLOSED:
            case.closed_at = plan["at"]
            case.retention_until = timezone.localtime(plan["at"]).date() + datetime.timedelta(days=730)
            case.closing_reason_code = "help_completed"
            case.closing_text = "Afgesloten."
            case.owner = None
        if plan.get("size"):  # a benchmark case: exactly this many chronology items
            while rows.items - start < plan["size"]:
                signal(rng.choice([opener, staff.ib, staff.af]), self.tick(plan, (1, 12)))
        # A hand-over that is still waiting leaves an unread notification for the receiving role.
        last = plan.get("last_transition")
        if last and plan["state"] in (CaseState.CONSULTING, CaseState.WEIGHING) and last[0] in HANDOVER_KINDS:
            receiver = staff.ib if last[0] == "to_consulting" else staff.af
            rows.notifications.append(
                Notification(user=receiver, case=case, transition=last[1], kind=HANDOVER_KINDS[last[0]])
            )

    # --- access ---------------------------------------------------------------------------------------------------
    def access_groups(self) -> None:
        """Every access group that ``sync_all`` would make, through the same functions, and their members."""
        self.role_groups: dict[tuple[int, str], int] = {}
        self.class_groups: dict[int, int] = {}
        memberships_of_groups = []
        for staff in self.staff:
            for role, user in ((Role.IB, staff.ib), (Role.AF, staff.af)):
                group = access.role_group(staff.school.pk, role)
                self.role_groups[(staff.school.pk, role)] = group.pk
                memberships_of_groups.append(User.groups.through(user=user, group=group))
            for class_group, teacher in zip(staff.groups, staff.teachers, strict=True):
                group = access.class_group_access_group(class_group)
                self.class_groups[class_group.pk] = group.pk
                memberships_of_groups.append(User.groups.through(user=teacher, group=group))
        User.groups.through.objects.bulk_create(memberships_of_groups, batch_size=BATCH)
        content_type = ContentType.objects.get_for_model(Case)
        self.permission_ids = dict(
            Permission.objects.filter(content_type=content_type, codename__in=perms.ALL_CASE_PERMISSIONS).values_list(
                "codename", "pk"
            )
        )

    def permissions(self, plans: list[dict]) -> None:
        """The object permissions of these cases, as ``case_sync_permissions`` grants them."""
        ids = self.permission_ids
        group_rows, user_rows = [], []
        for plan in plans:
            case, staff = plan["case"], plan["staff"]
            wanted = set()
            for role, codenames in perms.ROLE_PERMISSIONS.items():
                wanted |= {(self.role_groups[(staff.school.pk, role)], ids[c]) for c in codenames}
            for class_group_id in {p.class_group_id for p in plan["pupils"]}:
                wanted |= {(self.class_groups[class_group_id], ids[c]) for c in perms.CLASS_TEACHER_PERMISSIONS}
            group_rows += [
                CaseGroupObjectPermission(content_object=case, group_id=g, permission_id=p) for g, p in wanted
            ]
            if plan["opener"] in (staff.contact, *staff.teachers):
                user_rows += [
                    CaseUserObjectPermission(content_object=case, user=plan["opener"], permission_id=ids[c])
                    for c in perms.OPENER_PERMISSIONS
                ]
        CaseGroupObjectPermission.objects.bulk_create(group_rows, batch_size=BATCH)
        CaseUserObjectPermission.objects.bulk_create(user_rows, batch_size=BATCH)

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


HANDOVER_KINDS = {
    "to_consulting": Notification.Kind.HANDOVER_CONSULTING,
    "to_weighing": Notification.Kind.HANDOVER_WEIGHING,
}


class Rows:
    """Collects the records of a chunk of cases and inserts them per model, parents before children."""

    ORDER = [
        Signal,
        SignalFollowUp,
        Consultation,
        ConsultationAction,
        Kindcheck,
        FlagAssessment,
        ParentConversation,
        ConversationSignal,
        ConversationAcknowledgement,
        ParentView,
        WeighingAnswer,
        RiskAssessment,
        HelpPlan,
        HelpTask,
        HelpEvaluation,
        VeiligThuisReport,
        VeiligThuisOutcome,
        MonitoringAgreement,
        MonitoringCheckIn,
        Closure,
        BoardNotification,
        InspectorConsultation,
        PoliceDecision,
        Transition,
    ]

    def __init__(self):
        self.by_model: dict[type, list] = {model: [] for model in self.ORDER}
        self.items = 0
        self.last = None
        self.notifications: list[Notification] = []

    def add(self, obj, counts: bool = True) -> None:
        self.by_model[type(obj)].append(obj)
        self.last = obj
        if counts:
            self.items += 1

    def save(self) -> None:
        for model in self.ORDER:
            objs = self.by_model[model]
            model.objects.bulk_create(objs, batch_size=BATCH)
        Notification.objects.bulk_create(self.notifications, batch_size=BATCH)


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
