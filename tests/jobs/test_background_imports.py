"""Large imports run on a worker: stored upload, progress page, confirm once, retry, recovery.

These run with real commits (transactional_db): the worker, the progress writer and the
advisory locks use their own connections, as they do in production.
"""

import threading
import time
from dataclasses import replace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction
from django.urls import reverse
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from pupils.imports.kinds import KINDS
from pupils.models import Pupil
from sendfund.jobs.models import Job, JobStatus
from sendfund.jobs.progress import counted, tracking
from sendfund.jobs.workers import LOST_MESSAGE, hold_worker_lock, reap_lost_tasks, worker_alive
from sendfund.lib.imports import jobs as import_jobs
from tests.jobs.helpers import pupils_csv, run_worker_batch

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _small_threshold(settings):
    settings.SENDFUND_BACKGROUND_IMPORT_ROWS = 5


def upload(client, data, name="register.csv"):
    return client.post(reverse("pupil_imports:pupils"), {"file": SimpleUploadedFile(name, data)})


def job_page(client, job, **headers):
    return client.get(reverse("pupil_imports:job", args=[job.public_id]), **headers)


def test_a_large_upload_is_stored_in_the_database_and_checked_by_a_worker(senco_client, school):
    response = upload(senco_client, pupils_csv(12))

    job = Job.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("pupil_imports:job", args=[job.public_id])
    # The file waits in the database row, never in the session.
    assert bytes(job.data) == pupils_csv(12)
    assert (job.school, job.kind, job.status, job.rows_total) == (
        school,
        "import:pupils",
        JobStatus.QUEUED,
        12,
    )
    assert all("register" not in str(v) for v in senco_client.session.values())
    waiting = job_page(senco_client, job, HTTP_HX_REQUEST="true")
    assert b'hx-trigger="every 1s"' in waiting.content
    assert b"Waiting for a worker" in waiting.content
    assert DBTaskResult.objects.get().status == TaskResultStatus.READY

    run_worker_batch()

    job.refresh_from_db()
    assert job.status == JobStatus.AWAITING_CONFIRM
    assert (job.rows_done, job.rows_total) == (12, 12)
    assert not Pupil.objects.exists()
    preview = job_page(senco_client, job, HTTP_HX_REQUEST="true")
    assert b"hx-trigger" not in preview.content  # finished: the page stops polling
    assert b"Confirm and import (12 created, 0 updated, 0 unchanged)" in preview.content


def test_confirm_runs_the_import_on_a_worker_once_and_deletes_the_upload(senco_client, school):
    upload(senco_client, pupils_csv(12))
    run_worker_batch()
    job = Job.objects.get()

    first = senco_client.post(reverse("pupil_imports:confirm"), {"token": str(job.public_id)})
    second = senco_client.post(
        reverse("pupil_imports:confirm"), {"token": str(job.public_id)}, follow=True
    )
    run_worker_batch()

    assert first.url == reverse("pupil_imports:job", args=[job.public_id])
    assert "already been confirmed" in second.content.decode()
    assert Pupil.objects.for_school(school).count() == 12
    # One preview task and one import task: the second confirm queued nothing.
    assert DBTaskResult.objects.count() == 2
    job.refresh_from_db()
    assert (job.status, job.phase, bytes(job.data)) == (JobStatus.DONE, "import", b"")
    page = job_page(senco_client, job)
    assert "Imported:</strong> 12 created, 0 updated, 0 unchanged" in page.content.decode()


