"""Under the Content-Security-Policy, every role's pages run with no violation in Chromium.

Each demo role signs in and opens home and every page its menus link to (the SENCO also a
pupil's page and the two-factor set-up, whose QR code is a data: image); Chromium reports a
blocked script, style or image, and an unknown Permissions-Policy feature, on the console.
The print buttons (an inline onclick before) still print.
"""

import pytest

from sendfund.demo.data import DEFAULT_PASSWORD
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

ROLES = ["senco", "head", "governor", "admin", "trustlead"]
WATCHED = ("content security policy", "permissions-policy", "permissions policy", "refused to")


def _watch(page) -> list[str]:
    problems: list[str] = []

    def on_console(message):
        if any(word in message.text.lower() for word in WATCHED):
            problems.append(f"{page.url}: {message.type}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: script error: {error}"))
    return problems


def _menu_links(page) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "header a[href]", "links => links.map(a => a.getAttribute('href'))"
    )
    return sorted({h for h in hrefs if h.startswith("/") and not h.startswith("/static/")})


@pytest.fixture
def role_page(browser, live_server, settings):
    """A function giving a fresh browser context's page for each role (one demo world)."""
    settings.AXES_ENABLED = False
    contexts = []

    def new_page():
        context = browser.new_context(locale="en-GB", timezone_id="Europe/London")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.base_url = live_server.url
        return page

    yield new_page
    for context in contexts:
        context.close()


def test_each_roles_pages_log_no_policy_violation(role_page, demo_world):
    for username in ROLES:
        page = role_page()
        problems = _watch(page)
        sign_in(page, username, DEFAULT_PASSWORD)
        visited = [page.url]
        for href in _menu_links(page):
            page.goto(page.base_url + href)
            page.wait_for_load_state("networkidle")
            visited.append(href)
        if username == "senco":
            page.goto(page.base_url + "/pupils/")
            page.locator("main table a[href^='/pupils/']").first.click()
            page.wait_for_load_state("networkidle")  # the audit panel arrives by htmx
            page.goto(page.base_url + "/accounts/2fa/totp/activate/")
            if "/reauthenticate/" in page.url:
                page.get_by_label("Password").fill(DEFAULT_PASSWORD)
                page.get_by_role("button", name="Confirm").click()
                page.wait_for_load_state()
            qr = page.locator("img[src^='data:']").first
            qr.wait_for()
            assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
        assert len(visited) > 2, username
        assert problems == [], username


def test_the_print_buttons_print(page, demo_world):
    problems = _watch(page)
    page.add_init_script("window.print = () => { window.__printed = (window.__printed || 0) + 1 }")
    sign_in(page, "head", DEFAULT_PASSWORD)
    for path in ("/funding/", "/advocacy/evidence/"):
        page.goto(page.base_url + path)
        page.get_by_role("button", name="Print", exact=True).first.click()
        assert problems == [], path
        assert page.evaluate("window.__printed") == 1, path
