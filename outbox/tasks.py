"""The outbox's periodic tasks, on the project's one task queue (``docs/tasks.md``; django-crontask:
``manage.py crontask`` enqueues them on time, the worker runs them). The delivery of one mail is
``outbox.delivery.deliver_mail``."""

from crontask import cron
from django.core.management import call_command
from django.tasks import task

from outbox import services


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
