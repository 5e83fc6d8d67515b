"""List the cases whose retention term has passed and, with --confirm, destroy them (domain.md §6)."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from dossier import retention


class Command(BaseCommand):
    help = (
        "List the closed cases whose retention date has passed (case number, school, closing date; no names). "
        "With --confirm --operator <username> they are destroyed with everything recorded about them, except "
        "those under a legal hold, and a destruction record (when, by whom, how many) is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--confirm", action="store_true", help="Destroy the listed cases (cannot be undone).")
        parser.add_argument("--operator", help="The username of the person who ordered the destruction.")

    def handle(self, *args, confirm=False, operator=None, **options):
        operator_user = None
        if confirm:
            if not operator:
                raise CommandError("--confirm needs --operator <username>: the destruction record names who did it.")
            operator_user = User.objects.filter(username=operator, is_active=True).first()
            if operator_user is None:
                raise CommandError(f"No active user {operator!r}.")
        expired = retention.expired_cases()
        held = [c for c in expired if c.legal_hold]
        due = [c for c in expired if not c.legal_hold]
        self.stdout.write(f"{len(due)} case(s) past their retention date:")
        for c in due:
            self.stdout.write(f"  {c.reference}  {c.brin} {c.school}  closed {c.closed_on:%Y-%m-%d}")
        if held:
            self.stdout.write(f"{len(held)} case(s) past their retention date kept under a legal hold:")
            for c in held:
                self.stdout.write(f"  {c.reference}  {c.brin} {c.school}  closed {c.closed_on:%Y-%m-%d}  LEGAL HOLD")
        if not confirm:
            if due:
                self.stdout.write("Nothing destroyed. Run again with --confirm --operator <username> to destroy them.")
            return
        record = retention.destroy_cases(case_ids=[c.pk for c in due], operator=operator_user)
        self.stdout.write(
            self.style.SUCCESS(f"{record.case_count} case(s) destroyed; destruction record {record.pk} kept.")
        )
