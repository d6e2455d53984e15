"""Upload → preview (nothing written) → confirm (validated again, then written) and the export.

The preview never trusts the browser: the uploaded bytes wait in the database (a Job row of the
school, for the person who uploaded them; never in the session or on a web node's disk), and
confirming runs the whole import again against the current register before writing anything.
Files above SENDFUND_BACKGROUND_IMPORT_ROWS rows are checked and imported by a worker while the
page shows its progress (sendfund/lib/imports/jobs.py). Every import kind registered with the
shared framework (sendfund/lib/imports/kinds.py) has these pages: the pupil imports and the
funding import (funding/imports.py) alike.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from itertools import chain

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import get_template
from django.views.decorators.http import require_POST

from pupils.imports import outcomes, provision, pupils, staff_rates
from pupils.imports.export import register_csv
from pupils.imports.forms import ImportForm
from sendfund.jobs.models import Job, JobStatus
from sendfund.jobs.services import job_retry
from sendfund.jobs.workers import reap_lost_tasks
from sendfund.lib import csv as safe_csv
from sendfund.lib.imports.jobs import StoredReport, import_confirm, kind_of, upload_create
from sendfund.lib.imports.kinds import KINDS
from sendfund.schools.access import require_capability, school_object_or_404

log = logging.getLogger(__name__)
EXPIRED = "That preview has expired or was for another school: upload the file again."


@require_capability("pupils.import")
def upload(request: HttpRequest) -> HttpResponse:
    kinds = [kind for kind in KINDS.values() if kind.allowed(request)]
    return render(request, "pupils/imports/index.html", {"kinds": kinds})


def _preview_context(job: Job) -> dict:
    report = StoredReport.load(job.result)
    waiting = job.status == JobStatus.AWAITING_CONFIRM
    return {"kind": kind_of(job), "report": report, "token": str(job.public_id) if waiting else ""}


def _upload_view(key: str):
    @require_capability("pupils.import")
    def view(request: HttpRequest) -> HttpResponse:
        kind = KINDS[key]  # registered when the apps are ready
        if not kind.allowed(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None, kind=kind)
        if request.method == "POST" and form.is_valid():
            job = upload_create(
                school=request.school,
                user=request.user,
                kind=kind,
                data=form.cleaned_data["file"],
                options=form.options(),
                name=request.FILES["file"].name,
            )
            if job.is_active:
                return redirect("pupil_imports:job", public_id=job.public_id)
            return render(request, "pupils/imports/preview.html", _preview_context(job))
        return render(request, "pupils/imports/form.html", {"kind": kind, "form": form})

    view.__name__ = f"upload_{key}"
    return view


upload_pupils = _upload_view("pupils")
upload_provision = _upload_view("provision")
upload_ctf = _upload_view("ctf")
upload_staff_rates = _upload_view("staff_rates")
upload_outcomes = _upload_view("outcomes")
upload_funding = _upload_view("funding")


@require_capability("pupils.import")
@require_POST
def confirm(request: HttpRequest) -> HttpResponse:
    token = request.POST.get("token", "")
    try:
        jobs = Job.objects.for_school(request.school).filter(kind__startswith="import:")
        pending = jobs.filter(public_id=token).first()
    except ValidationError:  # not a UUID
        pending = None
    if pending is None:
        messages.error(request, EXPIRED)
        return redirect("pupil_imports:upload")
    if not kind_of(pending).allowed(request):
        raise PermissionDenied
    job, outcome = import_confirm(
        school=request.school,
        user=request.user,
        public_id=token,
        audit=getattr(request, "audit_context", None),
    )
    if outcome == "expired":
        messages.error(request, EXPIRED)
        return redirect("pupil_imports:upload")
    if outcome == "already":
        messages.info(request, "This import has already been confirmed: it runs once.")
        return redirect("pupil_imports:job", public_id=job.public_id)
    if outcome == "started":
        return redirect("pupil_imports:job", public_id=job.public_id)
    kind, report = kind_of(job), StoredReport.load(job.result)
    if not report.applied:
        return render(request, "pupils/imports/preview.html", {"kind": kind, "report": report})
    log.info(
        "import %s by %s into %s: %s", kind.key, request.user, request.school.urn, report.summary()
    )
    messages.success(request, f"{kind.title} imported: {report.summary()}.")
    return redirect("pupil_imports:upload")


def _import_job(request: HttpRequest, public_id) -> Job:
    jobs = Job.objects.filter(kind__startswith="import:")
    job = school_object_or_404(jobs, request, public_id=public_id)
    if not kind_of(job).allowed(request):
        raise PermissionDenied
    return job


@require_capability("pupils.import")
def job(request: HttpRequest, public_id) -> HttpResponse:
    """An import's progress (polled by htmx while it runs), then its preview or result."""
    job = _import_job(request, public_id)
    if job.is_active and job.task_id:
        reap_lost_tasks([job.task_id])  # a worker that died is noticed here, not only at start
        job.refresh_from_db()
    context = {**_preview_context(job), "job": job}
    if request.htmx:
        return render(request, "pupils/imports/job.html#status", context)
    return render(request, "pupils/imports/job.html", context)


