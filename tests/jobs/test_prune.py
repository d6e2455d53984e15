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


def test_an_upload_awaiting_confirmation_waits_in_its_job_row_not_in_the_session(
    senco_client, school
):
    from django.contrib.sessions.models import Session

    from tests.pupils.test_imports_views import clean_pupils, upload

    data = clean_pupils()
    preview = upload(senco_client, "pupils", "register.csv", data)

    job = Job.objects.get(public_id=preview.context["token"])
    assert (job.status, bytes(job.data)) == (JobStatus.AWAITING_CONFIRM, data)
    # The session holds nothing of the file: no UPN or surname from it.
    session = str(Session.objects.get(session_key=senco_client.session.session_key).get_decoded())
    rows = [line.split(",") for line in data.decode().splitlines()[1:]]
    assert len(rows) == 4
    for upn, surname, *_ in rows:
        assert surname not in session
        assert not upn or upn not in session
    # Once confirmed, the file is gone from the job too (on expiry the job goes: tests above).
    senco_client.post(reverse("pupil_imports:confirm"), {"token": str(job.public_id)})
    job.refresh_from_db()
    assert (job.status, bytes(job.data)) == (JobStatus.DONE, b"")
