"""Evidence-pack PDFs built by a worker (`manage.py run_worker`)."""

import datetime as dt

from django_tasks import task

from advocacy import evidence
from sendfund.jobs.services import job_file_done, job_run, job_step


def _build(job) -> None:
    job_step(job, "Building the evidence pack")
    key = job.options["period"]
    pack = evidence.build(
        school=job.school,
        period=evidence.parse_period(key, job.school),
        period_key=key,
        today=dt.date.fromisoformat(job.options["today"]),
    )
    job_step(job, "Writing the PDF")
    job_file_done(job, data=evidence.pdf_bytes(pack), name=evidence.pdf_name(pack))


@task()
def build_evidence_pdf(public_id: str) -> dict:
    return job_run(public_id, _build)


def _build_request_pack(job) -> None:
    from advocacy import request_pack
    from advocacy.models import RequestPack

    job_step(job, "Building the request pack")
    pack = RequestPack.objects.select_related("pupil", "school").get(
        school=job.school, public_id=job.options["pack"]
    )
    figures = request_pack.build(pack, today=dt.date.fromisoformat(job.options["today"]))
    job_step(job, "Writing the PDF")
    job_file_done(job, data=request_pack.pdf_bytes(figures), name=request_pack.pdf_name(pack))


@task()
def build_request_pack_pdf(public_id: str) -> dict:
    return job_run(public_id, _build_request_pack)
