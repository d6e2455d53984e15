"""Every school type: special schools, AP and resourced provision/SEN units are funded by a
place plus top-up, mainstream pupils outside a unit by the notional SEN budget up to the
threshold (docs/domain.md sections 1 and 4). Worked examples to the penny.

Costs come from real provision rows on the school-day model over the academic year 2024/25,
which has 190 school days on the default calendar (the schools enter no term dates):
  staffed:   hourly rate × hours a week ÷ 5 ÷ group size, per school day, × 190 days
  bought-in: annual cost ÷ 190 per school day × 190 days = the annual cost
Funding rows run 1 Sep 2024 - 31 Aug 2025, so over the academic year each counts in full.
"""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils.html import escape

from funding.gap import compute_gap, pupil_threshold_rows
from funding.models import PlaceValue
from sendfund.lib.money import to_pennies
from sendfund.lib.periods import academic_year
from sendfund.schools.models import School
from tests.clock import on
from tests.factories import (
    FundingSourceFactory,
    ProvisionAssignmentFactory,
    ProvisionFactory,
    PupilFactory,
    SchoolFactory,
    SenStatusFactory,
    StaffRateFactory,
    StaffRoleFactory,
)

pytestmark = pytest.mark.django_db

YEAR = academic_year(2024)  # 1 Sep 2024 - 31 Aug 2025: 190 school days
START, END = dt.date(2024, 9, 1), dt.date(2025, 8, 31)
P = to_pennies
ZERO = Decimal("0.00")


def _pupil(school, *, rate=None, hours=None, bought_in=None, in_unit=False, sen="E"):
    """A pupil with a TA at `rate` £/h for `hours` a week (1:1) all year, plus optionally a
    bought-in service costing `bought_in` a year."""
    pupil = PupilFactory(school=school, in_unit=in_unit)
    SenStatusFactory(pupil=pupil, code=sen, start_date=dt.date(2020, 9, 1))
    if rate is not None:
        role = StaffRoleFactory(school=school, name="Teaching assistant")
        if not role.rates.filter(academic_year=2024).exists():
            StaffRateFactory(staff_role=role, academic_year=2024, actual_hourly_rate=rate)
        ProvisionAssignmentFactory(
            pupil=pupil,
            provision=ProvisionFactory(school=school, staff_role=role),
            hours_per_week=hours,
            start_date=START,
        )
    if bought_in is not None:
        service = ProvisionFactory(school=school, staff_role=None, service_annual_cost=bought_in)
        ProvisionAssignmentFactory(
            pupil=pupil, provision=service, hours_per_week=Decimal("0"), start_date=START
        )
    return pupil


def _funding(school, type_, amount, pupil=None):
    return FundingSourceFactory(
        school=school,
        type=type_,
        description=type_,
        amount=Decimal(amount),
        period_start=START,
        period_end=END,
        status="confirmed",
        pupil=pupil,
    )


@pytest.fixture
def special(db):
    return SchoolFactory(type=School.Type.SPECIAL, phase=School.Phase.SPECIAL)


def test_place_values_ship_as_dated_data():
    # The data migration's rows (shipped again here: a transactional test elsewhere in a run
    # may have flushed the table since the test database was migrated).
    import importlib

    from django.apps import apps

    migration = importlib.import_module("funding.migrations.0004_place_values")
    PlaceValue.objects.all().delete()
    migration.ship_place_values(apps, None)
    migration.ship_place_values(apps, None)  # idempotent
    assert PlaceValue.objects.count() == 4
    on = dt.date(2024, 9, 1)
    assert PlaceValue.objects.amount_on("special", on) == Decimal("10000.00")
    assert PlaceValue.objects.amount_on("ap", on) == Decimal("10000.00")
    assert PlaceValue.objects.amount_on("unit", on) == Decimal("6000.00")
    # AP places were £8,000 before 2018-19 (docs/domain.md section 1).
    assert PlaceValue.objects.amount_on("ap", dt.date(2017, 9, 1)) == Decimal("8000.00")


