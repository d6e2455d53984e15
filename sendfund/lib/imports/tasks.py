"""Imports too large for a request, run by a worker (`manage.py run_worker`)."""

from django_tasks import task

from sendfund.jobs.services import job_run
from sendfund.lib.imports.jobs import import_apply, import_preview


@task()
def preview_import(public_id: str) -> dict:
    return job_run(public_id, import_preview)


@task()
def confirm_import(public_id: str, audit: dict | None = None) -> dict:
    """`audit`: the pghistory context of the request that confirmed (or retried) the import,
    which its writes are recorded with; a task queued without one records the job's user and
    school."""

    def apply(job) -> None:
        import_apply(job, audit=audit or {"user": job.created_by_id, "school": job.school_id})

    return job_run(public_id, apply)
