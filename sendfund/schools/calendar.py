"""Each school's school days, kept as rows (sendfund.schools.models.SchoolDay) so that costing
in SQL counts school days with two index lookups.

An academic year uses the school's own term dates when it has at least one open TermBlock in
that year, else the default calendar (sendfund.lib.schooldays: 190 pupil days). The rows of a
year are written the first time anything is costed in it (`ensure_years`) and rewritten
whenever its term blocks change (`calendar_year_refresh`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, ExpressionWrapper, Value
from django.db.models.functions import Cast

from sendfund.lib import schooldays
from sendfund.lib.money import UNROUNDED
from sendfund.lib.periods import Period, academic_year, academic_year_label, by_academic_year
from sendfund.lib.sql import CompiledQuery
from sendfund.schools.models import CalendarYear, School, SchoolDay, TermBlock


def _days_for(school_id: int, year: int) -> tuple[str, list[dt.date]]:
    blocks = [
        schooldays.Block(b.start_date, b.end_date, b.kind)
        for b in TermBlock.objects.filter(school_id=school_id, academic_year=year)
    ]
    if any(b.kind == schooldays.OPEN for b in blocks):
        return CalendarYear.Source.OWN, schooldays.school_days(blocks)
    return CalendarYear.Source.DEFAULT, schooldays.default_school_days(year)


def _write(school_id: int, year: int) -> None:
    source, days = _days_for(school_id, year)
    CalendarYear.objects.bulk_create(
        [
            CalendarYear(
                school_id=school_id, academic_year=year, source=source, school_days=len(days)
            )
        ],
        ignore_conflicts=True,
    )
    SchoolDay.objects.bulk_create(
        [
            SchoolDay(school_id=school_id, day=day, academic_year=year, seq=i)
            for i, day in enumerate(days, start=1)
        ],
        ignore_conflicts=True,
    )


def ensure_years(school_ids: Iterable[int], years: Iterable[int]) -> dict[tuple[int, int], int]:
    """Write the school days of any (school, academic year) not yet written (one query when
    all are there) and return each one's school days in the year. Safe to race: a second
    writer's rows are ignored as duplicates."""
    school_ids, years = list(set(school_ids)), list(set(years))

    def read():
        rows = CalendarYear.objects.filter(school_id__in=school_ids, academic_year__in=years)
        return {
            (s, y): n for s, y, n in rows.values_list("school_id", "academic_year", "school_days")
        }

    have = read()
    missing = [(s, y) for s in school_ids for y in years if (s, y) not in have]
    if missing:
        with transaction.atomic():
            for school_id, year in missing:
                _write(school_id, year)
        have = read()
    return have


def day_counts(school_ids: Iterable[int], period: Period) -> tuple[dict, dict]:
    """For each (school, academic year) the period touches: the school days in the whole year
    and the school days inside the period (two queries once the years are written)."""
    from django.db.models import Count

    school_ids = list(set(school_ids))
    year_days = ensure_years(school_ids, [y for y, _ in by_academic_year(period)])
    rows = (
        SchoolDay.objects.filter(school_id__in=school_ids, day__range=(period.start, period.end))
        .order_by()
        .values_list("school_id", "academic_year")
        .annotate(n=Count("pk"))
    )
    return year_days, {(s, y): n for s, y, n in rows}


@transaction.atomic
def calendar_year_refresh(*, school: School, year: int) -> None:
    """Rewrite one academic year's school days after its term blocks changed."""
    SchoolDay.objects.filter(school=school, academic_year=year).delete()
    CalendarYear.objects.filter(school=school, academic_year=year).delete()
    _write(school.pk, year)


@dataclass(frozen=True)
class YearPart:
    """The part of a period inside one academic year, and that year's school days."""

    year: int
    period: Period
    days: int  # school days of the school inside the part
    year_days: int  # school days in the whole academic year
    source: str

    @property
    def label(self) -> str:
        return academic_year_label(self.year)


def year_parts(school: School, period: Period) -> list[YearPart]:
    """The period split by academic year with the school's day counts (two queries once the
    years' school days are written)."""
    parts = by_academic_year(period)
    held = _held_years(school, [y for y, _ in parts])
    counts = {
        row["academic_year"]: row["n"]
        for row in _DAYS_IN.run(school_id=school.pk, first_day=period.start, last_day=period.end)
    }
    return [YearPart(y, p, counts.get(y, 0), held[y][1], held[y][0]) for y, p in parts]


def school_days_in(school: School, period: Period) -> int:
    return sum(part.days for part in year_parts(school, period))


_CALENDAR_YEARS = CompiledQuery(
    "rows",
    lambda school_id, first, last: (
        CalendarYear.objects.filter(
            school_id=school_id, academic_year__gte=first, academic_year__lte=last
        )
        .order_by()
        .values("academic_year", "source", "school_days")
    ),
)
# A school's school days in a range of dates, by academic year.
_DAYS_IN = CompiledQuery(
    "rows",
    lambda school_id, first_day, last_day: (
        SchoolDay.objects.filter(school_id=school_id, day__gte=first_day, day__lte=last_day)
        .order_by()
        .values("academic_year")
        .annotate(n=Count("pk"))
    ),
)