def test_a_special_pupil_within_their_place_has_no_shortfall(special):
    # TA £25/h × 8 h a week ÷ 5 = £40 a school day × 190 days = £7,600.00.
    pupil = _pupil(special, rate=Decimal("25.00"), hours=Decimal("8"))
    _funding(special, "place", "10000.00")  # one commissioned place, £10,000

    gap = compute_gap(school=special, period=YEAR)
    [row] = pupil_threshold_rows(school=special, period=YEAR)

    # Line = the £10,000 place (10,000 ÷ 190 × 190), not the £6,000 threshold: £7,600 is
    # below it, so no excess and no shortfall: 7,600 − 10,000 − 0 < 0.
    assert row.pupil == pupil.pk and row.place
    assert P(row.cost) == Decimal("7600.00")
    assert P(row.line) == Decimal("10000.00")
    assert (P(row.excess), P(row.shortfall)) == (ZERO, ZERO)
    assert gap.pupils_over_threshold == 0
    assert gap.over_threshold_without_topup == 0
    assert P(gap.topup_shortfall) == ZERO
    # No notional-budget charge: the school share counts mainstream pupils outside a unit.
    assert P(gap.school_share) == ZERO
    assert P(gap.place_share) == Decimal("7600.00")
    assert gap.place_pupils == 1
    # Need 7,600 − funding 10,000 (the place) = −2,400: no gap.
    assert P(gap.need) == Decimal("7600.00")
    assert P(gap.place_funding) == Decimal("10000.00")
    assert P(gap.gap) == Decimal("-2400.00")


def test_a_special_pupil_above_place_and_top_up_is_short_by_the_difference(special):
    # TA £25/h × 15 h a week ÷ 5 = £75 a school day × 190 = £14,250.00, plus a bought-in
    # speech and language contract £3,750 a year (3,750 ÷ 190 × 190 = £3,750.00): £18,000.00.
    pupil = _pupil(special, rate=Decimal("25.00"), hours=Decimal("15"), bought_in=Decimal("3750"))
    _funding(special, "place", "10000.00")
    _funding(special, "top_up", "5000.00", pupil=pupil)

    gap = compute_gap(school=special, period=YEAR)
    [row] = pupil_threshold_rows(school=special, period=YEAR)

    # Shortfall = cost − place − top-up = 18,000 − 10,000 − 5,000 = £3,000.00.
    assert P(row.cost) == Decimal("18000.00")
    assert P(row.excess) == Decimal("8000.00")  # 18,000 − 10,000
    assert P(row.topup) == Decimal("5000.00")
    assert P(row.shortfall) == Decimal("3000.00")
    assert P(gap.topup_shortfall) == Decimal("3000.00")
    assert gap.topup_shortfall_pupils == 1
    assert gap.pupils_over_threshold == 1  # above the place value
    assert gap.over_threshold_without_topup == 0
    assert P(gap.school_share) == ZERO
    # The school's gap says the same: need 18,000 − (10,000 + 5,000) = £3,000.00.
    assert P(gap.gap) == Decimal("3000.00")


def test_a_unit_pupil_is_funded_by_place_and_top_up_with_no_notional_budget_charge(db):
    school = SchoolFactory(type=School.Type.MAINTAINED, unit=School.Unit.SEN_UNIT)
    # Unit pupil: TA £20/h × 15 h a week ÷ 5 = £60 a school day × 190 = £11,400.00, plus a
    # bought-in service £2,600 a year: £14,000.00.
    unit = _pupil(
        school, rate=Decimal("20.00"), hours=Decimal("15"), bought_in=Decimal("2600"), in_unit=True
    )
    # Mainstream pupil outside the unit: TA £20/h × 5 h ÷ 5 = £20 a day × 190 = £3,800.00.
    mainstream = _pupil(school, rate=Decimal("20.00"), hours=Decimal("5"), sen="K")
    _funding(school, "place", "6000.00")  # one unit place, £6,000
    _funding(school, "top_up", "6000.00", pupil=unit)
    _funding(school, "notional_sen", "3800.00")

    gap = compute_gap(school=school, period=YEAR)
    rows = {r.pupil: r for r in pupil_threshold_rows(school=school, period=YEAR)}

    # Unit pupil: 14,000 − 6,000 place − 6,000 top-up = £2,000.00 short.
    assert rows[unit.pk].place and not rows[mainstream.pk].place
    assert P(rows[unit.pk].cost) == Decimal("14000.00")
    assert P(rows[unit.pk].line) == Decimal("6000.00")
    assert P(rows[unit.pk].shortfall) == Decimal("2000.00")
    assert P(gap.topup_shortfall) == Decimal("2000.00")
    # The school share (notional SEN budget) is the mainstream pupil's min(3,800, 6,000) =
    # £3,800.00 only; were the unit pupil counted it would be 3,800 + 6,000 = £9,800.00.
    assert P(gap.school_share) == Decimal("3800.00")
    assert P(gap.notional_pressure) == ZERO  # 3,800 − 3,800 notional budget
    assert P(gap.place_share) == Decimal("6000.00")  # min(14,000, 6,000 place)
    assert gap.place_pupils == 1
    # Need 14,000 + 3,800 = 17,800 − funding 6,000 + 6,000 + 3,800 = 15,800: £2,000.00.
    assert P(gap.gap) == Decimal("2000.00")


