"""The register kept whole (sendfund.lib.kept) under the school's newest stored summary
(funding.gap_store.latest_id): served without rendering while that summary exists, rendered
again after any write to what it shows, and never kept when no summary is stored."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from funding.gap import compute_gap
from funding.summary_models import PeriodSummary
from pupils.models import Need, Pupil, SenStatus
from sendfund.lib.kept import CSRF_SLOT
from sendfund.lib.periods import term
from tests.clock import frozen_on
from tests.factories import PupilFactory
from tests.funding.factories import pupil_with_provision

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 11, 10)  # autumn term 2025/26
URL = "/pupils/"

_today = frozen_on(TODAY)


def _without_tokens(response) -> str:
    token = re.search(r'"X-CSRFToken": "([^"]+)"', response.content.decode())[1]
    html = response.content.decode().replace(token, "")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def _stored(school) -> None:
    """A head has opened the dashboard: the term's summary is stored."""
    compute_gap(school=school, period=term(2025, "autumn"))
    assert PeriodSummary.objects.filter(school=school).exists()


def test_the_second_view_is_served_kept_and_matches_the_first(senco_client, school):
    PupilFactory(school=school, forename="Ada", surname="Byron")
    _stored(school)
    first = senco_client.get(URL)
    assert first.templates
    with CaptureQueriesContext(connection) as ctx:
        second = senco_client.get(URL)
    assert not second.templates, "expected the kept page"
    # The same page, with this request's own CSRF token (htmx header and sign-out form).
    assert _without_tokens(second) == _without_tokens(first)
    assert CSRF_SLOT not in second.content.decode()
    assert "EXECUTE sendfund_count_stored" in ctx.captured_queries[-1]["sql"]
    # Another query string is another page.
    assert senco_client.get(URL, {"sort": "-name"}).templates


@pytest.mark.parametrize(
    "write",
    [
        lambda p: Pupil.objects.filter(pk=p.pk).update(surname="Lovelace"),
        lambda p: SenStatus.objects.filter(pupil=p).update(code="K"),
        lambda p: Need.objects.filter(pupil=p).update(code="SLCN"),
        lambda p: p.provision.update(hours_per_week=Decimal("2.00")),
    ],
    ids=["name", "status", "need", "provision"],
)
def test_any_write_to_what_the_register_shows_renders_it_again(senco_client, school, write):
    pupil = pupil_with_provision(school, annual_cost=Decimal("3800"))
    _stored(school)
    senco_client.get(URL)
    assert not senco_client.get(URL).templates  # kept
    write(pupil)
    after = senco_client.get(URL)
    assert after.templates, "a write must end the kept page"


def test_the_new_name_is_shown_after_a_write(senco_client, school):
    pupil = PupilFactory(school=school, forename="Ada", surname="Byron")
    _stored(school)
    senco_client.get(URL)
    assert "Byron, Ada" in senco_client.get(URL).content.decode()
    Pupil.objects.filter(pk=pupil.pk).update(surname="Lovelace")
    body = senco_client.get(URL).content.decode()
    assert "Lovelace, Ada" in body and "Byron" not in body


def test_without_a_stored_summary_the_register_is_rendered_every_time(senco_client, school):
    PupilFactory(school=school)
    assert not PeriodSummary.objects.filter(school=school).exists()
    for _ in range(3):
        assert senco_client.get(URL).templates


def test_another_person_never_gets_the_kept_page(senco_client, head_client, school):
    PupilFactory(school=school)
    _stored(school)
    for _ in range(2):
        senco_client.get(URL)
    assert head_client.get(URL).templates  # the head's own page, rendered for the head
