"""Funding pages: the gap dashboard, the per-pupil threshold list, funding and top-up editing."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from funding import dashboard as dash
from funding.forms import (
    FundingSourceForm,
    PeriodForm,
    TopUpBandForm,
    TopUpForm,
    TopUpSchemeForm,
)
from funding.gap import (
    compute_gap,
    headline_series,
    over_threshold,
    project_next_year,
    pupil_threshold_queryset,
    threshold_figures,
    threshold_on,
)
from funding.models import FundingSource, FundingType, TopUpBand, TopUpScheme
from sendfund.lib.periods import term, terms_back
from sendfund.schools.access import can, require_capability, school_object_or_404

TREND_TERMS = 7  # the last six terms and the current one


def _period_form(request: HttpRequest) -> PeriodForm:
    return PeriodForm(request.GET or None, school=request.school, today=dash.today())


def _csv(table: dash.Table, school, period) -> HttpResponse:
    response = HttpResponse(table.csv(), content_type="text/csv; charset=utf-8")
    filename = f"{school.urn}-{table.name}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_capability("funding.view")
def dashboard(request: HttpRequest) -> HttpResponse:
    form = _period_form(request)
    if request.GET and not form.is_valid():
        return render(request, "funding/dashboard.html", {"form": form}, status=400)
    if not request.GET:
        form = PeriodForm({"period": form.default}, school=request.school, today=dash.today())
        form.is_valid()
    period, school, today = form.cleaned_data["resolved"], request.school, dash.today()
    gap = compute_gap(school=school, period=period)
    series = headline_series(
        school=school, periods=[term(*t) for t in terms_back(today, TREND_TERMS)]
    )
    projection = project_next_year(school=school, today=today)
    names = can(request, "pupils.view")
    tables = dash.build_tables(gap, series, projection, suppress=not names)
    if names:
        tables |= dash.pupil_tables(school, period, gap.threshold)
    if request.GET.get("format") == "csv":
        if request.GET.get("table") not in tables:
            raise Http404("No such table.")
        return _csv(tables[request.GET["table"]], school, period)
    context = {
        "form": form,
        "gap": gap,
        "tables": tables,
        "chart": dash.trend_chart(series),
        "projection": projection,
        "names": names,
        "query": form.query_string(),
        "breakdowns": [tables[n] for n, _ in dash.BREAKDOWNS],
    }
    template = "funding/dashboard.html#figures" if request.htmx else "funding/dashboard.html"
    return render(request, template, context)


@require_capability("pupils.view")
def pupils(request: HttpRequest) -> HttpResponse:
    """Every pupil with provision in the period against the threshold: pupil-level data."""
    form = _period_form(request)
    if request.GET and not form.is_valid():
        return render(request, "funding/pupils.html", {"form": form}, status=400)
    if not request.GET:
        form = PeriodForm({"period": form.default}, school=request.school, today=dash.today())
        form.is_valid()
    period = form.cleaned_data["resolved"]
    threshold = threshold_on(period.start)
    rows = pupil_threshold_queryset(school=request.school, period=period, threshold=threshold)
    rows = rows.filter(
        over_threshold(threshold, period) if request.GET.get("over") == "1" else Q(weighted__gt=0)
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    figures = threshold_figures(page.object_list, period=period, threshold=threshold)
    context = {"form": form, "period": period, "page": page, "figures": figures}
    return render(request, "funding/pupils.html", context | {"query": form.query_string()})


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


def _save(request, form, message: str, to: str) -> HttpResponse | None:
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        if not obj.pk and hasattr(obj, "created_by_id"):
            obj.created_by = request.user
        obj.save()
        messages.success(request, message)
        return redirect(to)
    return None


def _form_page(request, form, title: str, back: str, status_ok: int = 200) -> HttpResponse:
    status = 400 if request.method == "POST" else status_ok
    context = {"form": form, "title": title, "back": back}
    return render(request, "funding/form.html", context, status=status)


@require_capability("funding.edit")
def source_add(request: HttpRequest) -> HttpResponse:
    form = FundingSourceForm(request.POST or None, school=request.school)
    done = _save(request, form, "Funding source added.", "funding:sources")
    return done or _form_page(request, form, "Add funding", "funding:sources")


@require_capability("funding.edit")
def topup_add(request: HttpRequest) -> HttpResponse:
    form = TopUpForm(request.POST or None, school=request.school)
    done = _save(request, form, "Top-up added.", "funding:sources")
    return done or _form_page(request, form, "Add a pupil's top-up", "funding:sources")


@require_capability("funding.edit")
def source_edit(request: HttpRequest, public_id) -> HttpResponse:
    source = school_object_or_404(FundingSource, request, public_id=public_id)
    form_class = TopUpForm if source.type == FundingType.TOP_UP else FundingSourceForm
    form = form_class(request.POST or None, instance=source, school=request.school)
    done = _save(request, form, "Funding saved.", "funding:sources")
    return done or _form_page(request, form, f"Edit {source}", "funding:sources")


@require_capability("funding.edit")
def source_delete(request: HttpRequest, public_id) -> HttpResponse:
    source = school_object_or_404(FundingSource, request, public_id=public_id)
    if request.method == "POST":
        source.delete()
        messages.success(request, f"Deleted {source}.")
        return redirect("funding:sources")
    return render(request, "funding/confirm_delete.html", {"object": source})


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
    done = _save(request, form, "Top-up scheme added: now add its bands.", "funding:schemes")
    return done or _form_page(request, form, "Add your LA's top-up scheme", "funding:schemes")


@require_capability("funding.edit")
def scheme_edit(request: HttpRequest, public_id) -> HttpResponse:
    # Only the school's own schemes are editable; shared reference data is read-only.
    scheme = school_object_or_404(TopUpScheme, request, public_id=public_id)
    form = TopUpSchemeForm(request.POST or None, instance=scheme, school=request.school)
    done = _save(request, form, "Top-up scheme saved.", "funding:schemes")
    return done or _form_page(request, form, f"Edit {scheme}", "funding:schemes")


@require_capability("funding.edit")
def band_add(request: HttpRequest, public_id) -> HttpResponse:
    scheme = school_object_or_404(TopUpScheme, request, public_id=public_id)
    form = TopUpBandForm(request.POST or None, scheme=scheme)
    done = _save(request, form, "Band added.", "funding:schemes")
    return done or _form_page(request, form, f"Add a band to {scheme}", "funding:schemes")


@require_capability("funding.edit")
def band_edit(request: HttpRequest, public_id) -> HttpResponse:
    bands = TopUpBand.objects.filter(scheme__school=request.school).select_related("scheme")
    band = get_object_or_404(bands, public_id=public_id)
    form = TopUpBandForm(request.POST or None, instance=band, scheme=band.scheme)
    done = _save(request, form, "Band saved.", "funding:schemes")
    return done or _form_page(request, form, f"Edit {band.name}", "funding:schemes")
