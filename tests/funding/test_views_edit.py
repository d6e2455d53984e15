"""Adding and editing funding sources, pupil top-ups, top-up schemes and bands."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from funding.models import FundingSource, TopUpBand, TopUpScheme
from tests.factories import FundingSourceFactory, PupilFactory, current_summaries
from tests.funding.factories import TopUpBandFactory, TopUpFactory, TopUpSchemeFactory

pytestmark = pytest.mark.django_db


def _source(**extra):
    data = {
        "type": "notional_sen",
        "description": "Notional SEN budget",
        "amount": "42000.00",
        "period_kind": "dates",
        "period_start": "2025-04-01",
        "period_end": "2026-03-31",
        "status": "confirmed",
    }
    return data | extra


def test_the_head_adds_a_notional_budget_for_a_financial_year(head_client, school):
    response = head_client.post(
        "/funding/sources/add/", _source(period_kind="fy", year="2025", period_start="")
    )

    assert response.status_code == 302
    source = FundingSource.objects.get()
    assert (source.school, source.period_start, source.period_end) == (
        school,
        dt.date(2025, 4, 1),
        dt.date(2026, 3, 31),
    )
    assert source.amount == Decimal("42000.00")


def test_an_academy_year_choice_gives_september_to_august(head_client, school):
    head_client.post("/funding/sources/add/", _source(period_kind="ay", year="2025"))

    source = FundingSource.objects.get()
    assert (source.period_start, source.period_end) == (dt.date(2025, 9, 1), dt.date(2026, 8, 31))


def test_an_end_date_before_the_start_is_refused_and_nothing_saved(head_client, school):
    response = head_client.post("/funding/sources/add/", _source(period_end="2025-03-01"))

    assert response.status_code == 400
    assert "The end date must be on or after the start date." in response.content.decode()
    assert not FundingSource.objects.exists()


def test_a_negative_amount_is_refused(head_client, school):
    response = head_client.post("/funding/sources/add/", _source(amount="-5"))

    assert response.status_code == 400
    assert not FundingSource.objects.exists()


def test_a_top_up_from_a_band_takes_the_bands_amount_for_the_dates(head_client, school):
    pupil = PupilFactory(school=school)
    band = TopUpBandFactory(
        scheme=TopUpSchemeFactory(school=school), annual_amount=Decimal("3650.00")
    )

    response = head_client.post(
        "/funding/top-ups/add/",
        {
            "pupil": pupil.pk,
            "band": band.pk,
            "period_kind": "dates",
            "period_start": "2025-09-01",
            "period_end": "2025-12-31",
            "status": "confirmed",
        },
    )

    assert response.status_code == 302
    top_up = FundingSource.objects.get()
    assert (top_up.type, top_up.pupil, top_up.band) == ("top_up", pupil, band)
    assert top_up.amount == Decimal("1220.00")  # 3,650 x 122/365
    assert top_up.description == f"Top-up: {band.name}"


def test_a_pupil_from_another_school_cannot_be_given_a_top_up(head_client, school, other_school):
    stranger = PupilFactory(school=other_school)

    response = head_client.post(
        "/funding/top-ups/add/",
        {"pupil": stranger.pk, "amount": "100", "period_kind": "ay", "year": "2025"}
        | {"status": "confirmed"},
    )

    assert response.status_code == 400
    assert not FundingSource.objects.exists()


def test_editing_a_top_up_uses_the_top_up_form(head_client, school):
    top_up = TopUpFactory(school=school)

    response = head_client.get(f"/funding/sources/{top_up.public_id}/edit/")

    assert "band" in response.context["form"].fields


def test_deleting_a_source_needs_a_post(head_client, school):
    source = FundingSourceFactory(school=school)

    assert head_client.get(f"/funding/sources/{source.public_id}/delete/").status_code == 200
    assert FundingSource.objects.exists()
    response = head_client.post(f"/funding/sources/{source.public_id}/delete/")
    assert response.status_code == 302
    assert not FundingSource.objects.exists()


def test_a_senco_edits_funding_only_where_the_school_allows(senco_client, school):
    assert senco_client.get("/funding/sources/add/").status_code == 403
    school.senco_edits_funding = True
    school.save()
    assert senco_client.get("/funding/sources/add/").status_code == 200


def test_a_scheme_and_a_band_from_funded_hours(head_client, school):
    head_client.post("/funding/schemes/add/", {"year": "2025", "name": "Our LA bands"})
    scheme = TopUpScheme.objects.get(school=school)
    assert scheme.local_authority == school.local_authority

    response = head_client.post(
        f"/funding/schemes/{scheme.public_id}/bands/add/",
        {"name": "Band C", "hours_per_week": "5", "hourly_rate": "17.20", "weeks": "38"},
    )

    assert response.status_code == 302
    assert TopUpBand.objects.get(scheme=scheme).annual_amount == Decimal("3268.00")


def test_a_band_needs_an_amount_or_all_three_hours_figures(head_client, school):
    scheme = TopUpSchemeFactory(school=school)

    response = head_client.post(
        f"/funding/schemes/{scheme.public_id}/bands/add/", {"name": "B", "hours_per_week": "5"}
    )

    assert response.status_code == 400
    assert not TopUpBand.objects.filter(scheme=scheme).exists()


def test_shared_reference_schemes_are_listed_but_not_editable(head_client, school):
    devon = TopUpScheme.objects.get(school__isnull=True, year=2023)
    school.local_authority = devon.local_authority
    school.save()

    page = head_client.get("/funding/schemes/").content.decode()

    assert "Devon mainstream top-up bands" in page and "Shared example" in page
    assert head_client.get(f"/funding/schemes/{devon.public_id}/edit/").status_code == 404


def test_the_sources_list_searches_and_its_query_count_does_not_grow(head_client, school):
    FundingSourceFactory(school=school, description="Inclusion grant", type="la_grant")
    TopUpFactory(school=school)
    head_client.get("/funding/sources/")
    current_summaries()
    with CaptureQueriesContext(connection) as small:
        head_client.get("/funding/sources/")
    for _ in range(12):
        TopUpFactory(school=school)
    current_summaries()
    with CaptureQueriesContext(connection) as large:
        response = head_client.get("/funding/sources/", {"q": "inclusion"})

    assert len(large.captured_queries) == len(small.captured_queries)
    assert [s.description for s in response.context["page"]] == ["Inclusion grant"]


def test_the_schemes_list_query_count_does_not_grow(head_client, school):
    TopUpBandFactory(scheme=TopUpSchemeFactory(school=school))
    head_client.get("/funding/schemes/")
    current_summaries()
    with CaptureQueriesContext(connection) as small:
        head_client.get("/funding/schemes/")
    for _ in range(5):
        TopUpBandFactory(scheme=TopUpSchemeFactory(school=school))
    current_summaries()
    with CaptureQueriesContext(connection) as large:
        head_client.get("/funding/schemes/")

    assert len(large.captured_queries) == len(small.captured_queries)
