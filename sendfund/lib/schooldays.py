"""School days: England's bank holidays, the default school calendar, and the days a set of
term blocks opens. Plain Python, no models (the per-school tables are in sendfund.schools).

A school day is a weekday inside an open block of the school's term dates that is neither a
bank holiday in England nor inside a closed block (INSET or closure days); see docs/domain.md
(costed provision accrues per school day delivered: section 3).

Bank holidays come from the `holidays` package (England subdivision of GB), which follows the
published dates, substitute days and one-off holidays (coronation, jubilee), rather than a list
typed into this file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import holidays
from dateutil.easter import easter

from sendfund.lib.periods import academic_year

OPEN, CLOSED = "open", "closed"
DEFAULT_PUPIL_DAYS = 190  # the school year in England: 190 pupil days (plus 5 INSET days)
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True, order=True)
class Block:
    """Inclusive dates that are open (term time) or closed (INSET, closure) for pupils."""

    start: dt.date
    end: dt.date
    kind: str = OPEN


@lru_cache(maxsize=64)
def _bank_holidays_in(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def bank_holidays(start: dt.date, end: dt.date) -> set[dt.date]:
    """England's bank holidays from `start` to `end` inclusive."""
    out: set[dt.date] = set()
    for year in range(start.year, end.year + 1):
        out |= {d for d in _bank_holidays_in(year) if start <= d <= end}
    return out


def weekdays(start: dt.date, end: dt.date) -> list[dt.date]:
    days, day = [], start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += ONE_DAY
    return days


def school_days(blocks: list[Block]) -> list[dt.date]:
    """Weekdays inside an open block, minus bank holidays and days inside a closed block."""
    opened = {d for b in blocks if b.kind == OPEN for d in weekdays(b.start, b.end)}
    closed = {d for b in blocks if b.kind == CLOSED for d in weekdays(b.start, b.end)}
    if not opened:
        return []
    days = opened - closed - bank_holidays(min(opened), max(opened))
    return sorted(days)


# --- The default calendar -------------------------------------------------------------------
# For a school that has not entered its own term dates. Deterministic, close to a typical
# English LA calendar, and exactly DEFAULT_PUPIL_DAYS pupil days every year:
#   autumn term  weekdays from 1 September to 20 December, less the October half-term (the
#                week starting on the last Monday of October);
#   spring term  weekdays from 4 January to the Friday before the Easter holiday, less the
#                February half-term (the week starting on the third Monday of February);
#   Easter       two weeks: the Monday before Good Friday to the Friday after Easter Monday;
#   summer term  weekdays from the Monday after the Easter holiday, less the May half-term (the
#                week starting on the last Monday of May, the spring bank holiday), ending on
#                the day that makes DEFAULT_PUPIL_DAYS pupil days;
#   bank holidays are never school days; five INSET days (closed to pupils): the first two
#                school days of the autumn term, and the first school day after the October
#                half-term, of the spring term and of the summer term.


def _monday_of_week(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _last_monday(year: int, month: int) -> dt.date:
    day = dt.date(year, month + 1, 1) - ONE_DAY if month < 12 else dt.date(year, 12, 31)
    return day - dt.timedelta(days=day.weekday())


def _nth_monday(year: int, month: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(7 - first.weekday()) % 7 + 7 * (n - 1))


def _easter_holiday(start_year: int) -> tuple[dt.date, dt.date]:
    good_friday = easter(start_year + 1) - dt.timedelta(days=2)
    first = _monday_of_week(good_friday)
    return first, first + dt.timedelta(days=11)  # Monday to the Friday of the next week


def _half_term(monday: dt.date) -> tuple[dt.date, dt.date]:
    return monday, monday + dt.timedelta(days=4)


@lru_cache(maxsize=64)
def default_blocks(start_year: int) -> tuple[Block, ...]:
    """The default calendar of the academic year starting in September of `start_year`."""
    year = academic_year(start_year)
    october = _half_term(_last_monday(start_year, 10))
    february = _half_term(_nth_monday(start_year + 1, 2, 3))
    may = _half_term(_last_monday(start_year + 1, 5))
    easter_start, easter_end = _easter_holiday(start_year)
    terms = [
        (dt.date(start_year, 9, 1), october[0] - ONE_DAY),
        (october[1] + ONE_DAY, dt.date(start_year, 12, 20)),
        (dt.date(start_year + 1, 1, 4), february[0] - ONE_DAY),
        (february[1] + ONE_DAY, easter_start - ONE_DAY),
        (easter_end + ONE_DAY, may[0] - ONE_DAY),
        (may[1] + ONE_DAY, year.end),
    ]
    opens = [school_days([Block(a, b)]) for a, b in terms]
    inset = [opens[0][0], opens[0][1], opens[1][0], opens[2][0], opens[4][0]]
    pupil_days = [d for days in opens for d in days if d not in inset]
    last = pupil_days[DEFAULT_PUPIL_DAYS - 1]
    blocks = []
    for a, b in terms:
        days = weekdays(a, min(b, last))  # blocks shown from their first to last weekday
        if days:
            blocks.append(Block(days[0], days[-1], OPEN))
    blocks += [Block(d, d, CLOSED) for d in inset]
    return tuple(sorted(blocks))


def default_school_days(start_year: int) -> list[dt.date]:
    return school_days(list(default_blocks(start_year)))
