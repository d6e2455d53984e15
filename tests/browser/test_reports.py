"""Governor journey: open the latest published report from home and download its PDF."""

import io
import re

import pytest
from pypdf import PdfReader

from pupils.models import Pupil
from sendfund.demo.data import DEFAULT_PASSWORD
from sendfund.schools.models import School
from tests.browser.conftest import sign_in
from tests.jobs.processes import processes

pytestmark = pytest.mark.browser


def test_the_governor_opens_the_latest_report_and_downloads_its_pdf(
    page, demo_world, screenshot_dir, tmp_path
):
    school = School.objects.get(urn="113501")
    sign_in(page, "governor", DEFAULT_PASSWORD)
    page.get_by_test_id("latest-report").click()
    page.wait_for_load_state()
    assert "SEND report to governors" in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_text("Published").first.is_visible()
    if screenshot_dir:
        page.screenshot(path=f"{screenshot_dir}/report-governor.png", full_page=True)
    # The PDF is built by a worker process; the page shows progress, then the download.
    with processes(tmp_path) as procs:
        procs.worker()
        page.get_by_test_id("pdf-link").click()
        download_link = page.get_by_test_id("job-download")
        download_link.wait_for(timeout=120_000)
        with page.expect_download() as download_info:
            download_link.click()
        path = download_info.value.path()
    with open(path, "rb") as fh:
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(fh.read())).pages)
    assert school.name in text
    names = Pupil.objects.for_school(school).values_list("forename", "surname", "upn")
    assert names
    for forename, surname, upn in names:
        assert f"{forename} {surname}" not in text
        if surname not in school.name:  # "Lane" would match the school's own name
            assert not re.search(rf"\b{re.escape(surname)}\b", text), surname
        if upn:
            assert upn not in text
