"""Escalate the urgent alerts that nobody acknowledged in time (meant for cron; safe to run as often as wanted)."""

from django.core.management.base import BaseCommand

from cases import alerts


class Command(BaseCommand):
    help = (
        "Escalate every urgent alert (an emergency proposal, a new signal during monitoring or with Veilig Thuis "
        "involved) that no aandachtsfunctionaris acknowledged within MELDCODE_ALERT_ESCALATE_WORKING_HOURS school "
        "hours: first to all the school's aandachtsfunctionarissen and IB'ers again, then to the board's contact. "
        "Each step is taken once, so this can run every few minutes."
    )

    def handle(self, *args, **options):
        escalated = alerts.escalate_due()
        self.stdout.write(f"{escalated} alert(s) escalated.")
