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
from sendfund.lib.periods import Period, financial_year, term, terms_back
from tests.factories import FundingSourceFactory, PupilFactory
from tests.funding.factories import TopUpFactory, pupil_with_provision

pytestmark = pytest.mark.django_db

AUTUMN_2024 = term(2024, "autumn")  # 1 Sep - 31 Dec 2024, 122 days
SPRING_2025 = term(2024, "spring")  # 1 Jan - 30 Apr 2025, 120 days: straddles 1 April
FY_2024 = financial_year(2024, academy=False)  # 1 Apr 2024 - 31 Mar 2025, 365 days


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

    # 7,300 x 122/365 = 2,440 and 3,650 x 122/365 = 1,220; 36,500 x 122/365 = 12,200.
    assert gap.need == Decimal("3660")
    assert gap.funding == Decimal("12200")
    assert gap.gap == Decimal("-8540")
    assert gap.funding_expected == Decimal("1000")
    assert gap.notional_budget == Decimal("12200")
    assert to_pennies(gap.covered_pct) == Decimal("333.33")
    assert [(r.key, r.need, r.pupils) for r in gap.by_area] == [
        ("CI", Decimal("2440"), 1),
        ("CL", Decimal("1220"), 1),
    ]
    assert {r.key: r.need for r in gap.by_sen_status} == {
        "E": Decimal("2440"),
        "K": Decimal("1220"),
    }
    # The EHC-plan pupil costs 7,300 a year: 1,300 above the threshold, and has no top-up.
    assert gap.threshold == Decimal("6000.00")
    assert gap.pupils_over_threshold == 1
    assert gap.over_threshold_without_topup == 1
    assert gap.support_over_threshold == 0
    assert to_pennies(gap.topup_shortfall) == Decimal("434.52")  # 1,300 x 122/365
    # School share: min(7,300, 6,000) + 3,650 = 9,650 a year, x 122/365.
    assert to_pennies(gap.school_share) == Decimal("3225.48")
    assert gap.pupil_count == 2
    assert gap.sen_pupil_count == 2
    assert_totals_equal_breakdowns(gap)


def test_a_spring_term_straddling_1_april_takes_each_financial_years_share(school):
    pupil_with_provision(school, annual_cost=Decimal("3650"))
    FundingSourceFactory(school=school, amount=Decimal("36500.00"))  # FY 2024-25
    FundingSourceFactory(
        school=school,
        amount=Decimal("73000.00"),
        period_start=dt.date(2025, 4, 1),
        period_end=dt.date(2026, 3, 31),
    )

    gap = compute_gap(school=school, period=SPRING_2025)

    # 90 days of 2024-25 (36,500 x 90/365 = 9,000) + 30 days of 2025-26 (73,000 x 30/365).
    assert gap.funding == Decimal("15000")
    assert gap.need == Decimal("1200")  # 3,650 x 120/365
    assert gap.gap == Decimal("-13800")
    assert gap.covered_pct == Decimal("1250")
    assert_totals_equal_breakdowns(gap)


def test_an_academy_period_straddling_1_september_spans_two_academy_years(academy):
    pupil_with_provision(academy, annual_cost=Decimal("3650"), start=dt.date(2024, 9, 1))
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
    assert gap.need == Decimal("300")  # provision from 1 September: 3,650 x 30/365
    assert gap.gap == Decimal("-5800")
    assert_totals_equal_breakdowns(gap)


def test_a_pupil_at_exactly_the_threshold_has_no_excess(school):
    pupil = pupil_with_provision(school, annual_cost=Decimal("6000"))

    gap = compute_gap(school=school, period=AUTUMN_2024)
    (row,) = pupil_threshold_rows(school=school, period=AUTUMN_2024)

    assert row.pupil == pupil.pk
    assert row.annual_cost == Decimal("6000")
    assert row.school_share == Decimal("6000")
    assert row.excess == Decimal("0")
    assert row.shortfall == Decimal("0")
    assert gap.pupils_over_threshold == 0
    assert gap.over_threshold_without_topup == 0
    assert gap.topup_shortfall == Decimal("0")
    assert to_pennies(gap.need) == Decimal("2005.48")  # 6,000 x 122/365
    assert_totals_equal_breakdowns(gap)


def test_a_top_up_above_the_excess_leaves_no_shortfall(school):
    covered = pupil_with_provision(school, annual_cost=Decimal("7300"))
    TopUpFactory(school=school, pupil=covered, amount=Decimal("2000.00"))  # FY 2024-25
    pupil_with_provision(school, annual_cost=Decimal("8000"), sen="K", need="SLCN")

    gap = compute_gap(school=school, period=FY_2024)
    rows = {r.pupil: r for r in pupil_threshold_rows(school=school, period=FY_2024)}

    assert rows[covered.pk].excess == Decimal("1300")
    assert rows[covered.pk].topup == Decimal("2000")
    assert rows[covered.pk].shortfall == Decimal("0")
    assert gap.pupils_over_threshold == 2
    assert gap.over_threshold_without_topup == 1
    assert gap.support_over_threshold == 1  # the SEN-support pupil costing 8,000
    assert gap.topup_shortfall == Decimal("2000")  # only the uncovered pupil's 8,000 - 6,000
    assert gap.topup_shortfall_pupils == 1
    assert gap.topup_funding == Decimal("2000")
    assert gap.need == Decimal("15300")
    assert gap.school_share == Decimal("12000")
    assert_totals_equal_breakdowns(gap)


def test_expected_top_ups_do_not_count_as_funding(school):
    pupil = pupil_with_provision(school, annual_cost=Decimal("7300"))
    TopUpFactory(school=school, pupil=pupil, amount=Decimal("2000.00"), status="expected")

    gap = compute_gap(school=school, period=FY_2024)

    assert gap.funding == Decimal("0")
    assert gap.funding_expected == Decimal("2000")
    assert gap.over_threshold_without_topup == 1
    assert gap.topup_shortfall == Decimal("1300")
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

    assert [g.period for g in terms] == [term(2024, n) for n in ("autumn", "spring", "summer")]
    assert sum((g.need for g in terms), Decimal("0")) == Decimal("7300")
    for gap in terms:
        assert_totals_equal_breakdowns(gap)


def _queries(school, period) -> int:
    with CaptureQueriesContext(connection) as ctx:
        compute_gap(school=school, period=period)
    return len(ctx.captured_queries)


def test_the_engine_runs_a_constant_number_of_queries(school):
    pupil_with_provision(school, annual_cost=Decimal("7300"))
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
    assert projection.base_need == Decimal("7300")
    assert (projection.sen_year_ago, projection.sen_now) == (1, 2)
    assert projection.growth == Decimal("1.15")
    assert projection.need == Decimal("8395")
    # Funding over 2 Nov 2024 - 1 Nov 2025: 364 days of the 3,650 source.
    assert projection.funding == Decimal("3640")
    assert projection.gap == Decimal("4755")


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