@require_capability("pupils.import")
@require_POST
def job_retry_view(request: HttpRequest, public_id) -> HttpResponse:
    from sendfund.lib.imports.tasks import confirm_import, preview_import

    job = _import_job(request, public_id)
    task, args = preview_import, ()
    if job.phase == "import":  # the retrying request's context, as for a confirm
        task, args = confirm_import, (getattr(request, "audit_context", None),)
    if not job_retry(job=job, task=task, args=args):
        messages.info(request, "This import is not waiting to be tried again.")
    return redirect("pupil_imports:job", public_id=job.public_id)


def _template_csv(header: list[str], rows: list[list[str]], name: str) -> HttpResponse:
    out = io.StringIO()
    writer = safe_csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_capability("pupils.import")
def template_pupils(request: HttpRequest) -> HttpResponse:
    return _template_csv(pupils.TEMPLATE_HEADER, pupils.TEMPLATE_ROWS, "pupils-template.csv")


@require_capability("pupils.import")
def template_provision(request: HttpRequest) -> HttpResponse:
    return _template_csv(
        provision.TEMPLATE_HEADER, provision.TEMPLATE_ROWS, "provision-map-template.csv"
    )


@require_capability("pupils.import")
def template_staff_rates(request: HttpRequest) -> HttpResponse:
    return _template_csv(
        staff_rates.TEMPLATE_HEADER, staff_rates.TEMPLATE_ROWS, "staff-rates-template.csv"
    )


@require_capability("pupils.import")
def template_outcomes(request: HttpRequest) -> HttpResponse:
    return _template_csv(outcomes.TEMPLATE_HEADER, outcomes.TEMPLATE_ROWS, "outcomes-template.csv")


@require_capability("pupils.import")
def template_funding(request: HttpRequest) -> HttpResponse:
    from funding import imports as funding_imports

    if not KINDS["funding"].allowed(request):
        raise PermissionDenied
    return _template_csv(
        funding_imports.TEMPLATE_HEADER, funding_imports.TEMPLATE_ROWS, "funding-template.csv"
    )


@require_capability("pupils.import")
def template_ctf(request: HttpRequest) -> HttpResponse:
    body = get_template("pupils/imports/ctf_sample.xml").template.source
    response = HttpResponse(body, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ctf-sample.xml"'
    return response


@require_capability("pupils.import")
def export_register(request: HttpRequest) -> StreamingHttpResponse:
    # Pupil-level data leaving the app: record who took it (docs/domain.md section 8).
    log.info("register export by %s for %s", request.user, request.school.urn)
    # The byte-order mark makes Excel open the file as UTF-8 (names with accents survive).
    response = StreamingHttpResponse(
        chain(["\ufeff"], register_csv(request.school)), content_type="text/csv; charset=utf-8"
    )
    filename = f"sen-register-{request.school.urn}-{dt.date.today():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
