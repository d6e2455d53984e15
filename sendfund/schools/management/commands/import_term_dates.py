"""import_term_dates FILE --school URN [--dry-run]: a school's term dates from a CSV."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sendfund.schools.models import School
from sendfund.schools.term_dates import TermDatesError, read_blocks, term_dates_import


class Command(BaseCommand):
    help = (
        "Import term dates: CSV columns start_date, end_date, kind (open or closed; open when "
        "empty), dates YYYY-MM-DD or DD/MM/YYYY. Each academic year in the file gets exactly "
        "the file's blocks. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--school", required=True, help="The school's URN.")
        parser.add_argument("--dry-run", action="store_true", help="Check and count only.")

    def handle(self, *args, file, school, dry_run, **options):
        target = School.objects.filter(urn=school).first()
        if target is None:
            raise CommandError(f"No school with URN {school}.")
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        try:
            rows = read_blocks(data)
        except TermDatesError as exc:
            raise CommandError("Nothing imported.\n" + "\n".join(exc.errors)) from exc
        result = term_dates_import(school=target, rows=rows, dry_run=dry_run)
        prefix = "Dry run, nothing written: " if dry_run else ""
        self.stdout.write(self.style.SUCCESS(prefix + result.summary()))
