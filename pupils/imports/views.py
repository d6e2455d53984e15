"""Upload → preview (nothing written) → confirm (validated again, then written) and the export.

The preview never trusts the browser: the uploaded bytes wait in the user's session under a
random token with the school they were previewed for, and confirming runs the whole import
again against the current register before writing anything.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import logging
import secrets
from itertools import chain

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import get_template
from django.views.decorators.http import require_POST

from pupils.imports import provision, pupils, staff_rates
from pupils.imports.export import register_csv
from pupils.imports.forms import ImportForm
from pupils.imports.kinds import KINDS, ImportKind
from sendfund.lib import csv as safe_csv
from sendfund.schools.access import require_capability

log = logging.getLogger(__name__)
SESSION_KEY = "pupil_import_pending"


@require_capability("pupils.import")
def upload(request: HttpRequest) -> HttpResponse:
    kinds = [kind for kind in KINDS.values() if kind.allowed(request)]
    return render(request, "pupils/imports/index.html", {"kinds": kinds})


def _upload_view(kind: ImportKind):
    @require_capability("pupils.import")
    def view(request: HttpRequest) -> HttpResponse:
        if not kind.allowed(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None, kind=kind)
        if request.method == "POST" and form.is_valid():
            data, options = form.cleaned_data["file"], form.options()
            report = kind.execute(school=request.school, data=data, options=options, dry_run=True)
            token = ""
            if report.ok and report.has_changes:
                token = secrets.token_urlsafe(24)
                request.session[SESSION_KEY] = {
                    "token": token,
                    "kind": kind.key,
                    "school": request.school.pk,
                    "data": base64.b64encode(data).decode("ascii"),
                    "options": options,
                    "name": request.FILES["file"].name,
                }
            else:
                request.session.pop(SESSION_KEY, None)  # an older preview must not be confirmed
            context = {"kind": kind, "report": report, "token": token}
            return render(request, "pupils/imports/preview.html", context)
        return render(request, "pupils/imports/form.html", {"kind": kind, "form": form})

    view.__name__ = f"upload_{kind.key}"
    return view


upload_pupils = _upload_view(KINDS["pupils"])
upload_provision = _upload_view(KINDS["provision"])
upload_ctf = _upload_view(KINDS["ctf"])
upload_staff_rates = _upload_view(KINDS["staff_rates"])


@require_capability("pupils.import")
@require_POST
def confirm(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(SESSION_KEY) or {}
    token = request.POST.get("token", "")
    if (
        not token
        or not secrets.compare_digest(token, pending.get("token", ""))
        or pending.get("school") != request.school.pk
    ):
        messages.error(
            request, "That preview has expired or was for another school: upload the file again."
        )
        return redirect("pupil_imports:upload")
    kind = KINDS[pending["kind"]]
    if not kind.allowed(request):
        raise PermissionDenied
    data = base64.b64decode(pending["data"])
    report = kind.execute(
        school=request.school, data=data, options=pending["options"], dry_run=False
    )
    if not report.applied:
        return render(request, "pupils/imports/preview.html", {"kind": kind, "report": report})
    del request.session[SESSION_KEY]
    log.info(
        "import %s by %s into %s: %s", kind.key, request.user, request.school.urn, report.summary()
    )
    messages.success(request, f"{kind.title} imported: {report.summary()}.")
    return redirect("pupil_imports:upload")


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
