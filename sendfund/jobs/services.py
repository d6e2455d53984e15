"""Starting, running, retrying and pruning background jobs (the task queue is django-tasks')."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sendfund.jobs.models import Job, JobStatus
from sendfund.jobs.progress import tracking

log = logging.getLogger(__name__)

UNEXPECTED = (
    "It stopped with an unexpected error ({name}). Nothing was written. Try again; if it fails "
    "again, tell your administrator the time it happened."
)


def job_enqueue(job: Job, task, *args) -> Job:
    """Put `job` on the queue for `task` (a django-tasks Task taking the job's public id, then
    `args`, which must be JSON)."""
    result = task.enqueue(str(job.public_id), *args)
    Job.objects.filter(pk=job.pk).update(task_id=result.id, status=JobStatus.QUEUED)
    job.task_id, job.status = result.id, JobStatus.QUEUED
    return job


def job_run(public_id: str, handler: Callable[[Job], None]) -> dict:
    """Run `handler` on the job inside a task: once, with progress, failing with a reason."""
    job = Job.objects.select_related("school").filter(public_id=public_id).first()
    if job is None:
        return {"status": "expired"}
    started = Job.objects.filter(
        pk=job.pk, status__in=[JobStatus.QUEUED, JobStatus.CONFIRMED, JobStatus.RUNNING]
    ).update(status=JobStatus.RUNNING, attempts=F("attempts") + 1, error="")
    if not started:
        return {"status": job.status}  # finished already (a lost task queued again after commit)
    job.status = JobStatus.RUNNING
    try:
        with tracking(job):
            handler(job)
    except Exception as exc:
        log.exception("job %s (%s) failed", job.public_id, job.kind)
        Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.FAILED,
            error=UNEXPECTED.format(name=type(exc).__name__),
            finished=timezone.now(),
        )
        raise
    return {"status": Job.objects.filter(pk=job.pk).values_list("status", flat=True).first()}


def job_retry(*, job: Job, task, args: tuple = ()) -> bool:
    """Queue a failed job again (one UPDATE, so a double click queues it once)."""
    if not Job.objects.filter(pk=job.pk, status=JobStatus.FAILED).update(
        status=JobStatus.QUEUED, error="", rows_done=0, step="", finished=None
    ):
        return False
    job_enqueue(job, task, *args)
    return True


def prune_expired(now: dt.datetime | None = None) -> tuple[int, int]:
    """Delete expired jobs (uploads with them) and finished task records of the same age."""
    now = now or timezone.now()
    jobs = Job.objects.expired(now).delete()[0]
    cutoff = now - dt.timedelta(minutes=settings.SENDFUND_JOB_EXPIRY_MINUTES)
    tasks = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()[0]
    return jobs, tasks


def file_job_start(
    *,
    school,
    user,
    kind: str,
    title: str,
    capability: str,
    options: dict,
    task,
    back: str = "",
) -> Job:
    """Queue a file (a PDF) to be built by a worker; `capability` guards its page and download."""
    prune_expired()
    job = Job.objects.create(
        school=school,
        created_by=user,
        kind=kind,
        phase="build",
        options={**options, "title": title, "capability": capability, "back": back},
    )
    return job_enqueue(job, task)


def job_step(job: Job, step: str) -> None:
    Job.objects.filter(pk=job.pk).update(step=step[:60])


def job_file_done(job: Job, *, data: bytes, name: str) -> None:
    Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        status=JobStatus.DONE, output=data, output_name=name[:255], finished=timezone.now()
    )
