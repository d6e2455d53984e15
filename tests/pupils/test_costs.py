"""The cost formula: provision accrues per school day delivered (docs/domain.md).

Staffed: hourly rate x hours a week / 5 / group size per school day, at the rate of the
academic year the day belongs to. Bought-in services and resources: the annual amount spread
evenly over the school days of the academic year.

Unless a test enters its own term dates, the school uses the default calendar
(sendfund.lib.schooldays): 190 school days in every academic year. In 2025/26 they run from
Wednesday 3/9/2025 to Monday 20/7/2026: autumn term (1 Sep-31 Dec) 72 days, spring (1 Jan-31
Mar) 54, summer (1 Apr-31 Aug) 64; 2024/25 has 63 school days from 1/4/2025.
"""

import datetime as dt
from decimal import Decimal

import pytest

from pupils import queries
from pupils.models import ProvisionAssignment
from sendfund.lib.money import to_pennies
from sendfund.lib.periods import Period, academic_year, financial_year, term
from sendfund.schools.calendar import calendar_year_refresh
from sendfund.schools.models import TermBlock
from tests.factories import (
    ProvisionAssignmentFactory,
    ProvisionFactory,
    PupilFactory,
    StaffRateFactory,
    StaffRoleFactory,
)

pytestmark = pytest.mark.django_db
D = dt.date
YEAR = academic_year(2025)  # 1/9/2025 - 31/8/2026: 190 school days


@pytest.fixture
def ta(school):
    role = StaffRoleFactory(school=school, name="Teaching assistant")
    StaffRateFactory(
        staff_role=role,
        academic_year=2025,
        la_standard_hourly_rate=Decimal("17.20"),
        actual_hourly_rate=Decimal("18.50"),
    )
    return role


def _cost(school, period=YEAR):
    return ProvisionAssignment.objects.costed(period, school).get()


def test_support_for_the_whole_school_year_costs_rate_times_hours_over_5_times_190(school):
    support = StaffRoleFactory(school=school, name="Support assistant")
    StaffRateFactory(staff_role=support, academic_year=2025, actual_hourly_rate=Decimal("25.00"))
    ProvisionAssignmentFactory(
        pupil__school=school,
        provision=ProvisionFactory(school=school, staff_role=support),
        hours_per_week=Decimal("7"),
        start_date=D(2025, 9, 3),
        end_date=D(2026, 7, 21),
    )
    row = _cost(school)
    # £25 x 7 h / 5 = £35 a school day, x 190 school days = £6,650.00.
    assert row.school_days == 190
    assert row.daily_cost == Decimal("35")
    assert row.period_cost == Decimal("6650.00")


def test_a_six_week_intervention_costs_30_school_days_even_across_half_term(school):
    tutor = StaffRoleFactory(school=school, name="Tutor")
    StaffRateFactory(staff_role=tutor, academic_year=2025, actual_hourly_rate=Decimal("20.00"))
    intervention = ProvisionFactory(school=school, staff_role=tutor, wave=3)
    # 6/10-24/11/2025: 15 days before the October half-term (27-31/10), the INSET day of
    # 3/11, then 15 days from 4/11: 30 school days.
    ProvisionAssignmentFactory(
        pupil__school=school,
        provision=intervention,
        hours_per_week=Decimal("3"),
        start_date=D(2025, 10, 6),
        end_date=D(2025, 11, 24),
        status="ended",
    )
    # 12/1-27/2/2026: 25 school days, the February half-term (16-20/2) then 5 more: 30.
    ProvisionAssignmentFactory(
        pupil__school=school,
        provision=intervention,
        hours_per_week=Decimal("3"),
        start_date=D(2026, 1, 12),
        end_date=D(2026, 2, 27),
        status="ended",
    )
    rows = list(ProvisionAssignment.objects.costed(YEAR, school))
    # £20 x 3 h / 5 = £12 a school day x 30 school days = £360.00, wherever it falls.
    assert [(r.school_days, r.period_cost) for r in rows] == [
        (30, Decimal("360.00")),
        (30, Decimal("360.00")),
    ]


