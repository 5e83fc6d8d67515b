"""Recompute every case's stored next due date (``Case.next_due``) where it differs: after a deployment that changed
a setting of working days or the holidays, after data loaded in bulk. Safe to run at any time; the hourly reminders
do the same for the cases they read."""

from django.core.management.base import BaseCommand

from cases import deadlines


class Command(BaseCommand):
    help = (
        "Recompute the stored next due date of every case (the lists sort by it) and write it where it differs. "
        "Safe to run at any time, e.g. after each deployment."
    )

    def handle(self, *args, **options):
        changed = deadlines.refresh_next_due()
        self.stdout.write(f"{changed} case(s) had a different next due date; it has been corrected.")
