"""Imports too large for a request, run by a worker (`manage.py run_worker`)."""

from django_tasks import task

from sendfund.jobs.services import job_run
from sendfund.lib.imports.jobs import import_apply, import_preview


@task()
def preview_import(public_id: str) -> dict:
    return job_run(public_id, import_preview)


@task()
def confirm_import(public_id: str) -> dict:
    return job_run(public_id, import_apply)