def _held_years(school: School, years: list[int]) -> dict[int, tuple[str, int]]:
    """{year: (calendar source, school days in the year)} for consecutive academic years,
    written first where missing (one query once they are)."""

    def read() -> dict:
        rows = _CALENDAR_YEARS.run(school_id=school.pk, first=years[0], last=years[-1])
        return {row["academic_year"]: (row["source"], row["school_days"]) for row in rows}

    held = read()
    if len(held) < len(years):
        ensure_years([school.pk], years)
        held = read()
    return held


def calendar_note(school: School, period: Period) -> str:
    """Which calendar the money on a page was costed with, in words (one query once the
    years' school days are written)."""
    years = [y for y, _ in by_academic_year(period)]
    held = _held_years(school, years)
    bits = []
    for year in years:
        source, year_days = held[year]
        label = CalendarYear.Source(source).label
        bits.append(f"{academic_year_label(year)}: {label}, {year_days} school days in the year")
    return "School days from " + "; ".join(bits) + "."


def blocks_for(school: School, year: int) -> list[schooldays.Block]:
    """The blocks the year is costed with: the school's own, else the default calendar's."""
    own = [
        schooldays.Block(b.start_date, b.end_date, b.kind)
        for b in TermBlock.objects.filter(school=school, academic_year=year)
    ]
    if any(b.kind == schooldays.OPEN for b in own):
        return sorted(own)
    return list(schooldays.default_blocks(year))


def whole_year(year: int) -> Period:
    return academic_year(year)


def _share(school_id: int, amount: Decimal, **counts: int):
    """prorate_by_school_days' query: Σ_i amount ÷ year_days_i × days_i, in the database."""
    total = None
    for i in range(len(counts) // 2):
        daily = ExpressionWrapper(
            Cast(Value(amount), UNROUNDED) / Value(counts[f"year_days_{i}"]),
            output_field=UNROUNDED,
        )
        share = ExpressionWrapper(daily * Value(counts[f"days_{i}"]), output_field=UNROUNDED)
        total = share if total is None else ExpressionWrapper(total + share, output_field=UNROUNDED)
    return School.objects.filter(pk=school_id).annotate(share=total).values("share")


_SHARE = CompiledQuery("rows", _share)


def prorate_by_school_days(amount: Decimal, school: School, period: Period) -> Decimal:
    """An annual amount's share of a period by the school's school days:
    Σ over the academic years Y the period touches of amount ÷ school days in Y × school days
    of the period in Y (the per-pupil threshold for a period).

    Evaluated by the database with the same arithmetic as a bought-in service's cost
    (divided once, then multiplied by whole days), so a service costing exactly the threshold
    is exactly at the line, never a rounding error above it. One query (plus year_parts'),
    compiled once for each number of academic years (sendfund.lib.sql.CompiledQuery)."""
    amount = Decimal(amount).quantize(Decimal("0.01"))
    counts: dict[str, int] = {}
    for part in year_parts(school, period):
        if part.year_days:
            i = len(counts) // 2
            counts[f"year_days_{i}"], counts[f"days_{i}"] = part.year_days, part.days
    if not counts:
        return Decimal("0")
    return _SHARE.run(school_id=school.pk, amount=amount, **counts)[0]["share"]


def year_summary(school: School, year: int) -> dict:
    """The settings page's view of one academic year: which calendar, its blocks with the
    school days each holds, and the school days per reporting term and in the year."""
    from sendfund.lib.periods import TERMS, term

    ensure_years([school.pk], [year])
    info = CalendarYear.objects.get(school=school, academic_year=year)
    days = list(
        SchoolDay.objects.filter(school=school, academic_year=year)
        .order_by("day")
        .values_list("day", flat=True)
    )
    own = list(TermBlock.objects.for_school(school).filter(academic_year=year))
    shown = own if info.source == CalendarYear.Source.OWN else []
    defaults = [] if shown else list(schooldays.default_blocks(year))
    blocks = [
        {
            "block": b,
            "start": b.start_date if isinstance(b, TermBlock) else b.start,
            "end": b.end_date if isinstance(b, TermBlock) else b.end,
            "kind": b.kind,
        }
        for b in (shown or own or defaults)
    ]
    for row in blocks:
        inside = [d for d in days if row["start"] <= d <= row["end"]]
        row["school_days"] = len(inside) if row["kind"] == schooldays.OPEN else None
    terms = []
    for name in TERMS:
        t = term(year, name)
        terms.append({"term": t, "school_days": sum(1 for d in days if t.contains(d))})
    return {
        "calendar_year": info,
        "label": academic_year_label(year),
        "own": info.source == CalendarYear.Source.OWN,
        "blocks": blocks,
        "terms": terms,
        "total": len(days),
        "first_day": days[0] if days else None,
        "last_day": days[-1] if days else None,
    }
