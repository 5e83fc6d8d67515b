"""The cases' periodic tasks, on the project's one task queue (``docs/tasks.md``).

``@cron`` (django-crontask) registers a task with the scheduler, ``manage.py crontask --no-heartbeat``, which only
enqueues it on time; the worker (``manage.py db_worker``) runs it. Adding a periodic task is one decorator above a
``@task``. Every periodic task must be idempotent: a second scheduler, or a run by hand, must do no harm."""

from crontask import cron
from django.tasks import task

from cases import alerts, notify, services


@cron("0 * * * *")
@task
def send_reminders() -> int:
    """Every hour on the hour: queue the reminder e-mails that are due (``notify.send_due_reminders``: exactly once
    per case, deadline, due date and person, however often it runs). ``manage.py send_reminders`` does the same from
    cron."""
    return notify.send_due_reminders()


@cron("*/5 * * * *")
@task
def escalate_alerts() -> int:
    """Every 5 minutes: escalate the urgent alerts that nobody acknowledged in time (``alerts.escalate_due``: each
    level is taken once, however often it runs). ``manage.py escalate_alerts`` does the same from cron."""
    return alerts.escalate_due()


@cron("30 3 * * *")
@task
def forget_submissions() -> int:
    """Every night: forget the one-time tokens of forms sent more than ``KEEP_DAYS`` ago
    (``services.submissions_forget``); a form kept open that long is sent as a new one."""
    return services.submissions_forget()
