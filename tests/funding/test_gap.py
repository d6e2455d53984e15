"""Worked examples for the gap engine, with exact Decimals, and its invariants."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from funding.gap import (
    compute_gap,
    headline_series,
    project_next_year,
    pupil_threshold_rows,
    trend,
)
from sendfund.lib.money import to_pennies
from sendfund.lib.periods import Period, academic_year, financial_year, term, terms_back
from tests.factories import FundingSourceFactory, PupilFactory, current_summaries
from tests.funding.factories import TopUpFactory, pupil_with_provision

pytestmark = pytest.mark.django_db

# The school uses the default calendar (sendfund.lib.schooldays): 190 school days a year.
# Provision accrues per school day; funding per calendar day of its own dates.
AUTUMN_2024 = term(2024, "autumn")  # 1 Sep - 31 Dec 2024: 122 days, 72 school days
SPRING_2025 = term(2024, "spring")  # 1 Jan - 31 Mar 2025: 90 days, 55 school days
FY_2024 = financial_year(2024, academy=False)  # 1 Apr 2024 - 31 Mar 2025, 365 days:
# 68 school days of 2023/24 (summer term) + 127 of 2024/25 (autumn 72 + spring 55) = 195.
P = to_pennies


def assert_totals_equal_breakdowns(gap):
    for name in ("by_area", "by_need", "by_year_group", "by_sen_status", "by_wave"):
        rows = getattr(gap, name)
        assert sum((r.need for r in rows), Decimal("0")) == gap.need, name
    assert sum((r.need for r in gap.funding_by_type), Decimal("0")) == gap.funding
    assert gap.gap == gap.need - gap.funding


def test_a_term_inside_one_financial_year(school):
    pupil_with_provision(school, annual_cost=Decimal("7300"), sen="E", need="ASD", area="CI")
    pupil_with_provision(
        school, annual_cost=Decimal("3650"), sen="K", need="SPLD", area="CL", year_group="2"
    )
    FundingSourceFactory(school=school, amount=Decimal("36500.00"))  # FY 2024-25, confirmed
    FundingSourceFactory(
        school=school,
        type="la_grant",
        description="Inclusion grant",
        amount=Decimal("1000.00"),
        period_start=dt.date(2024, 9, 1),
        period_end=dt.date(2024, 12, 31),
        status="expected",
    )

    gap = compute_gap(school=school, period=AUTUMN_2024)

    # Need: 7,300 x 72/190 = 2,766.3157... and 3,650 x 72/190 = 1,383.1578...: 4,149.47.
    # Funding by calendar day: 36,500 x 122/365 = 12,200.
    assert P(gap.need) == Decimal("4149.47")
    assert gap.funding == Decimal("12200")
    assert P(gap.gap) == Decimal("-8050.53")
    assert P(gap.funding_expected) == Decimal("1000.00")  # 1,000 / 122 days x 122 days
    assert gap.notional_budget == Decimal("12200")
    assert P(gap.covered_pct) == Decimal("294.01")  # 12,200 / 4,149.4736...
    assert [(r.key, P(r.need), r.pupils) for r in gap.by_area] == [
        ("CI", Decimal("2766.32"), 1),
        ("CL", Decimal("1383.16"), 1),
    ]
    assert {r.key: P(r.need) for r in gap.by_sen_status} == {
        "E": Decimal("2766.32"),
        "K": Decimal("1383.16"),
    }
    # The EHC-plan pupil costs 7,300 a year against the 6,000 threshold; in the term the line
    # is 6,000 x 72/190 = 2,273.68 and the excess (7,300 - 6,000) x 72/190 = 492.63.
    assert gap.threshold == Decimal("6000.00")
    assert P(gap.threshold_line) == Decimal("2273.68")
    assert gap.pupils_over_threshold == 1
    assert gap.over_threshold_without_topup == 1
    assert gap.support_over_threshold == 0
    assert P(gap.topup_shortfall) == Decimal("492.63")
    # School share: min(7,300, 6,000) + 3,650 = 9,650 a year, x 72/190.
    assert P(gap.school_share) == Decimal("3656.84")
    assert gap.pupil_count == 2
    assert gap.sen_pupil_count == 2
    assert gap.calendar.startswith("School days from 2024/25: the default calendar")
    assert_totals_equal_breakdowns(gap)


def test_a_period_straddling_1_april_takes_each_financial_years_share(school):
    pupil_with_provision(school, annual_cost=Decimal("3800"))
    FundingSourceFactory(school=school, amount=Decimal("36500.00"))  # FY 2024-25
    FundingSourceFactory(
        school=school,
        amount=Decimal("73000.00"),
        period_start=dt.date(2025, 4, 1),
        period_end=dt.date(2026, 3, 31),
    )
    march_april = Period(dt.date(2025, 3, 1), dt.date(2025, 4, 30))

    gap = compute_gap(school=school, period=march_april)

    # 31 days of 2024-25 (36,500 x 31/365 = 3,100) + 30 days of 2025-26 (73,000 x 30/365).
    assert gap.funding == Decimal("9100")
    # 32 school days (21 in March, 11 after the Easter holiday): 3,800 / 190 = 20 a day.
    assert gap.need == Decimal("640")
    assert gap.gap == Decimal("-8460")
    assert_totals_equal_breakdowns(gap)


def test_an_academy_period_straddling_1_september_spans_two_academy_years(academy):
    pupil_with_provision(academy, annual_cost=Decimal("3800"), start=dt.date(2024, 9, 1))
    FundingSourceFactory(
        school=academy,
        amount=Decimal("36600.00"),  # 2023/24: 366 days (February 2024 had 29)
        period_start=dt.date(2023, 9, 1),
        period_end=dt.date(2024, 8, 31),
    )
    FundingSourceFactory(
        school=academy,
        amount=Decimal("36500.00"),
        period_start=dt.date(2024, 9, 1),
        period_end=dt.date(2025, 8, 31),
    )

    gap = compute_gap(school=academy, period=Period(dt.date(2024, 8, 1), dt.date(2024, 9, 30)))

    # August: 36,600 x 31/366 = 3,100; September: 36,500 x 30/365 = 3,000.
    assert gap.funding == Decimal("6100")
    # Provision from 1 September; August is holiday. September 2024 has 19 school days
    # (from Wednesday 4/9): 3,800 / 190 = 20 a day x 19 = 380.
    assert gap.need == Decimal("380")
    assert gap.gap == Decimal("-5720")
    assert_totals_equal_breakdowns(gap)


def test_a_pupil_at_exactly_the_threshold_has_no_excess(school):
    pupil = pupil_with_provision(school, annual_cost=Decimal("6000"))

    gap = compute_gap(school=school, period=AUTUMN_2024)
    (row,) = pupil_threshold_rows(school=school, period=AUTUMN_2024)

    assert row.pupil == pupil.pk
    assert row.cost == row.line  # both 6,000 / 190 x 72
    assert P(row.cost) == Decimal("2273.68")
    assert row.school_share == row.cost
    assert row.excess == Decimal("0")
    assert row.shortfall == Decimal("0")
    assert gap.pupils_over_threshold == 0
    assert gap.over_threshold_without_topup == 0
    assert gap.topup_shortfall == Decimal("0")
    assert P(gap.need) == Decimal("2273.68")  # 6,000 x 72/190
    assert_totals_equal_breakdowns(gap)


def test_a_top_up_above_the_excess_leaves_no_shortfall(school):
    covered = pupil_with_provision(school, annual_cost=Decimal("7300"))
    TopUpFactory(school=school, pupil=covered, amount=Decimal("2000.00"))  # FY 2024-25
    pupil_with_provision(school, annual_cost=Decimal("8000"), sen="K", need="SLCN")

    gap = compute_gap(school=school, period=FY_2024)
    rows = {r.pupil: r for r in pupil_threshold_rows(school=school, period=FY_2024)}

    # FY 2024-25 has 195 school days (68 of 2023/24 + 127 of 2024/25), each year of 190:
    # threshold 6,000 x 195/190 = 6,157.89; 7,300 x 195/190 = 7,492.11: excess 1,334.21.
    assert P(rows[covered.pk].line) == Decimal("6157.89")
    assert P(rows[covered.pk].cost) == Decimal("7492.11")
    assert P(rows[covered.pk].excess) == Decimal("1334.21")
    assert P(rows[covered.pk].topup) == Decimal("2000.00")
    assert rows[covered.pk].shortfall == Decimal("0")
    assert gap.pupils_over_threshold == 2
    assert gap.over_threshold_without_topup == 1
    assert gap.support_over_threshold == 1  # the SEN-support pupil costing 8,000 a year
    # Only the uncovered pupil: (8,000 - 6,000) x 195/190 = 2,052.63.
    assert P(gap.topup_shortfall) == Decimal("2052.63")
    assert gap.topup_shortfall_pupils == 1
    assert P(gap.topup_funding) == Decimal("2000.00")
    assert P(gap.need) == Decimal("15702.63")  # 15,300 x 195/190
    assert P(gap.school_share) == Decimal("12315.79")  # 12,000 x 195/190
    assert_totals_equal_breakdowns(gap)


def test_expected_top_ups_do_not_count_as_funding(school):
    pupil = pupil_with_provision(school, annual_cost=Decimal("7300"))
    TopUpFactory(school=school, pupil=pupil, amount=Decimal("2000.00"), status="expected")

    gap = compute_gap(school=school, period=FY_2024)

    assert gap.funding == Decimal("0")
    assert P(gap.funding_expected) == Decimal("2000.00")
    assert gap.over_threshold_without_topup == 1
    assert P(gap.topup_shortfall) == Decimal("1334.21")  # 1,300 x 195/190
    assert_totals_equal_breakdowns(gap)


def test_no_data_at_all_gives_zeros_not_errors(school):
    gap = compute_gap(school=school, period=AUTUMN_2024)

    assert gap.need == Decimal("0")
    assert gap.funding == Decimal("0")
    assert gap.gap == Decimal("0")
    assert gap.covered_pct is None
    assert gap.by_area == [] and gap.funding_by_type == []
    assert gap.pupils_over_threshold == 0
    assert gap.topup_shortfall == Decimal("0")
    assert gap.school_share == Decimal("0")
    assert gap.pupil_count == 0
    assert_totals_equal_breakdowns(gap)


def test_another_schools_data_never_enters_the_gap(school, other_school):
    pupil_with_provision(other_school, annual_cost=Decimal("9000"))
    FundingSourceFactory(school=other_school)

    gap = compute_gap(school=school, period=FY_2024)

    assert gap.need == Decimal("0") and gap.funding == Decimal("0")


def test_pupils_who_left_before_the_period_are_not_counted(school):
    pupil = pupil_with_provision(school, annual_cost=Decimal("3650"))
    pupil.left_date = dt.date(2024, 7, 20)
    pupil.save()

    assert compute_gap(school=school, period=AUTUMN_2024).need == Decimal("0")


def test_three_terms_add_up_to_the_academic_year(school):
    pupil_with_provision(school, annual_cost=Decimal("7300"))
    FundingSourceFactory(school=school, amount=Decimal("36500.00"))

    terms = trend(school=school, terms=[(2024, "autumn"), (2024, "spring"), (2024, "summer")])
    year = compute_gap(school=school, period=academic_year(2024))

    assert [g.period for g in terms] == [term(2024, n) for n in ("autumn", "spring", "summer")]
    # 7,300 / 190 a school day x (72 + 55 + 63) school days: the year, exactly.
    assert sum((g.need for g in terms), Decimal("0")) == year.need
    assert sum((g.funding for g in terms), Decimal("0")) == year.funding
    assert P(year.need) == Decimal("7300.00")
    for gap in terms:
        assert_totals_equal_breakdowns(gap)


def test_summer_autumn_and_spring_add_up_to_the_financial_year(school):
    pupil_with_provision(school, annual_cost=Decimal("7300"))
    FundingSourceFactory(school=school, amount=Decimal("36500.00"))  # FY 2024-25
    parts = trend(school=school, terms=[(2023, "summer"), (2024, "autumn"), (2024, "spring")])
    fy = compute_gap(school=school, period=FY_2024)

    assert sum((g.need for g in parts), Decimal("0")) == fy.need
    assert sum((g.funding for g in parts), Decimal("0")) == fy.funding
    assert sum((g.gap for g in parts), Decimal("0")) == fy.gap
    assert fy.funding == Decimal("36500")  # 100 a day x 365 days
    assert P(fy.need) == Decimal("7492.11")  # 7,300 x 195/190


def _queries(school, period) -> int:
    current_summaries()
    with CaptureQueriesContext(connection) as ctx:
        compute_gap(school=school, period=period)
    return len(ctx.captured_queries)


def test_the_engine_runs_a_constant_number_of_queries(school):
    pupil_with_provision(school, annual_cost=Decimal("7300"))
    _queries(school, AUTUMN_2024)  # the first costing of a year writes its school days
    small = _queries(school, AUTUMN_2024)
    for i in range(12):
        pupil = pupil_with_provision(
            school, annual_cost=Decimal(5000 + 300 * i), need="SEMH", year_group="6"
        )
        TopUpFactory(school=school, pupil=pupil)
    assert _queries(school, AUTUMN_2024) == small


def test_the_projection_costs_current_provision_for_next_year_and_scales_by_register_growth(
    school,
):
    pupil_with_provision(school, annual_cost=Decimal("7300"))
    # A pupil on SEN support only since this September: the register doubled (1 to 2), but the
    # growth applied is capped at 15%.
    newer = PupilFactory(school=school)
    from tests.factories import SenStatusFactory

    SenStatusFactory(pupil=newer, code="K", start_date=dt.date(2025, 9, 1))
    # 3,650 over 1 Nov 2024 - 31 Oct 2025 (365 days): exactly the last twelve months.
    FundingSourceFactory(
        school=school,
        amount=Decimal("3650.00"),
        period_start=dt.date(2024, 11, 1),
        period_end=dt.date(2025, 10, 31),
    )
    # From tomorrow: not yet part of the last twelve months.
    FundingSourceFactory(
        school=school,
        amount=Decimal("9999.00"),
        period_start=dt.date(2025, 11, 2),
        period_end=dt.date(2026, 8, 31),
    )

    projection = project_next_year(school=school, today=dt.date(2025, 11, 1))

    assert projection.period == Period(dt.date(2026, 9, 1), dt.date(2027, 8, 31), "2026/27")
    # 2026/27 costed over its 190 school days: 7,300 / 190 x 190.
    assert P(projection.base_need) == Decimal("7300.00")
    assert (projection.sen_year_ago, projection.sen_now) == (1, 2)
    assert projection.growth == Decimal("1.15")
    assert P(projection.need) == Decimal("8395.00")
    # Funding over 2 Nov 2024 - 1 Nov 2025: 364 days of the 3,650 source.
    assert projection.funding == Decimal("3640")
    assert P(projection.gap) == Decimal("4755.00")


def test_headline_series_matches_compute_gap_for_every_term(school):
    pupil_with_provision(school, annual_cost=Decimal("7300"))
    pupil_with_provision(school, annual_cost=Decimal("2000"), start=dt.date(2025, 1, 15))
    FundingSourceFactory(school=school, amount=Decimal("36500.00"))
    periods = [term(y, n) for y, n in terms_back(dt.date(2025, 6, 1), 7)]

    series = headline_series(school=school, periods=periods)

    for row, period in zip(series, periods, strict=True):
        gap = compute_gap(school=school, period=period)
        assert (row.period, row.need, row.funding, row.gap) == (
            period,
            gap.need,
            gap.funding,
            gap.gap,
        )
