"""The head's audit pages: the whole school's log (filters, pages, CSV) and one pupil's panel."""

from __future__ import annotations

import uuid

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from pupils.models import Pupil
from sendfund.audit.forms import AuditFilterForm
from sendfund.audit.queries import audit_log, entries
from sendfund.lib import csv as safe_csv
from sendfund.schools.access import require_capability, school_object_or_404

PER_PAGE = 50
PANEL_LENGTH = 10
CSV_HEADER = ["when", "person", "kind", "action", "pupil", "upn", "what", "method", "path"]
CSV_HEADER += ["request_id"]
CSV_CHUNK = 500


def _form(request: HttpRequest) -> AuditFilterForm:
    pupil = None
    if request.GET.get("pupil"):
        pupil = school_object_or_404(Pupil, request, public_id=_uuid(request.GET["pupil"]))
    return AuditFilterForm(request.GET or None, school=request.school, pupil=pupil)


def _uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise Http404("No such pupil.") from None


@require_capability("audit.view")
def log(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    rows = audit_log(request.school, form.filters())
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "entries": entries(request.school, page.object_list),
        "query": query.urlencode(),
    }
    return render(request, "audit/log.html", context, status=400 if form.errors else 200)


@require_capability("audit.view")
def export(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    rows = audit_log(request.school, form.filters())
    stamp = f"{timezone.localdate():%Y%m%d}"
    response = StreamingHttpResponse(
        _csv_lines(request.school, rows), content_type="text/csv; charset=utf-8"
    )
    name = f"audit-{request.school.urn}-{stamp}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(school, rows):
    writer = safe_csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(CSV_HEADER)
    offset = 0
    while True:
        chunk = entries(school, rows[offset : offset + CSV_CHUNK])
        for e in chunk:
            yield writer.writerow(
                [
                    f"{timezone.localtime(e.at):%d/%m/%Y %H:%M:%S}",
                    e.user,
                    e.kind_label,
                    e.action_label,
                    e.pupil.full_name if e.pupil else "",
                    e.pupil.upn if e.pupil else "",
                    e.what,
                    e.method,
                    e.path,
                    e.request_id,
                ]
            )
        if len(chunk) < CSV_CHUNK:
            return
        offset += CSV_CHUNK


@require_capability("audit.view")
def pupil_panel(request: HttpRequest, public_id) -> HttpResponse:
    """Who looked at or changed this pupil: the latest entries, for the pupil's page (htmx)."""
    pupil = school_object_or_404(Pupil, request, public_id=public_id)
    form = AuditFilterForm(school=request.school, pupil=pupil)
    rows = audit_log(request.school, form.filters())[:PANEL_LENGTH]
    context = {"pupil": pupil, "entries": entries(request.school, rows)}
    return render(request, "audit/pupil_panel.html", context)
