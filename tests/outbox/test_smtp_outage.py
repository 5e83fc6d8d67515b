"""Issue 16's fault test: a real SMTP server on 127.0.0.1 (aiosmtpd) is down while hand-overs and reminders happen,
then comes up. No request fails or waits; every mail arrives exactly once; none names a pupil."""

import datetime
import time
from collections import Counter

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cases.models import Case
from outbox import services
from outbox.models import OutgoingMail
from tests import factories
from tests.cases.test_deadlines import reported_case, travel
from tests.outbox.smtp import Received, SMTPServer, free_port, smtp_mailers
from tests.tasks import run_worker

pytestmark = pytest.mark.django_db


def make_due() -> None:
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now() - datetime.timedelta(seconds=1))


def test_an_smtp_outage_delays_mail_and_loses_none_and_sends_none_twice(cast_a, client_for, settings):
    port = free_port()
    settings.MAILERS = smtp_mailers(port)
    settings.MELDCODE_BASE_URL = "https://meldcode.example.invalid"

    # The mail server is down. A hand-over in a request: the request neither fails nor waits on the mail server.
    pupil = factories.PupilFactory(class_group=cast_a.group1, first_name="Zwaantje", last_name="Korenbloem")
    case = factories.open_case(cast_a.teacher, pupil)
    started = time.monotonic()
    response = client_for(cast_a.teacher).post(
        reverse("cases:case-transition", kwargs={"pk": case.pk, "name": "to_consulting"}),
        {"expected_state": case.state},
    )
    assert response.status_code == 302 and time.monotonic() - started < 2
    assert Case.objects.get(pk=case.pk).state == "consulting"
    # Reminders (and the hand-overs of walking a second case to "reported") while it is still down.
    other = reported_case(cast_a, "2026-04-22")
    with travel("2026-04-30", 7):
        call_command("send_reminders")
    expected = Counter((m.to, m.subject) for m in OutgoingMail.objects.all())
    # Three hand-overs (to the IB'er twice, to the aandachtsfunctionaris) and the reminder.
    assert sum(expected.values()) == 4
    assert OutgoingMail.objects.filter(subject__contains="termijn").count() == 1

    # The worker tries: every attempt fails, every mail keeps waiting with a retry scheduled.
    run_worker()
    assert set(OutgoingMail.objects.values_list("state", "attempts")) == {("queued", 1)}
    assert set(OutgoingMail.objects.values_list("last_error", flat=True)) == {"ConnectionRefusedError errno 111"}
    assert run_worker() == []  # the retries wait for their back-off
    # A second reminder run meanwhile changes nothing (ReminderSent).
    with travel("2026-04-30", 9):
        call_command("send_reminders")
    assert OutgoingMail.objects.count() == 4

    # The server comes up; time moves on; the worker runs (twice, and the lost-task sweep too).
    received = Received()
    with SMTPServer(port, received):
        make_due()
        run_worker()
        run_worker()
        assert services.requeue_lost(now=timezone.now() + datetime.timedelta(hours=2)) == 0
        run_worker()
        texts = received.texts()

    assert set(OutgoingMail.objects.values_list("state", "attempts")) == {("sent", 2)}
    assert len(texts) == 4  # exactly once each
    assert Counter((m["To"], str(m["Subject"])) for m in received.messages) == expected
    for text in texts:
        for name in ["Zwaantje", "Korenbloem", *[p.first_name for p in other.pupils.all()]]:
            assert name not in text
        assert case.reference not in text and other.reference not in text
        assert "https://meldcode.example.invalid/dossiers/" in text
