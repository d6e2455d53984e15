"""The demo funding step: deterministic, idempotent, and leaving a realistic gap."""

import datetime as dt
import random
from decimal import Decimal

import pytest

from funding import demo
from funding.gap import compute_gap, pupil_threshold_rows
from funding.models import FundingSource
from sendfund.lib.periods import term
from tests.funding.factories import pupil_with_provision

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 11, 10)


def _school_with_provision(school):
    for i in range(12):
        pupil_with_provision(
            school, annual_cost=Decimal(3000 + 900 * i), sen="E" if i % 3 == 0 else "K"
        )
    return school


def _snapshot(school):
    return list(
        FundingSource.objects.for_school(school)
        .order_by("type", "description", "pupil_id")
        .values_list("type", "description", "amount", "period_start", "status", "pupil_id")
    )


def test_the_demo_leaves_need_exceeding_funding_by_ten_to_thirty_percent(school):
    _school_with_provision(school)

    demo.seed(school, rng=random.Random("x"), today=TODAY)

    gap = compute_gap(school=school, period=term(2025, "autumn"))
    assert Decimal("1.08") <= gap.need / gap.funding <= Decimal("1.32")
    types = set(FundingSource.objects.for_school(school).values_list("type", flat=True))
    assert {"notional_sen", "top_up", "la_grant"} <= types
    assert gap.over_threshold_without_topup + gap.topup_shortfall_pupils > 0


def test_running_the_demo_twice_changes_nothing(school):
    _school_with_provision(school)
    demo.seed(school, rng=random.Random("x"), today=TODAY)
    before = _snapshot(school)

    demo.seed(school, rng=random.Random("y"), today=TODAY)

    assert _snapshot(school) == before


def test_the_demo_is_deterministic(school, other_school):
    for target in (school, other_school):
        _school_with_provision(target)
        demo.seed(target, rng=random.Random("same"), today=TODAY)

    def amounts(s):
        return sorted(FundingSource.objects.for_school(s).values_list("type", "amount"))

    assert other_school.is_academy  # a different financial year, so compare top-ups only
    assert [a for a in amounts(school) if a[0] == "top_up"] == [
        a for a in amounts(other_school) if a[0] == "top_up"
    ]


def test_the_demo_special_school_is_funded_by_places_and_top_ups_not_a_notional_budget(db):
    from funding.models import FundingType
    from sendfund.lib.periods import academic_year
    from sendfund.schools.models import School
    from tests.factories import SchoolFactory

    special = _school_with_provision(
        SchoolFactory(type=School.Type.SPECIAL, phase=School.Phase.SPECIAL)
    )

    demo.seed(special, rng=random.Random("x"), today=TODAY)

    rows = FundingSource.objects.for_school(special)
    assert not rows.filter(type=FundingType.NOTIONAL_SEN).exists()
    # 12 pupils on roll, a £10,000 place each: £120,000 for each of three financial years.
    places = rows.filter(type=FundingType.PLACE)
    assert sorted(places.values_list("amount", flat=True)) == [Decimal("120000.00")] * 3
    assert all("12 places × £10,000" in p.description for p in places)
    # Top-ups go only to pupils costing more than their £10,000 place (3,000 + 900 i > 10,000
    # for i = 8..11), never by the £6,000 mainstream threshold.
    topped = set(rows.filter(type=FundingType.TOP_UP).values_list("pupil", flat=True))
    gap = compute_gap(school=special, period=academic_year(2025))
    assert gap.lines.place_value == Decimal("10000.00")
    year_rows = pupil_threshold_rows(school=special, period=academic_year(2025))
    over = {r.pupil for r in year_rows if r.cost > r.line}
    assert topped and topped <= over
    assert len(over) == 4
    assert gap.school_share == 0 and gap.place_funding > 0
