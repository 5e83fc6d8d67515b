"""Two people move the same case on at the same moment: exactly one succeeds, the other is told — in Dutch — that
the case was changed meanwhile, and the chronology has exactly one step change (docs/design.md: lock the
row with select_for_update, then check the state).

PostgreSQL only: SQLite ignores select_for_update and serialises writers on the whole database, so the race this
guards against cannot be reproduced there."""

import threading
import time

import pytest
from django.db import connection, connections
from django.utils import translation

from accounts.models import User
from cases import services
from cases.models import AuditEvent, Case, Transition
from schools.models import Membership, Role
from tests import factories

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Concurrency needs PostgreSQL: SQLite ignores select_for_update and locks the whole database, so two "
        "simultaneous transitions cannot race there. Run with DATABASE_URL=postgres://...",
    ),
]

HOLD_SECONDS = 0.5
DUTCH_MESSAGE = (
    "Dit dossier is intussen door iemand anders gewijzigd. Er is niets veranderd; bekijk het dossier zoals het nu is."
)


@pytest.fixture
def hold_the_lock(monkeypatch):
    """The first transition to save the case sleeps before saving, while it holds the row lock (if any): the
    other request then has every chance to read the case in the meantime."""
    original_save = Case.save
    guard = threading.Lock()
    state = {"first": None}

    def slow_save(self, *args, **kwargs):
        if "state" in (kwargs.get("update_fields") or ()):
            with guard:
                first = state["first"] is None
                if first:
                    state["first"] = threading.get_ident()
            if first:
                time.sleep(HOLD_SECONDS)
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(Case, "save", slow_save)
    return state


def race(case_id: int, users: dict[str, int], name: str, expected_state: str) -> dict:
    """Fire ``name`` on the case from one thread per user, all at once. Each thread has its own connection.
    Returns, per user, ("ok", case, seconds) or ("error", exception, seconds)."""
    barrier = threading.Barrier(len(users))
    results: dict[str, tuple] = {}

    def worker(label: str, user_id: int):
        try:
            with translation.override("nl"):
                user = User.objects.get(pk=user_id)
                barrier.wait(timeout=10)
                started = time.monotonic()
                try:
                    case = services.case_transition(
                        user=user, case_id=case_id, name=name, expected_state=expected_state
                    )
                except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
                    results[label] = ("error", exc, time.monotonic() - started)
                else:
                    results[label] = ("ok", case, time.monotonic() - started)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=item, name=f"race-{item[0]}") for item in users.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread hung (deadlock?)"
    assert set(results) == set(users), results
    return results


@pytest.mark.parametrize("round_", range(3))
def test_two_simultaneous_hand_overs_one_wins_the_other_is_told_in_dutch(cast_a, hold_the_lock, round_):
    # A second IB'er makes the new owner tell who won: the teacher's hand-over leaves no single IB'er to own the
    # case (owner empty), the IB'er's own hand-over makes them the owner.
    factories.MembershipFactory(user=factories.UserFactory(username="tweede-ib"), school=cast_a.school, role=Role.IB)
    assert Membership.objects.filter(school=cast_a.school, role=Role.IB).count() == 2
    case = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1))
    transitions_before = Transition.objects.filter(case=case).count()
    audit_before = AuditEvent.objects.filter(case=case, action="transition").count()

    results = race(case.pk, {"teacher": cast_a.teacher.pk, "ib": cast_a.ib.pk}, "to_consulting", "signalling")

    outcomes = {label: result[0] for label, result in results.items()}
    assert sorted(outcomes.values()) == ["error", "ok"], results
    winner = next(label for label, outcome in outcomes.items() if outcome == "ok")
    loser = next(label for label, outcome in outcomes.items() if outcome == "error")
    error = results[loser][1]
    assert isinstance(error, services.CaseChangedError), repr(error)
    assert str(error) == DUTCH_MESSAGE
    # The loser had to wait for the winner's row lock, held while the winner paused before saving.
    assert results[loser][2] >= HOLD_SECONDS / 2, results

    winner_user = {"teacher": cast_a.teacher, "ib": cast_a.ib}[winner]
    expected_owner = {"teacher": None, "ib": cast_a.ib.pk}[winner]
    returned = results[winner][1]
    stored = Case.objects.get(pk=case.pk)
    assert stored.state == returned.state == "consulting"
    assert stored.owner_id == returned.owner_id == expected_owner
    assert stored.last_activity_at == returned.last_activity_at

    to_consulting = Transition.objects.filter(case=case, to_state="consulting")
    assert to_consulting.count() == 1
    assert to_consulting.get().actor_id == winner_user.pk
    assert to_consulting.get().from_state == "signalling"
    assert Transition.objects.filter(case=case).count() == transitions_before + 1
    assert AuditEvent.objects.filter(case=case, action="transition").count() == audit_before + 1
    assert AuditEvent.objects.get(case=case, action="transition").user_id == winner_user.pk
