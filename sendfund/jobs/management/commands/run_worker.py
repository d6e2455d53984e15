"""Start a background worker: django-tasks' `db_worker`, which other workers can tell is alive.

Run as many as you like, on any machine that reaches the database (README "Deployment").
"""

from __future__ import annotations

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from pupils.tasks import book_nightly
from sendfund.jobs.workers import hold_worker_lock, reap_lost_tasks


class Command(DbWorkerCommand):
    help = (
        "Run a background worker for imports and PDFs (django-tasks' db_worker). Tasks left "
        "RUNNING by a worker that died are queued again first."
    )

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        # The reloader runs tasks in a child process; a worker in production never reloads.
        parser.set_defaults(reload=False, queue_name="*")

    def handle(self, *args, **options) -> None:
        lock = hold_worker_lock(options["worker_id"])
        try:
            requeued, failed = reap_lost_tasks()
            if (requeued or failed) and options["verbosity"]:
                self.stdout.write(
                    f"Tasks whose worker had stopped: {requeued} queued again, {failed} failed."
                )
            # The nightly upkeep (pupils.tasks): booked once, whichever worker starts first.
            if book_nightly() and options["verbosity"]:
                self.stdout.write("Booked the nightly summaries run.")
            super().handle(*args, **options)
        finally:
            if lock is not None:
                lock.close()
