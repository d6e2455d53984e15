"""The funding panel on the home pages."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sendfund.lib.money import to_pennies
from tests.clock import on
from tests.factories import FundingSourceFactory, current_summaries
from tests.funding.factories import pupil_with_provision

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(on(dt.date(2025, 11, 10))):
        yield


def test_the_head_sees_this_terms_gap_on_the_home_page(head_client, school):
    pupil_with_provision(school, annual_cost=Decimal("7300"))  # x 72/190 school days: 2,766.32
    FundingSourceFactory(
        school=school,
        amount=Decimal("3650.00"),
        period_start=dt.date(2025, 4, 1),
        period_end=dt.date(2026, 3, 31),
    )

    response = head_client.get("/")

    # 2,766.32 - 1,220 (3,650 x 122/365 calendar days) = 1,546.32.
    assert to_pennies(response.context["funding_headline"].gap) == Decimal("1546.32")
    html = response.content.decode()
    assert "Funding gap, Autumn 2025/26" in html
    assert "£1,546 shortfall" in html
    assert "the default calendar" in html


def test_governors_see_the_panel_and_admins_do_not(governor_client, school_admin_client, school):
    assert "Funding gap, Autumn" in governor_client.get("/").content.decode()
    assert "funding_headline" not in school_admin_client.get("/").context


def test_the_panel_adds_a_constant_number_of_queries(head_client, school):
    pupil_with_provision(school, annual_cost=Decimal("7300"))
    head_client.get("/")
    current_summaries()
    with CaptureQueriesContext(connection) as small:
        head_client.get("/")
    for _ in range(10):
        pupil_with_provision(school, annual_cost=Decimal("5000"))
    current_summaries()
    with CaptureQueriesContext(connection) as large:
        head_client.get("/")
    funding = [q for q in large.captured_queries if "funding_fundingsource" in q["sql"]]
    assert len(funding) == 1
    assert len(large.captured_queries) == len(small.captured_queries)
