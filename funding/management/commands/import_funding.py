"""import_funding FILE --school URN [--dry-run]: funding sources and top-ups from CSV."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from funding.services import FundingImportError, funding_import, parse_funding_csv
from sendfund.schools.models import School


class DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


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
        try:
            text = Path(file).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        try:
            rows = parse_funding_csv(text, school=target)
            with transaction.atomic():
                result = funding_import(school=target, rows=rows)
                if dry_run:
                    raise DryRun
        except FundingImportError as exc:
            raise CommandError(
                f"Nothing imported: {len(exc.errors)} problem(s).\n" + "\n".join(exc.errors)
            ) from exc
        except DryRun:
            pass
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(
            f"{verb} {len(rows)} row(s) for {target.name}: {result.created} new, "
            f"{result.updated} updated, {result.unchanged} unchanged."
        )
