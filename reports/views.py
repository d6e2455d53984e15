"""Governors' termly reports, the SEN information report checklist and the trust view."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from funding import gap_store
from reports import services
from reports.forms import CommentForm, InformationItemsForm, ReportCreateForm
from reports.models import InformationReportItem, TermlyReport
from reports.pdf import figures_for as _figures
from reports.pdf import report_pdf_bytes, report_pdf_name
from reports.sen_information import ITEMS
from reports.tasks import build_report_pdf
from reports.trust import TRUST_COLUMNS, trust_rows
from sendfund.jobs.services import file_job_start
from sendfund.lib import kept
from sendfund.lib.periods import term, term_for_date
from sendfund.schools.access import can, require_capability, school_object_or_404
from sendfund.schools.middleware import listing
from sendfund.schools.models import School

# A calendar used by more schools than this is given as a count, not a list of names.
CALENDAR_NAMES_SHOWN = 12


def _calendars(rows: list[dict]) -> list[tuple[str, int, list[str]]]:
    """Which calendar each school's need is costed with, grouped: (calendar, how many
    schools, their names in the table's order, or none when more than CALENDAR_NAMES_SHOWN)."""
    groups: dict[str, list[str]] = {}
    for row in rows:
        groups.setdefault(row["calendar"], []).append(row["name"])
    return [
        (label, len(names), names if len(names) <= CALENDAR_NAMES_SHOWN else [])
        for label, names in groups.items()
    ]


def _report_or_404(request: HttpRequest, public_id) -> TermlyReport:
    """Another school's report, or a draft for a role that cannot draft, is a 404."""
    reports = TermlyReport.objects.for_school(request.school).visible_to(
        can_draft=can(request, "reports.draft")
    )
    return school_object_or_404(reports, request, public_id=public_id)


@require_capability("reports.view")
def report_list(request: HttpRequest) -> HttpResponse:
    can_draft = can(request, "reports.draft")
    reports = TermlyReport.objects.for_school(request.school).visible_to(can_draft=can_draft)
    page = Paginator(reports, 12).get_page(request.GET.get("page"))
    form = ReportCreateForm(today=dt.date.today()) if can_draft else None
    return render(request, "reports/list.html", {"page": page, "form": form})


