"""The evidence pack: live figures, small numbers suppressed, no pupil-level data."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pypdf
import pytest
from django.urls import reverse

from advocacy.evidence import build, parse_period
from sendfund.lib.periods import academic_year, term, term_for_date
from tests.advocacy.factories import AdvocacyActionFactory
from tests.factories import current_summaries
from tests.funding.factories import TopUpFactory, pupil_with_provision

pytestmark = pytest.mark.django_db
YEAR = academic_year(2024)
TODAY = dt.date(2025, 7, 1)
SMALL = {"1", "2", "3", "4"}


def _world(school):
    """3 pupils with communication provision (a small group), 6 with cognition and learning,
    2 pupils above £6,000 (one with a top-up), 3 top-up requests and 6 grant applications."""
    for _ in range(3):
        pupil_with_provision(school, annual_cost=Decimal("1200"), area="CI")
    for _ in range(6):
        pupil_with_provision(school, annual_cost=Decimal("900"), area="CL", sen="K", need="MLD")
    pupil_with_provision(school, annual_cost=Decimal("9000"), area="SEMH", need="SEMH")
    topped = pupil_with_provision(school, annual_cost=Decimal("8000"), area="SEMH", need="SEMH")
    TopUpFactory(
        school=school,
        pupil=topped,
        amount=Decimal("1000.00"),
        period_start=YEAR.start,
        period_end=YEAR.end,
    )
    for _ in range(3):
        AdvocacyActionFactory(
            school=school,
            type="top_up",
            date=dt.date(2024, 10, 1),
            status="successful",
            decision_date=dt.date(2024, 11, 1),
            amount_requested=Decimal("3000"),
            amount_secured=Decimal("2000"),
        )
    for _ in range(6):
        AdvocacyActionFactory(
            school=school,
            type="grant",
            date=dt.date(2024, 10, 1),
            status="submitted",
            amount_requested=Decimal("500"),
        )


def _cells(pack):
    return [cell for _, _, rows in pack.sections() for row in rows for cell in row.cells]


def test_no_count_of_one_to_four_is_printed(school):
    _world(school)
    pack = build(school=school, period=YEAR, period_key="year-2024", today=TODAY)
    shown = [str(cell) for cell in _cells(pack)]
    assert not SMALL & set(shown)
    assert "c" in shown


def test_a_small_area_is_hidden_with_a_second_area_so_the_total_cannot_give_it_away(school):
    _world(school)
    pack = build(school=school, period=YEAR, period_key="year-2024", today=TODAY)
    areas = {row.label: row.cells for row in pack.areas}
    hidden = [label for label, (count, money) in areas.items() if count.suppressed]
    assert "Communication and interaction" in hidden
    assert len(hidden) >= 2
    # Money follows its count, so the published need total minus the shown areas leaves the
    # sum of at least two withheld amounts, never one.
    for label in hidden:
        assert areas[label][1].suppressed
    assert str(areas["Cognition and learning"][0]) == "6"


def test_money_describing_fewer_than_five_pupils_is_withheld(school):
    _world(school)
    pack = build(school=school, period=YEAR, period_key="year-2024", today=TODAY)
    rows = {row.label: row.cells[0] for row in pack.threshold}
    shortfall = rows["Top-up shortfall (total for the period)"]
    assert shortfall.suppressed
    assert str(shortfall) == "c"


def test_a_split_never_lets_a_small_part_be_subtracted_from_its_total(school):
    _world(school)
    pack = build(school=school, period=YEAR, period_key="year-2024", today=TODAY)
    totals = {row.label: row.cells[0] for row in pack.advocacy_totals}
    # 3 decided, all successful: the total and its part are both hidden, and so is the rate.
    assert totals["Decided"].suppressed and totals["Successful or partly successful"].suppressed
    assert totals["Success rate"].suppressed
    assert str(totals["Actions in the period"]) == "9"
    assert totals["Money secured"].value == Decimal("6000")
    by_type = {row.label: row.cells for row in pack.advocacy}
    assert by_type["Top-up request"][0].suppressed and by_type["Top-up request"][2].suppressed
    # With only two types and 9 actions published, 9 - 6 would give the 3 away: the grants'
    # row is hidden too (secondary suppression), with its money.
    assert by_type["Grant or funding application"][0].suppressed
    assert by_type["Grant or funding application"][2].suppressed


def test_a_school_with_nothing_recorded_gets_a_pack_of_zeros(school):
    pack = build(school=school, period=YEAR, period_key="year-2024", today=TODAY)
    headline = {row.label: str(row.cells[0]) for row in pack.headline}
    assert headline["Identified need"] == "£0"
    assert headline["Pupils with SEN (EHC plan or SEN support)"] == "0"
    assert pack.areas == [] and pack.advocacy == []


def test_periods_parse_terms_years_and_financial_years(school, other_school):
    assert parse_period("term-2024-spring", school).start == dt.date(2025, 1, 1)
    assert parse_period("year-2024", school) == academic_year(2024)
    assert parse_period("fy-2024", school).start == dt.date(2024, 4, 1)
    assert parse_period("fy-2024", other_school).start == dt.date(2024, 9, 1)


def _csv_figures(content: bytes) -> list[str]:
    rows = list(csv.reader(io.StringIO(content.decode())))
    header = rows.index(["section", "item", "measure", "value"])
    return [row[3] for row in rows[header + 1 :]]


def test_the_csv_prints_no_small_count_and_no_names(governor_client, school, named_pupil):
    _world(school)
    action = AdvocacyActionFactory(school=school, type="top_up", date=dt.date.today())
    action.pupils.set([named_pupil])
    response = governor_client.get(reverse("advocacy:evidence_csv"), {"period": "year-2024"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    figures = _csv_figures(response.content)
    assert figures and not SMALL & set(figures)
    assert "Quixotefield" not in response.content.decode()


def test_the_governors_pdf_has_the_figures_and_no_pupil_names(governor_client, school, named_pupil):
    _world(school)
    action = AdvocacyActionFactory(school=school, type="top_up", date=dt.date(2024, 10, 2))
    action.pupils.set([named_pupil])
    response = governor_client.get(reverse("advocacy:evidence_pdf"), {"period": "year-2024"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(
        page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages
    )
    assert "Evidence pack" in text
    assert "Need by broad area" in text
    assert "Quixotefield" not in text and "Zebedee" not in text


def test_the_printable_page_shows_the_key_to_suppression(governor_client, school):
    _world(school)
    body = governor_client.get(reverse("advocacy:evidence"), {"period": "year-2024"})
    assert "c: fewer than 5" in body.content.decode()
    assert 'type="button" data-print>Print</button>' in body.content.decode()  # static/js/print.js


def test_money_totals_are_withheld_when_fewer_than_five_actions_describe_them(school):
    AdvocacyActionFactory.create_batch(
        2,
        school=school,
        type="top_up",
        date=dt.date(2024, 10, 1),
        status="successful",
        decision_date=dt.date(2024, 11, 1),
        amount_requested=Decimal("3000"),
        amount_secured=Decimal("3000"),
    )
    pack = build(school=school, period=YEAR, period_key="year-2024", today=TODAY)
    totals = {row.label: row.cells[0] for row in pack.advocacy_totals}
    assert totals["Actions in the period"].suppressed
    assert totals["Money requested"].suppressed and totals["Money secured"].suppressed


def test_the_pack_takes_the_same_number_of_queries_with_more_pupils_and_actions(
    head_client, school
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("advocacy:evidence")

    def count():
        current_summaries()
        with CaptureQueriesContext(connection) as ctx:
            assert head_client.get(url, {"period": "year-2024"}).status_code == 200
        return len(ctx.captured_queries)

    _world(school)
    count()  # the first request also loads the session
    small = count()
    _world(school)
    _world(school)
    assert count() == small


def test_the_pack_opens_on_the_current_term_like_the_dashboard(head_client):
    pack = head_client.get(reverse("advocacy:evidence")).context["pack"]
    assert pack.period == term(*term_for_date(dt.date.today()))