def test_two_confirms_at_the_same_moment_import_once(senco_client, senco, school):
    upload(senco_client, pupils_csv(12))
    run_worker_batch()
    job = Job.objects.get()
    outcomes = []
    barrier = threading.Barrier(2)

    def confirm():
        barrier.wait()
        try:
            outcomes.append(
                import_jobs.import_confirm(school=school, user=senco, public_id=job.public_id)[1]
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    run_worker_batch()

    assert sorted(outcomes) == ["already", "started"]
    assert Pupil.objects.count() == 12


def test_a_file_with_errors_checked_on_a_worker_shows_them_and_offers_no_confirm(
    senco_client, school
):
    upload(senco_client, pupils_csv(12, bad_row=7))
    run_worker_batch()
    job = Job.objects.get()

    page = job_page(senco_client, job).content.decode()

    assert job.status == JobStatus.DONE
    assert "Nothing will be imported" in page
    assert "date_of_birth" in page and "not a date" in page
    assert "Confirm and import" not in page
    assert bytes(job.data) == b""  # nothing to confirm: the file is gone


def test_progress_is_visible_to_other_connections_inside_the_imports_transaction(school):
    job = Job.objects.create(school=school, kind="import:pupils", status=JobStatus.RUNNING)
    other = connections.create_connection("default")
    try:
        with tracking(job), transaction.atomic():
            for n in counted(range(40), "Writing changes"):
                if n == 0:
                    seen = _progress(other, job)
        assert seen == (0, 40, "Writing changes")
        assert _progress(other, job) == (40, 40, "Writing changes")
    finally:
        other.close()


def _progress(conn, job):
    with conn.cursor() as cursor:
        cursor.execute("SELECT rows_done, rows_total, step FROM jobs_job WHERE id = %s", [job.pk])
        return cursor.fetchone()


def test_a_task_that_fails_says_why_writes_nothing_and_can_be_retried(
    senco_client, school, monkeypatch
):
    upload(senco_client, pupils_csv(12))
    run_worker_batch()
    job = Job.objects.get()
    senco_client.post(reverse("pupil_imports:confirm"), {"token": str(job.public_id)})

    def broken(**kwargs):
        raise MemoryError("the worker ran out of memory")

    with monkeypatch.context() as patch:
        patch.setattr(import_jobs, "kind_of", lambda job: replace(KINDS["pupils"], run=broken))
        run_worker_batch()

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "unexpected error (MemoryError)" in job.error and "Nothing was written" in job.error
    assert DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).count() == 1
    assert not Pupil.objects.exists()
    page = job_page(senco_client, job).content.decode()
    assert "did not finish" in page and "Try again" in page

    senco_client.post(reverse("pupil_imports:job_retry", args=[job.public_id]))
    again = senco_client.post(reverse("pupil_imports:job_retry", args=[job.public_id]))
    run_worker_batch()

    assert again.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert Pupil.objects.count() == 12
    assert DBTaskResult.objects.count() == 3  # preview, failed import, one retry


def _lost_task(job, worker_ids):
    """The state a killed worker leaves: task and job RUNNING, the import rolled back."""
    from pupils.imports.tasks import confirm_import

    Job.objects.filter(pk=job.pk).update(status=JobStatus.CONFIRMED, phase="import")
    result = confirm_import.enqueue(str(job.public_id))
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING, worker_ids=worker_ids
    )
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, task_id=result.id)
    return result.id


def test_a_task_whose_worker_died_is_queued_again_and_finishes(senco_client, school):
    upload(senco_client, pupils_csv(12))
    run_worker_batch()
    job = Job.objects.get()
    task_id = _lost_task(job, ["killed-worker"])

    assert not worker_alive("killed-worker")
    assert reap_lost_tasks() == (1, 0)
    run_worker_batch()

    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert DBTaskResult.objects.get(pk=task_id).status == TaskResultStatus.SUCCESSFUL
    assert Pupil.objects.count() == 12


def test_a_task_that_lost_its_worker_twice_fails_cleanly_and_can_be_retried(senco_client, school):
    upload(senco_client, pupils_csv(12))
    run_worker_batch()
    job = Job.objects.get()
    _lost_task(job, ["killed-1", "killed-2"])

    page = job_page(senco_client, job).content.decode()  # the page notices on access

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error == LOST_MESSAGE
    assert "did not finish" in page and "Try again" in page
    assert not Pupil.objects.exists()
    senco_client.post(reverse("pupil_imports:job_retry", args=[job.public_id]))
    run_worker_batch()
    assert Pupil.objects.count() == 12


def test_a_running_task_of_a_live_worker_is_left_alone(senco_client, school):
    upload(senco_client, pupils_csv(12))
    run_worker_batch()
    job = Job.objects.get()
    lock = hold_worker_lock("busy-worker")
    try:
        task_id = _lost_task(job, ["busy-worker"])
        assert worker_alive("busy-worker")
        assert reap_lost_tasks() == (0, 0)
        assert DBTaskResult.objects.get(pk=task_id).status == TaskResultStatus.RUNNING
    finally:
        lock.close()
    # The server lets go of a closed session's locks when its backend process exits, a moment
    # after the close (longer on a busy machine): wait for that, up to 10 s.
    deadline = time.monotonic() + 10
    while worker_alive("busy-worker") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert reap_lost_tasks() == (1, 0)  # once its connection is gone, the task is free again
