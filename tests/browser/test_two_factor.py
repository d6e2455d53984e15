"""Two-factor authentication in a real browser (issue #12 item 2): enrol an authenticator app
with the secret the page shows (the code computed here with pyotp), then sign in with a code,
with a recovery code, and be refused without one."""

import time

import pyotp
import pytest

from sendfund.schools.roles import Role
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


@pytest.fixture
def harriet(transactional_db):
    from tests.factories import MembershipFactory, SchoolFactory, UserFactory

    user = UserFactory(username="harriet")
    MembershipFactory(user=user, school=SchoolFactory(name="Brook Primary"), role=Role.HEAD)
    return user


def _sign_out(page):
    page.goto(f"{page.base_url}/")
    page.get_by_role("button", name="harriet", exact=True).click()
    page.get_by_role("button", name="Sign out harriet").click()
    page.wait_for_load_state()


def _fresh_code(totp: pyotp.TOTP, used: set) -> str:
    """A code from a time window not used before (a code works once), with at least 8 seconds
    of its window left, so a slow machine still submits it before it expires."""
    while (code := totp.now()) in used or totp.interval - time.time() % totp.interval < 8:
        time.sleep(1)
    used.add(code)
    return code


def test_enrol_an_authenticator_then_sign_in_with_it_or_a_recovery_code(page, harriet):
    sign_in(page, "harriet", PASSWORD)
    assert page.get_by_role("heading", level=1).inner_text() == "Head teacher home"
    assert "needs two-factor authentication" in page.content()

    # Enrol: allauth asks for the password again before changing two-factor settings.
    page.goto(f"{page.base_url}/accounts/2fa/totp/activate/")
    if "/reauthenticate/" in page.url:
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_load_state()
    secret = page.locator("#authenticator_secret").input_value()
    totp = pyotp.TOTP(secret)
    used: set[str] = set()
    page.locator("input[name=code]").fill(_fresh_code(totp, used))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_load_state()
    page.goto(f"{page.base_url}/accounts/2fa/recovery-codes/")
    codes = page.locator("#recovery_codes").input_value().split()
    assert len(codes) == 10
    _sign_out(page)

    # Refused without a code: the password alone does not sign in.
    sign_in(page, "harriet", PASSWORD)
    assert "/accounts/2fa/authenticate/" in page.url
    page.locator("input[name=code]").fill("000000" if "000000" not in used else "111111")
    page.get_by_role("button", name="Sign in").first.click()
    page.wait_for_load_state()
    assert "/accounts/2fa/authenticate/" in page.url
    assert "Incorrect code" in page.content()
    page.goto(f"{page.base_url}/")  # the home page is not open: still waiting for a code
    assert "/accounts/login/" in page.url or "/accounts/2fa/authenticate/" in page.url
    assert page.get_by_role("heading", level=1).inner_text() != "Head teacher home"
    page.context.clear_cookies()  # give up on that attempt: start again

    # With a code from the app.
    sign_in(page, "harriet", PASSWORD)
    page.locator("input[name=code]").fill(_fresh_code(totp, used))
    page.get_by_role("button", name="Sign in").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Head teacher home"
    assert "needs two-factor authentication" not in page.content()
    _sign_out(page)

    # With a recovery code instead.
    sign_in(page, "harriet", PASSWORD)
    page.locator("input[name=code]").fill(codes[0])
    page.get_by_role("button", name="Sign in").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Head teacher home"
    _sign_out(page)

    # A recovery code works once.
    sign_in(page, "harriet", PASSWORD)
    page.locator("input[name=code]").fill(codes[0])
    page.get_by_role("button", name="Sign in").first.click()
    page.wait_for_load_state()
    assert "/accounts/2fa/authenticate/" in page.url