def test_a_pay_award_on_1_september_shows_in_a_maintained_financial_year(school, ta):
    StaffRateFactory(
        staff_role=ta,
        academic_year=2024,
        la_standard_hourly_rate=Decimal("16.00"),
        actual_hourly_rate=Decimal("17.00"),
    )
    ProvisionAssignmentFactory(
        pupil__school=school,
        provision=ProvisionFactory(school=school, staff_role=ta),
        hours_per_week=Decimal("5"),
        start_date=D(2024, 9, 1),
    )
    row = _cost(school, financial_year(2025, academy=False))  # 1/4/2025-31/3/2026
    # April-August 2025 at the 2024/25 rate: £17.00 x 5 / 5 = £17 x 63 days = £1,071.00;
    # September-March at the 2025/26 rate: £18.50 x 5 / 5 = £18.50 x 126 days = £2,331.00.
    assert row.school_days == 63 + 126
    assert row.period_cost == Decimal("3402.00")


def test_a_school_with_only_this_years_rates_costs_last_summer_at_them(school, ta):
    ProvisionAssignmentFactory(
        pupil__school=school,
        provision=ProvisionFactory(school=school, staff_role=ta),
        hours_per_week=Decimal("5"),
        start_date=D(2024, 9, 1),
    )
    row = _cost(school, financial_year(2025, academy=False))
    # No 2024/25 rate: the earliest rate (2025/26, £18.50) costs April-August too.
    # £18.50 x (63 + 126) days = £3,496.50.
    assert row.period_cost == Decimal("3496.50")


def test_a_leaver_stops_costing_on_the_day_they_leave(school, ta):
    pupil = PupilFactory(school=school, left_date=D(2025, 10, 31))
    ProvisionAssignmentFactory(
        pupil=pupil,
        provision=ProvisionFactory(school=school, staff_role=ta),
        hours_per_week=Decimal("10"),
        start_date=D(2025, 9, 1),
    )
    row = _cost(school)
    # On roll until 30/10: 38 school days (3/9-24/10). £18.50 x 10 / 5 = £37 x 38 = £1,406.00.
    assert row.school_days == 38
    assert row.period_cost == Decimal("1406.00")
    # After leaving nothing runs: the spring term has no row at all.
    assert not ProvisionAssignment.objects.costed(term(2025, "spring"), school).exists()


def test_a_joiner_costs_from_the_day_they_join(school, ta):
    pupil = PupilFactory(school=school, on_roll_date=D(2026, 1, 6))
    ProvisionAssignmentFactory(
        pupil=pupil,
        provision=ProvisionFactory(school=school, staff_role=ta),
        hours_per_week=Decimal("5"),
        start_date=D(2025, 9, 1),
    )
    # 6/1-20/7/2026: spring 54 + summer 64 = 118 days; £18.50 a day = £2,183.00.
    assert _cost(school).period_cost == Decimal("2183.00")


def test_a_leap_year_costs_no_more(school, ta):
    StaffRateFactory(staff_role=ta, academic_year=2027, actual_hourly_rate=Decimal("18.50"))
    ProvisionAssignmentFactory(
        pupil__school=school,
        provision=ProvisionFactory(school=school, staff_role=ta),
        hours_per_week=Decimal("2"),
        start_date=D(2020, 9, 1),
    )
    leap = academic_year(2027)  # includes 29/2/2028: 366 calendar days, 190 school days
    # £18.50 x 2 / 5 = £7.40 a day x 190 = £1,406.00, as in a 365-day year.
    assert _cost(school, leap).period_cost == Decimal("1406.00")
    assert _cost(school, YEAR).period_cost == Decimal("1406.00")


def test_the_costing_basis_picks_the_la_standard_or_actual_rate(school, ta):
    ProvisionAssignmentFactory(
        pupil__school=school,
        provision=ProvisionFactory(school=school, staff_role=ta),
        hours_per_week=Decimal("2"),
        start_date=D(2025, 9, 1),
    )
    assert _cost(school).period_cost == Decimal("1406.00")  # 18.50 x 2 / 5 x 190
    school.costing_basis = "la_standard"
    school.save()
    row = _cost(school)
    assert (row.hourly_rate, row.rate_year) == (Decimal("17.20"), 2025)
    assert row.period_cost == Decimal("1307.20")  # 17.20 x 2 / 5 = 6.88 x 190


