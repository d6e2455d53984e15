"""Work done in the background for a school: an upload awaiting confirmation, an import, a PDF.

A job row holds everything a web node or a worker needs (the uploaded bytes, the options, the
progress and the outcome), so no node keeps state on its own disk or in its own memory. The task
queue itself is django-tasks' database backend (`django_tasks_db`), on the same PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from sendfund.schools.models import TenantQuerySet


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"
    RUNNING = "running", "Running"
    AWAITING_CONFIRM = "awaiting", "Waiting for you to confirm"
    CONFIRMED = "confirmed", "Confirmed"
    DONE = "done", "Finished"
    FAILED = "failed", "Failed"


ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.CONFIRMED)


class JobQuerySet(TenantQuerySet):
    def active(self) -> JobQuerySet:
        return self.filter(status__in=ACTIVE)

    def expired(self, now: dt.datetime | None = None) -> JobQuerySet:
        """Jobs older than SENDFUND_JOB_EXPIRY_MINUTES that no worker is busy with."""
        now = now or timezone.now()
        cutoff = now - dt.timedelta(minutes=settings.SENDFUND_JOB_EXPIRY_MINUTES)
        return self.filter(created__lt=cutoff).exclude(status=JobStatus.RUNNING)


class Job(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=40)  # "import:pupils", "pdf:report" ...
    phase = models.CharField(max_length=20, blank=True)  # "preview", "import", "build"
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    file_name = models.CharField(max_length=255, blank=True)
    # The uploaded file awaiting confirmation: emptied once it has been imported, and the whole
    # row deleted on expiry (prune_jobs, and on every upload).
    data = models.BinaryField(default=b"")
    options = models.JSONField(default=dict, blank=True)
    output = models.BinaryField(default=b"")  # a built PDF
    output_name = models.CharField(max_length=255, blank=True)
    step = models.CharField(max_length=60, blank=True)  # "Checking rows", "Writing changes"
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    task_id = models.UUIDField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created = models.DateTimeField(default=timezone.now)
    finished = models.DateTimeField(null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        indexes = [
            models.Index(fields=["school", "-created"], name="job_school_created"),
            models.Index(fields=["created"], name="job_created"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.public_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 0
        return min(100, self.rows_done * 100 // self.rows_total)
