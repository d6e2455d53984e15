"""prune_audit [--dry-run]: remove audit entries older than SENDFUND_AUDIT_RETENTION_DAYS.

The only path that deletes from the audit tables. Their append-only triggers are switched off
with pgtrigger.ignore for this command's own transaction and this thread only; every other
UPDATE or DELETE on them is still refused by the database.
"""

from __future__ import annotations

import datetime as dt

import pgtrigger
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from sendfund.audit.models import AccessLog
from sendfund.audit.queries import SOURCES


def prune(*, before: dt.datetime, dry_run: bool = False) -> dict[str, int]:
    """Delete (or count) entries created before `before`; counts by table."""
    tables = [(s.model, "pgh_created_at") for s in SOURCES] + [(AccessLog, "at")]
    uris = [f"{model._meta.label}:append_only" for model, _ in tables]
    counts = {}
    with transaction.atomic(), pgtrigger.ignore(*uris):
        for model, field in tables:
            old = model.objects.filter(**{f"{field}__lt": before})
            counts[model._meta.label] = old.count() if dry_run else old.delete()[0]
    return counts


class Command(BaseCommand):
    help = "Remove audit entries older than SENDFUND_AUDIT_RETENTION_DAYS."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count, delete nothing.")

    def handle(self, *args, dry_run: bool, **options):
        days = settings.SENDFUND_AUDIT_RETENTION_DAYS
        if days < 1:
            raise CommandError("SENDFUND_AUDIT_RETENTION_DAYS must be at least 1.")
        before = timezone.now() - dt.timedelta(days=days)
        counts = prune(before=before, dry_run=dry_run)
        verb = "would remove" if dry_run else "removed"
        total = sum(counts.values())
        self.stdout.write(
            f"{verb} {total} audit entr{'y' if total == 1 else 'ies'} from before "
            f"{timezone.localtime(before):%d/%m/%Y %H:%M} ({days} days)."
        )
