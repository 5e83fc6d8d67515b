from pathlib import Path

from django.core.management import BaseCommand, CommandError
from django.utils import translation

from schools import pupil_import
from schools.models import PupilImport, School


class Command(BaseCommand):
    help = (
        "Import pupils and groups from a CSV export of the pupil administration (ESIS, ParnasSys). Matching by "
        "leerlingnummer; safe to repeat. With --dry-run nothing is written: the changes are only reported. On any "
        "bad row nothing is imported. The columns are described in README.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("school", help="the school's BRIN code or id")
        parser.add_argument("file", help="the CSV file")
        parser.add_argument("--dry-run", action="store_true", help="only report what would change")

    def handle(self, *args, school: str, file: str, dry_run: bool, **options):
        translation.activate("nl")
        found = School.objects.filter(brin=school.upper()).first()
        if found is None and school.isascii() and school.isdigit():
            found = School.objects.filter(pk=int(school)).first()
        if found is None:
            raise CommandError(f"No school with BRIN code or id {school!r}.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        data = path.read_bytes()
        if dry_run:
            report = pupil_import.plan_import(school=found, data=data)
        else:
            report = pupil_import.run_import(school=found, data=data, user=None, via=PupilImport.Via.COMMAND)
        if not report.ok:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(report.errors)} error(s): nothing was imported.")
        self.stdout.write(
            f"{found.name} ({found.brin}) — encoding {report.encoding}, separator {report.delimiter_name}"
        )
        for row in report.changed_rows:
            label = "new" if row.action == "create" else "changed"
            details = "; ".join(f"{name}: {old or '—'} → {new or '—'}" for name, old, new in row.changes)
            self.stdout.write(f"  line {row.line} ({row.pupil_system_id}) {label}: {details}")
        if report.groups_created:
            self.stdout.write(f"Groups to add: {', '.join(report.groups_created)}")
        if report.not_in_file:
            self.stdout.write(
                f"Not in the file (not deleted; set 'left school on' if they left): {', '.join(report.not_in_file)}"
            )
        summary = f"{report.created} new, {report.updated} changed, {report.unchanged} unchanged"
        if dry_run:
            self.stdout.write(self.style.WARNING(f"Dry run, nothing written: {summary}."))
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported: {summary}."))
