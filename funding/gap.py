"""The gap engine: identified need against allocated funding for a school and any period.

Everything is summed in SQL (aggregate/annotate, one Subquery per relation so joins never
multiply rows) and returned unrounded; templates and exports round once with `gbp`/to_pennies.

Formulas (docs/domain.md section 4):
- need = Σ provision period cost: each provision row costed over the school days it is
  delivered in the period to a pupil on roll (ProvisionAssignment.objects.costed: rate x hours
  a week / 5 / group size per school day, at each academic year's rate; bought-in services and
  resources spread over the school days of their academic year).
- funding = Σ FundingSource amount / days of its own dates x its days inside the period
  (calendar days: funding is not tied to school days), for the statuses in COUNTED_STATUSES
  (confirmed, received). Expected money is `funding_expected`, shown but never counted.
- gap = need − funding (positive = shortfall); covered_pct = funding / need × 100.
- per pupil: cost = the pupil's need in the period; line = `pupil_line`: for a mainstream
  pupil outside a unit the threshold for the period (`threshold_line`: the annual threshold
  pro-rated by school days), for a pupil of a special school or AP, or a unit pupil of a
  mainstream school with resourced provision or an SEN unit, the place value pro-rated the same
  way (docs/domain.md section 4); share = min(cost, line) (the school share from the notional
  SEN budget, or what place funding meets); excess = max(cost − line, 0); top-up = the pupil's
  counted top-ups in the period; top-up shortfall = max(excess − top-up, 0), which for a place
  pupil is cost − place − top-up. The school share and notional budget pressure count only
  mainstream pupils outside a unit.
Every day-accrued figure (need, funding, gap) over the three terms of an academic year adds up
exactly to the year, and summer + autumn + spring to a maintained school's financial year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.postgres.aggregates import BoolOr
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    UUIDField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, Least

from funding.models import (
    COUNTED_STATUSES,
    FALLBACK_THRESHOLD,
    FundingSource,
    FundingType,
    HighNeedsThreshold,
    PlaceKind,
    PlaceValue,
)
from pupils.codes import ON_REGISTER_CODES, BroadArea, NeedCode, SenProvision, YearGroup
from pupils.models import ProvisionAssignment, Pupil, Wave
from pupils.summaries import summary_terms
from sendfund.lib.dates import add_months
from sendfund.lib.money import UNROUNDED, ZERO
from sendfund.lib.periods import Period, academic_year, academic_year_start, term
from sendfund.lib.sql import CompiledQuery
from sendfund.schools.calendar import calendar_note, prorate_by_school_days
from sendfund.schools.models import School


@dataclass(frozen=True)
class BreakdownRow:
    """One row of a breakdown. For funding_by_type, `need` holds the amount and `pupils` the
    distinct pupils the money is tied to."""

    key: str
    label: str
    need: Decimal
    pupils: int
    # Funding rows: whether some of the money is not tied to a pupil (a school-level budget);
    # money tied only to 1-4 pupils is withheld from governors (sendfund.lib.disclosure).
    school_level: bool = True


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
    threshold: Decimal  # the annual threshold in force at the period's start
    threshold_line: Decimal  # the threshold pro-rated to the period by school days
    pupils_over_threshold: int
    over_threshold_without_topup: int
    support_over_threshold: int
    topup_shortfall: Decimal
    topup_shortfall_pupils: int
    topup_funding: Decimal
    notional_budget: Decimal
    school_share: Decimal  # Σ min(cost, line) over mainstream pupils outside a unit only
    pupil_count: int
    sen_pupil_count: int
    calendar: str  # which calendar the need was costed with, in words
    lines: Lines  # the per-pupil lines: threshold, and place value for place-funded pupils
    place_pupils: int  # pupils with provision in the period funded by place + top-up
    place_share: Decimal  # Σ min(cost, place line) over them: what place funding meets
    place_funding: Decimal  # counted place funding in the period
    # Who the money figures describe (for small-number suppression, sendfund.lib.disclosure).
    need_pupils: int = 0  # distinct pupils with provision costed in the period
    funded_pupils: int = 0  # distinct pupils named on counted funding
    funding_school_level: bool = True  # some counted funding is not tied to a pupil
    topup_pupils: int = 0  # distinct pupils with a counted top-up
    topup_school_level: bool = False  # some counted top-up is not tied to a pupil
    expected_pupils: int = 0
    expected_school_level: bool = True

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


_THRESHOLD_ON = CompiledQuery(
    "rows", lambda day: HighNeedsThreshold.objects.in_force_on(day).values("amount")[:1]
)


def threshold_on(day: dt.date) -> Decimal:
    """The annual high-needs threshold in force on a day: HighNeedsThreshold.amount_on, its
    query compiled once (sendfund.lib.sql.CompiledQuery)."""
    rows = _THRESHOLD_ON.run(day=day)
    return rows[0]["amount"] if rows else FALLBACK_THRESHOLD


def threshold_line(school: School, period: Period, threshold: Decimal) -> Decimal:
    """The per-pupil threshold for a period: the annual threshold pro-rated by the school's
    school days (Σ over the academic years Y the period touches of threshold ÷ school days in
    Y × school days of the period in Y; sendfund.schools.calendar.prorate_by_school_days).

    A whole academic year is the threshold itself. Provision accrues by the same school days,
    so a pupil whose provision runs all year is above the line in a term exactly when they are
    above it for the year, and the lines of the three terms add up to the year's."""
    return prorate_by_school_days(threshold, school, period)


