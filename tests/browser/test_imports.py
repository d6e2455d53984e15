"""A SENCO imports the register from a CSV (preview, then confirm) and downloads the export."""

from pathlib import Path

import pytest

from pupils.models import Pupil
from sendfund.schools.roles import Role
from tests.browser.conftest import sign_in
from tests.factories import MembershipFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.browser
FIXTURES = Path(__file__).parent.parent / "pupils" / "fixtures"


@pytest.fixture
def senco_school(transactional_db):
    school = SchoolFactory(name="Brook Primary", urn="100001")
    MembershipFactory(user=UserFactory(username="alice"), school=school, role=Role.SENCO)
    return school


def test_the_senco_previews_confirms_and_exports_an_import(page, senco_school, screenshot_dir):
    sign_in(page, "alice", "correct horse battery")
    page.goto(f"{page.base_url}/pupils/import/")
    page.get_by_role("link", name="Upload .csv file").first.click()
    page.get_by_label("Pupil register CSV").set_input_files(str(FIXTURES / "pupils_mis_export.csv"))
    page.get_by_role("button", name="Check the file").click()

    counts = page.get_by_test_id("import-counts")
    assert "To create 4" in " ".join(counts.inner_text().split())
    assert not Pupil.objects.exists()
    if screenshot_dir:
        page.screenshot(path=f"{screenshot_dir}/import-preview.png", full_page=True)

    page.get_by_role("button", name="Confirm and import").click()
    assert page.get_by_role("status").filter(has_text="4 created").is_visible()
    assert Pupil.objects.for_school(senco_school).count() == 4

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the register (CSV)").click()
    body = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "A123456789012,Lovelace,Ada,10/12/2016,4,K,SLCN,SEMH,CI,Y,N,N,0.00" in body
