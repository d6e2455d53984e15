"""Uploads awaiting confirmation and finished jobs are deleted after SENDFUND_JOB_EXPIRY_MINUTES."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from sendfund.jobs.models import Job, JobStatus

pytestmark = pytest.mark.django_db


def _job(school, status, minutes_old):
    return Job.objects.create(
        school=school,
        kind="import:pupils",
        status=status,
        data=b"upn,surname\n",
        created=timezone.now() - dt.timedelta(minutes=minutes_old),
    )


def test_prune_jobs_deletes_expired_uploads_but_not_running_or_recent_ones(school, settings):
    settings.SENDFUND_JOB_EXPIRY_MINUTES = 60
    expired = _job(school, JobStatus.AWAITING_CONFIRM, 61)
    finished = _job(school, JobStatus.DONE, 120)
    running = _job(school, JobStatus.RUNNING, 120)
    recent = _job(school, JobStatus.AWAITING_CONFIRM, 59)

    call_command("prune_jobs")

    left = set(Job.objects.values_list("pk", flat=True))
    assert left == {running.pk, recent.pk}
    assert expired.pk not in left and finished.pk not in left


def test_an_upload_prunes_expired_uploads_of_every_school(
    senco_client, school, other_school, settings
):
    settings.SENDFUND_JOB_EXPIRY_MINUTES = 60
    stale = _job(other_school, JobStatus.AWAITING_CONFIRM, 90)

    senco_client.post(
        reverse("pupil_imports:pupils"),
        {"file": SimpleUploadedFile("r.csv", b"upn,surname,forename,date_of_birth,year_group\n")},
    )

    assert not Job.objects.filter(pk=stale.pk).exists()