@require_POST
@require_capability("reports.draft")
def report_add(request: HttpRequest) -> HttpResponse:
    form = ReportCreateForm(request.POST, today=dt.date.today())
    if not form.is_valid():
        messages.error(request, "Choose one of the terms offered.")
        return redirect("reports:list")
    year, name = form.cleaned_data["term"]
    try:
        report = services.report_create(
            school=request.school, academic_year=year, term=name, user=request.user
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("reports:list")
    messages.success(request, f"Draft started for {report.term_label}.")
    return redirect("reports:detail", public_id=report.public_id)


@require_capability("reports.view")
def report_detail(request: HttpRequest, public_id) -> HttpResponse:
    report = _report_or_404(request, public_id)
    form = None
    if not report.is_published and can(request, "reports.draft"):
        form = CommentForm(initial={"comment": report.comment})
    context = {"report": report, "figures": _figures(report), "form": form}
    context["can_publish"] = not report.is_published and can(request, "reports.publish")
    return render(request, "reports/detail.html", context)


@require_capability("reports.view")
def report_pdf(request: HttpRequest, public_id) -> HttpResponse:
    report = _report_or_404(request, public_id)
    response = HttpResponse(report_pdf_bytes(report), "application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report_pdf_name(report)}"'
    return response


@require_POST
@require_capability("reports.view")
def report_pdf_build(request: HttpRequest, public_id) -> HttpResponse:
    """Build the PDF on a worker; the page shows its progress, then a download."""
    report = _report_or_404(request, public_id)
    job = file_job_start(
        school=request.school,
        user=request.user,
        kind="pdf:report",
        title=f"{report.term_label} SEND report (PDF)",
        # A draft's PDF is for those who may draft, as the draft itself is.
        capability="reports.view" if report.is_published else "reports.draft",
        options={"report": str(report.public_id)},
        task=build_report_pdf,
        back=reverse("reports:detail", kwargs={"public_id": report.public_id}),
    )
    return redirect("jobs:detail", public_id=job.public_id)


@require_POST
@require_capability("reports.draft")
def report_comment(request: HttpRequest, public_id) -> HttpResponse:
    report = _report_or_404(request, public_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.report_comment(
                school=request.school, report=report, comment=form.cleaned_data["comment"]
            )
            messages.success(request, "Comment saved.")
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
    else:
        messages.error(request, "The comment is too long (5,000 characters at most).")
    return redirect("reports:detail", public_id=report.public_id)


@require_POST
@require_capability("reports.publish")
def report_publish(request: HttpRequest, public_id) -> HttpResponse:
    report = _report_or_404(request, public_id)
    try:
        services.report_publish(school=request.school, report=report, user=request.user)
        messages.success(request, "Published: governors can now read this report.")
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("reports:detail", public_id=report.public_id)


def _information_rows(school: School) -> dict:
    items = InformationReportItem.objects.for_school(school).values(
        "code", "done", "last_published", "next_review"
    )
    return {row["code"]: row for row in items}


@require_capability("reports.view")
def information_report(request: HttpRequest) -> HttpResponse:
    rows = _information_rows(request.school)
    items = [{"code": code, "label": label, **rows.get(code, {})} for code, label in ITEMS]
    covered = sum(1 for item in items if item.get("done"))
    context = {"items": items, "covered": covered, "can_edit": can(request, "reports.draft")}
    return render(request, "reports/information.html", context)


@require_capability("reports.draft")
def information_edit(request: HttpRequest) -> HttpResponse:
    initial = _information_rows(request.school)
    form = InformationItemsForm(request.POST or None, initial_rows=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.information_items_save(school=request.school, rows=form.rows())
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, "SEN information report checklist saved.")
            return redirect("reports:information")
    return render(request, "reports/information_edit.html", {"form": form})


@require_capability("trust.view")
def trust(request: HttpRequest) -> HttpResponse:
    school = request.school
    if school.trust_id is None:
        raise Http404("This school is not in a trust.")
    # The whole page as last rendered, while every summary it shows still exists
    # (sendfund.lib.kept; the schools are in the key through the person's school choices).
    page = kept.page_key(request, "trust", school.trust.name)
    if (html := kept.kept_page(request, page, gap_store.still_stored)) is not None:
        return HttpResponse(html)
    # The trust's schools this person may open: those the middleware already read, as its
    # rows give them (pk, public id, name: all the table reads), building no School.
    schools = [s for s in listing(request.school_choices) if s.trust_id == school.trust_id]
    sort = request.GET.get("sort", "name")
    today = dt.date.today()
    period = term(*term_for_date(today))
    context = {"period": period, "trust_name": school.trust.name}
    table, state = _trust_table(request, schools, today=today, period=period, sort=sort)
    return kept.render_kept(
        request, page, state, "reports/trust.html", context | {"table_html": table}
    )


# Rendered trust tables are kept this long at most; a write ends their use at once.
TRUST_TABLE_CACHE_SECONDS = 3600


def _trust_table(
    request: HttpRequest, schools, *, today, period, sort: str
) -> tuple[str, tuple[int, ...] | None]:
    """The trust table as HTML, rendered once for the stored summaries it reads and kept in
    the cache under their ids (funding.gap_store.trust_held, read first): a write to any of
    the schools deletes its summaries, so the next request renders again. The table holds no
    per-user token (the "Open dashboard" buttons submit one form outside it), so leads who
    see the same schools may share it; the schools are in the key through their summaries.
    Returns the HTML and those summaries' ids (None when some were not stored)."""
    # The summaries' ids and figures in one read: the figures serve when the table is not kept.
    held = gap_store.trust_held([s.pk for s in schools], period, today)
    state = held.state
    key = None
    if state is not None:
        names = tuple((s.pk, s.name) for s in schools)
        key = (
            "trust-table:" + hashlib.sha256(repr((state, names, today, sort)).encode()).hexdigest()
        )
        if (html := cache.get(key)) is not None:
            return mark_safe(html), state  # noqa: S308 (our own template's output, as rendered)
    rows, totals, _ = trust_rows(schools, today=today, sort=sort, held=held)
    context = {"rows": rows, "totals": totals, "sort": sort, "columns": TRUST_COLUMNS}
    # Each row written by reports.trust.row_html: joined here, not by a 201-step template loop.
    context["rows_html"] = mark_safe("".join(f"<tr>{row['html']}</tr>" for row in rows))  # noqa: S308
    context["calendars"] = _calendars(rows)
    html = render_to_string("reports/_trust_table.html", context, request)
    if key is not None:
        cache.set(key, html, TRUST_TABLE_CACHE_SECONDS)
    return mark_safe(html), state  # noqa: S308 (rendered by our template with autoescaping)
