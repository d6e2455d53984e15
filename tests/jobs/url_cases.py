"""URL matrix cases for a file built by a worker (/jobs/): its page, its download, a retry."""

from sendfund.jobs.models import Job, JobStatus
from tests.url_matrix import UrlCase


def _pdf_job(status):
    def make(school):
        job = Job.objects.create(
            school=school,
            kind="pdf:report",
            phase="build",
            status=status,
            options={"capability": "reports.view", "title": "A report (PDF)"},
            output=b"%PDF-1.7 test",
            output_name="report.pdf",
        )
        return {"public_id": job.public_id}

    return make


CASES = [
    UrlCase("jobs:detail", "reports.view", kwargs=_pdf_job(JobStatus.DONE)),
    UrlCase("jobs:download", "reports.view", kwargs=_pdf_job(JobStatus.DONE)),
    UrlCase(
        "jobs:retry",
        "reports.view",
        kwargs=_pdf_job(JobStatus.FAILED),
        method="post",
        ok_status=(302,),
        notes="queues the failed job again (or says it cannot) and goes back to its page",
    ),
]
