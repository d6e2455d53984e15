"""What the import commands share: --school, --dry-run, --date, the report as text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sendfund.lib.imports.parsers import CellError, parse_date
from sendfund.lib.imports.report import Report
from sendfund.schools.models import School


def school_for(urn: str) -> School:
    school = School.objects.filter(urn=urn).first()
    if school is None:
        raise CommandError(f"No school with URN {urn!r}.")
    return school


class ImportCommand(BaseCommand):
    """Subclasses set `help` and implement `run(school, data, on, dry_run, options)`;
    `has_date = False` drops the --date option for imports whose rows carry their own dates."""

    has_date = True

    def add_arguments(self, parser):
        parser.add_argument("file", help="the file to import")
        parser.add_argument("--school", required=True, metavar="URN", help="the school's URN")
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would change; write nothing"
        )
        if not self.has_date:
            return
        parser.add_argument(
            "--date",
            default="",
            help="effective date of changed records (YYYY-MM-DD or DD/MM/YYYY; default today)",
        )

    def run(self, *, school, data: bytes, on: dt.date, dry_run: bool, options) -> Report:
        raise NotImplementedError

    def handle(self, *args, **options):
        school = school_for(options["school"])
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if path.stat().st_size > settings.SENDFUND_MAX_UPLOAD_BYTES:
            raise CommandError(
                f"{path} is larger than the {settings.SENDFUND_MAX_UPLOAD_BYTES:,}-byte limit."
            )
        try:
            date = options.get("date", "")
            on = parse_date(date) if date else dt.date.today()
        except CellError as exc:
            raise CommandError(f"--date: {exc}") from exc
        report = self.run(
            school=school,
            data=path.read_bytes(),
            on=on,
            dry_run=options["dry_run"],
            options=options,
        )
        for line in report.lines():
            self.stdout.write(line)
        if not report.ok:
            count = len(report.errors)
            raise CommandError(
                report.file_error
                or f"{count} error{'s' if count != 1 else ''}: nothing was imported."
            )
        if options["dry_run"]:
            self.stdout.write(f"Dry run, nothing written: would be {report.summary()}.")
        else:
            self.stdout.write(self.style.SUCCESS(f"{school.name}: {report.summary()}."))
