"""The cost formula: rate x hours x weeks / group size + resources, or a bought-in service."""

import datetime as dt
from decimal import Decimal

import pytest

from pupils import queries
from pupils.models import ProvisionAssignment
from sendfund.lib.periods import Period, academic_year
from tests.factories import (
    ProvisionAssignmentFactory,
    ProvisionFactory,
    PupilFactory,
    StaffRateFactory,
    StaffRoleFactory,
)

pytestmark = pytest.mark.django_db
D = dt.date
YEAR = academic_year(2025)  # 1/9/2025 - 31/8/2026: 365 days


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


def _cost(school, basis="actual", year=2025):
    return ProvisionAssignment.objects.for_school(school).with_annual_cost(year, basis).get()


def test_one_to_one_support_costs_rate_times_hours_times_weeks(school, ta):
    provision = ProvisionFactory(school=school, staff_role=ta)
    ProvisionAssignmentFactory(
        pupil__school=school, provision=provision, hours_per_week=Decimal("2"), weeks=38
    )
    assert _cost(school, "actual").annual_cost == Decimal("1406.00")  # 18.50 x 2 x 38
    assert _cost(school, "la_standard").annual_cost == Decimal("1307.20")  # 17.20 x 2 x 38


def test_a_group_shares_the_staff_cost_and_each_pupil_adds_resources(school, ta):
    provision = ProvisionFactory(
        school=school, staff_role=ta, resource_cost_per_pupil=Decimal("25.00")
    )
    ProvisionAssignmentFactory(
        pupil__school=school,
        provision=provision,
        hours_per_week=Decimal("1.5"),
        group_size=6,
        weeks=38,
    )
    # 17.20 x 1.5 x 38 / 6 = 163.40, plus £25 of resources.
    assert _cost(school, "la_standard").annual_cost == Decimal("188.40")


def test_a_bought_in_service_costs_its_annual_price_plus_resources(school):
    salt = ProvisionFactory(
        school=school,
        staff_role=None,
        service_annual_cost=Decimal("1200.00"),
        resource_cost_per_pupil=Decimal("50.00"),
        wave=3,
    )
    ProvisionAssignmentFactory(pupil__school=school, provision=salt, hours_per_week=Decimal("1"))
    row = _cost(school)
    assert row.hourly_rate == Decimal("0")
    assert row.annual_cost == Decimal("1250.00")


def test_the_latest_rate_up_to_the_year_is_used(school, ta):
    StaffRateFactory(
        staff_role=ta,
        academic_year=2024,
        la_standard_hourly_rate=Decimal("16.00"),
        actual_hourly_rate=Decimal("17.00"),
    )
    ProvisionAssignmentFactory(
        pupil__school=school, provision=ProvisionFactory(school=school, staff_role=ta)
    )
    assert _cost(school, year=2024).hourly_rate == Decimal("17.00")
    assert _cost(school, year=2025).hourly_rate == Decimal("18.50")
    assert _cost(school, year=2026).hourly_rate == Decimal("18.50")


def test_part_year_provision_is_pro_rated_by_days_delivered(school, ta):
    provision = ProvisionFactory(school=school, staff_role=ta)
    # 1/9/2025 to 12/11/2025 is 73 days: a fifth of the 365-day year.
    ProvisionAssignmentFactory(
        pupil__school=school,
        provision=provision,
        hours_per_week=Decimal("2"),
        start_date=D(2025, 9, 1),
        end_date=D(2025, 11, 12),
        status="ended",
    )
    row = queries.assignments_in(school, YEAR).get()
    assert row.active_days == 73
    assert row.period_cost.quantize(Decimal("0.000001")) == Decimal("281.200000")  # 1406 / 5


def test_a_full_leap_year_costs_exactly_the_annual_cost(school, ta):
    StaffRateFactory(staff_role=ta, academic_year=2027, actual_hourly_rate=Decimal("18.50"))
    ProvisionAssignmentFactory(
        pupil__school=school,
        provision=ProvisionFactory(school=school, staff_role=ta),
        hours_per_week=Decimal("2"),
        start_date=D(2020, 9, 1),
    )
    leap = academic_year(2027)  # includes 29/2/2028: 366 days
    row = queries.assignments_in(school, leap).get()
    assert row.period_cost.quantize(Decimal("0.01")) == Decimal("1406.00")


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
    assert costs[busy.pk].quantize(Decimal("0.01")) == Decimal("7930.00")  # 18.50x10x38 + 900
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
    assert phonics["in_place_cost"].quantize(Decimal("0.01")) == Decimal("703.00")  # 3 x 234.33…
    assert phonics["planned_cost"] == Decimal("0")
    assert by_key[("CI", 3)]["planned_cost"].quantize(Decimal("0.01")) == Decimal("3515.00")
    assert result["totals"]["pupil_count"] == 3
    assert result["totals"]["total_cost"].quantize(Decimal("0.01")) == Decimal("4218.00")


def test_an_empty_provision_map_has_zero_totals(school):
    result = queries.provision_map(school, Period(D(2025, 9, 1), D(2026, 8, 31)))
    assert result["groups"] == []
    assert result["totals"]["total_cost"] == Decimal("0")
    assert result["totals"]["pupil_count"] == 0
