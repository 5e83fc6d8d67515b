"""The cases app's periodic work on the project's task queue (``docs/tasks.md``)."""

from django.tasks import task

from cases import alerts


@task
def escalate_alerts() -> int:
    """Escalate the urgent alerts that nobody acknowledged in time (``cases.alerts.escalate_due``)."""
    return alerts.escalate_due()
