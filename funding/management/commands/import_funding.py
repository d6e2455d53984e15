"""import_funding FILE --school URN [--dry-run]: funding sources and top-ups from CSV.

The funding import of the shared import framework (funding/imports.py), as on its page."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from funding.imports import import_funding
from sendfund.schools.models import School


class Command(BaseCommand):
    help = (
        "Import funding from a CSV with columns type, description, amount, period_start, "
        "period_end, status, upn, band (upn and band only for top-ups). All or nothing; "
        "importing the same file again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--school", required=True, help="The school's URN.")
        parser.add_argument("--dry-run", action="store_true", help="Check and report only.")

    def handle(self, *args, file, school, dry_run, **options):
        target = School.objects.filter(urn=school).first()
        if target is None:
            raise CommandError(f"No school with URN {school}.")
        path = Path(file)
        try:
            if path.stat().st_size > settings.SENDFUND_MAX_UPLOAD_BYTES:
                raise CommandError(
                    f"{path} is larger than the {settings.SENDFUND_MAX_UPLOAD_BYTES:,}-byte limit."
                )
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        report = import_funding(school=target, data=data, dry_run=dry_run)
        if report.file_error:
            raise CommandError(f"Nothing imported: {report.file_error}")
        if report.errors:
            raise CommandError(
                f"Nothing imported: {len(report.errors)} problem(s).\n"
                + "\n".join(str(e) for e in report.errors)
            )
        rows = report.created + report.updated + report.unchanged
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(
            f"{verb} {rows} row(s) for {target.name}: {report.created} new, "
            f"{report.updated} updated, {report.unchanged} unchanged."
        )
