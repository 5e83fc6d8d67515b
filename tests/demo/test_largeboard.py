"""The large-board generator (``manage.py generate_large_board``) at a tiny size: deterministic from the seed,
every state present, the benchmark's cases exactly as big as promised, and access exactly what the normal
receivers and ``sync_access`` would give."""

from collections import Counter

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import transaction

from accounts.models import User
from cases import access, selectors
from cases.models import (
    AccessGroup,
    Case,
    CaseGroupObjectPermission,
    CaseState,
    CaseUserObjectPermission,
    Consultation,
    Notification,
    Signal,
    Transition,
)
from demo import largeboard
from schools.models import Pupil, School

SIZE = {"schools": 3, "pupils": 120, "cases": 150, "entries": 2000}


def access_rows() -> dict[str, set]:
    return {
        "groups": set(AccessGroup.objects.values_list("group__name", "school_id", "role", "class_group_id")),
        "members": set(User.groups.through.objects.values_list("user_id", "group__name")),
        "group_perms": set(
            CaseGroupObjectPermission.objects.values_list("content_object_id", "group__name", "permission__codename")
        ),
        "user_perms": set(
            CaseUserObjectPermission.objects.values_list("content_object_id", "user_id", "permission__codename")
        ),
    }


def snapshot() -> list:
    """What the generator made, by natural keys (ids differ between databases)."""
    return [
        list(School.objects.order_by("name").values_list("name", "brin", "city")),
        list(User.objects.order_by("username").values_list("username", "first_name", "last_name")),
        list(
            Pupil.objects.order_by("pupil_system_id").values_list("pupil_system_id", "first_name", "class_group__name")
        ),
        list(
            Case.objects.order_by("school__name", "reference").values_list("reference", "route", "state", "opened_at")
        ),
        list(Signal.objects.order_by("case__reference", "recorded_at", "pk").values_list("case__reference", "kind")),
    ]


@pytest.mark.django_db
def test_generated_access_is_exactly_what_sync_access_gives():
    largeboard.generate(seed=3, **SIZE)
    generated = access_rows()
    assert generated["group_perms"] and generated["user_perms"] and generated["members"]
    access.sync_all()  # recompute everything the normal way: nothing may change
    assert access_rows() == generated


@pytest.mark.django_db
def test_every_state_and_route_occurs_and_the_sizes_hold():
    result = largeboard.generate(seed=1, **SIZE)
    assert Case.objects.count() == 150
    assert Pupil.objects.count() == 120
    states = Counter(Case.objects.values_list("state", flat=True))
    assert set(states) == set(CaseState.values)
    assert set(Case.objects.values_list("route", flat=True)) == {"A", "B", "C"}
    # Every case's chronology starts with "open" and ends in the case's state.
    last = {}
    for case_id, to_state in Transition.objects.order_by("at", "pk").values_list("case_id", "to_state"):
        last[case_id] = to_state
    assert all(last[pk] == state for pk, state in Case.objects.values_list("pk", "state"))
    assert Transition.objects.filter(name="open").count() == 150
    assert result.entries >= SIZE["entries"]
    assert Notification.objects.filter(read_at__isnull=True).exists()
    # Each consultation says how the child was discussed (domain.md §9.7), as the form would accept it.
    consultations = list(Consultation.objects.select_related("partner"))
    assert consultations and {c.sharing for c in consultations} >= {"internal", "consent", "anonymous"}
    for consultation in consultations:
        consultation._state.adding = True  # the rule holds for a new consultation
        assert consultation.sharing_errors() == {}, (consultation.kind, consultation.sharing)


@pytest.mark.django_db
def test_the_benchmark_cases_have_200_and_50_entries_and_the_roles_see_them():
    result = largeboard.generate(seed=1, **SIZE)
    first_school = School.objects.order_by("name").get(name__endswith=" 001")
    for reference, size in largeboard.BENCH_REFERENCES.items():
        case = Case.objects.get(school=first_school, reference=reference)
        assert result.bench_cases[reference] == case.pk
        assert len(selectors.case_timeline(case=case)) == size
        for username in ("s001-leerkracht-g1", "s001-ib", "s001-af"):
            user = User.objects.get(username=username)
            assert selectors.case_get_for_user(user=user, case_id=case.pk) == case
            assert user.check_password(largeboard.PASSWORD)
        outsider = User.objects.get(username="s002-af")
        assert not selectors.case_list_for_user(user=outsider).filter(pk=case.pk).exists()


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_board_and_another_seed_another():
    def generate(seed):
        with transaction.atomic():  # append-only rows cannot be deleted: roll back to a savepoint instead
            largeboard.generate(seed=seed, **SIZE)
            made = snapshot()
            transaction.set_rollback(True)
        return made

    first = generate(5)
    assert first[3] and first == generate(5)
    assert generate(6) != first


@pytest.mark.django_db
def test_if_missing_skips_the_same_board(capsys):
    args = ["--seed", "2", "--schools", "2", "--pupils", "40", "--cases", "10", "--entries", "100"]
    call_command("generate_large_board", *args)
    cases = Case.objects.count()
    call_command("generate_large_board", *args, "--if-missing")
    assert Case.objects.count() == cases
    assert "Already there" in capsys.readouterr().out
    with pytest.raises(CommandError):  # another board in the same database is refused
        call_command("generate_large_board", "--seed", "3", "--schools", "2", "--pupils", "40", "--cases", "10")
    assert Group.objects.filter(access__isnull=False).exists()
