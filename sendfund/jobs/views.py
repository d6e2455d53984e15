"""A PDF (or other file) built by a worker: its progress, then a download; retry when it failed.

Imports have their own pages (pupils/imports/views.py). A job records the capability its file
needs (`options["capability"]`), checked on every request as the page that started it would.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_tasks_db.models import DBTaskResult

from sendfund.jobs.models import Job, JobStatus
from sendfund.jobs.services import job_retry
from sendfund.jobs.workers import reap_lost_tasks
from sendfund.schools.access import can, school_object_or_404


def _file_job(request: HttpRequest, public_id) -> Job | HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.school is None:
        return render(request, "schools/no_school.html", status=403)
    jobs = Job.objects.for_school(request.school).filter(kind__startswith="pdf:")
    job = school_object_or_404(jobs, request, public_id=public_id)
    if not can(request, job.options.get("capability", "")):
        raise PermissionDenied("Your role cannot open this file.")
    return job


def detail(request: HttpRequest, public_id) -> HttpResponse:
    job = _file_job(request, public_id)
    if isinstance(job, HttpResponse):
        return job
    if job.is_active and job.task_id:
        reap_lost_tasks([job.task_id])
        job.refresh_from_db()
    if request.htmx:
        return render(request, "jobs/detail.html#status", {"job": job})
    return render(request, "jobs/detail.html", {"job": job})


def download(request: HttpRequest, public_id) -> HttpResponse:
    job = _file_job(request, public_id)
    if isinstance(job, HttpResponse):
        return job
    if job.status != JobStatus.DONE or not job.output:
        return redirect("jobs:detail", public_id=job.public_id)
    response = HttpResponse(bytes(job.output), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{job.output_name}"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def retry(request: HttpRequest, public_id) -> HttpResponse:
    job = _file_job(request, public_id)
    if isinstance(job, HttpResponse):
        return job
    task = DBTaskResult.objects.filter(id=job.task_id).first() if job.task_id else None
    if task is None or not job_retry(job=job, task=task.task):
        messages.info(request, "This file is not waiting to be tried again.")
    return redirect("jobs:detail", public_id=job.public_id)
