"""The trust lead compares the schools and opens one school's dashboard from the trust view."""

import pytest

from sendfund.demo.data import DEFAULT_PASSWORD
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_the_trust_lead_opens_a_schools_dashboard_from_the_trust_view(
    page, live_server, demo_world, screenshot_dir
):
    sign_in(page, "trustlead", DEFAULT_PASSWORD)
    for visit in range(2):  # the second visit is served the kept table
        page.goto(f"{live_server.url}/trust/")
        table = page.get_by_test_id("trust-table")
        assert table.is_visible()
        buttons = table.get_by_role("button", name="Open dashboard for")
        assert buttons.count() >= 2
    name = table.locator("tbody tr").nth(1).locator("th").inner_text().strip()
    if screenshot_dir:
        page.screenshot(path=f"{screenshot_dir}/trust-view.png", full_page=True)

    buttons.nth(1).click()
    page.wait_for_url("**/funding/")

    assert page.get_by_role("heading", name="Funding gap", level=1).is_visible()
    assert f"You are now working in {name}." in page.content()
