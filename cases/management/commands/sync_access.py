from django.core.management import BaseCommand

from cases import access


class Command(BaseCommand):
    help = "Recompute every user's access groups and every case's object permissions (idempotent)."

    def handle(self, *args, **options):
        access.sync_all()
        self.stdout.write(self.style.SUCCESS("Access recomputed."))
