"""The pupil list against the threshold (/funding/pupils/) kept whole under its period's
stored summary (sendfund.lib.kept): served without rendering while the summary exists, drawn
again after a write, and never kept for a custom date range."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pupils.models import Pupil
from tests.clock import frozen_on
from tests.factories import FundingSourceFactory
from tests.funding.factories import pupil_with_provision

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 11, 10)  # autumn term 2025/26
URL = "/funding/pupils/"
YEAR = {"period": "ay:2025"}

_today = frozen_on(TODAY)


def _views(client, params):
    """Three views: the first builds the summary, the second renders and keeps the page."""
    return [client.get(URL, params) for _ in range(3)]


def test_a_standard_period_is_served_kept_with_the_same_figures(senco_client, school):
    # 7,300 a year against the 6,000 threshold: 1,300 over.
    pupil_with_provision(school, annual_cost=Decimal("7300"))
    first, second, third = _views(senco_client, YEAR)
    assert first.templates and second.templates
    assert not third.templates, "expected the kept page"
    assert third.status_code == 200
    assert "£7,300.00" in third.content.decode() and "£1,300.00" in third.content.decode()


def test_a_write_ends_the_kept_list(senco_client, school):
    pupil = pupil_with_provision(school, annual_cost=Decimal("7300"))
    _views(senco_client, YEAR)
    Pupil.objects.filter(pk=pupil.pk).update(surname="Lovelace")
    after = senco_client.get(URL, YEAR)
    assert after.templates
    assert "Lovelace" in after.content.decode()
    # A top-up changes the shortfall: the list is drawn again with it (1,300 - 1,000 = 300).
    _views(senco_client, YEAR)
    FundingSourceFactory(
        school=school,
        pupil=pupil,
        type="top_up",
        amount=Decimal("1000.00"),
        period_start=dt.date(2025, 9, 1),
        period_end=dt.date(2026, 8, 31),
    )
    after = senco_client.get(URL, YEAR)
    assert after.templates and "£300.00" in after.content.decode()


def test_a_custom_range_is_never_kept(senco_client, school):
    pupil_with_provision(school, annual_cost=Decimal("7300"))
    custom = {"period": "custom", "start": "2025-09-02", "end": "2025-12-19"}
    views = _views(senco_client, custom)
    assert [r.status_code for r in views] == [200, 200, 200]
    assert views[0].context["period"].start == dt.date(2025, 9, 2)
    assert all(r.templates for r in views)
