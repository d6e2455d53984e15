"""Periods schools budget in: academic years, terms, financial years, census days, pro-rating.

Plain Python, no models. Reporting terms are the local authorities' funding terms: autumn
1 Sep-31 Dec, spring 1 Jan-31 Mar, summer 1 Apr-31 Aug. They are contiguous, so the three terms
of an academic year are exactly the year, and summer + autumn + spring are exactly a maintained
school's April-March financial year: any amount accrued by day (provision by school day,
funding by calendar day) sums back exactly, which the gap engine relies on (docs/domain.md).
Census days are the DfE's and do not move with the terms.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

TERMS = ("autumn", "spring", "summer")
TERM_LABELS = {"autumn": "Autumn", "spring": "Spring", "summer": "Summer"}


@dataclass(frozen=True, order=True)
class Period:
    """An inclusive range of dates with a label."""

    start: dt.date
    end: dt.date
    label: str = ""

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"Period ends ({self.end}) before it starts ({self.start}).")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def overlap_days(self, other: Period) -> int:
        start = max(self.start, other.start)
        end = min(self.end, other.end)
        return max((end - start).days + 1, 0)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return self.label or f"{self.start:%d/%m/%Y} to {self.end:%d/%m/%Y}"


def prorate(amount: Decimal, source: Period, target: Period) -> Decimal:
    """The share of an amount spread evenly by day over `source` that falls inside `target`.

    Not rounded: callers round once, at display.
    """
    overlap = source.overlap_days(target)
    if overlap == 0:
        return Decimal("0")
    if overlap == source.days:
        return Decimal(amount)
    return Decimal(amount) * Decimal(overlap) / Decimal(source.days)


def academic_year_start(day: dt.date) -> int:
    """The calendar year in which the academic year containing `day` began (Sep-Aug)."""
    return day.year if day.month >= 9 else day.year - 1


def academic_year(start_year: int) -> Period:
    return Period(
        dt.date(start_year, 9, 1),
        dt.date(start_year + 1, 8, 31),
        f"{start_year}/{str(start_year + 1)[-2:]}",
    )


def by_academic_year(period: Period) -> list[tuple[int, Period]]:
    """The period cut at each 1 September: (academic year start, the part inside that year).
    Costs are per academic year (rates, school days), so a period is costed part by part."""
    out = []
    year = academic_year_start(period.start)
    while True:
        whole = academic_year(year)
        start, end = max(period.start, whole.start), min(period.end, whole.end)
        if start > end:
            break
        out.append((year, Period(start, end)))
        year += 1
    return out


def academic_year_label(start_year: int) -> str:
    return f"{start_year}/{str(start_year + 1)[-2:]}"


def term(start_year: int, name: str) -> Period:
    """A term of the academic year that starts in September of `start_year`."""
    label = f"{TERM_LABELS[name]} {academic_year_label(start_year)}"
    if name == "autumn":
        return Period(dt.date(start_year, 9, 1), dt.date(start_year, 12, 31), label)
    if name == "spring":
        return Period(dt.date(start_year + 1, 1, 1), dt.date(start_year + 1, 3, 31), label)
    if name == "summer":
        return Period(dt.date(start_year + 1, 4, 1), dt.date(start_year + 1, 8, 31), label)
    raise ValueError(f"Unknown term {name!r}; expected one of {', '.join(TERMS)}.")


def term_for_date(day: dt.date) -> tuple[int, str]:
    """(academic year start, term name) containing `day`."""
    year = academic_year_start(day)
    if day.month >= 9:
        return year, "autumn"
    if day.month <= 3:
        return year, "spring"
    return year, "summer"


def terms_back(day: dt.date, count: int) -> list[tuple[int, str]]:
    """The term containing `day` and the `count - 1` before it, oldest first."""
    year, name = term_for_date(day)
    out = [(year, name)]
    while len(out) < count:
        index = TERMS.index(name)
        if index == 0:
            year, name = year - 1, TERMS[-1]
        else:
            name = TERMS[index - 1]
        out.append((year, name))
    return list(reversed(out))


def next_term(start_year: int, name: str) -> tuple[int, str]:
    index = TERMS.index(name)
    if index == len(TERMS) - 1:
        return start_year + 1, TERMS[0]
    return start_year, TERMS[index + 1]


def previous_term(start_year: int, name: str) -> tuple[int, str]:
    index = TERMS.index(name)
    if index == 0:
        return start_year - 1, TERMS[-1]
    return start_year, TERMS[index - 1]


def financial_year(start_year: int, *, academy: bool) -> Period:
    """Maintained schools budget April-March; academies September-August."""
    if academy:
        return Period(
            dt.date(start_year, 9, 1),
            dt.date(start_year + 1, 8, 31),
            f"FY {start_year}/{str(start_year + 1)[-2:]} (Sep-Aug)",
        )
    return Period(
        dt.date(start_year, 4, 1),
        dt.date(start_year + 1, 3, 31),
        f"FY {start_year}-{str(start_year + 1)[-2:]} (Apr-Mar)",
    )


def financial_year_start(day: dt.date, *, academy: bool) -> int:
    if academy:
        return academic_year_start(day)
    return day.year if day.month >= 4 else day.year - 1


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    return first + dt.timedelta(days=offset + 7 * (n - 1))


def census_day(start_year: int, name: str) -> dt.date:
    """School census days: autumn 1st Thursday of October, spring 3rd Thursday of January,
    summer 3rd Thursday of May (DfE school census guide)."""
    if name == "autumn":
        return _nth_weekday(start_year, 10, calendar.THURSDAY, 1)
    if name == "spring":
        return _nth_weekday(start_year + 1, 1, calendar.THURSDAY, 3)
    if name == "summer":
        return _nth_weekday(start_year + 1, 5, calendar.THURSDAY, 3)
    raise ValueError(f"Unknown term {name!r}.")
