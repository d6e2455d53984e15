"""Funding pages: the gap dashboard, the per-pupil threshold list, funding and top-up editing."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import uuid

from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import mark_safe

from funding import dashboard as dash
from funding import gap_store, services
from funding.forms import (
    FundingSourceForm,
    PeriodForm,
    TopUpBandForm,
    TopUpForm,
    TopUpSchemeForm,
)
from funding.gap import (
    pupil_threshold_list,
    threshold_figures,
    threshold_on,
)
from funding.models import FundingSource, FundingType, TopUpBand, TopUpScheme
from sendfund.lib import kept
from sendfund.lib.money import format_gbp
from sendfund.lib.views import form_saved, versioned
from sendfund.schools.access import can, require_capability, school_object_or_404
from sendfund.schools.calendar import calendar_note
from sendfund.templatetags.sendfund import url_shape


def _period_form(request: HttpRequest) -> PeriodForm:
    return PeriodForm(request.GET or None, school=request.school, today=dt.date.today())


def _csv(table: dash.Table, school, period) -> HttpResponse:
    response = HttpResponse(table.csv(), content_type="text/csv; charset=utf-8")
    filename = f"{school.urn}-{table.name}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _resolved_form(request: HttpRequest, template: str, fragment: str = ""):
    """The period form, bound to the query or to this term; or the response refusing it."""
    form = _period_form(request)
    if not request.GET:
        form = PeriodForm({"period": form.default}, school=request.school, today=dt.date.today())
    if form.is_valid():
        return form, None
    # htmx swaps only 2xx responses: send the message into the figures region instead.
    if request.htmx and fragment:
        return form, render(request, fragment, {"form": form})
    return form, render(request, template, {"form": form}, status=400)


@require_capability("funding.view")
def dashboard(request: HttpRequest) -> HttpResponse:
    # The whole page as last rendered, while the summary it shows still exists (see
    # sendfund.lib.kept): the view most opened, answered with one query.
    page = None if request.htmx or "format" in request.GET else kept.page_key(request, "dashboard")
    if (html := kept.kept_page(request, page, gap_store.still_stored)) is not None:
        return HttpResponse(html)
    form, refused = _resolved_form(request, "funding/dashboard.html", "funding/_figures.html")
    if refused:
        return refused
    period = form.cleaned_data["resolved"]
    names, today = can(request, "pupils.view"), dt.date.today()
    if request.GET.get("format") == "csv":
        context = dash.dashboard_context(request.school, period, names=names, today=today)
        table = context["tables"].get(request.GET.get("table", ""))
        if table is None:
            raise Http404("No such table.")
        return _csv(table, request.school, period)
    query = form.query_string()
    # The key of the kept renderings (see _kept), or None for a period not stored.
    summary = gap_store.stored_id(request.school, period)
    funding_edit = can(request, "funding.edit")
    parts = (
        (request.school.pk, request.school.name, summary, names, funding_edit, today, query)
        if summary
        else None
    )

    @functools.cache  # called by the template's {% if %} and again to print it: render once
    def figures() -> str:
        context = dash.dashboard_context(request.school, period, names=names, today=today)
        context |= {"form": form, "query": query}
        for table in context["tables"].values():
            table.query = query  # each table's link to its CSV
        return _kept("dashboard-figures", parts, "funding/_figures.html", context, request)

    if request.htmx:
        return HttpResponse(figures())
    context = {"form": form, "query": query, "figures_html": figures}
    body = _kept("dashboard-body", parts, "funding/_dashboard_body.html", context, request)
    return kept.render_kept(request, page, [summary], "funding/dashboard.html", {"body_html": body})


# Kept renderings live this long at most; a write ends their use at once (see _kept).
KEPT_SECONDS = 3600


def _kept(kind: str, parts: tuple | None, template: str, context: dict, request) -> str:
    """`template` rendered with `context`, kept in the cache under `parts` when they are given.

    The dashboard's parts start with the id of the period's stored gap
    (funding.gap_store.stored_id), read before anything else: any write to what the page
    shows deletes that summary and a rebuilt one takes a new id, so a changed school never
    meets an old rendering, and one that saw a write commit part-way is kept under an id no one
    asks for again. The other parts are everything else the HTML depends on: the school, the
    day, the query (the period and CSV links) and the two role decisions it shows (pupil
    names; the funding links). No kept HTML holds a per-user token. Callables in `context`
    (the figures inside the body) are called only when the template is rendered."""
    key = None
    if parts is not None:
        key = f"{kind}:" + hashlib.sha256(repr(parts).encode()).hexdigest()
        if (html := cache.get(key)) is not None:
            return mark_safe(html)  # noqa: S308 (our own template's output, kept as rendered)
    html = render_to_string(template, context, request)
    if key is not None:
        cache.set(key, html, KEPT_SECONDS)
    return mark_safe(html)  # noqa: S308 (rendered by our template with autoescaping)


PUPIL_MONEY = ("cost", "line", "school_share", "excess", "topup", "shortfall")
UNIT_BADGE = (
    ' <span class="badge text-bg-info" title="Funded by a place plus top-up, not from the'
    ' notional SEN budget">unit</span>'
)


def _pupil_row(row, page_url: str, has_unit: bool) -> str:
    """A pupil's row of the list as HTML, written here rather than by fifty rows of template
    lookups and filters: the name, a link to the pupil's page (marked "unit" for a unit
    pupil funded by place + top-up), year, SEN status and the six money figures
    (£1,234.56). `page_url`: the pupil page's URL with {0} for the pupil's id."""
    name = escape(f"{row.forename} {row.surname}")
    badge = UNIT_BADGE if row.place and has_unit else ""
    money = "".join(f'<td class="num">{format_gbp(getattr(row, f))}</td>' for f in PUPIL_MONEY)
    return mark_safe(  # noqa: S308 (every value escaped or formatted here)
        f'<tr><th scope="row" class="fw-normal"><a href="{page_url.format(row.public_id)}">'
        f"{name}</a>{badge}</th><td>{escape(row.year_group)}</td>"
        f"<td>{escape(row.sen_status)}</td>{money}</tr>"
    )


@require_capability("funding.pupils")
def pupils(request: HttpRequest) -> HttpResponse:
    """Every pupil with provision in the period against the threshold: pupil-level data.

    A standard period's page is kept whole (sendfund.lib.kept) under its stored summary,
    read before anything else: the rows, names and figures all come from it and from what
    its deletion triggers watch."""
    page_key = kept.page_key(request, "funding-pupils")
    if (html := kept.kept_page(request, page_key, gap_store.still_stored)) is not None:
        return HttpResponse(html)
    form, refused = _resolved_form(request, "funding/pupils.html")
    if refused:
        return refused
    period = form.cleaned_data["resolved"]
    summary = gap_store.stored_id(request.school, period)
    threshold = threshold_on(period.start)
    only_over = request.GET.get("over") == "1"
    rows = pupil_threshold_list(
        school=request.school, period=period, threshold=threshold, only_over=only_over
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    figures = threshold_figures(page.object_list)
    context = {"form": form, "period": period, "page": page, "figures": figures}
    page_url = url_shape("pupils:detail", uuid.UUID(int=0))
    has_unit = request.school.has_unit
    context["rows"] = [_pupil_row(row, page_url, has_unit) for row in figures]
    context["calendar"] = calendar_note(request.school, period)
    context["line_heading"] = dash.line_heading(request.school)
    context["query"] = form.query_string()
    return kept.render_kept(request, page_key, [summary], "funding/pupils.html", context)


# --- Editing: funding sources, pupil top-ups, top-up schemes and bands (funding.edit) ---

SORTS = {"start": "period_start", "-start": "-period_start", "amount": "amount"}
SORTS |= {"-amount": "-amount", "type": "type"}


@require_capability("funding.edit")
def sources(request: HttpRequest) -> HttpResponse:
    qs = FundingSource.objects.for_school(request.school).select_related("pupil", "band")
    if search := request.GET.get("q", "").strip():
        qs = qs.filter(
            Q(description__icontains=search)
            | Q(reference__icontains=search)
            | Q(pupil__surname__icontains=search)
        )
    if (kind := request.GET.get("type")) in FundingType.values:
        qs = qs.filter(type=kind)
    sort = request.GET.get("sort", "-start")
    qs = qs.order_by(SORTS.get(sort, "-period_start"), "pk")
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    context = {"page": page, "q": search, "sort": sort, "types": FundingType.choices}
    return render(request, "funding/sources.html", context | {"type": kind})


def _save_source(request, form):
    save = services.funding_source_save
    return versioned(form, save, as_="source", school=request.school, user=request.user)


def _save_scheme(request):
    return lambda scheme: services.topup_scheme_save(school=request.school, scheme=scheme)


def _save_band(request):
    return lambda band: services.topup_band_save(school=request.school, band=band)


def _form_page(request, form, title: str, back: str, status_ok: int = 200) -> HttpResponse:
    status = 400 if request.method == "POST" else status_ok
    context = {"form": form, "title": title, "back": back}
    return render(request, "funding/form.html", context, status=status)


@require_capability("funding.edit")
def source_add(request: HttpRequest) -> HttpResponse:
    form = FundingSourceForm(request.POST or None, school=request.school)
    done = form_saved(
        request,
        form,
        _save_source(request, form),
        message="Funding source added.",
        to="funding:sources",
    )
    return done or _form_page(request, form, "Add funding", "funding:sources")


@require_capability("funding.edit")
def topup_add(request: HttpRequest) -> HttpResponse:
    form = TopUpForm(request.POST or None, school=request.school)
    done = form_saved(
        request, form, _save_source(request, form), message="Top-up added.", to="funding:sources"
    )
    return done or _form_page(request, form, "Add a pupil's top-up", "funding:sources")


@require_capability("funding.edit")
def source_edit(request: HttpRequest, public_id) -> HttpResponse:
    source = school_object_or_404(FundingSource, request, public_id=public_id)
    form_class = TopUpForm if source.type == FundingType.TOP_UP else FundingSourceForm
    form = form_class(request.POST or None, instance=source, school=request.school)
    done = form_saved(
        request, form, _save_source(request, form), message="Funding saved.", to="funding:sources"
    )
    return done or _form_page(request, form, f"Edit {source}", "funding:sources")


@require_capability("funding.edit")
def source_delete(request: HttpRequest, public_id) -> HttpResponse:
    source = school_object_or_404(FundingSource, request, public_id=public_id)
    if request.method == "POST":
        services.funding_source_delete(school=request.school, source=source)
        messages.success(request, f"Deleted {source}.")
        return redirect("funding:sources")
    consequence = (
        f"{format_gbp(source.amount)} from {date_format(source.period_start)} to "
        f"{date_format(source.period_end)} will no longer count towards the gap."
    )
    context = {"name": source, "back": reverse("funding:sources"), "consequence": consequence}
    return render(request, "confirm_delete.html", context)


@require_capability("funding.edit")
def schemes(request: HttpRequest) -> HttpResponse:
    qs = (
        TopUpScheme.objects.for_school(request.school)
        .select_related("local_authority")
        .prefetch_related("bands")
    )
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(request, "funding/schemes.html", {"page": page})


@require_capability("funding.edit")
def scheme_add(request: HttpRequest) -> HttpResponse:
    form = TopUpSchemeForm(request.POST or None, school=request.school)
    message = "Top-up scheme added: now add its bands."
    done = form_saved(request, form, _save_scheme(request), message=message, to="funding:schemes")
    return done or _form_page(request, form, "Add your LA's top-up scheme", "funding:schemes")


@require_capability("funding.edit")
def scheme_edit(request: HttpRequest, public_id) -> HttpResponse:
    # Only the school's own schemes are editable; shared reference data is read-only.
    scheme = school_object_or_404(TopUpScheme, request, public_id=public_id)
    form = TopUpSchemeForm(request.POST or None, instance=scheme, school=request.school)
    done = form_saved(
        request, form, _save_scheme(request), message="Top-up scheme saved.", to="funding:schemes"
    )
    return done or _form_page(request, form, f"Edit {scheme}", "funding:schemes")


@require_capability("funding.edit")
def band_add(request: HttpRequest, public_id) -> HttpResponse:
    scheme = school_object_or_404(TopUpScheme, request, public_id=public_id)
    form = TopUpBandForm(request.POST or None, scheme=scheme)
    done = form_saved(
        request, form, _save_band(request), message="Band added.", to="funding:schemes"
    )
    return done or _form_page(request, form, f"Add a band to {scheme}", "funding:schemes")


@require_capability("funding.edit")
def band_edit(request: HttpRequest, public_id) -> HttpResponse:
    bands = TopUpBand.objects.select_related("scheme")
    band = school_object_or_404(bands, request, via="scheme__school", public_id=public_id)
    form = TopUpBandForm(request.POST or None, instance=band, scheme=band.scheme)
    done = form_saved(
        request, form, _save_band(request), message="Band saved.", to="funding:schemes"
    )
    return done or _form_page(request, form, f"Edit {band.name}", "funding:schemes")
