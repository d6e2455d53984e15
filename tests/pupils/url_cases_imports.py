"""URL matrix cases for the import and export pages (/pupils/import/)."""

from sendfund.jobs.models import Job, JobStatus
from tests.url_matrix import UrlCase


def _import_job(school):
    job = Job.objects.create(
        school=school, kind="import:pupils", phase="preview", status=JobStatus.QUEUED
    )
    return {"public_id": job.public_id}


def _failed_import_job(school):
    job = Job.objects.create(
        school=school, kind="import:pupils", phase="preview", status=JobStatus.FAILED, data=b"x"
    )
    return {"public_id": job.public_id}


CASES = [
    UrlCase("pupil_imports:upload", "pupils.import"),
    UrlCase("pupil_imports:pupils", "pupils.import"),
    UrlCase("pupil_imports:provision", "provision.edit"),  # and pupils.import
    UrlCase("pupil_imports:ctf", "pupils.import"),
    UrlCase(
        "pupil_imports:staff_rates",
        "provision.edit",
        notes="Rates change costs: also needs the right to edit rates (not the administrator).",
    ),
    UrlCase("pupil_imports:outcomes", "provision.edit", notes="Measures sit on provision rows."),
    UrlCase(
        "pupil_imports:funding",
        "funding.edit",  # and pupils.import, which every role with funding.edit holds
        notes="The funding import on the shared framework: funding is edited by the head.",
    ),
    UrlCase(
        "pupil_imports:confirm",
        "pupils.import",
        method="post",
        ok_status=(302,),
        notes="No pending preview in the session: redirected to the upload page with a message.",
    ),
    UrlCase("pupil_imports:job", "pupils.import", kwargs=_import_job),
    UrlCase(
        "pupil_imports:job_retry",
        "pupils.import",
        kwargs=_failed_import_job,
        method="post",
        ok_status=(302,),
        notes="Queues the failed job again and goes back to its page.",
    ),
    UrlCase("pupil_imports:template_pupils", "pupils.import"),
    UrlCase("pupil_imports:template_provision", "pupils.import"),
    UrlCase("pupil_imports:template_ctf", "pupils.import"),
    UrlCase("pupil_imports:template_staff_rates", "pupils.import"),
    UrlCase("pupil_imports:template_outcomes", "pupils.import"),
    UrlCase("pupil_imports:template_funding", "funding.edit"),
    UrlCase("pupil_imports:export_register", "pupils.import"),
]