@dataclass(frozen=True)
class Lines:
    """What each pupil's cost is measured against in a period (docs/domain.md section 4).

    Mainstream pupils outside a unit: the high-needs threshold (the school share, met from the
    notional SEN budget). Every pupil of a special school or AP (`everyone_placed`), and the
    unit pupils of a mainstream school with resourced provision or an SEN unit: the value of
    their place (met from place funding). Annual figures are those in force on the period's
    first day; the lines are them pro-rated by the school's school days."""

    threshold: Decimal
    threshold_line: Decimal
    place_kind: str | None  # PlaceKind of the school's place pupils; None: it has none
    place_value: Decimal | None
    place_line: Decimal | None
    everyone_placed: bool

    @property
    def has_place_pupils(self) -> bool:
        return self.place_kind is not None


def school_place_kind(school: School) -> str | None:
    """Which kind of place the school's place-funded pupils hold, if any."""
    if school.type in School.SPECIAL_TYPES:
        return PlaceKind.SPECIAL
    if school.type in School.AP_TYPES:
        return PlaceKind.AP
    if school.has_unit:
        return PlaceKind.UNIT
    return None


def lines_for(school: School, period: Period, threshold: Decimal | None = None) -> Lines:
    """The threshold and place lines for a school and period (two or three queries)."""
    threshold = threshold_on(period.start) if threshold is None else threshold
    kind = school_place_kind(school)
    value = PlaceValue.objects.amount_on(kind, period.start) if kind else None
    return Lines(
        threshold=threshold,
        threshold_line=threshold_line(school, period, threshold),
        place_kind=kind,
        place_value=value,
        place_line=prorate_by_school_days(value, school, period) if kind else None,
        everyone_placed=school.place_funded,
    )


def _assignments(school: School, period: Period) -> QuerySet:
    """Provision rows running in the period, with `period_cost` (from the term-cost summary
    for a standard period, pupils.summary_models)."""
    return ProvisionAssignment.objects.summed(period, school)


def _funding(school: School, period: Period) -> QuerySet:
    return FundingSource.objects.for_school(school).in_period(period)


