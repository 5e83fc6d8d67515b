"""The outbox (``outbox.services``): queued in the caller's transaction, delivered by the task worker, retried with
back-off, never sent twice."""

import datetime
import logging

import pytest
from django.core import mail
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from outbox import delivery, services
from outbox import tasks as outbox_tasks
from outbox.models import OutgoingMail
from tests.tasks import queued, run_worker

pytestmark = pytest.mark.django_db


def queue(n: int = 1, **kwargs) -> list[OutgoingMail]:
    return [
        services.queue_mail(to=f"persoon{i}@example.invalid", subject=f"Onderwerp {i}", body=f"Tekst {i}", **kwargs)
        for i in range(n)
    ]


def make_due() -> None:
    """Time passes: every waiting task (a retry after its back-off) is due now."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now() - datetime.timedelta(seconds=1))


@pytest.fixture
def smtp_down(settings):
    """The delivery mailer fails as a mail server that is down does."""
    settings.MAILERS = {**settings.MAILERS, "delivery": {"BACKEND": "tests.outbox.test_outbox.DownBackend"}}


class DownBackend:
    def __init__(self, **kwargs):
        pass

    def __enter__(self):
        raise ConnectionRefusedError(111, "Connection refused")

    def __exit__(self, *exc):
        return False


def test_queued_in_the_callers_transaction_rolled_back_with_it():
    mail.outbox = []
    with pytest.raises(RuntimeError), transaction.atomic():
        queue(2)
        assert OutgoingMail.objects.count() == 2 and len(queued()) == 2
        raise RuntimeError
    assert OutgoingMail.objects.count() == 0 and queued() == []
    run_worker()
    assert mail.outbox == []


def test_the_worker_delivers_and_marks_sent_and_forgets_the_body():
    mail.outbox = []
    (outgoing,) = queue(1)
    assert mail.outbox == []  # nothing is sent in the caller's process
    run_worker()
    sent = [(m.to, m.subject, m.body) for m in mail.outbox]
    assert sent == [(["persoon0@example.invalid"], "Onderwerp 0", "Tekst 0")]
    outgoing.refresh_from_db()
    assert outgoing.state == OutgoingMail.State.SENT and outgoing.attempts == 1 and outgoing.sent_at is not None
    assert outgoing.body == ""  # a password link does not stay in the database


def test_delivering_a_sent_mail_again_does_nothing():
    mail.outbox = []
    (outgoing,) = queue(1)
    run_worker()
    assert delivery.deliver(outgoing.pk) == OutgoingMail.State.SENT
    assert delivery.deliver(outgoing.pk + 1000) == "missing"
    assert len(mail.outbox) == 1
    outgoing.refresh_from_db()
    assert outgoing.attempts == 1


def test_a_key_queues_a_mail_once():
    first = services.queue_mail(to="a@example.invalid", subject="s", body="b", key="handover:1:2")
    second = services.queue_mail(to="a@example.invalid", subject="s", body="b", key="handover:1:2")
    assert first.pk == second.pk and OutgoingMail.objects.count() == 1 and len(queued()) == 1


def test_a_failure_is_retried_with_exponential_back_off(smtp_down, caplog):
    mail.outbox = []
    (outgoing,) = queue(1)
    waits = []
    for attempt in range(1, 5):
        before = timezone.now()
        with caplog.at_level(logging.WARNING, logger="outbox.services"):
            run_worker()
        outgoing.refresh_from_db()
        assert outgoing.state == OutgoingMail.State.QUEUED and outgoing.attempts == attempt
        assert outgoing.last_error == "ConnectionRefusedError errno 111"  # the class and code, no text
        (retry,) = queued() or DBTaskResult.objects.filter(status="READY")
        assert str(retry.pk) == outgoing.task_id
        waits.append(round((retry.run_after - before).total_seconds() / 60))
        assert run_worker() == []  # not due yet
        make_due()
    assert waits == [1, 2, 4, 8]
    assert "persoon0" not in caplog.text and "Onderwerp" not in caplog.text  # logged by id only
    assert f"mail {outgoing.pk}: attempt 4 failed" in caplog.text


def test_the_back_off_is_capped(settings):
    settings.MELDCODE_OUTBOX_BACKOFF_CAP_MINUTES = 60
    assert [delivery.backoff(n).total_seconds() / 60 for n in (1, 2, 3, 6, 7, 20)] == [1, 2, 4, 32, 60, 60]


def test_after_the_last_attempt_the_mail_has_failed(smtp_down, settings, caplog):
    settings.MELDCODE_OUTBOX_MAX_ATTEMPTS = 3
    (outgoing,) = queue(1)
    with caplog.at_level(logging.ERROR, logger="outbox.services"):
        for _ in range(3):
            run_worker()
            make_due()
    outgoing.refresh_from_db()
    assert outgoing.state == OutgoingMail.State.FAILED and outgoing.attempts == 3
    assert DBTaskResult.objects.filter(status="READY").count() == 0  # no further retry
    assert f"mail {outgoing.pk} failed for good after 3 attempts" in caplog.text
    # The admin queues it again.
    settings.MAILERS = {**settings.MAILERS, "delivery": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    mail.outbox = []
    services.retry(outgoing)
    run_worker()
    outgoing.refresh_from_db()
    assert outgoing.state == OutgoingMail.State.SENT and len(mail.outbox) == 1


def test_a_mail_whose_task_was_lost_is_queued_again_once():
    mail.outbox = []
    lost, waiting = queue(2)
    # The worker that claimed the first mail's task was killed: the task stays "running" for ever.
    DBTaskResult.objects.filter(pk=lost.task_id).update(status="RUNNING")
    later = timezone.now() + datetime.timedelta(minutes=11)
    assert services.requeue_lost(now=timezone.now()) == 0  # not stale yet
    assert services.requeue_lost(now=later) == 1  # the other one's task still waits: left alone
    run_worker()
    assert sorted(m.to[0] for m in mail.outbox) == ["persoon0@example.invalid", "persoon1@example.invalid"]
    assert services.requeue_lost(now=later + datetime.timedelta(hours=1)) == 0


def test_django_send_mail_goes_through_the_outbox(settings):
    settings.MAILERS = {
        "default": {"BACKEND": "outbox.backends.OutboxEmailBackend"},
        "delivery": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"},
    }
    mail.outbox = []
    with transaction.atomic():
        assert send_mail("Onderwerp", "Tekst", None, ["a@example.invalid", "b@example.invalid"]) == 1
    assert mail.outbox == [] and OutgoingMail.objects.count() == 2
    run_worker()
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.invalid", "b@example.invalid"]
    assert {m.from_email for m in mail.outbox} == {settings.DEFAULT_FROM_EMAIL}


def test_prune_deletes_old_sent_mails_only(settings):
    settings.MELDCODE_OUTBOX_KEEP_DAYS = 30
    old, recent, waiting = queue(3)
    OutgoingMail.objects.filter(pk__in=[old.pk, recent.pk]).update(state="sent")
    OutgoingMail.objects.filter(pk=old.pk).update(sent_at=timezone.now() - datetime.timedelta(days=31))
    OutgoingMail.objects.filter(pk=recent.pk).update(sent_at=timezone.now() - datetime.timedelta(days=29))
    assert services.prune_sent() == 1
    assert set(OutgoingMail.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}
    # The daily task: the same, and the queue's finished tasks older than 14 days.
    finished = DBTaskResult.objects.filter(pk=recent.task_id)
    finished.update(status="SUCCESSFUL", finished_at=timezone.now() - datetime.timedelta(days=15))
    assert outbox_tasks.prune.call() == 0
    assert not finished.exists() and DBTaskResult.objects.filter(pk=waiting.task_id).exists()


def test_the_periodic_tasks_are_registered_with_the_scheduler():
    """``manage.py crontask`` enqueues what ``@cron`` registered: the reminders hourly, the outbox's upkeep."""
    from crontask import scheduler

    import cases.tasks  # noqa: F401
    import outbox.tasks  # noqa: F401

    jobs = {job.func.__self__.module_path: str(job.trigger) for job in scheduler.get_jobs()}
    assert jobs["cases.tasks.send_reminders"] == "cron[month='*', day='*', day_of_week='*', hour='*', minute='0']"
    assert "minute='*/5'" in jobs["outbox.tasks.requeue_lost_mail"]
    assert "hour='3', minute='30'" in jobs["outbox.tasks.prune"]


