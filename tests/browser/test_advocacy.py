"""The head logs a grant application, records the decision and sees the funding gap move."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from sendfund.schools.roles import Role
from tests.browser.conftest import sign_in
from tests.factories import MembershipFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


@pytest.fixture
def head_user(transactional_db):
    school = SchoolFactory(name="Brook Primary", urn="100001")
    user = UserFactory(username="harriet")
    MembershipFactory(user=user, school=school, role=Role.HEAD)
    return user, school


def _funding_url(page, school) -> str:
    year = school.financial_year_for(dt.date.today())
    return (
        f"{page.base_url}/funding/?period=custom&start={year.start:%Y-%m-%d}"
        f"&end={year.end:%Y-%m-%d}"
    )


def test_head_logs_a_grant_marks_it_successful_and_sees_funding_rise(page, head_user):
    user, school = head_user
    sign_in(page, user.username, PASSWORD)

    page.goto(_funding_url(page, school))
    expect(page.get_by_test_id("funding")).to_have_text("£0")

    page.goto(f"{page.base_url}/advocacy/")
    page.get_by_role("link", name="Log an action").first.click()
    page.get_by_label("Type").select_option(label="Grant or funding application")
    page.get_by_label("Title").fill("Inclusion fund: nurture group")
    page.get_by_label("Body or organisation addressed").fill("Devon County Council")
    page.get_by_label("Status").select_option(label="Submitted")
    page.get_by_label("Amount requested").fill("5000")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("action-status")).to_have_text(re.compile("Submitted"))

    page.get_by_label("New status").select_option(label="Successful")
    page.get_by_label("Decision date").fill(dt.date.today().isoformat())
    page.get_by_label("Amount secured").fill("3650")
    page.get_by_role("button", name="Update status").click()
    expect(page.get_by_test_id("action-status")).to_have_text(re.compile("Successful"))
    expect(page.get_by_test_id("amount-secured")).to_have_text("£3,650.00")

    page.get_by_role("button", name="Record as funding").click()
    expect(page.get_by_test_id("funding-recorded")).to_contain_text("Recorded as funding")
    expect(page.get_by_role("button", name="Record as funding")).to_have_count(0)

    page.goto(_funding_url(page, school))
    expect(page.get_by_test_id("funding")).to_have_text("£3,650")


def test_a_governor_reads_the_overview_and_evidence_pack_but_cannot_log_actions(page, head_user):
    _, school = head_user
    governor = UserFactory(username="gordon")
    MembershipFactory(user=governor, school=school, role=Role.GOVERNOR)
    sign_in(page, governor.username, PASSWORD)

    page.goto(f"{page.base_url}/advocacy/")
    expect(page.get_by_role("heading", name="Advocacy", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Log an action")).to_have_count(0)

    page.get_by_role("link", name="Evidence pack").first.click()
    expect(page.get_by_role("heading", name="The gap")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename.startswith("evidence-pack-100001-")

    response = page.goto(f"{page.base_url}/advocacy/actions/add/")
    assert response.status == 403