def test_the_unit_flag_counts_only_in_a_school_with_a_unit(db):
    school = SchoolFactory(type=School.Type.ACADEMY)  # no resourced provision or unit
    # £20 × 15 h ÷ 5 = £60 a day × 190 = £11,400.00 + £2,600 = £14,000.00.
    pupil = _pupil(
        school, rate=Decimal("20.00"), hours=Decimal("15"), bought_in=Decimal("2600"), in_unit=True
    )

    gap = compute_gap(school=school, period=YEAR)
    [row] = pupil_threshold_rows(school=school, period=YEAR)

    # Mainstream: school share min(14,000, 6,000) = £6,000.00 from the notional budget and
    # an excess of £8,000.00 with no top-up.
    assert row.pupil == pupil.pk and not row.place
    assert P(gap.school_share) == Decimal("6000.00")
    assert P(row.shortfall) == Decimal("8000.00")
    assert gap.over_threshold_without_topup == 1


def test_an_ap_pupil_is_measured_against_a_ten_thousand_pound_place(db):
    school = SchoolFactory(type=School.Type.AP_ACADEMY, phase=School.Phase.SECONDARY)
    # £25 × 8 h ÷ 5 = £40 a day × 190 = £7,600.00 < £10,000 place: no shortfall.
    _pupil(school, rate=Decimal("25.00"), hours=Decimal("8"))

    gap = compute_gap(school=school, period=YEAR)

    assert school.is_academy and school.place_funded
    assert P(gap.lines.place_line) == Decimal("10000.00")
    assert gap.pupils_over_threshold == 0
    assert P(gap.school_share) == ZERO


def test_only_a_mainstream_school_has_a_unit(db):
    from django.core.exceptions import ValidationError

    school = SchoolFactory.build(
        type=School.Type.SPECIAL,
        unit=School.Unit.RESOURCED,
        local_authority=SchoolFactory().local_authority,
    )
    with pytest.raises(ValidationError, match="only a mainstream school"):
        school.full_clean()


def test_the_dashboard_and_pupil_list_of_a_special_school_speak_of_places(
    school, head_client, request
):

    traveller = time_machine.travel(on(dt.date(2024, 11, 11)))
    traveller.start()
    request.addfinalizer(traveller.stop)
    school.type, school.phase = School.Type.SPECIAL, School.Phase.SPECIAL
    school.save()
    # £25 × 8 h ÷ 5 = £40 a school day: £7,600.00 over the year, inside a £10,000 place.
    _pupil(school, rate=Decimal("25.00"), hours=Decimal("8"))
    _funding(school, "place", "10000.00")

    body = head_client.get(
        "/funding/?period=custom&start=2024-09-01&end=2025-08-31"
    ).content.decode()
    assert 'data-testid="place-note"' in body
    assert "Every pupil here is funded by a £10,000 place plus element 3 top-up" in body
    assert "The £10,000 place" in body and "Place funding in the period" in body
    listing = head_client.get(
        "/funding/pupils/?period=custom&start=2024-09-01&end=2025-08-31"
    ).content.decode()
    assert ">Place</th>" in listing and "Met by the place" in listing


def test_the_dashboard_of_a_school_with_a_unit_names_its_unit_pupils(school, head_client, request):

    traveller = time_machine.travel(on(dt.date(2024, 11, 11)))
    traveller.start()
    request.addfinalizer(traveller.stop)
    school.unit = School.Unit.RESOURCED
    school.save()
    # £20 × 15 h ÷ 5 = £60 a day × 190 = £11,400 + £2,600 = £14,000.00, £6,000 top-up.
    unit = _pupil(
        school, rate=Decimal("20.00"), hours=Decimal("15"), bought_in=Decimal("2600"), in_unit=True
    )
    _funding(school, "top_up", "6000.00", pupil=unit)

    body = head_client.get(
        "/funding/?period=custom&start=2024-09-01&end=2025-08-31"
    ).content.decode()
    assert "Pupils in the resourced provision are funded by a £6,000 place" in body
    assert f"{escape(unit.full_name)} (unit: place + top-up)" in body
    listing = head_client.get(
        "/funding/pupils/?period=custom&start=2024-09-01&end=2025-08-31"
    ).content.decode()
    assert ">Threshold or place</th>" in listing and ">unit</span>" in listing


