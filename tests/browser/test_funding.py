"""The head opens the funding dashboard, changes the period and downloads a CSV."""

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest

from sendfund.demo.data import DEFAULT_PASSWORD
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_the_head_changes_the_period_and_downloads_the_breakdown_csv(
    page, demo_world, screenshot_dir
):
    sign_in(page, "head", DEFAULT_PASSWORD)
    page.get_by_role("link", name="Funding gap").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Funding gap", level=1).is_visible()
    this_term_need = page.get_by_test_id("need").inner_text()
    assert this_term_need.startswith("£")

    label = page.get_by_label("Period", exact=True).locator("option").nth(2).inner_text()
    assert label.startswith("This academic year")
    page.get_by_label("Period", exact=True).select_option(label=label)
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/funding/?period=ay*")
    heading = page.locator("#figures h2").first.inner_text()
    assert heading.startswith(label.split("(")[1].rstrip(")"))  # e.g. "2026/27"
    if screenshot_dir:
        page.screenshot(path=f"{screenshot_dir}/funding-dashboard.png", full_page=True)

    with page.expect_download() as info:
        page.get_by_test_id("csv-by_area").click()
    download = info.value
    assert download.suggested_filename.startswith("113501-by_area-")
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert rows[0] == ["Group", "Pupils", "Need"]
    assert rows[-1][0] == "Total"
    areas = [Decimal(r[2]) for r in rows[1:-1]]
    assert areas and all(a > 0 for a in areas)
    # Each row is rounded to the penny, so the rows add to the total within a penny a row.
    assert abs(sum(areas) - Decimal(rows[-1][2])) <= Decimal("0.01") * len(areas)
    shown_need = page.get_by_test_id("need").inner_text()
    assert shown_need == f"£{Decimal(rows[-1][2]).quantize(Decimal('1')):,}"


def test_on_a_phone_every_csv_link_is_whole_on_screen_while_its_table_scrolls(page, demo_world):
    """At 390 px the wide tables scroll inside themselves; their captions (title and
    "Download CSV") stay put and wrap to the screen, the link never split at its edge."""
    page.set_viewport_size({"width": 390, "height": 800})
    sign_in(page, "head", DEFAULT_PASSWORD)
    page.goto(f"{page.base_url}/funding/")
    links = page.locator('caption a[data-testid^="csv-"]')
    assert links.count() >= 5
    for i in range(links.count()):
        link = links.nth(i)
        link.scroll_into_view_if_needed()
        # Scrolled as far right as its table goes: the caption must not move with the rows.
        link.evaluate("a => { const t = a.closest('table'); t.scrollLeft = t.scrollWidth; }")
        box = link.bounding_box()
        line = link.evaluate("a => parseFloat(getComputedStyle(a).lineHeight)")
        name = link.get_attribute("data-testid")
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (name, box)
        assert box["height"] <= line + 1, (name, box, line)  # one line, not split
