"""Two escalation runs at the same moment (two workers, or cron and the task queue): each level of an urgent alert
is taken once, and its e-mails are sent once (issue 16). PostgreSQL only, as ``test_concurrency``."""

import datetime
import threading
import zoneinfo

import pytest
import time_machine
from django.db import connection, connections

from cases import alerts, permissions, services
from cases.models import Alert, EmergencyProposal
from outbox.models import OutgoingMail
from tests import factories

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Concurrency needs PostgreSQL: SQLite serialises writers on the whole database. "
        "Run with DATABASE_URL=postgres://...",
    ),
]

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")


def test_two_simultaneous_runs_escalate_once_and_mail_once(cast_a, monkeypatch, settings):
    settings.MELDCODE_ALERT_ESCALATE_WORKING_HOURS = 2
    settings.MELDCODE_SCHOOL_HOURS = (8, 17)
    created = datetime.datetime(2026, 11, 16, 9, tzinfo=AMS)
    with time_machine.travel(created, tick=False):
        case = factories.case_in_state(cast_a, "consulting")
        services.entry_record(
            user=cast_a.teacher,
            case=case,
            entry=EmergencyProposal(justification="Het kind durft niet naar huis."),
            permission=permissions.PROPOSE_EMERGENCY,
        )
    # Both runs have read the open alert and found it due before either takes the level.
    barrier = threading.Barrier(2, timeout=10)
    original = alerts.escalation_due

    def due_then_wait(alert):
        result = original(alert)
        barrier.wait()
        return result

    monkeypatch.setattr(alerts, "escalation_due", due_then_wait)
    results, errors = [], []

    def run():
        try:
            results.append(alerts.escalate_due(now=created + datetime.timedelta(hours=2)))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert errors == []
    assert sorted(results) == [0, 1]
    assert Alert.objects.get().level == Alert.Level.REMINDED
    # Queued once (the outbox, in the escalating transaction): the mails "still needs attention" of level 1.
    assert sorted(OutgoingMail.objects.filter(key__regex=r"^alert:[0-9]+:1:").values_list("to", flat=True)) == sorted(
        [cast_a.af.email, cast_a.ib.email]
    )
