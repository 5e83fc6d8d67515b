"""The board with its schools, per school the staff (memberships, class groups with their teacher) and the pupils."""

import datetime
from dataclasses import dataclass, field

from accounts.models import User
from demo.largeboard.constants import (
    BATCH,
    BOARD_PREFIX,
    CITIES,
    FIRST_NAMES,
    GROUPS_PER_SCHOOL,
    LAST_NAMES,
    SCHOOL_NAMES,
)
from schools.models import Board as BoardModel
from schools.models import ClassGroup, Membership, Pupil, Role, School


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


class PeopleMixin:
    """Makes the board and its people; fills ``self.staff`` (one ``SchoolStaff`` per school)."""

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