def test_governors_see_the_place_wording_but_no_place_money_about_few_pupils(
    school, governor_client, request
):

    traveller = time_machine.travel(on(dt.date(2024, 11, 11)))
    traveller.start()
    request.addfinalizer(traveller.stop)
    school.type, school.phase = School.Type.SPECIAL, School.Phase.SPECIAL
    school.save()
    _pupil(school, rate=Decimal("25.00"), hours=Decimal("8"))  # £7,600.00, one pupil

    body = governor_client.get(
        "/funding/?period=custom&start=2024-09-01&end=2025-08-31"
    ).content.decode()

    assert "Every pupil here is funded by a £10,000 place" in body
    assert "place share" not in body.lower() and "£7,600" not in body


def test_gap_report_gives_the_same_place_figures(special):
    import json
    from io import StringIO

    from django.core.management import call_command

    # £25 × 15 h ÷ 5 = £75 a day × 190 = £14,250 + £3,750 bought in = £18,000.00.
    pupil = _pupil(special, rate=Decimal("25.00"), hours=Decimal("15"), bought_in=Decimal("3750"))
    _funding(special, "place", "10000.00")
    _funding(special, "top_up", "5000.00", pupil=pupil)
    out = StringIO()

    call_command(
        "gap_report", "--school", special.urn, "--start", "2024-09-01", "--end", "2025-08-31",
        stdout=out,
    )  # fmt: skip

    data = json.loads(out.getvalue())
    # 18,000 − 10,000 place − 5,000 top-up = £3,000.00, as the engine and pupil list say.
    assert data["topup_shortfall"] == "3000.00" and data["gap"] == "3000.00"
    assert (data["place_kind"], data["place_value"]) == ("special", "10000.00")
    assert (data["place_share"], data["place_funding"], data["school_share"]) == (
        "10000.00",
        "10000.00",
        "0.00",
    )


def test_the_termly_report_and_evidence_pack_say_place_for_a_special_school(special):
    from advocacy.evidence import _threshold
    from reports.snapshot import _over_label
    from sendfund.lib.disclosure import publish_gap

    _pupil(special, rate=Decimal("25.00"), hours=Decimal("8"))  # £7,600.00
    gap = compute_gap(school=special, period=YEAR)

    assert _over_label(gap) == "Pupils costing more than their £10,000 place with no top-up"
    rows = _threshold(gap, publish_gap(gap))
    assert rows[0].label == "Pupils whose provision costs more than their £10,000 place"


def test_a_special_pupils_place_line_and_shortfall_term_by_term_add_up_to_the_year(special):
    from sendfund.lib.periods import term

    # £18,000.00 a year as above (£75 a day staffed + £3,750 ÷ 190 bought in, per school day).
    pupil = _pupil(special, rate=Decimal("25.00"), hours=Decimal("15"), bought_in=Decimal("3750"))
    _funding(special, "place", "10000.00")
    _funding(special, "top_up", "5000.00", pupil=pupil)
    terms = [term(2024, name) for name in ("autumn", "spring", "summer")]

    rows = [pupil_threshold_rows(school=special, period=t)[0] for t in terms]

    # School days 72 + 55 + 63 = 190; calendar days 122 + 90 + 153 = 365.
    # Place line: 10,000 × 72/190 = 3,789.47; 10,000 × 55/190 = 2,894.74; 10,000 × 63/190 =
    # 3,315.79. Excess over it: 8,000 × d/190 = 3,031.58, 2,315.79, 2,652.63. Top-up by
    # calendar day: 5,000 × 122/365 = 1,671.23, × 90/365 = 1,232.88, × 153/365 = 2,095.89.
    # Shortfall: 1,360.35, 1,082.91 and 556.74, which add up to the year's £3,000.00.
    assert [P(r.line) for r in rows] == [
        Decimal("3789.47"),
        Decimal("2894.74"),
        Decimal("3315.79"),
    ]
    assert [P(r.shortfall) for r in rows] == [
        Decimal("1360.35"),
        Decimal("1082.91"),
        Decimal("556.74"),
    ]
    assert P(sum((r.shortfall for r in rows), Decimal("0"))) == Decimal("3000.00")
    gaps = [compute_gap(school=special, period=t) for t in terms]
    assert [P(g.topup_shortfall) for g in gaps] == [P(r.shortfall) for r in rows]
