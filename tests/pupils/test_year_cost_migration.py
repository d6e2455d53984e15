"""Migration pupils 0010 converts the term-cost summary (one row per provision row and term)
to one row per provision row and academic year, and back, keeping every cost and day and the
years held, so nothing is costed again after the upgrade."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from funding.gap import compute_gap
from pupils import summaries
from pupils.models import ProvisionYearCost, SummaryYear
from pupils.summary_models import TERM_DAYS
from sendfund.lib.money import to_pennies
from sendfund.lib.periods import academic_year
from tests.factories import (
    ProvisionAssignmentFactory,
    ProvisionFactory,
    PupilFactory,
    StaffRateFactory,
    StaffRoleFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("pupils", "0009_term_cost_school_unchecked")
YEAR = academic_year(2025)


def _migrate(target) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


def _held_terms() -> dict:
    """{(provision row, term): (cost, days)} from the summary as it now is."""
    return {
        (row.assignment_id, number): (row.term_cost(number), row.term_days(number))
        for row in ProvisionYearCost.objects.all()
        for number in TERM_DAYS
        if row.term_days(number) is not None
    }


def test_the_summary_converts_to_rows_per_year_and_back_keeping_every_cost(school):
    role = StaffRoleFactory(school=school)
    StaffRateFactory(staff_role=role, academic_year=2025, actual_hourly_rate=Decimal("18.50"))
    provision = ProvisionFactory(school=school, staff_role=role)
    # 18.50 x 2 h / 5 / 1 = 7.40 a school day, all year.
    whole = ProvisionAssignmentFactory(
        pupil=PupilFactory(school=school), provision=provision, hours_per_week=Decimal("2.00")
    )
    # 18.50 x 2 h / 5 / 3 = 2.4666... a school day (a daily cost to more places than a
    # penny), from spring: no autumn row.
    ProvisionAssignmentFactory(
        pupil=PupilFactory(school=school),
        provision=provision,
        hours_per_week=Decimal("2.00"),
        group_size=3,
        start_date=dt.date(2026, 2, 11),
    )
    # Only the days after Christmas Day 2025: runs in autumn on no school day (default
    # calendar), so its autumn cost is 0 whatever its daily cost.
    holiday = ProvisionAssignmentFactory(
        pupil=PupilFactory(school=school),
        provision=provision,
        start_date=dt.date(2025, 12, 26),
        end_date=dt.date(2025, 12, 31),
    )
    need = compute_gap(school=school, period=YEAR).need  # holds 2025/26
    before = _held_terms()
    assert before[(whole.pk, 1)] == (Decimal("532.80"), 72)  # 7.40 x 72 autumn days
    assert before[(holiday.pk, 1)] == (Decimal("0"), 0)
    assert sum(1 for row, _ in before if row == whole.pk) == 3

    _migrate([BEFORE])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT assignment_id, term, cost, school_days FROM pupils_provisiontermcost"
        )
        as_terms = {(a, t): (cost, days) for a, t, cost, days in cursor.fetchall()}
    assert as_terms == before

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert _held_terms() == before
    assert ProvisionYearCost.objects.get(assignment=whole).daily_cost == Decimal("7.40")
    # Every term it runs in has no school day: kept at a daily cost of 0, the cost the same.
    assert ProvisionYearCost.objects.get(assignment=holiday).daily_cost == 0
    assert SummaryYear.objects.filter(school=school, academic_year=2025).exists()
    assert summaries.differences(school.pk) == []
    assert compute_gap(school=school, period=YEAR).need == need
    assert to_pennies(need) == to_pennies(sum(cost for cost, _ in before.values()))