def test_a_group_shares_the_staff_cost_and_each_pupil_adds_resources(school, ta):
    school.costing_basis = "la_standard"
    school.save()
    provision = ProvisionFactory(
        school=school, staff_role=ta, resource_cost_per_pupil=Decimal("25.00")
    )
    ProvisionAssignmentFactory(
        pupil__school=school,
        provision=provision,
        hours_per_week=Decimal("1.5"),
        group_size=6,
        start_date=D(2025, 9, 1),
    )
    # 17.20 x 1.5 / 5 / 6 = £0.86 a day x 190 = £163.40, plus £25 of resources a year.
    assert to_pennies(_cost(school).period_cost) == Decimal("188.40")


def test_a_bought_in_service_spreads_its_annual_price_over_the_school_days(school):
    salt = ProvisionFactory(
        school=school,
        staff_role=None,
        service_annual_cost=Decimal("1200.00"),
        resource_cost_per_pupil=Decimal("50.00"),
        wave=3,
    )
    ProvisionAssignmentFactory(
        pupil__school=school, provision=salt, hours_per_week=Decimal("1"), start_date=D(2025, 1, 1)
    )
    row = _cost(school)
    assert row.hourly_rate == Decimal("0")
    assert to_pennies(row.period_cost) == Decimal("1250.00")  # the whole year: 1,200 + 50
    # The autumn term: 1,250 x 72 / 190 = 473.684... = £473.68.
    assert to_pennies(_cost(school, term(2025, "autumn")).period_cost) == Decimal("473.68")


def test_the_terms_add_up_to_the_year_and_to_the_financial_year_exactly(school, ta):
    salt = ProvisionFactory(school=school, staff_role=None, service_annual_cost=Decimal("1000"))
    ProvisionAssignmentFactory(pupil__school=school, provision=salt, start_date=D(2024, 9, 1))
    ProvisionAssignmentFactory(
        pupil__school=school,
        provision=ProvisionFactory(school=school, staff_role=ta),
        hours_per_week=Decimal("3.25"),
        group_size=3,
        start_date=D(2024, 9, 1),
    )

    def need(period):
        return queries.need_in(school, period)

    terms = {name: need(term(2025, name)) for name in ("autumn", "spring", "summer")}
    assert terms["autumn"] + terms["spring"] + terms["summer"] == need(YEAR)
    fy = financial_year(2025, academy=False)
    assert need(term(2024, "summer")) + terms["autumn"] + terms["spring"] == need(fy)


def test_a_schools_own_term_dates_replace_the_default_calendar(school, ta):
    TermBlock.objects.create(
        school=school, academic_year=2025, start_date=D(2025, 9, 1), end_date=D(2025, 9, 30)
    )
    TermBlock.objects.create(
        school=school,
        academic_year=2025,
        start_date=D(2025, 9, 5),
        end_date=D(2025, 9, 5),
        kind="closed",
    )
    calendar_year_refresh(school=school, year=2025)
    ProvisionAssignmentFactory(
        pupil__school=school,
        provision=ProvisionFactory(school=school, staff_role=ta),
        hours_per_week=Decimal("5"),
        start_date=D(2025, 9, 1),
    )
    row = _cost(school)
    # September 2025 has 22 weekdays, less the closed Friday 5/9: 21 school days x £18.50.
    assert (row.school_days, row.year_days) == (21, 21)
    assert row.period_cost == Decimal("388.50")


