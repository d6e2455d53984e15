"""The SENCO's main journey: add a pupil, a need and a provision, and see the annual cost."""

import datetime as dt

import pytest

from sendfund.demo.data import DEFAULT_PASSWORD
from sendfund.lib.periods import academic_year_start
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_the_senco_adds_a_pupil_a_need_and_provision_and_sees_the_annual_cost(
    page, demo_world, screenshot_dir
):
    year_start = dt.date(academic_year_start(dt.date.today()), 9, 1).isoformat()
    sign_in(page, "senco", DEFAULT_PASSWORD)
    page.get_by_role("link", name="SEN register").first.click()
    page.get_by_role("link", name="Add a pupil").click()

    page.get_by_label("Forename").fill("Grace")
    page.get_by_label("Surname").fill("Hopper")
    page.get_by_label("UPN").fill("z999999999999")
    page.get_by_label("Date of birth").fill("2016-03-14")
    page.get_by_label("Year group").select_option(label="Year 4")
    page.get_by_label("SEN provision").select_option("K")
    page.get_by_label("Primary need").select_option("SPLD")
    page.get_by_label("SEN status from").fill(year_start)
    page.get_by_role("button", name="Save").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Grace Hopper"
    assert page.get_by_text("£0.00").first.is_visible()

    page.get_by_role("link", name="Add a need").click()
    page.get_by_label("Need", exact=False).first.select_option("SEMH")
    page.get_by_label("Rank").fill("2")
    page.get_by_label("From").fill(year_start)
    page.get_by_role("button", name="Save").click()
    needs = page.get_by_role("region", name="Needs")
    assert needs.get_by_text("Social, emotional and mental health (SEMH)").is_visible()

    page.get_by_role("link", name="Assign provision").first.click()
    page.get_by_label("Provision").select_option(label="Precision teaching")
    page.get_by_label("Status").select_option("in_place")
    page.get_by_label("Start date").fill(year_start)
    page.get_by_label("Hours per week").fill("2")
    page.get_by_role("button", name="Save").click()

    # Teaching assistant, actual rate £18.40 x 2 hours / 5 = £7.36 a school day, x the 190
    # school days of the default calendar: the whole year.
    assert page.get_by_test_id("annual-cost").inner_text() == "£1,398.40"
    assert page.get_by_text("Within threshold").is_visible()
    if screenshot_dir:
        page.screenshot(path=f"{screenshot_dir}/pupil-cost.png", full_page=True)
