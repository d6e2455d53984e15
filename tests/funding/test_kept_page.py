"""The dashboard kept whole (sendfund.lib.kept): served with one query while its summary exists,
with this request's CSRF token, and never to anyone or in any state it was not rendered for."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from sendfund.lib.kept import CSRF_SLOT
from sendfund.schools.models import Membership
from sendfund.schools.roles import Role
from tests.clock import frozen_on
from tests.factories import FundingSourceFactory, MembershipFactory, UserFactory
from tests.funding.factories import pupil_with_provision

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 11, 10)  # autumn term 2025/26
URL = "/funding/"


_today = frozen_on(TODAY)


def _kept(client, url=URL):
    """Three views: the first builds the summary, the second renders and keeps the page, the
    third is served kept (no template rendered)."""
    for _ in range(2):
        client.get(url)
    response = client.get(url)
    assert response.status_code == 200
    assert not response.templates, "expected the kept page"
    return response


def _csrf(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())[1]


def test_the_kept_page_costs_one_query_after_the_session_and_carries_a_working_csrf_token(
    head, school
):
    pupil_with_provision(school, annual_cost=Decimal("7300"))
    client = Client(enforce_csrf_checks=True)
    client.force_login(head)
    for _ in range(2):
        rendered = client.get(URL)
    client.get(URL)  # the first kept view also PREPAREs its statement on this connection
    with CaptureQueriesContext(connection) as ctx:
        kept = client.get(URL)
    assert not kept.templates
    # The session, the user with their schools, then one check that the summary still exists.
    assert len(ctx.captured_queries) == 3, [q["sql"][:80] for q in ctx.captured_queries]
    assert "EXECUTE sendfund_count_stored" in ctx.captured_queries[-1]["sql"]
    html = kept.content.decode()
    assert CSRF_SLOT not in html and CSRF_SLOT not in rendered.content.decode()
    assert html.replace(_csrf(kept), "") == rendered.content.decode().replace(_csrf(rendered), "")
    # The kept page's token is this session's: signing out with it works (a wrong one is 403).
    assert client.post("/accounts/logout/", {"csrfmiddlewaretoken": "x" * 64}).status_code == 403
    response = client.post("/accounts/logout/", {"csrfmiddlewaretoken": _csrf(kept)})
    assert response.status_code == 302
    assert client.get(URL).status_code == 302  # signed out


def test_after_a_write_the_new_figure_is_served_not_the_kept_page(head_client, school):
    # Funding 3,650 over 2025/26's financial year by calendar day: autumn 2025 has 122 of
    # its 365 days, 3,650 x 122/365 = 1,220.00; a second source makes 2,440.00.
    pupil_with_provision(school, annual_cost=Decimal("7300"))
    funding = {"period_start": dt.date(2025, 4, 1), "period_end": dt.date(2026, 3, 31)}
    FundingSourceFactory(school=school, amount=Decimal("3650.00"), **funding)
    assert "£1,220.00" in _kept(head_client).content.decode()

    FundingSourceFactory(school=school, amount=Decimal("3650.00"), **funding)
    after = head_client.get(URL)
    assert after.templates  # rendered again
    assert "£2,440.00" in after.content.decode() and "£1,220.00" not in after.content.decode()
    assert "£2,440.00" in _kept(head_client).content.decode()


def test_a_waiting_message_is_shown_not_the_kept_page(head_client, school, other_school, head):
    MembershipFactory(user=head, school=other_school, role=Role.HEAD)
    _kept(head_client)
    head_client.post("/schools/switch/", {"school": str(other_school.public_id)})
    head_client.post("/schools/switch/", {"school": str(school.public_id)})
    response = head_client.get(URL)
    assert response.templates
    assert f"You are now working in {school.name}." in response.content.decode()


def test_each_person_gets_a_page_with_their_own_name_and_role(head_client, school):
    pupil_with_provision(school, annual_cost=Decimal("7300"))
    _kept(head_client)
    second_head = UserFactory(username="hugo")
    MembershipFactory(user=second_head, school=school, role=Role.HEAD)
    other = Client()
    other.force_login(second_head)
    html = other.get(URL).content.decode()
    assert "hugo" in html and "harriet" not in html


def test_a_role_change_or_a_renamed_school_is_never_served_the_old_page(head_client, head, school):
    pupil = pupil_with_provision(school, annual_cost=Decimal("7300"))  # over the threshold
    assert escape(pupil.full_name) in _kept(head_client).content.decode()  # the head sees names

    Membership.objects.filter(user=head, school=school).update(role=Role.GOVERNOR)
    as_governor = head_client.get(URL).content.decode()
    assert escape(pupil.full_name) not in as_governor
    assert "Governor" in as_governor

    Membership.objects.filter(user=head, school=school).update(role=Role.HEAD)
    _kept(head_client)
    type(school).objects.filter(pk=school.pk).update(name="Brook Primary and Nursery")
    assert "Brook Primary and Nursery" in head_client.get(URL).content.decode()


def test_the_trust_view_is_kept_whole_and_follows_a_renamed_school(trust_lead, school):
    pupil_with_provision(school, annual_cost=Decimal("7300"))
    client = Client()
    client.force_login(trust_lead)
    for _ in range(3):
        client.get("/trust/")
    with CaptureQueriesContext(connection) as ctx:
        kept = client.get("/trust/")
    assert not kept.templates and kept.status_code == 200
    # The session, the user with their schools, then one check that the summaries still exist.
    assert len(ctx.captured_queries) == 3
    assert "Brook Primary" in kept.content.decode()
    type(school).objects.filter(pk=school.pk).update(name="Brook Church Primary")
    renamed = client.get("/trust/").content.decode()
    assert "Brook Church Primary" in renamed