@dataclass(frozen=True)
class PupilThreshold:
    """One pupil against the threshold, all for the period: the cost of their provision, the
    threshold pro-rated to the period (the line), the school share and excess, and top-up."""

    pupil: int
    public_id: object
    forename: str
    surname: str
    year_group: str
    sen_status: str
    cost: Decimal
    line: Decimal
    school_share: Decimal
    excess: Decimal
    topup: Decimal
    shortfall: Decimal
    place: bool = False  # funded by place + top-up (special school, AP or unit pupil)

    @property
    def full_name(self) -> str:
        return f"{self.forename} {self.surname}"


def is_place_pupil(school: School, pupil) -> bool:
    """The Python twin of pupil_place for one pupil (the pupil page): funded by place +
    top-up when the school is a special school or AP, or it has a unit and the pupil is in it."""
    return school.place_funded or (school.has_unit and pupil.in_unit)


def pupil_place(lines: Lines):
    """Whether the pupil is funded by place + top-up, as a per-group expression: every pupil
    of a special school or AP, a mainstream school's unit pupils, nobody elsewhere."""
    if lines.everyone_placed or not lines.has_place_pupils:
        value = Value(lines.everyone_placed, output_field=BooleanField())
        return PerGroup(value, output_field=BooleanField())
    return BoolOr("pupil__in_unit")


def pupil_line(lines: Lines):
    """The line each pupil's cost is measured against, as a per-group expression: the place
    line for place-funded pupils, the threshold line for everyone else (docs/domain.md
    section 4). Over, share, excess and shortfall all follow it."""
    threshold = Value(lines.threshold_line, output_field=UNROUNDED)
    if not lines.has_place_pupils:
        return PerGroup(threshold, output_field=UNROUNDED)
    place = Value(lines.place_line, output_field=UNROUNDED)
    if lines.everyone_placed:
        return PerGroup(place, output_field=UNROUNDED)
    return Case(
        When(BoolOr("pupil__in_unit"), then=place), default=threshold, output_field=UNROUNDED
    )


def _pupil_groups(school: School, period: Period, lines: Lines):
    """Provision grouped by pupil in one pass: pupil fields, `cost` (Σ period cost), `line`
    (pupil_line), `place` (pupil_place), `topup` (counted top-ups in the period), `sen_status`
    at the period's end.

    Derived figures (share, excess, shortfall) are left to `threshold_figures` (per row) and
    to compute_gap's aggregate over these columns, so the costing runs once per row."""
    topup = (
        _funding(school, period)
        .counted()
        .top_ups()
        .filter(pupil=OuterRef("pupil"))
        .values("pupil")
        .annotate(total=Sum("period_amount", output_field=UNROUNDED))
        .values("total")
    )
    zero = Value(ZERO, output_field=UNROUNDED)
    # Grouped by the pupil alone: the pupil's own columns (one value per pupil) are taken with
    # Min, so PostgreSQL estimates one group per pupil, not one per provision row (which made
    # the per-group top-up subquery look dear enough to switch on JIT compilation).
    return (
        _assignments(school, period)
        .with_sen_status(school, period.end)
        .values("pupil")
        .annotate(
            pupil_public_id=Cast(
                Min(Cast("pupil__public_id", CharField())), output_field=UUIDField()
            ),
            forename=Min("pupil__forename"),
            surname=Min("pupil__surname"),
            year_group=Min("pupil__year_group"),
            cost=Sum("period_cost", output_field=UNROUNDED),
            line=pupil_line(lines),
            place=pupil_place(lines),
            topup=PerGroup(Coalesce(Subquery(topup), zero), output_field=UNROUNDED),
            sen_status=Min("sen_status"),
        )
    )


def stored_pupil_summary(*, school: School, period: Period, threshold: Decimal) -> int | None:
    """The id of the stored summary holding a standard period's pupil rows for `threshold`,
    the period built and stored first when it is not (None for a custom range, or when the
    school's lock kept it from being stored)."""
    if summary_terms(period) is None:
        return None
    from funding import gap_store

    summary_id = gap_store.pupil_summary_id(school, period, threshold)
    if summary_id is None:
        compute_gap(school=school, period=period)  # builds and stores the period
        summary_id = gap_store.pupil_summary_id(school, period, threshold)
    return summary_id


