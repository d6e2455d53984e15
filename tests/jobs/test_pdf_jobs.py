"""Report and evidence-pack PDFs are built by a worker: progress page, download, retry."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from reports import tasks as report_tasks
from sendfund.jobs.models import Job, JobStatus
from tests.jobs.helpers import run_worker_batch
from tests.reports.factories import TermlyReportFactory, published_report

pytestmark = pytest.mark.django_db(transaction=True)


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_report_pdf_is_built_by_a_worker_and_downloaded(head_client, governor_client, school):
    report = published_report(school, academic_year=2024)

    response = head_client.post(reverse("reports:pdf_build", args=[report.public_id]))

    job = Job.objects.get()
    assert response.url == reverse("jobs:detail", args=[job.public_id])
    waiting = head_client.get(response.url, HTTP_HX_REQUEST="true")
    assert b'hx-trigger="every 1s"' in waiting.content and b"<progress" in waiting.content
    run_worker_batch()
    page = head_client.get(response.url).content.decode()
    assert "Download send-report-2024-" in page
    download = governor_client.get(reverse("jobs:download", args=[job.public_id]))
    assert download["Content-Type"] == "application/pdf"
    assert "no-store" in download["Cache-Control"]  # a pupil-data file: never cached
    assert school.name in _text(download.content)


def test_a_drafts_pdf_is_only_for_those_who_may_draft(head_client, governor_client, school):
    draft = TermlyReportFactory(school=school, academic_year=2024)
    head_client.post(reverse("reports:pdf_build", args=[draft.public_id]))
    run_worker_batch()
    job = Job.objects.get()

    assert head_client.get(reverse("jobs:download", args=[job.public_id])).status_code == 200
    assert governor_client.get(reverse("jobs:download", args=[job.public_id])).status_code == 403


def test_the_evidence_pack_pdf_is_built_by_a_worker(governor_client, school):
    response = governor_client.post(reverse("advocacy:evidence_pdf_build"), {"period": "year-2024"})
    run_worker_batch()

    job = Job.objects.get()
    assert response.url == reverse("jobs:detail", args=[job.public_id])
    assert job.status == JobStatus.DONE
    download = governor_client.get(reverse("jobs:download", args=[job.public_id]))
    assert school.name in _text(download.content)
    bad = governor_client.post(reverse("advocacy:evidence_pdf_build"), {"period": "year-x"})
    assert bad.status_code == 400 and Job.objects.count() == 1


def test_a_pdf_that_fails_says_why_and_can_be_tried_again(head_client, school, monkeypatch):
    report = published_report(school, academic_year=2024)
    head_client.post(reverse("reports:pdf_build", args=[report.public_id]))
    job = Job.objects.get()

    def broken(report):
        raise OSError("fonts missing")

    with monkeypatch.context() as patch:
        patch.setattr(report_tasks, "report_pdf_bytes", broken)
        run_worker_batch()

    page = head_client.get(reverse("jobs:detail", args=[job.public_id])).content.decode()
    assert "The file was not made" in page and "unexpected error (OSError)" in page
    assert "Try again" in page
    head_client.post(reverse("jobs:retry", args=[job.public_id]))
    run_worker_batch()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and bytes(job.output).startswith(b"%PDF")
