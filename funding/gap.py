"""The gap engine: identified need against allocated funding for a school and any period.

Everything is summed in SQL (aggregate/annotate, one Subquery per relation so joins never
multiply rows) and returned unrounded; templates and exports round once with `gbp`/to_pennies.

Formulas (DOMAIN.md sections 1 and 4):
- need = Σ provision period cost = annual cost × days the assignment runs in the period / 365
  (planned, in place and ended rows alike, for the days they run; pupils who left before the
  period starts are left out).
- funding = Σ FundingSource amount × days of its period inside the target period / days of its
  period, for the statuses in COUNTED_STATUSES (confirmed, received). Expected money is
  `funding_expected`, shown beside the headline but never in it.
- gap = need − funding (positive = shortfall); covered_pct = funding / need × 100.
- per pupil: annual cost = Σ(annual cost × days running in the period) / days in the period
  (the yearly rate of the provision the pupil had in the period); school share =
  min(annual cost, threshold); excess = max(annual cost − threshold, 0). Period figures are the
  annual ones × period days / 365. Top-up = the pupil's counted top-ups pro-rated into the
  period; top-up shortfall = max(excess for the period − top-up, 0).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    CharField,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    UUIDField,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Greatest, Least

from funding.models import COUNTED_STATUSES, FundingSource, FundingType, HighNeedsThreshold
from pupils.codes import BroadArea, NeedCode, SenProvision, YearGroup
from pupils.models import ProvisionAssignment, Pupil, SenStatus, Wave
from sendfund.lib.periods import Period, academic_year, academic_year_start, term
from sendfund.lib.sql import DaysBetween, DecimalValue, overlap_days
from sendfund.schools.models import School

ZERO = Decimal("0")
YEAR_DAYS = 365  # the same divisor pupils.models.with_period_cost uses for provision
MONEY = DecimalField(max_digits=20, decimal_places=6)
# Used only when no threshold row is in force (e.g. a period before April 2013).
FALLBACK_THRESHOLD = Decimal("6000.00")


@dataclass(frozen=True)
class BreakdownRow:
    """One row of a breakdown. For funding_by_type, `need` holds the amount and pupils is 0."""

    key: str
    label: str
    need: Decimal
    pupils: int


@dataclass(frozen=True)
class Gap:
    period: Period
    need: Decimal
    funding: Decimal
    gap: Decimal
    covered_pct: Decimal | None
    funding_expected: Decimal
    by_area: list[BreakdownRow]
    by_need: list[BreakdownRow]
    by_year_group: list[BreakdownRow]
    by_sen_status: list[BreakdownRow]
    by_wave: list[BreakdownRow]
    funding_by_type: list[BreakdownRow]
    threshold: Decimal
    pupils_over_threshold: int
    over_threshold_without_topup: int
    support_over_threshold: int
    topup_shortfall: Decimal
    topup_shortfall_pupils: int
    topup_funding: Decimal
    notional_budget: Decimal
    school_share: Decimal
    pupil_count: int
    sen_pupil_count: int

    @property
    def notional_pressure(self) -> Decimal:
        """Σ school share beyond the notional SEN budget (positive = the budget is exceeded)."""
        return self.school_share - self.notional_budget


class PerGroup(ExpressionWrapper):
    """An expression over grouped columns only (a correlated subquery on the group's pupil):
    evaluated once per group in SELECT, and kept out of GROUP BY, where PostgreSQL would
    evaluate it once per input row."""

    def get_group_by_cols(self):
        return []


def threshold_on(day: dt.date) -> Decimal:
    row = HighNeedsThreshold.objects.in_force_on(day).values_list("amount", flat=True).first()
    return row if row is not None else FALLBACK_THRESHOLD


def _assignments(school: School, period: Period) -> QuerySet:
    """Provision rows running on at least one day of the period, with `period_cost`."""
    return (
        ProvisionAssignment.objects.for_school(school)
        .filter(start_date__lte=period.end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=period.start))
        .filter(Q(pupil__left_date__isnull=True) | Q(pupil__left_date__gte=period.start))
        .with_period_cost(period, school.costing_basis, year_days=YEAR_DAYS)
    )


def prorated_funding(period: Period):
    """FundingSource amount × days of its period inside `period` / days of its period."""
    overlap = overlap_days("period_start", "period_end", period.start, period.end)
    days = DaysBetween(F("period_end"), F("period_start")) + Value(1)
    return ExpressionWrapper(F("amount") * overlap / days, output_field=MONEY)


def _funding(school: School, period: Period) -> QuerySet:
    return (
        FundingSource.objects.for_school(school)
        .overlapping(period.start, period.end)
        .annotate(period_amount=prorated_funding(period))
    )


def sen_status_at(day: dt.date, pupil_ref: str):
    return Coalesce(
        Subquery(
            SenStatus.objects.filter(pupil=OuterRef(pupil_ref))
            .open_on(day)
            .order_by("-start_date")
            .values("code")[:1]
        ),
        Value(SenProvision.NO_SEN.value),
    )


def _primary_need_at(day: dt.date, pupil_ref: str):
    from pupils.models import Need

    return Subquery(
        Need.objects.filter(pupil=OuterRef(pupil_ref), rank=1)
        .open_on(day)
        .order_by("-start_date")
        .values("code")[:1]
    )


def _latest_open_ids(qs: QuerySet, day: dt.date) -> Subquery:
    """Primary keys of the rows of `qs` (a dated per-pupil history) that are each pupil's
    latest-starting row open on `day` (ties to the larger key): the rows sen_status_at and
    _primary_need_at pick. Uncorrelated, so the database evaluates it once per query."""
    open_rows = qs.open_on(day).order_by()
    later = open_rows.filter(pupil=OuterRef("pupil")).filter(
        Q(start_date__gt=OuterRef("start_date"))
        | Q(start_date=OuterRef("start_date"), pk__gt=OuterRef("pk"))
    )
    return Subquery(open_rows.filter(~Exists(later)).values("pk"))


def _with_sen_status(assignments: QuerySet, school: School, day: dt.date) -> QuerySet:
    """Annotate provision rows with their pupil's `sen_status` on `day` (as sen_status_at)
    by joining each pupil's one current status row, not by a subquery per provision row."""
    statuses = _latest_open_ids(SenStatus.objects.for_school(school), day)
    return assignments.alias(
        _status_now=FilteredRelation(
            "pupil__sen_statuses", condition=Q(pupil__sen_statuses__pk__in=statuses)
        )
    ).annotate(sen_status=Coalesce(F("_status_now__code"), Value(SenProvision.NO_SEN.value)))


def _with_primary_need(assignments: QuerySet, school: School, day: dt.date) -> QuerySet:
    """Annotate provision rows with their pupil's `primary_need` on `day` (as
    _primary_need_at) by joining each pupil's one current rank-1 need row."""
    from pupils.models import Need

    needs = _latest_open_ids(Need.objects.for_school(school).filter(rank=1), day)
    return assignments.alias(
        _need_now=FilteredRelation("pupil__needs", condition=Q(pupil__needs__pk__in=needs))
    ).annotate(primary_need=F("_need_now__code"))


@dataclass(frozen=True)
class PupilThreshold:
    """One pupil against the threshold: yearly figures, then figures for the period."""

    pupil: int
    public_id: object
    forename: str
    surname: str
    year_group: str
    sen_status: str
    annual_cost: Decimal
    school_share: Decimal
    excess: Decimal
    share_in_period: Decimal
    excess_in_period: Decimal
    topup: Decimal
    shortfall: Decimal

    @property
    def full_name(self) -> str:
        return f"{self.forename} {self.surname}"


def _pupil_groups(school: School, period: Period):
    """Provision grouped by pupil in one pass: pupil fields, `weighted` (Σ annual cost x days
    running in the period), `topup` (counted top-ups pro-rated into the period), `sen_status`
    at the period's end.

    Each further reference to the sum would re-run the hourly-rate lookup for every provision
    row (PostgreSQL does not share sub-plans), so derived figures are left to
    `threshold_figures` (per row) and to compute_gap's aggregate (over these columns)."""
    topup = (
        _funding(school, period)
        .counted()
        .top_ups()
        .filter(pupil=OuterRef("pupil"))
        .values("pupil")
        .annotate(total=Sum("period_amount", output_field=MONEY))
        .values("total")
    )
    zero = Value(ZERO, output_field=MONEY)
    # Grouped by the pupil alone: the pupil's own columns (one value per pupil) are taken with
    # Min, so PostgreSQL estimates one group per pupil, not one per provision row (which made
    # the per-group top-up subquery look dear enough to switch on JIT compilation).
    return (
        _with_sen_status(_assignments(school, period), school, period.end)
        .values("pupil")
        .annotate(
            pupil_public_id=Cast(
                Min(Cast("pupil__public_id", CharField())), output_field=UUIDField()
            ),
            forename=Min("pupil__forename"),
            surname=Min("pupil__surname"),
            year_group=Min("pupil__year_group"),
            weighted=Sum(F("annual_cost") * F("active_days"), output_field=MONEY),
            topup=PerGroup(Coalesce(Subquery(topup), zero), output_field=MONEY),
            sen_status=Min("sen_status"),
        )
    )


def pupil_threshold_queryset(*, school: School, period: Period, threshold: Decimal):
    """_pupil_groups plus `shortfall_key` (weighted - top-up x 365), largest shortfall first."""
    year = DecimalValue(Decimal(YEAR_DAYS), output_field=MONEY)
    return (
        _pupil_groups(school, period)
        .annotate(
            shortfall_key=ExpressionWrapper(
                F("weighted") - PerGroup(F("topup") * year, output_field=MONEY),
                output_field=MONEY,
            )
        )
        .order_by("-shortfall_key", "surname", "forename", "pupil")
    )


def over_threshold(threshold: Decimal, period: Period) -> Q:
    """Rows of pupil_threshold_queryset whose annual cost is above the threshold."""
    return Q(weighted__gt=threshold * period.days)


def with_shortfall(threshold: Decimal, period: Period) -> Q:
    """Rows of pupil_threshold_queryset whose top-up does not cover their excess."""
    return Q(shortfall_key__gt=threshold * period.days)


def threshold_figures(rows, *, period: Period, threshold: Decimal) -> list[PupilThreshold]:
    """Per-row figures for display (no sums): the same formulas as compute_gap's aggregate."""
    days, year = Decimal(period.days), Decimal(YEAR_DAYS)
    line = threshold * days
    out = []
    for row in rows:
        weighted, topup = row["weighted"], row["topup"]
        share, excess = min(weighted, line), max(weighted - line, ZERO)
        out.append(
            PupilThreshold(
                pupil=row["pupil"],
                public_id=row["pupil_public_id"],
                forename=row["forename"],
                surname=row["surname"],
                year_group=row["year_group"],
                sen_status=row["sen_status"],
                annual_cost=weighted / days,
                school_share=share / days,
                excess=excess / days,
                share_in_period=share / year,
                excess_in_period=excess / year,
                topup=topup,
                shortfall=max(weighted - topup * year - line, ZERO) / year,
            )
        )
    return out


def pupil_threshold_rows(
    *, school: School, period: Period, threshold: Decimal | None = None
) -> list[PupilThreshold]:
    """Every pupil with provision in the period against the threshold, largest shortfall
    first. Pupil-level: only for roles holding pupils.view."""
    threshold = threshold_on(period.start) if threshold is None else threshold
    rows = pupil_threshold_queryset(school=school, period=period, threshold=threshold)
    return threshold_figures(rows.filter(weighted__gt=0), period=period, threshold=threshold)


def _labelled(rows, key: str, labels: dict, none_label: str) -> list[BreakdownRow]:
    out = [
        BreakdownRow(
            key=str(row[key]) if row[key] is not None else "",
            label=labels.get(str(row[key]), str(row[key])) if row[key] is not None else none_label,
            need=row["need"],
            pupils=row["pupils"],
        )
        for row in rows
    ]
    return sorted(out, key=lambda r: (-r.need, r.label))


def _breakdown(assignments: QuerySet, key: str, labels: dict, none_label: str = "Not recorded"):
    rows = (
        assignments.values(key)
        .annotate(
            need=Sum("period_cost", default=ZERO, output_field=MONEY),
            pupils=Count("pupil", distinct=True),
        )
        .order_by(key)
    )
    return _labelled(rows, key, labels, none_label)


def compute_gap(*, school: School, period: Period) -> Gap:
    """The gap for one school and period: a constant number of queries whatever the data."""
    threshold = threshold_on(period.start)
    assignments = _assignments(school, period)
    need = assignments.aggregate(total=Sum("period_cost", default=ZERO, output_field=MONEY))[
        "total"
    ]
    keyed = assignments.annotate(
        year_group=F("pupil__year_group"), area=F("provision__area"), wave=F("provision__wave")
    )
    by_area = _breakdown(keyed, "area", dict(BroadArea.choices))
    by_need = _breakdown(
        _with_primary_need(assignments, school, period.end),
        "primary_need",
        dict(NeedCode.choices),
        "No need recorded",
    )
    by_year_group = _breakdown(keyed, "year_group", dict(YearGroup.choices))
    by_sen_status = _breakdown(
        _with_sen_status(assignments, school, period.end),
        "sen_status",
        dict(SenProvision.choices),
    )
    by_wave = _breakdown(keyed, "wave", {str(k): v for k, v in Wave.choices})

    funding_qs = _funding(school, period)
    counted = Q(status__in=COUNTED_STATUSES)
    money = funding_qs.aggregate(
        funding=Sum("period_amount", filter=counted, default=ZERO, output_field=MONEY),
        expected=Sum("period_amount", filter=~counted, default=ZERO, output_field=MONEY),
        notional=Sum(
            "period_amount",
            filter=counted & Q(type=FundingType.NOTIONAL_SEN),
            default=ZERO,
            output_field=MONEY,
        ),
        topups=Sum(
            "period_amount",
            filter=counted & Q(type=FundingType.TOP_UP),
            default=ZERO,
            output_field=MONEY,
        ),
    )
    type_rows = (
        funding_qs.filter(counted)
        .values("type")
        .annotate(need=Sum("period_amount", default=ZERO, output_field=MONEY))
        .annotate(pupils=Value(0, output_field=IntegerField()))
        .order_by("type")
    )
    funding_by_type = _labelled(type_rows, "type", dict(FundingType.choices), "Other")

    year = DecimalValue(Decimal(YEAR_DAYS), output_field=MONEY)
    zero = Value(ZERO, output_field=MONEY)
    line = Value(threshold * period.days, output_field=MONEY)  # the threshold x days
    groups = _pupil_groups(school, period)
    over = over_threshold(threshold, period)
    uncovered = ExpressionWrapper(F("weighted") - F("topup") * year, output_field=MONEY)
    per_pupil = groups.order_by().aggregate(
        over=Count("pupil", filter=over),
        over_without=Count("pupil", filter=over & Q(topup=0)),
        support_over=Count("pupil", filter=over & Q(sen_status=SenProvision.SEN_SUPPORT)),
        shortfall_total=Sum(
            ExpressionWrapper(
                Greatest(uncovered - line, zero, output_field=MONEY) / year,
                output_field=MONEY,
            ),
            default=ZERO,
            output_field=MONEY,
        ),
        shortfall_pupils=Count("pupil", filter=Q(weighted__gt=F("topup") * year + line)),
        share_total=Sum(
            ExpressionWrapper(
                Least(F("weighted"), line, output_field=MONEY) / year, output_field=MONEY
            ),
            default=ZERO,
            output_field=MONEY,
        ),
    )
    roll = (
        Pupil.objects.for_school(school)
        .on_roll(period.end)
        .annotate(sen_status=sen_status_at(period.end, "pk"))
        .aggregate(
            total=Count("pk"),
            sen=Count("pk", filter=Q(sen_status__in=(SenProvision.EHC_PLAN, "K"))),
        )
    )
    funding = money["funding"]
    return Gap(
        period=period,
        need=need,
        funding=funding,
        gap=need - funding,
        covered_pct=(funding / need * 100) if need else None,
        funding_expected=money["expected"],
        by_area=by_area,
        by_need=by_need,
        by_year_group=by_year_group,
        by_sen_status=by_sen_status,
        by_wave=by_wave,
        funding_by_type=funding_by_type,
        threshold=threshold,
        pupils_over_threshold=per_pupil["over"],
        over_threshold_without_topup=per_pupil["over_without"],
        support_over_threshold=per_pupil["support_over"],
        topup_shortfall=per_pupil["shortfall_total"],
        topup_shortfall_pupils=per_pupil["shortfall_pupils"],
        topup_funding=money["topups"],
        notional_budget=money["notional"],
        school_share=per_pupil["share_total"],
        pupil_count=roll["total"],
        sen_pupil_count=roll["sen"],
    )


def trend(*, school: School, terms: list[tuple[int, str]]) -> list[Gap]:
    """The gap term by term; terms as (academic year start, "autumn"|"spring"|"summer")."""
    return [compute_gap(school=school, period=term(year, name)) for year, name in terms]


GROWTH_FLOOR, GROWTH_CAP = Decimal("0.90"), Decimal("1.15")


@dataclass(frozen=True)
class Projection:
    period: Period
    base_need: Decimal  # provision still running on the first day of next year, for the year
    growth: Decimal  # SEN pupils now / a year ago (1 when unknown), held within the floor/cap
    need: Decimal
    funding: Decimal  # counted funding over the last 12 months, assumed flat in cash terms
    gap: Decimal
    sen_now: int
    sen_year_ago: int


def project_next_year(*, school: School, today: dt.date) -> Projection:
    """Next academic year's gap: current provision costed for the whole of next year, scaled
    by the growth of the SEN register over the last year; funding held at the level of the
    last twelve months (every budget for those days is known, unlike next year's)."""
    next_year = academic_year(academic_year_start(today) + 1)
    running = (
        ProvisionAssignment.objects.for_school(school)
        .filter(start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=next_year.start))
        .filter(Q(pupil__left_date__isnull=True) | Q(pupil__left_date__gt=today))
        .with_annual_cost(next_year.start.year, school.costing_basis)
        .aggregate(total=Sum("annual_cost", default=ZERO, output_field=MONEY))["total"]
    )
    year_ago = (
        today.replace(year=today.year - 1)
        if not (today.month == 2 and today.day == 29)
        else (today - dt.timedelta(days=365))
    )
    pupils = Pupil.objects.for_school(school)
    counts = pupils.annotate(
        status_now=sen_status_at(today, "pk"), status_before=sen_status_at(year_ago, "pk")
    ).aggregate(
        now=Count(
            "pk",
            filter=Q(status_now__in=("E", "K"))
            & (Q(left_date__isnull=True) | Q(left_date__gt=today)),
        ),
        before=Count(
            "pk",
            filter=Q(status_before__in=("E", "K"))
            & (Q(on_roll_date__isnull=True) | Q(on_roll_date__lte=year_ago))
            & (Q(left_date__isnull=True) | Q(left_date__gt=year_ago)),
        ),
    )
    growth = Decimal(counts["now"]) / Decimal(counts["before"]) if counts["before"] else Decimal(1)
    # A register imported recently has little history, and one year is a noisy trend: the
    # growth applied is held between GROWTH_FLOOR and GROWTH_CAP (national SEN prevalence grew
    # by about 4-6% a year in 2020-2025; DOMAIN.md section 6).
    growth = min(max(growth, GROWTH_FLOOR), GROWTH_CAP)
    last_twelve_months = Period(today - dt.timedelta(days=YEAR_DAYS - 1), today)
    funding = (
        _funding(school, last_twelve_months)
        .counted()
        .aggregate(total=Sum("period_amount", default=ZERO, output_field=MONEY))["total"]
    )
    need = running * growth
    return Projection(
        period=next_year,
        base_need=running,
        growth=growth,
        need=need,
        funding=funding,
        gap=need - funding,
        sen_now=counts["now"],
        sen_year_ago=counts["before"],
    )