def pupil_threshold_queryset(*, school: School, period: Period, threshold: Decimal):
    """_pupil_groups plus `shortfall_key` (cost − top-up − line), largest shortfall first. A
    standard period reads the rows stored with its school-period summary (funding.gap_store)."""
    summary_id = stored_pupil_summary(school=school, period=period, threshold=threshold)
    if summary_id is not None:
        from funding import gap_store

        return gap_store.stored_pupil_rows(summary_id)
    lines = lines_for(school, period, threshold)
    return (
        _pupil_groups(school, period, lines)
        .annotate(
            shortfall_key=ExpressionWrapper(
                F("cost") - F("topup") - F("line"), output_field=UNROUNDED
            )
        )
        .order_by("-shortfall_key", "surname", "forename", "pupil")
    )


def pupil_threshold_list(*, school: School, period: Period, threshold: Decimal, only_over: bool):
    """pupil_threshold_queryset's rows with provision in the period (or only those above
    their line), to page through: for a standard period its stored rows through a compiled
    count and page (funding.gap_store.pupil_list)."""
    from funding import gap_store

    summary_id = stored_pupil_summary(school=school, period=period, threshold=threshold)
    if summary_id is not None:
        return gap_store.pupil_list(summary_id, only_over=only_over)
    rows = pupil_threshold_queryset(school=school, period=period, threshold=threshold)
    return rows.filter(OVER_THRESHOLD if only_over else Q(cost__gt=0))


OVER_THRESHOLD = Q(cost__gt=F("line"))
"""Rows of pupil_threshold_queryset whose cost in the period is above their line."""

WITH_SHORTFALL = Q(shortfall_key__gt=0)
"""Rows of pupil_threshold_queryset whose top-up does not cover their excess."""


