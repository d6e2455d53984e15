"""Every page, as each demo role sees it, has no WCAG 2.2 AA violation that axe-core can find.

axe-core (vendored from npm, tests/browser/axe/) runs inside the page in Chromium, after the
page has loaded, with the WCAG 2.0/2.1/2.2 A and AA rules. Each demo role signs in and opens
every page its role may open (the URL matrix's GET cases, with objects made in its school), so
a colour, a missing label or a tiny target anywhere fails here with the page and the element.
"""

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError

from sendfund.demo.data import DEFAULT_PASSWORD
from sendfund.schools.middleware import schools_with_roles
from sendfund.schools.roles import role_can
from tests.browser.conftest import sign_in
from tests.url_matrix import NOT_WALKED, all_cases

pytestmark = pytest.mark.browser

AXE = Path(__file__).with_name("axe") / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
RUN_AXE = """async (rules) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: rules}});
  return result.violations.map(v => ({
    rule: v.id,
    help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + " :: " + n.failureSummary),
  }));
}"""


def _pages(username: str) -> list[str]:
    """The GET pages `username`'s role may open in their first school."""
    user = get_user_model().objects.get(username=username)
    school = schools_with_roles(user)[0]
    urls = []
    for case in all_cases():
        if case.method != "get" or case.public or case.name in NOT_WALKED:
            continue
        if case.capability and not role_can(school.role, case.capability, school=school):
            continue
        urls.append(reverse(case.name, kwargs=case.kwargs(school) if case.kwargs else None))
    return urls


@pytest.mark.parametrize("username", ["head", "senco", "governor", "trustlead", "admin"])
def test_every_page_a_role_opens_passes_axe_wcag_aa(
    browser, live_server, settings, demo_world, username
):
    settings.AXES_ENABLED = False
    script = AXE.read_text(encoding="utf-8")
    # axe is added to each page as a script of the test's own: the page's Content-Security-
    # Policy (which allows no inline script) is bypassed for it in this context only.
    context = browser.new_context(locale="en-GB", timezone_id="Europe/London", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    sign_in(page, username, DEFAULT_PASSWORD)
    problems, checked = [], 0
    for url in _pages(username):
        try:
            response = page.goto(page.base_url + url)
        except PlaywrightError as error:
            if "Download is starting" in str(error):
                continue  # a CSV, PDF or template download: no page to check
            raise
        if response is None or response.status != 200:
            continue  # a download, a redirect to a form, or a status the URL matrix checks
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        if not page.evaluate("document.doctype !== null"):
            continue  # an htmx fragment opened on its own: checked inside the page that loads it
        page.add_script_tag(content=script)
        for violation in page.evaluate(RUN_AXE, WCAG_AA):
            problems.append(f"{url} {violation['rule']}: {violation['help']} {violation['nodes']}")
        checked += 1
    context.close()
    assert checked >= 20, f"only {checked} pages were checked"
    assert problems == [], "\n".join(problems)