def test_the_admin_lists_the_outbox_without_the_bodies_and_queues_failed_mail_again(smtp_down, settings):
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User
    from tests.factories import PASSWORD
    from tests.otp import login_verified

    settings.MELDCODE_OUTBOX_MAX_ATTEMPTS = 1
    outgoing = services.queue_mail(to="a@example.invalid", subject="Onderwerp", body="Geheime link 12345")
    run_worker()
    outgoing.refresh_from_db()
    assert outgoing.state == OutgoingMail.State.FAILED
    client = login_verified(Client(), User.objects.create_superuser("beheer-test", "beheer@example.invalid", PASSWORD))
    listing = client.get(reverse("admin:outbox_outgoingmail_changelist")).content.decode()
    detail = client.get(reverse("admin:outbox_outgoingmail_change", args=[outgoing.pk])).content.decode()
    assert "Onderwerp" in listing and "ConnectionRefusedError" in listing
    assert "Geheime link" not in listing and "Geheime link" not in detail
    assert client.get(reverse("admin:outbox_outgoingmail_add")).status_code == 403
    response = client.post(
        reverse("admin:outbox_outgoingmail_changelist"), {"action": "queue_again", "_selected_action": [outgoing.pk]}
    )
    assert response.status_code == 302
    outgoing.refresh_from_db()
    assert (outgoing.state, outgoing.attempts) == (OutgoingMail.State.QUEUED, 0)
    assert len(queued()) == 1
