from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, call_command
from django.db import transaction

DEMO_FIXTURES = ["demo.json"]


class Command(BaseCommand):
    help = "Load the fictional demo board, schools, staff and pupils. Safe to repeat."

    def handle(self, *args, **options):
        fixtures_dir = Path(settings.BASE_DIR) / "fixtures"
        with transaction.atomic():
            for name in DEMO_FIXTURES:
                call_command("loaddata", str(fixtures_dir / name), verbosity=0)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
