"""Recompute the chain of every case's chronology and of the destruction records (issue 21, ``docs/chain.md``)."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from cases import chain
from cases.models import Case
from dossier import retention


class Command(BaseCommand):
    help = (
        "Recompute the tamper-evident chain of each case's chronology (every record's content and its place in the "
        "chain) and of the destruction records. Prints per case OK or the first broken link in plain words; exits "
        "with status 1 if any chain is broken."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--case",
            action="append",
            default=[],
            metavar="REF-or-id",
            help="Only this case: its case number (every school's case with that number) or its id. Repeatable.",
        )
        parser.add_argument("--all-breaks", action="store_true", help="List every break of a case, not just the first.")
        parser.add_argument("--broken-only", action="store_true", help="Print only the broken chains and the summary.")
        parser.add_argument(
            "--rebuild-missing",
            action="store_true",
            help="First build the chain of every case that has none at all (a database from before the chain).",
        )

    def handle(self, *args, case=(), all_breaks=False, broken_only=False, rebuild_missing=False, **options):
        case_ids = None
        if case:
            condition = Q(reference__in=case) | Q(pk__in=[int(c) for c in case if c.isdigit()])
            case_ids = list(Case.objects.filter(condition).values_list("pk", flat=True))
            if not case_ids:
                raise CommandError(f"No case {', '.join(case)}.")
        if rebuild_missing:
            made = chain.build_missing(specs=chain.chained_specs())
            self.stdout.write(f"{made} link(s) made for cases without a chain.")
        checked = broken = 0
        for report in chain.verify(case_ids):
            checked += 1
            name = f"{report.reference} (id {report.case_id})"
            if report.ok:
                if not broken_only:
                    seq, head = report.head
                    self.stdout.write(f"OK      {name}: {report.links} link(s), head {chain.format_head(seq, head)}")
                continue
            broken += 1
            more = f" (+{len(report.breaks) - 1} more)" if len(report.breaks) > 1 and not all_breaks else ""
            self.stdout.write(self.style.ERROR(f"BROKEN  {name}: {report.first}{more}"))
            if all_breaks:
                for item in report.breaks[1:]:
                    self.stdout.write(f"        {item}")
        problems = retention.verify_destructions() if case_ids is None else []
        for problem in problems:
            self.stdout.write(self.style.ERROR(f"BROKEN  destruction records: {problem}"))
        if case_ids is None and not problems:
            self.stdout.write("OK      destruction records")
        summary = f"{checked} case(s) checked, {broken} broken chain(s)"
        if broken or problems:
            raise CommandError(summary + (", the destruction records' chain broken" if problems else "") + ".")
        self.stdout.write(self.style.SUCCESS(summary + "."))
