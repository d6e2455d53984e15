"""A large import in the browser: upload, watch the progress bar, a real worker process runs it."""

import pytest

from pupils.models import Pupil
from sendfund.schools.roles import Role
from tests.browser.conftest import sign_in
from tests.factories import MembershipFactory, SchoolFactory, UserFactory
from tests.jobs.helpers import pupils_csv
from tests.jobs.processes import processes

pytestmark = pytest.mark.browser


@pytest.fixture
def senco_school(transactional_db):
    school = SchoolFactory(name="Brook Primary", urn="100001")
    MembershipFactory(user=UserFactory(username="alice"), school=school, role=Role.SENCO)
    return school


def test_a_large_import_shows_its_progress_and_a_worker_process_runs_it(
    page, senco_school, settings, tmp_path, screenshot_dir
):
    settings.SENDFUND_BACKGROUND_IMPORT_ROWS = 500
    big = tmp_path / "register.csv"
    big.write_bytes(pupils_csv(2000))
    sign_in(page, "alice", "correct horse battery")
    page.goto(f"{page.base_url}/pupils/import/pupils/")
    page.get_by_label("Pupil register CSV").set_input_files(str(big))
    page.get_by_role("button", name="Check the file").click()

    # No worker yet: the page came back at once with a progress bar and keeps polling.
    progress = page.get_by_test_id("job-progress")
    assert "Waiting for a worker" in progress.inner_text()
    assert progress.locator("progress").is_visible()
    if screenshot_dir:
        page.screenshot(path=f"{screenshot_dir}/import-waiting.png", full_page=True)

    with processes(tmp_path) as procs:
        procs.worker()
        confirm = page.get_by_role("button", name="Confirm and import (2000 created")
        confirm.wait_for(timeout=120_000)  # htmx swapped the preview in by itself
        assert not Pupil.objects.exists()
        confirm.click()
        page.get_by_test_id("import-done").wait_for(timeout=120_000)

    assert "2000 created, 0 updated, 0 unchanged" in page.get_by_test_id("import-done").inner_text()
    assert Pupil.objects.for_school(senco_school).count() == 2000
