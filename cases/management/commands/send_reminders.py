"""Queue the reminder e-mails that are due (for cron; the periodic task `cases.tasks.send_reminders` does the same
without it). Safe to run as often as wanted."""

from django.core.management.base import BaseCommand

from cases import notify


class Command(BaseCommand):
    help = (
        "Send each responsible person one e-mail per deadline that is due (domain.md §5). Reminders already sent "
        "are recorded and never sent again, so this can run every hour from cron."
    )

    def handle(self, *args, **options):
        sent = notify.send_due_reminders()
        self.stdout.write(f"{sent} reminder(s) queued (the task worker sends them).")