def test_the_register_sums_a_pupils_provision_and_shows_zero_without_any(school, ta):
    busy, idle = PupilFactory(school=school), PupilFactory(school=school)
    one_to_one = ProvisionFactory(school=school, staff_role=ta, wave=3)
    salt = ProvisionFactory(school=school, staff_role=None, service_annual_cost=Decimal("900"))
    ProvisionAssignmentFactory(
        pupil=busy, provision=one_to_one, hours_per_week=Decimal("10"), start_date=D(2025, 9, 1)
    )
    ProvisionAssignmentFactory(pupil=busy, provision=salt, status="planned")
    # Ended before the year: not part of this year's cost.
    ProvisionAssignmentFactory(
        pupil=busy,
        provision=salt,
        start_date=D(2023, 9, 1),
        end_date=D(2024, 8, 31),
        status="ended",
    )
    costs = dict(
        queries.register(school, filters={}, today=D(2026, 1, 15)).values_list("pk", "annual_cost")
    )
    # 18.50 x 10 / 5 = £37 a day x 190 = £7,030 + the £900 service for the year.
    assert to_pennies(costs[busy.pk]) == Decimal("7930.00")
    assert costs[idle.pk] == Decimal("0")


def test_the_provision_map_groups_pupils_and_costs_by_area_and_wave(school, ta):
    group = ProvisionFactory(school=school, staff_role=ta, area="CL", wave=2, name="Phonics")
    one = ProvisionFactory(school=school, staff_role=ta, area="CI", wave=3, name="1:1 TA")
    pupils = [PupilFactory(school=school) for _ in range(3)]
    for p in pupils:
        ProvisionAssignmentFactory(pupil=p, provision=group, group_size=3, start_date=D(2025, 9, 1))
    ProvisionAssignmentFactory(
        pupil=pupils[0],
        provision=one,
        hours_per_week=Decimal("5"),
        start_date=D(2025, 9, 1),
        status="planned",
    )
    result = queries.provision_map(school, YEAR)
    by_key = {(g["provision__area"], g["provision__wave"]): g for g in result["groups"]}
    phonics = by_key[("CL", 2)]
    assert phonics["pupil_count"] == 3
    # 18.50 x 1 h / 5 / 3 = 1.2333... a day x 190 = 234.333... each; 3 pupils = £703.00.
    assert to_pennies(phonics["in_place_cost"]) == Decimal("703.00")
    assert phonics["planned_cost"] == Decimal("0")
    assert by_key[("CI", 3)]["planned_cost"] == Decimal("3515.00")  # 18.50 x 5 / 5 x 190
    assert result["totals"]["pupil_count"] == 3
    assert to_pennies(result["totals"]["total_cost"]) == Decimal("4218.00")


def test_an_empty_provision_map_has_zero_totals(school):
    result = queries.provision_map(school, Period(D(2025, 9, 1), D(2026, 8, 31)))
    assert result["groups"] == []
    assert result["totals"]["total_cost"] == Decimal("0")
    assert result["totals"]["pupil_count"] == 0


def test_the_pupil_page_shows_the_working_of_each_row(school):
    support = StaffRoleFactory(school=school, name="Support assistant")
    StaffRateFactory(staff_role=support, academic_year=2025, actual_hourly_rate=Decimal("25.00"))
    assignment = ProvisionAssignmentFactory(
        pupil__school=school,
        provision=ProvisionFactory(school=school, staff_role=support),
        hours_per_week=Decimal("7"),
        start_date=D(2025, 9, 3),
    )
    page = queries.pupil_page(school, assignment.pupil, D(2025, 11, 10))
    (row,) = page["assignments"]
    assert row.working == "£25.00 (2025/26 rate) × 7 h ÷ 5 × 190 school days ÷ 1 = £6,650.00"
    assert page["calendar"].startswith("School days from 2025/26: the default calendar")


def test_the_provision_map_shows_the_working_of_each_provision(school, ta):
    group = ProvisionFactory(school=school, staff_role=ta, name="Phonics")
    for _ in range(3):
        ProvisionAssignmentFactory(
            pupil__school=school, provision=group, group_size=3, start_date=D(2025, 9, 1)
        )
    (row,) = queries.provision_map(school, YEAR)["groups"][0]["rows"]
    # Σ(1 h x 190 days / 3) over 3 pupils = 190; £18.50 x 190 / 5 = £703.00.
    assert row["working"] == (
        "£18.50 (2025/26 rate) × Σ(hours × school days ÷ group) 190 ÷ 5 = £703.00"
    )
