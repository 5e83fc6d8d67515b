"""The task queue in tests: the database backend (as in production) and its real worker loop, run in the test's
own process and transaction (``manage.py db_worker --batch``: every ready task, then stop)."""

from unittest import mock

from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def run_worker() -> list[DBTaskResult]:
    """Run every task that is ready, as ``db_worker --batch`` does; returns their results (newest state)."""
    before = set(DBTaskResult.objects.finished().values_list("pk", flat=True))
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    # The worker closes stale connections between tasks; in a test the connection holds the test's transaction.
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None):
        worker.run()
    return list(DBTaskResult.objects.finished().exclude(pk__in=before).order_by("finished_at"))


def queued() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.ready())


def sent_mail() -> list:
    """Deliver the queued e-mails (the outbox's tasks, with the test run's locmem ``delivery`` mailer) and return
    every mail sent so far (``django.core.mail.outbox``)."""
    from django.core import mail

    run_worker()
    return mail.outbox


def reset_mail() -> None:
    """Deliver what is queued (the hand-overs of a test's set-up, say), then forget it: empty
    ``django.core.mail.outbox`` and remove the finished delivery tasks from the queue's table."""
    from django.core import mail

    run_worker()
    mail.outbox = []
    DBTaskResult.objects.finished().filter(task_path="outbox.delivery.deliver_mail").delete()
