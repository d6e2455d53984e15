"""Delete uploads and finished jobs older than SENDFUND_JOB_EXPIRY_MINUTES, and old task rows."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from sendfund.jobs.services import prune_expired


class Command(BaseCommand):
    help = (
        "Delete uploads awaiting confirmation, finished imports and built PDFs older than "
        "SENDFUND_JOB_EXPIRY_MINUTES, with their task records."
    )

    def handle(self, *args, **options) -> None:
        jobs, tasks = prune_expired()
        self.stdout.write(f"Deleted {jobs} expired job(s) and {tasks} finished task record(s).")
