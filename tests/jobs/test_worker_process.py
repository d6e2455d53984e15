"""`manage.py run_worker` in a real process runs a large import through the database backend."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pupils.models import Pupil
from sendfund.jobs.models import Job, JobStatus
from tests.jobs.helpers import pupils_csv
from tests.jobs.processes import processes, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def _status(job):
    job.refresh_from_db()
    return job.status


def test_a_worker_process_previews_and_imports_a_large_file(
    senco_client, school, settings, tmp_path
):
    settings.SENDFUND_BACKGROUND_IMPORT_ROWS = 5
    senco_client.post(
        reverse("pupil_imports:pupils"),
        {"file": SimpleUploadedFile("register.csv", pupils_csv(300))},
    )
    job = Job.objects.get()

    with processes(tmp_path) as procs:
        worker = procs.worker()
        wait_until(
            lambda: _status(job) == JobStatus.AWAITING_CONFIRM, timeout=120, what="the preview"
        )
        senco_client.post(reverse("pupil_imports:confirm"), {"token": str(job.public_id)})
        wait_until(lambda: _status(job) == JobStatus.DONE, timeout=120, what="the import")
        assert worker.poll() is None, procs.log(worker)

    assert job.result["applied"] and job.result["created"] == 300
    assert Pupil.objects.for_school(school).count() == 300
    # The last step counted is the import's writes (one bulk insert for new pupils + the job).
    assert (job.step, job.rows_done, job.rows_total) == ("Writing changes", 2, 2)
