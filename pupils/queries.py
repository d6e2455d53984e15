"""Read-side queries for the register, pupil page and provision map: every figure is SQL.

The per-pupil annual cost is the cost of the pupil's provision (planned, in place or ended)
pro-rated by day over the academic year containing today, on the school's costing basis.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

from django.apps import apps
from django.db.models import (
    Avg,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce

from pupils.codes import NEED_AREA, ON_REGISTER_CODES, BroadArea, year_group_order_case
from pupils.models import (
    AnnualReview,
    AssessmentRequest,
    Need,
    ProvisionAssignment,
    Pupil,
    SenStatus,
)
from pupils.plan_models import ProfessionalInvolvement, SupportPlan
from pupils.summary_models import TermNumber
from sendfund.lib.money import UNROUNDED, ZERO, format_gbp
from sendfund.lib.periods import Period, academic_year, academic_year_label, academic_year_start
from sendfund.lib.sql import CompiledList, CompiledQuery
from sendfund.schools.calendar import calendar_note
from sendfund.schools.models import School


def high_needs_threshold(school: School, on: dt.date) -> Decimal:
    """The threshold in force on a date: funding.HighNeedsThreshold.objects.amount_on, looked
    up through the app registry because funding depends on pupils, not the other way round."""
    return apps.get_model("funding", "HighNeedsThreshold").objects.amount_on(on)


def place_value(school: School, on: dt.date) -> Decimal | None:
    """What a place of the school's place-funded pupils is worth a year on a date
    (funding.PlaceValue), None for a mainstream school without a unit."""
    from funding.gap import school_place_kind

    kind = school_place_kind(school)
    if kind is None:
        return None
    return apps.get_model("funding", "PlaceValue").objects.amount_on(kind, on)


def cost_year(today: dt.date | None = None) -> Period:
    return academic_year(academic_year_start(today or dt.date.today()))


def assignments_in(school: School, period: Period) -> QuerySet:
    """Assignments running in `period` with `period_cost` and the working (school days, rate,
    rate's year): ProvisionAssignment.objects.costed, the one costing every page shares."""
    return ProvisionAssignment.objects.costed(period, school)


def summed_in(school: School, period: Period) -> QuerySet:
    """Assignments running in `period` with `period_cost` only, from the term-cost summary for
    a standard period (ProvisionAssignment.objects.summed): for totals, not the working."""
    return ProvisionAssignment.objects.summed(period, school)


def need_in(school: School, period: Period) -> Decimal:
    """Σ period_cost: the school's identified need in a period (unrounded)."""
    return summed_in(school, period).aggregate(
        total=Sum("period_cost", default=ZERO, output_field=UNROUNDED)
    )["total"]


def _per_pupil_cost(costed: QuerySet) -> Coalesce:
    """Correlated subquery over provision rows with `period_cost`: the outer pupil's total
    (0 without provision)."""
    costs = (
        costed.filter(pupil=OuterRef("pk"))
        .order_by()
        .values("pupil")
        .annotate(total=Sum("period_cost"))
        .values("total")
    )
    return Coalesce(Subquery(costs, output_field=UNROUNDED), Value(ZERO), output_field=UNROUNDED)


def pupil_cost_subquery(school: School, period: Period) -> Coalesce:
    """Correlated subquery: the pupil's provision cost over `period` (0 without provision)."""
    return _per_pupil_cost(summed_in(school, period))


# Every sort ends in the primary key: two pupils may share a name, and a page of the register
# must list the same pupils in the same order on every visit (and after a restore from backup).
SORTS = {
    "name": ("surname", "forename", "pk"),
    "-name": ("-surname", "-forename", "-pk"),
    "year": ("year_order", "surname", "forename", "pk"),
    "-year": ("-year_order", "surname", "forename", "pk"),
    "status": ("sen_status", "surname", "forename", "pk"),
    "-status": ("-sen_status", "surname", "forename", "pk"),
    "cost": ("annual_cost", "surname", "forename", "pk"),
    "-cost": ("-annual_cost", "surname", "forename", "pk"),
}


def register(school: School, *, filters: dict, today: dt.date | None = None) -> QuerySet:
    """The register with `sen_status`, `primary_need` and `annual_cost`, filtered and sorted.

    filters: status, need, area, year_group, q (name or UPN), include_left, sort.
    """
    today = today or dt.date.today()
    qs = Pupil.objects.for_school(school)
    if not filters.get("include_left"):
        qs = qs.on_roll(today)
    qs = qs.with_sen_status(today).with_primary_need(today)
    qs = qs.annotate(
        annual_cost=pupil_cost_subquery(school, cost_year(today)),
        year_order=year_group_order_case(),
    )
    if filters.get("status") == "EK":
        qs = qs.filter(sen_status__in=ON_REGISTER_CODES)
    elif filters.get("status"):
        qs = qs.filter(sen_status=filters["status"])
    if filters.get("need"):
        open_need = Need.objects.filter(pupil=OuterRef("pk"), code=filters["need"]).open_on(today)
        qs = qs.filter(Exists(open_need))
    if filters.get("area"):
        codes = [code for code, area in NEED_AREA.items() if area == filters["area"]]
        qs = qs.filter(primary_need__in=codes)
    if filters.get("year_group"):
        qs = qs.filter(year_group=filters["year_group"])
    if filters.get("q"):
        words = filters["q"].split()
        for word in words:
            qs = qs.filter(
                Q(forename__icontains=word) | Q(surname__icontains=word) | Q(upn__iexact=word)
            )
    return qs.order_by(*SORTS.get(filters.get("sort") or "name", SORTS["name"]))


def _year_terms(year: int) -> list[tuple[int, int]]:
    """The term-cost summary's terms of academic year `year` (pupils.summaries)."""
    return [(year, number) for number in TermNumber.values]


def _stored_cost(school_id, year, first_day, last_day) -> Coalesce:
    """pupil_cost_subquery for academic year `year` (first_day to last_day), reading the
    term-cost summary as it stands (pupils.summaries.ready first): it reads nothing while
    building, so it can be compiled."""
    return _per_pupil_cost(
        ProvisionAssignment.objects.filter(school_id=school_id)
        .running_in(Period(first_day, last_day))
        .with_stored_cost([school_id], _year_terms(year))
    )


def _register_pupils(school_id, today=None):
    """The unfiltered register's pupils: on roll on `today`, or with None everyone."""
    qs = Pupil.objects.filter(school_id=school_id)
    return qs if today is None else qs.on_roll(today)


def _register_rows(school_id, today, year, first_day, last_day, *, include_left, sort):
    """The unfiltered register (on roll today, or everyone), sorted: compiled once for each
    (include_left, sort), see register_list."""
    return (
        _register_pupils(school_id, None if include_left else today)
        .with_sen_status(today)
        .with_primary_need(today)
        .annotate(
            annual_cost=_stored_cost(school_id, year, first_day, last_day),
            year_order=year_group_order_case(),
        )
        .order_by(*SORTS[sort])
    )


_REGISTER_LISTS: dict[tuple[bool, str], tuple[CompiledQuery, CompiledQuery]] = {}


def register_list(school: School, *, filters: dict, today: dt.date | None = None):
    """What the register pages through: `register`'s queryset, or, when only the sort and
    "include pupils who left" are chosen (the register as first opened), the same query
    compiled once (sendfund.lib.sql.CompiledList: a count and a page, each one query)."""
    from pupils import summaries

    today = today or dt.date.today()
    year = cost_year(today)
    terms = summaries.summary_terms(year)
    chosen = {k for k, v in filters.items() if v}
    if terms is None or chosen - {"sort", "include_left"}:
        return register(school, filters=filters, today=today)
    summaries.ready([school.pk], terms)
    key = (bool(filters.get("include_left")), filters.get("sort") or "name")
    if key[1] not in SORTS:
        key = (key[0], "name")
    if key not in _REGISTER_LISTS:
        build = functools.partial(_register_rows, include_left=key[0], sort=key[1])
        _REGISTER_LISTS[key] = (
            CompiledQuery("models", build),
            CompiledQuery("count", _register_pupils),
        )
    rows, count = _REGISTER_LISTS[key]
    values = {
        "school_id": school.pk,
        "today": today,
        "year": academic_year_start(year.start),
        "first_day": year.start,
        "last_day": year.end,
    }
    counted = {"school_id": school.pk} | ({} if key[0] else {"today": today})
    return CompiledList(rows, values, count, counted)


def provision_map(school: School, year: Period) -> dict:
    """Whole-school provision map for a year, grouped by broad area and wave (three queries)."""
    base = assignments_in(school, year).order_by()
    sums = {
        "pupil_count": Count("pupil", distinct=True),
        "in_place_cost": Sum("period_cost", filter=~Q(status="planned"), default=ZERO),
        "planned_cost": Sum("period_cost", filter=Q(status="planned"), default=ZERO),
        "total_cost": Sum("period_cost", default=ZERO),
    }
    rows = list(
        base.values(
            "provision__public_id",
            "provision__name",
            "provision__area",
            "provision__wave",
            "provision__staff_role_id",
            "provision__service_annual_cost",
            "provision__resource_cost_per_pupil",
        )
        .annotate(
            assignment_count=Count("pk"),
            hourly_rate=Max("hourly_rate"),
            rate_year=Max("rate_year"),
            year_days=Max("year_days"),
            pupil_days=Sum("school_days"),
            hour_days=Sum(
                ExpressionWrapper(
                    F("hours_per_week") * F("school_days") / F("group_size"), output_field=UNROUNDED
                )
            ),
            **sums,
        )
        .order_by("provision__area", "provision__wave", "provision__name")
    )
    for row in rows:
        row["working"] = map_working(row)
    groups = list(
        base.values("provision__area", "provision__wave")
        .annotate(**sums)
        .order_by("provision__area", "provision__wave")
    )
    totals = base.aggregate(**sums)
    for group in groups:
        group["area_label"] = BroadArea(group["provision__area"]).label
        group["rows"] = [
            r
            for r in rows
            if (r["provision__area"], r["provision__wave"])
            == (group["provision__area"], group["provision__wave"])
        ]
    return {"groups": groups, "totals": totals}


def what_works(school: School, period: Period) -> list[dict]:
    """Per intervention across pupils, "what works for the money" (two queries): the pupils
    with provision in the period and its cost (the money model's period_cost, so the cost per
    pupil is Σ period_cost ÷ pupils), and per measure used on it the number of rows with both
    an entry and an exit measure and the average change (exit − entry; standardised and raw
    scores are kept apart, since they cannot be averaged together). Unrounded."""
    base = summed_in(school, period).order_by()
    costs = {
        row["provision_id"]: row
        for row in base.values("provision_id", "provision__name").annotate(
            pupils=Count("pupil", distinct=True), total_cost=Sum("period_cost", default=ZERO)
        )
    }
    measured = (
        ProvisionAssignment.objects.for_school(school)
        .running_in(period)
        .filter(measure__exit_score__isnull=False)
        .order_by()
        .values("provision_id", "measure__measure_name", "measure__standardised")
        .annotate(
            measured=Count("pk"),
            average_change=Avg(
                F("measure__exit_score") - F("measure__entry_score"), output_field=UNROUNDED
            ),
        )
    )
    out = []
    for row in measured:
        cost = costs[row["provision_id"]]
        out.append(
            {
                "provision": cost["provision__name"],
                "measure": row["measure__measure_name"],
                "standardised": row["measure__standardised"],
                "measured": row["measured"],
                "average_change": row["average_change"],
                "pupils": cost["pupils"],
                "total_cost": cost["total_cost"],
                "cost_per_pupil": cost["total_cost"] / cost["pupils"],
            }
        )
    return sorted(out, key=lambda r: (r["provision"], r["measure"], r["standardised"]))


def working(row) -> str:
    """How a costed row's period_cost was reached, in words and figures, for a period inside
    one academic year: rate × hours ÷ 5 × school days ÷ group (+ annual amounts ÷ school days
    in the year × school days). Display only: the figure itself comes from SQL."""
    provision = row.provision
    days = row.school_days
    parts = []
    if provision.staff_role_id:
        if row.rate_year is None:
            parts.append("no hourly rate entered yet: £0.00")
        else:
            parts.append(
                f"{format_gbp(row.hourly_rate)} ({academic_year_label(row.rate_year)} rate)"
                f" × {row.hours_per_week.normalize():f} h ÷ 5 × {days} school days"
                f" ÷ {row.group_size}"
            )
    elif provision.service_annual_cost:
        parts.append(
            f"{format_gbp(provision.service_annual_cost)} a year ÷ {row.year_days} school days"
            f" × {days}"
        )
    if provision.resource_cost_per_pupil:
        parts.append(
            f"{format_gbp(provision.resource_cost_per_pupil)} resources a year"
            f" ÷ {row.year_days} × {days}"
        )
    return " + ".join(parts) + f" = {format_gbp(row.period_cost)}"


def map_working(row: dict) -> str:
    """The working of a provision map row (every pupil with that provision in the year):
    rate × Σ(hours × school days ÷ group) ÷ 5, plus annual amounts ÷ school days in the year
    × Σ pupils' school days. Display only: the figure itself comes from SQL."""
    parts = []
    if row["provision__staff_role_id"]:
        if row["rate_year"] is None:
            parts.append("no hourly rate entered yet")
        else:
            parts.append(
                f"{format_gbp(row['hourly_rate'])} ({academic_year_label(row['rate_year'])} rate)"
                " × Σ(hours × school days ÷ group) "
                f"{row['hour_days'].quantize(Decimal('0.01')).normalize():f} ÷ 5"
            )
    elif row["provision__service_annual_cost"]:
        parts.append(
            f"{format_gbp(row['provision__service_annual_cost'])} a year ÷ {row['year_days']}"
            f" school days × {row['pupil_days']} pupil school days"
        )
    if row["provision__resource_cost_per_pupil"]:
        parts.append(
            f"{format_gbp(row['provision__resource_cost_per_pupil'])} resources a year"
            f" ÷ {row['year_days']} × {row['pupil_days']}"
        )
    return " + ".join(parts) + f" = {format_gbp(row['total_cost'])}"


# The pupil page's queries, each compiled once per process (sendfund.lib.sql.CompiledQuery):
# the page's Python time was mostly the ORM building them again on every request.
def _year_provision(school_id, pupil_id, year, first_day, last_day):
    """The pupil's provision running in academic year `year` (first_day to last_day), newest
    first: each row's cost and school days in the year from the term-cost summary (which the
    write that changes them keeps right, pupils.summaries), the rate and the year's school
    days its working shows, and `total`, the year's total, in one query."""
    from sendfund.schools.models import CalendarYear

    year_days = CalendarYear.objects.filter(
        school_id=OuterRef("school_id"), academic_year=year
    ).values("school_days")[:1]
    return (
        ProvisionAssignment.objects.filter(school_id=school_id, pupil_id=pupil_id)
        .running_in(Period(first_day, last_day))
        .with_stored_cost([school_id], _year_terms(year))
        .with_rate(year)
        .annotate(
            year_days=Subquery(year_days),
            total=Window(Sum("period_cost"), output_field=UNROUNDED),
        )
        .select_related("provision", "provision__staff_role", "measure")
        .order_by("-start_date", "pk")
    )


_YEAR_PROVISION = CompiledQuery("models", _year_provision)
_PAST_PROVISION = CompiledQuery(
    "models",
    lambda school_id, pupil_id, first_day: ProvisionAssignment.objects.filter(
        school_id=school_id, pupil_id=pupil_id, end_date__lt=first_day
    ).select_related("provision"),
)


def _of_pupil(model):
    """A CompiledQuery of the pupil's rows of `model`, in its default order."""
    return CompiledQuery(
        "models",
        lambda school_id, pupil_id: model.objects.filter(school_id=school_id, pupil_id=pupil_id),
    )


_STATUSES, _NEEDS, _ASSESSMENTS, _REVIEWS, _PROFESSIONALS = (
    _of_pupil(model)
    for model in (SenStatus, Need, AssessmentRequest, AnnualReview, ProfessionalInvolvement)
)
_PLANS = CompiledQuery(
    "models",
    lambda school_id, pupil_id: SupportPlan.objects.filter(
        school_id=school_id, pupil_id=pupil_id
    ).prefetch_related("outcomes", "provision__provision"),
)
_REQUEST_PACKS = CompiledQuery(
    "models",
    lambda school_id, pupil_id: apps.get_model("advocacy", "RequestPack").objects.filter(
        school_id=school_id, pupil_id=pupil_id
    ),
)


def pupil_page(school: School, pupil: Pupil, today: dt.date) -> dict:
    """The pupil page's provision rows and cost against the threshold (constant queries)."""
    from pupils import summaries

    year = cost_year(today)
    start_year = academic_year_start(year.start)
    summaries.ready([school.pk], summaries.standard_terms(year) or [])
    ids = {"school_id": school.pk, "pupil_id": pupil.pk}
    rows = _YEAR_PROVISION.run(**ids, year=start_year, first_day=year.start, last_day=year.end)
    for row in rows:
        row.working = working(row)
        # The row's intervention measure, or None (the template's {% if a.measure %} would
        # raise and catch RelatedObjectDoesNotExist for every row without one).
        row.measure_taken = getattr(row, "measure", None)
    total = rows[0].total if rows else ZERO
    # The pupil's line for the year as the gap engine draws it (funding.gap.lines_for; a
    # whole year is the annual figure itself): the threshold the school meets from its
    # notional SEN budget, or for a special-school, AP or unit pupil the value of their place
    # (docs/domain.md section 4). Imported here: funding depends on pupils, not the reverse.
    from funding.gap import is_place_pupil, lines_for

    lines = lines_for(school, year)
    place = is_place_pupil(school, pupil)
    threshold = lines.place_value if place else lines.threshold
    line = lines.place_line if place else lines.threshold_line
    return {
        "place": place,
        "place_kind": lines.place_kind if place else None,
        "year": year,
        "calendar": calendar_note(school, year),
        "assignments": rows,
        "past_assignments": _PAST_PROVISION.run(**ids, first_day=year.start),
        "total": total,
        "threshold": threshold,
        "over_threshold": total > line,
        "excess": max(total - line, ZERO),
        "headroom": max(line - total, ZERO),
        "statuses": _STATUSES.run(**ids),
        "needs": _NEEDS.run(**ids),
        "assessments": _ASSESSMENTS.run(**ids),
        "reviews": _REVIEWS.run(**ids),
        "plans": _PLANS.run(**ids),
        "professionals": _PROFESSIONALS.run(**ids),
        "request_packs": _REQUEST_PACKS.page(0, 3, **ids),
    }


def support_plans(school: School, pupil: Pupil) -> QuerySet:
    """The pupil's APDR cycles, newest first, with outcomes and linked provision (3 queries)."""
    return (
        SupportPlan.objects.for_school(school)
        .filter(pupil=pupil)
        .prefetch_related("outcomes", "provision__provision")
    )
