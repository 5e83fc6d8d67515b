"""The outbox's tasks, on the project's one task queue (``docs/tasks.md``): the delivery of one mail, and two
periodic ones (django-crontask: ``manage.py crontask`` enqueues them on time, the worker runs them)."""

from crontask import cron
from django.core.management import call_command
from django.tasks import task

from outbox import services


@task
def deliver_mail(mail_id: int) -> str:
    """Deliver one queued mail; on failure a retry is enqueued with back-off (``services.deliver``)."""
    return services.deliver(mail_id)


@cron("*/5 * * * *")
@task
def requeue_lost_mail() -> int:
    """Every 5 minutes: a new delivery task for each queued mail whose task was lost (its worker was killed)."""
    return services.requeue_lost()


@cron("30 3 * * *")
@task
def prune() -> int:
    """Daily: delete sent mails older than ``MELDCODE_OUTBOX_KEEP_DAYS`` and finished tasks older than 14 days."""
    deleted = services.prune_sent()
    call_command("prune_db_task_results", min_age_days=14, verbosity=0)
    return deleted
