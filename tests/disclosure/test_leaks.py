"""The small-number leaks issue 11 names, reproduced on the pages a governor can open.

Each test builds the school the issue describes and checks the figure is withheld ("c") on
the governor's view while the head (who holds pupil-level access) still sees it.
"""

import datetime as dt
from decimal import Decimal

import pytest

from advocacy import evidence
from pupils.models import AssessmentRequest
from reports.snapshot import build_figures
from sendfund.lib.money import format_gbp
from sendfund.lib.periods import term
from tests.clock import frozen_on
from tests.factories import PupilFactory
from tests.funding.factories import TopUpFactory, pupil_with_provision

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 11, 10)  # autumn term 2025/26
URL = "/funding/"


_today = frozen_on(TODAY)


def _one_pupil_with_a_short_top_up(school):
    pupil = pupil_with_provision(school, annual_cost=Decimal("30000"), sen="E")
    TopUpFactory(
        school=school,
        pupil=pupil,
        amount=Decimal("2000.00"),
        period_start=dt.date(2025, 9, 1),
        period_end=dt.date(2026, 8, 31),
    )
    return pupil


def _headline(context) -> dict:
    return {row[0]: row[1] for row in context["tables"]["headline"].display_rows()}


def test_one_pupils_top_up_and_shortfall_are_withheld_from_governors(
    governor_client, head_client, school
):
    _one_pupil_with_a_short_top_up(school)

    head = head_client.get(URL)
    governor = governor_client.get(URL)

    head_rows, governor_rows = _headline(head.context), _headline(governor.context)
    shortfall = head_rows["Top-up shortfall"]
    topups = head_rows["Element 3 top-ups in the period"]
    assert shortfall.startswith("£") and topups.startswith("£")  # control: the head sees them
    assert governor_rows["Top-up shortfall"] == "c"
    assert governor_rows["Element 3 top-ups in the period"] == "c"
    html = governor.content.decode()
    gap = head.context["gap"]
    # (The school share is withheld too, but equals the public threshold line here.)
    for amount in (gap.topup_shortfall, gap.topup_funding, gap.need):
        for text in (format_gbp(amount), format_gbp(amount, pence=False)):
            assert text not in html, f"{text} shown to a governor"


def test_a_single_row_table_does_not_repeat_its_hidden_row_as_the_total(governor_client, school):
    for _ in range(6):
        pupil_with_provision(school, annual_cost=Decimal("1000"), area="CI")
    # One pupil is the only one with a top-up: "Element 3 top-up" is a row about one pupil.
    TopUpFactory(
        school=school,
        pupil=PupilFactory(school=school),
        amount=Decimal("1234.00"),
        period_start=dt.date(2025, 9, 1),
        period_end=dt.date(2025, 12, 31),
    )

    tables = governor_client.get(URL).context["tables"]

    rows = tables["funding_by_type"].display_rows()
    assert rows[0] == ["Element 3 top-up", "c"]
    assert rows[-1] == ["Total", "c"]  # the total is that one row


def test_a_one_area_school_with_a_hidden_count_hides_the_total_too(governor_client, school):
    pupil_with_provision(school, annual_cost=Decimal("9000"), area="SP")

    table = governor_client.get(URL).context["tables"]["by_area"].display_rows()

    assert table == [["Sensory and/or physical", "c", "c"], ["Total", "", "c"]]


def _plans(school, issued: int, within: int):
    for i in range(issued):
        received = dt.date(2025, 1, 6)
        weeks = 19 if i < within else 25
        AssessmentRequest.objects.create(
            school=school,
            pupil=PupilFactory(school=school),
            received_date=received,
            decision="assess",
            decision_date=received + dt.timedelta(weeks=5),
            draft_plan_date=received + dt.timedelta(weeks=15),
            final_plan_date=received + dt.timedelta(weeks=weeks),
            status="plan_issued",
        )


def test_the_termly_report_does_not_give_away_two_late_plans(school):
    # 7 issued in the summer term 2024/25, 5 within 20 weeks: 7 - 5 = 2 late (a count of 1-4).
    _plans(school, issued=7, within=5)

    clocks = build_figures(school=school, year=2024, name="summer", today=TODAY)["clocks"]

    assert clocks["final_plans_issued"]["display"] == "7"
    assert clocks["final_within_20_weeks"]["display"] == "c"
    assert clocks["within_20_weeks_pct"]["display"] == "c"


def test_the_evidence_pack_agrees_with_the_report_on_late_plans(school):
    _plans(school, issued=7, within=5)
    period = term(2024, "summer")

    pack = evidence.build(school=school, period=period, period_key="term-2024-summer", today=TODAY)

    shown = {row.label: str(row.cells[0]) for row in pack.timeliness}
    assert shown["… issued within 20 weeks"] == "c"


def test_the_governors_home_panel_withholds_what_the_dashboard_does(
    governor_client, head_client, school
):
    _one_pupil_with_a_short_top_up(school)

    head = head_client.get("/").context["funding_headline"]
    governor = governor_client.get("/")

    shown = governor.context["funding_headline"]
    assert not hasattr(head.need, "suppressed")  # control: the head sees the amount
    assert shown.need.suppressed and shown.gap.suppressed
    assert format_gbp(head.need, pence=False) not in governor.content.decode()
