import datetime as dt
from decimal import Decimal

import pytest

from sendfund.lib import periods
from sendfund.lib.money import format_gbp, to_pennies
from sendfund.lib.periods import Period, prorate


def test_the_summer_term_starts_on_1_april_so_a_financial_year_budget_splits_by_term():
    # Maintained FY 2026-27 runs 1/4/2026-31/3/2027: 365 days, so £36,500 is £100 a day.
    budget_year = periods.financial_year(2026, academy=False)
    spring = periods.term(2025, "spring")  # 1/1/2026-31/3/2026: all in FY 2025-26
    summer = periods.term(2025, "summer")  # 1/4/2026-31/8/2026: 153 days of FY 2026-27
    assert budget_year.days == 365
    assert prorate(Decimal("36500.00"), budget_year, spring) == Decimal("0")
    assert prorate(Decimal("36500.00"), budget_year, summer) == Decimal("15300")


def test_the_previous_financial_year_covers_the_spring_term():
    previous = periods.financial_year(2025, academy=False)  # 1/4/2025-31/3/2026
    spring = periods.term(2025, "spring")
    assert prorate(Decimal("36500.00"), previous, spring) == Decimal("9000")  # 90 days


def test_prorating_into_the_three_terms_adds_back_to_the_year_exactly():
    year = periods.academic_year(2026)  # 365 days
    parts = [prorate(Decimal("36500"), year, periods.term(2026, t)) for t in periods.TERMS]
    # Autumn 122 days, spring (January-March 2027) 90, summer (April-August) 153.
    assert parts == [Decimal("12200"), Decimal("9000"), Decimal("15300")]
    assert sum(parts) == Decimal("36500")


def test_summer_autumn_and_spring_are_exactly_a_maintained_financial_year():
    fy = periods.financial_year(2026, academy=False)
    terms = [
        periods.term(2025, "summer"),
        periods.term(2026, "autumn"),
        periods.term(2026, "spring"),
    ]
    assert (terms[0].start, terms[-1].end) == (fy.start, fy.end)
    assert sum(t.days for t in terms) == fy.days
    assert [t.start for t in terms[1:]] == [t.end + dt.timedelta(days=1) for t in terms[:-1]]


def test_a_period_splits_at_each_1_september():
    parts = periods.by_academic_year(periods.financial_year(2025, academy=False))
    assert parts == [
        (2024, Period(dt.date(2025, 4, 1), dt.date(2025, 8, 31))),
        (2025, Period(dt.date(2025, 9, 1), dt.date(2026, 3, 31))),
    ]
    assert [
        y for y, _ in periods.by_academic_year(Period(dt.date(2024, 8, 31), dt.date(2026, 9, 1)))
    ] == [
        2023,
        2024,
        2025,
        2026,
    ]


def test_a_leap_year_is_divided_by_366_days():
    year = periods.financial_year(2027, academy=False)  # includes 29/2/2028
    assert year.days == 366
    one_day = Period(dt.date(2028, 2, 29), dt.date(2028, 2, 29))
    assert prorate(Decimal("366.00"), year, one_day) == Decimal("1")


def test_no_overlap_prorates_to_zero_and_full_overlap_keeps_the_amount():
    year = periods.academic_year(2024)
    later = periods.academic_year(2025)
    assert prorate(Decimal("1000"), year, later) == Decimal("0")
    assert prorate(Decimal("1000.01"), year, year) == Decimal("1000.01")


def test_academy_financial_year_runs_september_to_august():
    fy = periods.financial_year(2026, academy=True)
    assert (fy.start, fy.end) == (dt.date(2026, 9, 1), dt.date(2027, 8, 31))
    assert periods.financial_year_start(dt.date(2027, 8, 31), academy=True) == 2026
    assert periods.financial_year_start(dt.date(2027, 3, 31), academy=False) == 2026
    assert periods.financial_year_start(dt.date(2027, 4, 1), academy=False) == 2027


def test_census_days_are_the_dfe_thursdays():
    # Autumn: 1st Thursday of October; spring and summer: 3rd Thursday of January and May.
    assert periods.census_day(2026, "autumn") == dt.date(2026, 10, 1)
    assert periods.census_day(2026, "spring") == dt.date(2027, 1, 21)
    assert periods.census_day(2026, "summer") == dt.date(2027, 5, 20)
    assert periods.census_day(2024, "spring") == dt.date(2025, 1, 16)


def test_terms_back_lists_the_last_terms_oldest_first():
    assert periods.terms_back(dt.date(2026, 11, 28), 4) == [
        (2025, "autumn"),
        (2025, "spring"),
        (2025, "summer"),
        (2026, "autumn"),
    ]
    assert periods.term_for_date(dt.date(2027, 4, 1)) == (2026, "summer")
    assert periods.term_for_date(dt.date(2027, 3, 31)) == (2026, "spring")


def test_a_period_cannot_end_before_it_starts():
    with pytest.raises(ValueError, match="before it starts"):
        Period(dt.date(2026, 2, 1), dt.date(2026, 1, 1))


def test_money_is_shown_in_pounds_with_commas_and_rounded_half_up_once():
    assert format_gbp(Decimal("12345.675")) == "£12,345.68"
    assert format_gbp(Decimal("-1234")) == "-£1,234.00"
    assert format_gbp(Decimal("0")) == "£0.00"
    assert format_gbp(Decimal("999.5"), pence=False) == "£1,000"
    assert to_pennies(Decimal("0.005")) == Decimal("0.01")