@dataclass(frozen=True)
class Headline:
    period: Period
    need: Decimal
    funding: Decimal

    @property
    def gap(self) -> Decimal:
        return self.need - self.funding

    @property
    def covered_pct(self) -> Decimal | None:
        return self.funding / self.need * 100 if self.need else None


def headline_series(*, school: School, periods: list[Period]) -> list[Headline]:
    """Need and funding only, for many periods at once: one query per academic year touched
    (rates are per academic year) plus one for funding. Same formulas as compute_gap."""
    if not periods:
        return []
    need: dict[Period, Decimal] = {}
    by_year: dict[int, list[Period]] = {}
    for p in periods:
        by_year.setdefault(academic_year_start(p.start), []).append(p)
    for year, group in by_year.items():
        start, end = min(p.start for p in group), max(p.end for p in group)
        qs = (
            ProvisionAssignment.objects.for_school(school)
            .filter(start_date__lte=end)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
            .with_annual_cost(year, school.costing_basis)
        )
        sums = {
            f"p{i}": Sum(
                ExpressionWrapper(
                    F("annual_cost")
                    * overlap_days("start_date", "end_date", p.start, p.end)
                    / DecimalValue(Decimal(YEAR_DAYS)),
                    output_field=MONEY,
                ),
                filter=Q(pupil__left_date__isnull=True) | Q(pupil__left_date__gte=p.start),
                default=ZERO,
                output_field=MONEY,
            )
            for i, p in enumerate(group)
        }
        result = qs.aggregate(**sums)
        need.update({p: result[f"p{i}"] for i, p in enumerate(group)})
    start, end = min(p.start for p in periods), max(p.end for p in periods)
    days = DaysBetween(F("period_end"), F("period_start")) + Value(1)
    funding_sums = {
        f"p{i}": Sum(
            ExpressionWrapper(
                F("amount") * overlap_days("period_start", "period_end", p.start, p.end) / days,
                output_field=MONEY,
            ),
            default=ZERO,
            output_field=MONEY,
        )
        for i, p in enumerate(periods)
    }
    funding = (
        FundingSource.objects.for_school(school)
        .counted()
        .overlapping(start, end)
        .aggregate(**funding_sums)
    )
    return [Headline(p, need[p], funding[f"p{i}"]) for i, p in enumerate(periods)]