def threshold_figures(rows) -> list[PupilThreshold]:
    """Per-row figures for display (no sums): the same formulas as compute_gap's aggregate."""
    out = []
    for row in rows:
        cost, line, topup = row["cost"], row["line"], row["topup"]
        excess = max(cost - line, ZERO)
        out.append(
            PupilThreshold(
                pupil=row["pupil"],
                public_id=row["pupil_public_id"],
                forename=row["forename"],
                surname=row["surname"],
                year_group=row["year_group"],
                sen_status=row["sen_status"],
                cost=cost,
                line=line,
                school_share=min(cost, line),
                excess=excess,
                topup=topup,
                shortfall=max(excess - topup, ZERO),
                place=row["place"],
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
    return threshold_figures(rows.filter(cost__gt=0))


def _labelled(rows, key: str, labels: dict, none_label: str) -> list[BreakdownRow]:
    out = [
        BreakdownRow(
            key=str(row[key]) if row[key] is not None else "",
            label=labels.get(str(row[key]), str(row[key])) if row[key] is not None else none_label,
            need=row["need"],
            pupils=row["pupils"],
            school_level=bool(row.get("school_sources", 1)),
        )
        for row in rows
    ]
    return sorted(out, key=lambda r: (-r.need, r.label))


BREAKDOWN_KEYS = ("area", "year_group", "wave", "sen_status", "primary_need")


def _need_by_key(school: School, period: Period) -> tuple[dict, dict[str, list[dict]]]:
    """The period's need (Σ period cost) and distinct pupils with provision, in total and by
    each of BREAKDOWN_KEYS (the pupil's status and primary need at the period's end), from
    one pass over the provision rows: GROUP BY GROUPING SETS, one set per breakdown. Gives
    what a SUM and COUNT(DISTINCT pupil) per breakdown would, each row once per set."""
    rows = (
        _assignments(school, period)
        .with_sen_status(school, period.end)
        .with_primary_need(school, period.end)
        .annotate(
            year_group=F("pupil__year_group"), area=F("provision__area"), wave=F("provision__wave")
        )
        .order_by()
        .values_list(*BREAKDOWN_KEYS, "pupil", "period_cost")
    )
    sql, params = rows.query.sql_with_params()
    keys = ", ".join(BREAKDOWN_KEYS)
    grouping = ", ".join(f"GROUPING({k})" for k in BREAKDOWN_KEYS)
    sets = ", ".join(f"({k})" for k in BREAKDOWN_KEYS)
    query = (
        f"SELECT {grouping}, {keys}, COALESCE(SUM(period_cost), %s), COUNT(DISTINCT pupil)"  # noqa: S608
        f" FROM ({sql}) AS s({keys}, pupil, period_cost) GROUP BY GROUPING SETS ((), {sets})"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [ZERO, *params])
        fetched = cursor.fetchall()
    count = len(BREAKDOWN_KEYS)
    totals = {"need": ZERO, "pupils": 0}
    grouped: dict[str, list[dict]] = {k: [] for k in BREAKDOWN_KEYS}
    for row in fetched:
        rolled_up, values, need, pupils = row[:count], row[count : 2 * count], *row[2 * count :]
        by = [k for k, up in zip(BREAKDOWN_KEYS, rolled_up, strict=True) if not up]
        if not by:
            totals = {"need": need, "pupils": pupils}
            continue
        (key,) = by
        grouped[key].append(
            {key: values[BREAKDOWN_KEYS.index(key)], "need": need, "pupils": pupils}
        )
    return totals, grouped


def compute_gap(*, school: School, period: Period) -> Gap:
    """The gap for one school and period. A standard period (whole reporting terms) is read
    from the school-period summary, built on first read from the term-cost summary
    (funding.gap_store); a custom range is computed from the detail. Either way a constant
    number of queries whatever the data."""
    if summary_terms(period) is None:
        return _compute_gap(school=school, period=period)
    from funding import gap_store

    return gap_store.gap(school, period, gap_compute(school, period))


def gap_compute(school: School, period: Period):
    """What compute_gap builds a standard period's summary with (funding.gap_store): the
    reader and a write's settle (pupils.summaries.settle) store the same figures."""
    return lambda pupils_into=None: _compute_gap(
        school=school, period=period, pupils_into=pupils_into
    )


def _compute_gap(*, school: School, period: Period, pupils_into: int | None = None) -> Gap:
    """The gap engine itself, over the provision rows' period costs (`_assignments`). With
    `pupils_into` (a stored summary's id, funding.gap_store.build) each pupil's threshold row
    is written under it and the per-pupil figures are aggregated from those rows."""
    threshold = threshold_on(period.start)
    totals, grouped = _need_by_key(school, period)
    need = totals["need"]
    by_area = _labelled(grouped["area"], "area", dict(BroadArea.choices), "Not recorded")
    by_need = _labelled(
        grouped["primary_need"], "primary_need", dict(NeedCode.choices), "No need recorded"
    )
    by_year_group = _labelled(
        grouped["year_group"], "year_group", dict(YearGroup.choices), "Not recorded"
    )
    by_sen_status = _labelled(
        grouped["sen_status"], "sen_status", dict(SenProvision.choices), "Not recorded"
    )
    by_wave = _labelled(
        grouped["wave"], "wave", {str(k): v for k, v in Wave.choices}, "Not recorded"
    )

    funding_qs = _funding(school, period)
    counted = Q(status__in=COUNTED_STATUSES)
    money = funding_qs.aggregate(
        funding=Sum("period_amount", filter=counted, default=ZERO, output_field=UNROUNDED),
        expected=Sum("period_amount", filter=~counted, default=ZERO, output_field=UNROUNDED),
        notional=Sum(
            "period_amount",
            filter=counted & Q(type=FundingType.NOTIONAL_SEN),
            default=ZERO,
            output_field=UNROUNDED,
        ),
        topups=Sum(
            "period_amount",
            filter=counted & Q(type=FundingType.TOP_UP),
            default=ZERO,
            output_field=UNROUNDED,
        ),
        places=Sum(
            "period_amount",
            filter=counted & Q(type=FundingType.PLACE),
            default=ZERO,
            output_field=UNROUNDED,
        ),
        funded_pupils=Count("pupil", filter=counted, distinct=True),
        funded_school=Count("pk", filter=counted & Q(pupil__isnull=True)),
        topup_pupils=Count("pupil", filter=counted & Q(type=FundingType.TOP_UP), distinct=True),
        topup_school=Count(
            "pk", filter=counted & Q(type=FundingType.TOP_UP) & Q(pupil__isnull=True)
        ),
        expected_pupils=Count("pupil", filter=~counted, distinct=True),
        expected_school=Count("pk", filter=~counted & Q(pupil__isnull=True)),
    )
    type_rows = (
        funding_qs.filter(counted)
        .values("type")
        .annotate(need=Sum("period_amount", default=ZERO, output_field=UNROUNDED))
        .annotate(
            pupils=Count("pupil", distinct=True),
            school_sources=Count("pk", filter=Q(pupil__isnull=True)),
        )
        .order_by("type")
    )
    funding_by_type = _labelled(type_rows, "type", dict(FundingType.choices), "Other")

    zero = Value(ZERO, output_field=UNROUNDED)
    lines = lines_for(school, period, threshold)
    groups = _pupil_groups(school, period, lines)
    if pupils_into is not None:
        from funding import gap_store

        groups = gap_store.store_pupil_rows(pupils_into, groups)
    over = OVER_THRESHOLD
    share = Least(F("cost"), F("line"), output_field=UNROUNDED)
    uncovered = ExpressionWrapper(F("cost") - F("topup") - F("line"), output_field=UNROUNDED)
    per_pupil = groups.order_by().aggregate(
        over=Count("pupil", filter=over),
        over_without=Count("pupil", filter=over & Q(topup=0)),
        support_over=Count("pupil", filter=over & Q(sen_status=SenProvision.SEN_SUPPORT)),
        shortfall_total=Sum(
            Greatest(uncovered, zero, output_field=UNROUNDED), default=ZERO, output_field=UNROUNDED
        ),
        shortfall_pupils=Count("pupil", filter=Q(cost__gt=F("topup") + F("line"))),
        # The notional SEN budget meets the school share of mainstream pupils outside a unit
        # only; place funding meets the rest's (docs/domain.md section 4).
        share_total=Sum(share, filter=Q(place=False), default=ZERO, output_field=UNROUNDED),
        place_share=Sum(share, filter=Q(place=True), default=ZERO, output_field=UNROUNDED),
        place_pupils=Count("pupil", filter=Q(place=True, cost__gt=0)),
    )
    roll = (
        Pupil.objects.for_school(school)
        .on_roll(period.end)
        .with_sen_status(period.end)
        .aggregate(
            total=Count("pk"),
            sen=Count("pk", filter=Q(sen_status__in=ON_REGISTER_CODES)),
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
        threshold_line=lines.threshold_line,
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
        calendar=calendar_note(school, period),
        lines=lines,
        place_pupils=per_pupil["place_pupils"],
        place_share=per_pupil["place_share"],
        place_funding=money["places"],
        need_pupils=totals["pupils"],
        funded_pupils=money["funded_pupils"],
        funding_school_level=bool(money["funded_school"]),
        topup_pupils=money["topup_pupils"],
        topup_school_level=bool(money["topup_school"]),
        expected_pupils=money["expected_pupils"],
        expected_school_level=bool(money["expected_school"]),
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
    """Next year's gap (`_project_next_year`), stored per school and day in the school-period
    summary (funding.gap_store) unless reads are costed from the detail."""
    if summary_terms(academic_year(academic_year_start(today) + 1)) is None:
        return _project_next_year(school=school, today=today)
    from funding import gap_store

    return gap_store.projection(
        school, today, lambda: _project_next_year(school=school, today=today)
    )


def _project_next_year(*, school: School, today: dt.date) -> Projection:
    """Next academic year's gap: current provision costed over next year's school days (to its
    end date, if it has one), scaled
    by the growth of the SEN register over the last year; funding held at the level of the
    last twelve months (every budget for those days is known, unlike next year's)."""
    next_year = academic_year(academic_year_start(today) + 1)
    running = (
        ProvisionAssignment.objects.summed(next_year, school)
        .filter(start_date__lte=today)
        .filter(Q(pupil__left_date__isnull=True) | Q(pupil__left_date__gt=today))
        .aggregate(total=Sum("period_cost", default=ZERO, output_field=UNROUNDED))["total"]
    )
    year_ago = add_months(today, -12)  # 29 February goes back to 28 February
    pupils = Pupil.objects.for_school(school)
    counts = (
        pupils.with_sen_status(today, name="status_now")
        .with_sen_status(year_ago, name="status_before")
        .aggregate(
            now=Count(
                "pk",
                filter=Q(status_now__in=ON_REGISTER_CODES)
                & (Q(left_date__isnull=True) | Q(left_date__gt=today)),
            ),
            before=Count(
                "pk",
                filter=Q(status_before__in=ON_REGISTER_CODES)
                & (Q(on_roll_date__isnull=True) | Q(on_roll_date__lte=year_ago))
                & (Q(left_date__isnull=True) | Q(left_date__gt=year_ago)),
            ),
        )
    )
    growth = Decimal(counts["now"]) / Decimal(counts["before"]) if counts["before"] else Decimal(1)
    # A register imported recently has little history, and one year is a noisy trend: the
    # growth applied is held between GROWTH_FLOOR and GROWTH_CAP (national SEN prevalence grew
    # by about 4-6% a year in 2020-2025; docs/domain.md section 6).
    growth = min(max(growth, GROWTH_FLOOR), GROWTH_CAP)
    last_twelve_months = Period(year_ago + dt.timedelta(days=1), today)
    funding = (
        _funding(school, last_twelve_months)
        .counted()
        .aggregate(total=Sum("period_amount", default=ZERO, output_field=UNROUNDED))["total"]
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


def headline_series(*, school: School, periods: list[Period], build: bool = True) -> list[Headline]:
    """Need and funding only, for many periods. Standard periods stored in the school-period
    summary are read from it (one query); with `build`, the others are built and stored there
    (the dashboard's trend), without it they are computed as need and funding only: one
    costing query per period plus one for all the funding (the home panel). The same methods
    as compute_gap, so the figures agree to the penny."""
    if not periods:
        return []
    found: dict = {}
    if all(summary_terms(p) is not None for p in periods):
        from funding import gap_store

        found = gap_store.stored_headlines(school, periods)  # {period: (need, funding)}
        if build:
            for p in periods:
                if p not in found:
                    g = compute_gap(school=school, period=p)
                    found[p] = (g.need, g.funding)
            return [Headline(p, *found[p]) for p in periods]
    rest = [p for p in periods if p not in found]
    if not rest:
        return [Headline(p, *found[p]) for p in periods]
    need = {
        p: _assignments(school, p).aggregate(
            total=Sum("period_cost", default=ZERO, output_field=UNROUNDED)
        )["total"]
        for p in rest
    }
    start, end = min(p.start for p in rest), max(p.end for p in rest)
    funding = (
        FundingSource.objects.for_school(school)
        .counted()
        .overlapping(start, end)
        .aggregate(
            **{
                f"p{i}": Sum(FundingSource.amount_in(p), default=ZERO, output_field=UNROUNDED)
                for i, p in enumerate(rest)
            }
        )
    )
    out = {p: Headline(p, need[p], funding[f"p{i}"]) for i, p in enumerate(rest)}
    out |= {p: Headline(p, *figures) for p, figures in found.items()}
    return [out[p] for p in periods]
