"""The fast paths of the gap engine give what the plain per-row subqueries give.

The hourly rate is joined (not a correlated subquery per provision row) and breakdowns by SEN
status / primary need join each pupil's one current row: these tests hold them to the
straightforward definitions on data with history, future rates and bought-in services."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Count, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from funding.gap import compute_gap
from pupils.models import ProvisionAssignment, StaffRate, primary_need_on, sen_status_on
from sendfund.lib.money import UNROUNDED as MONEY
from sendfund.lib.periods import academic_year, term
from tests.factories import (
    NeedFactory,
    ProvisionAssignmentFactory,
    ProvisionFactory,
    PupilFactory,
    SenStatusFactory,
    StaffRateFactory,
    StaffRoleFactory,
)

pytestmark = pytest.mark.django_db
D = dt.date
ZERO = Decimal("0")


@pytest.fixture
def school_data(school):
    ta = StaffRoleFactory(school=school, name="Teaching assistant")
    hlta = StaffRoleFactory(school=school, name="HLTA")
    StaffRoleFactory(school=school, name="Unrated")
    for year, rate in ((2023, "15.00"), (2024, "16.00"), (2026, "99.00")):
        StaffRateFactory(staff_role=ta, academic_year=year, actual_hourly_rate=Decimal(rate))
    StaffRateFactory(staff_role=hlta, academic_year=2022, actual_hourly_rate=Decimal("21.10"))
    provisions = [
        ProvisionFactory(school=school, staff_role=ta, area="CL"),
        ProvisionFactory(school=school, staff_role=hlta, area="SEMH", wave=3),
        ProvisionFactory(
            school=school, staff_role=None, service_annual_cost=Decimal("950.00"), area="SP"
        ),
        ProvisionFactory(school=school, staff_role__name="Unrated", area="CI"),
    ]
    codes = ["K", "E", None, "K", "N"]
    for i, code in enumerate(codes):
        pupil = PupilFactory(school=school, year_group=str(1 + i % 3))
        if code:
            SenStatusFactory(
                pupil=pupil, code="N", start_date=D(2023, 9, 1), end_date=D(2024, 9, 1)
            )
            SenStatusFactory(pupil=pupil, code=code, start_date=D(2024, 9, 2))
        if i != 2:
            NeedFactory(
                pupil=pupil, code="ASD", rank=1, start_date=D(2022, 9, 1), end_date=D(2024, 1, 1)
            )
            NeedFactory(pupil=pupil, code=["SLCN", "SEMH"][i % 2], rank=1, start_date=D(2024, 1, 2))
            NeedFactory(pupil=pupil, code="MLD", rank=2, start_date=D(2024, 1, 2))
        for j, provision in enumerate(provisions):
            if (i + j) % 3 == 2:
                continue
            ProvisionAssignmentFactory(
                pupil=pupil,
                provision=provision,
                start_date=D(2024, 9, 1) + dt.timedelta(days=17 * j + 5 * i),
                end_date=D(2025, 2, 1) if j == 1 else None,
                hours_per_week=Decimal("1.50") * (j + 1),
                group_size=1 + (i % 2),
            )
    return school


def _reference_rate(year):
    """The latest rate up to the year, else the role's earliest rate, else 0."""
    rates = StaffRate.objects.filter(staff_role=OuterRef("provision__staff_role"))
    return Coalesce(
        Subquery(
            rates.filter(academic_year__lte=year)
            .order_by("-academic_year")
            .values("actual_hourly_rate")[:1]
        ),
        Subquery(rates.order_by("academic_year").values("actual_hourly_rate")[:1]),
        Value(ZERO),
    )


@pytest.mark.parametrize("year", [2022, 2024, 2025, 2026])
def test_joined_hourly_rate_is_the_latest_rate_up_to_the_year(school_data, year):
    rows = (
        ProvisionAssignment.objects.for_school(school_data)
        .with_period_cost(academic_year(year), school_data)
        .annotate(reference=_reference_rate(year))
    )
    assert rows.count() == ProvisionAssignment.objects.for_school(school_data).count()
    for row in rows:
        assert row.hourly_rate == row.reference


def _reference_breakdown(school, period, key, expression):
    from funding.gap import _assignments

    rows = (
        _assignments(school, period)
        .annotate(**{key: expression})
        .values(key)
        .annotate(
            need=Sum("period_cost", default=ZERO, output_field=MONEY),
            pupils=Count("pupil", distinct=True),
        )
    )
    return {row[key] or "": (row["need"], row["pupils"]) for row in rows}


@pytest.mark.parametrize("name", ["autumn", "spring", "summer"])
def test_sen_status_and_primary_need_breakdowns_match_per_row_subqueries(school_data, name):
    period = term(2024, name)
    gap = compute_gap(school=school_data, period=period)
    assert gap.need > 0
    status = _reference_breakdown(
        school_data, period, "sen_status", sen_status_on(period.end, "pupil")
    )
    need = _reference_breakdown(
        school_data, period, "primary_need", primary_need_on(period.end, "pupil")
    )
    assert {r.key: (r.need, r.pupils) for r in gap.by_sen_status} == status
    assert {r.key: (r.need, r.pupils) for r in gap.by_need} == need


@pytest.mark.parametrize("name", ["autumn", "spring", "summer"])
def test_every_breakdown_and_the_total_from_one_pass_match_their_own_aggregates(school_data, name):
    # compute_gap reads the total and all five breakdowns from one GROUPING SETS query
    # (funding.gap._need_by_key); each must be what its own SUM / COUNT(DISTINCT) gives.
    from django.db.models import F

    from funding.gap import _assignments

    period = term(2024, name)
    gap = compute_gap(school=school_data, period=period)
    total = _assignments(school_data, period).aggregate(
        need=Sum("period_cost", default=ZERO, output_field=MONEY),
        pupils=Count("pupil", distinct=True),
    )
    assert gap.need > 0
    assert (gap.need, gap.need_pupils) == (total["need"], total["pupils"])
    for rows, key, expression in (
        (gap.by_area, "area", F("provision__area")),
        (gap.by_year_group, "year_group", F("pupil__year_group")),
        (gap.by_wave, "wave", F("provision__wave")),
    ):
        reference = _reference_breakdown(school_data, period, key, expression)
        assert {r.key: (r.need, r.pupils) for r in rows} == {
            str(k): v for k, v in reference.items()
        }, key
        # Each breakdown shares out the whole need.
        assert sum(r.need for r in rows) == gap.need
