"""Report PDFs built by a worker (`manage.py run_worker`)."""

from django_tasks import task

from reports.models import TermlyReport
from reports.pdf import report_pdf_bytes, report_pdf_name
from sendfund.jobs.services import job_file_done, job_run, job_step


def _build(job) -> None:
    job_step(job, "Building the PDF")
    report = TermlyReport.objects.for_school(job.school).get(public_id=job.options["report"])
    job_file_done(job, data=report_pdf_bytes(report), name=report_pdf_name(report))


@task()
def build_report_pdf(public_id: str) -> dict:
    return job_run(public_id, _build)
