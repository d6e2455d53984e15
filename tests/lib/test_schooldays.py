"""School days: bank holidays from the holidays package, the default calendar's rule."""

import datetime as dt

import pytest

from sendfund.lib import schooldays
from sendfund.lib.schooldays import CLOSED, OPEN, Block

D = dt.date


def test_englands_bank_holidays_include_substitute_days():
    days = schooldays.bank_holidays(D(2026, 12, 1), D(2027, 1, 31))
    # Boxing Day 2026 is a Saturday: the substitute day is Monday 28 December.
    assert days == {D(2026, 12, 25), D(2026, 12, 26), D(2026, 12, 28), D(2027, 1, 1)}


def test_school_days_are_open_weekdays_less_bank_holidays_and_closed_days():
    blocks = [
        Block(D(2026, 4, 27), D(2026, 5, 8), OPEN),  # two weeks, May Day is Monday 4/5
        Block(D(2026, 5, 1), D(2026, 5, 1), CLOSED),  # an INSET Friday
    ]
    days = schooldays.school_days(blocks)
    assert len(days) == 10 - 1 - 1
    assert D(2026, 5, 4) not in days and D(2026, 5, 1) not in days
    assert all(d.weekday() < 5 for d in days)


@pytest.mark.parametrize("year", range(2000, 2101))
def test_the_default_calendar_has_190_pupil_days_every_year(year):
    days = schooldays.default_school_days(year)
    assert len(days) == 190
    assert days[0] >= D(year, 9, 1) and days[-1] <= D(year + 1, 7, 31)
    assert not set(days) & schooldays.bank_holidays(days[0], days[-1])


def test_the_default_2025_26_calendar():
    days = schooldays.default_school_days(2025)
    # INSET on 1-2 September: pupils from Wednesday 3/9/2025; the 190th day is 20/7/2026.
    assert (days[0], days[-1]) == (D(2025, 9, 3), D(2026, 7, 20))
    # October half-term (from the last Monday of October) and the INSET day after it.
    assert not [d for d in days if D(2025, 10, 27) <= d <= D(2025, 11, 3)]
    # Easter 2026 is 5 April: the holiday runs Monday 30/3 to Friday 10/4.
    assert not [d for d in days if D(2026, 3, 28) <= d <= D(2026, 4, 13)]
    closed = [b for b in schooldays.default_blocks(2025) if b.kind == CLOSED]
    assert len(closed) == 5  # five INSET days
