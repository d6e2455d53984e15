import pytest

from sendfund.demo.data import DEFAULT_PASSWORD
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    "username, heading",
    [
        ("senco", "SENCO home"),
        ("head", "Head teacher home"),
        ("governor", "Governor home"),
        ("trustlead", "Trust lead home"),
        ("admin", "School administrator home"),
    ],
)
def test_each_demo_user_signs_in_and_sees_their_home_page(
    page, demo_world, username, heading, screenshot_dir
):
    sign_in(page, username, DEFAULT_PASSWORD)
    assert page.get_by_role("heading", level=1).inner_text() == heading
    assert page.get_by_test_id("current-role").is_visible()
    if screenshot_dir:
        page.screenshot(path=f"{screenshot_dir}/home-{username}.png", full_page=True)
    page.get_by_role("button", name=username, exact=True).click()
    page.get_by_role("button", name=f"Sign out {username}").click()
    assert page.get_by_role("heading", name="Sign in to sendfund").is_visible()


def test_a_wrong_password_keeps_you_on_the_sign_in_page(page, demo_world):
    sign_in(page, "head", "not the password")
    assert "correct username and password" in page.content()
