"""Termly reports: drafting, publishing, freezing, who may see what, and no pupil data."""

import datetime as dt
import io
import json
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from pupils.models import Pupil
from reports.models import TermlyReport
from reports.services import report_publish
from sendfund.schools.roles import Role
from tests.factories import current_summaries
from tests.reports.conftest import TERM, YEAR, add_sen_pupils
from tests.reports.factories import TermlyReportFactory, published_report
from tests.url_matrix import all_cases

pytestmark = pytest.mark.django_db


def _cells(node):
    """Every cell dict in a snapshot."""
    if isinstance(node, dict):
        if {"value", "suppressed", "display"} <= set(node):
            yield node
        for value in node.values():
            yield from _cells(value)
    elif isinstance(node, list):
        for value in node:
            yield from _cells(value)


def _main(response) -> str:
    """The page's main content without per-request tokens."""
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", main)


def _queries(client, url) -> int:
    """Queries for one page view, after a first view has warmed the session."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    current_summaries()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def _publish(school, head=None):
    report = TermlyReportFactory(school=school, academic_year=YEAR, term=TERM)
    return report_publish(school=school, report=report, user=head, today=dt.date(2025, 12, 1))


def test_a_published_report_does_not_change_after_the_register_changes(register, head_client):
    report = _publish(register)
    url = reverse("reports:detail", kwargs={"public_id": report.public_id})
    before = _main(head_client.get(url))
    frozen = json.dumps(report.snapshot, sort_keys=True)
    add_sen_pupils(register, 20, code="E", need="SEMH", start=dt.date(2025, 9, 2))
    Pupil.objects.for_school(register).filter(year_group="4").update(left_date=dt.date(2025, 9, 5))
    report.refresh_from_db()
    assert json.dumps(report.snapshot, sort_keys=True) == frozen
    assert _main(head_client.get(url)) == before


def test_a_draft_shows_live_figures_that_move_with_the_register(register, head_client):
    report = TermlyReportFactory(school=register, academic_year=YEAR, term=TERM)
    url = reverse("reports:detail", kwargs={"public_id": report.public_id})
    before = _main(head_client.get(url))
    add_sen_pupils(register, 20, code="E", need="SEMH", start=dt.date(2025, 9, 2))
    assert _main(head_client.get(url)) != before


def test_no_published_count_is_between_one_and_four(register):
    report = _publish(register)
    cells = list(_cells(report.snapshot))
    assert cells
    for cell in cells:
        if cell["suppressed"]:
            assert cell["value"] is None and cell["display"] == "c"
        elif isinstance(cell["value"], int):
            assert not 1 <= cell["value"] <= 4


def test_the_three_ehc_plans_are_hidden_and_the_large_groups_shown(register):
    snapshot = _publish(register).snapshot
    by_need = {row["key"]: row["cells"][0] for row in snapshot["register"]["by_need"]["rows"]}
    by_area = {row["key"]: row["cells"][0] for row in snapshot["register"]["by_area"]["rows"]}
    assert by_need["ASD"]["suppressed"]  # 3 pupils (the EHC plans)
    assert by_need["SLCN"]["suppressed"]  # hidden too: else communication (15) - 12 gives 3
    assert by_area["CI"] == {"value": 15, "suppressed": False, "display": "15"}
    year_rows = {row["key"]: row for row in snapshot["register"]["by_year_group"]["rows"]}
    assert year_rows["E"]["total"]["suppressed"]  # the same 3 in the year-group table
    # The register total is in both tables; 24 - 21 on SEN support would give the 3 away.
    assert snapshot["register"]["by_year_group"]["grand_total"]["suppressed"]
    assert snapshot["register"]["by_need"]["grand_total"]["suppressed"]


def test_no_names_upns_or_dates_of_birth_reach_the_report_or_its_pdf(register, head_client):
    report = _publish(register)
    pupil = Pupil.objects.for_school(register).filter(surname="Quartermaine").first()
    page = head_client.get(reverse("reports:detail", kwargs={"public_id": report.public_id}))
    pdf = head_client.get(reverse("reports:pdf", kwargs={"public_id": report.public_id}))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    dob = pupil.date_of_birth
    for body in (page.content.decode(), text, json.dumps(report.snapshot)):
        assert "Quartermaine" not in body and "Zebedee" not in body
        assert pupil.upn not in body
        assert dob.strftime("%d/%m/%Y") not in body and dob.isoformat() not in body
    assert register.name in text
    assert pdf["Content-Type"] == "application/pdf"


def test_a_governor_gets_404_for_a_draft_and_sees_a_published_report(school, governor_client):
    draft = TermlyReportFactory(school=school)
    published = published_report(school, academic_year=2024)
    url = "reports:detail"
    assert (
        governor_client.get(reverse(url, kwargs={"public_id": draft.public_id})).status_code == 404
    )
    assert (
        governor_client.get(
            reverse("reports:pdf", kwargs={"public_id": draft.public_id})
        ).status_code
        == 404
    )
    response = governor_client.get(reverse(url, kwargs={"public_id": published.public_id}))
    assert response.status_code == 200
    listing = governor_client.get(reverse("reports:list")).content.decode()
    assert published.term_label in listing and "Draft" not in listing


def test_a_governor_gets_404_for_another_schools_published_report(other_school, governor_client):
    report = published_report(other_school)
    for name in ("reports:detail", "reports:pdf"):
        url = reverse(name, kwargs={"public_id": report.public_id})
        assert governor_client.get(url).status_code == 404


@pytest.mark.parametrize(
    "case", [c for c in all_cases() if c.name.startswith("pupils:")], ids=lambda c: c.name
)
def test_a_governor_and_a_trust_lead_get_403_on_every_pupil_level_page(cast, case):
    url = reverse(case.name, kwargs=case.kwargs(cast.school) if case.kwargs else None)
    for role in (Role.GOVERNOR, Role.TRUST_LEAD):
        client = cast.clients[role]
        response = client.post(url) if case.method == "post" else client.get(url)
        assert response.status_code == 403, (role, case.name)


def test_the_head_drafts_comments_and_publishes(school, head_client):
    response = head_client.post(reverse("reports:add"), {"term": f"{YEAR}-{TERM}"})
    report = TermlyReport.objects.for_school(school).get()
    assert response.status_code == 302 and report.status == "draft"
    kwargs = {"public_id": report.public_id}
    head_client.post(reverse("reports:comment", kwargs=kwargs), {"comment": "  A steady term. "})
    head_client.post(reverse("reports:publish", kwargs=kwargs))
    report.refresh_from_db()
    assert report.is_published and report.snapshot["comment"] == "A steady term."
    again = head_client.post(reverse("reports:publish", kwargs=kwargs), follow=True)
    assert "already published" in again.content.decode()
    late = head_client.post(
        reverse("reports:comment", kwargs=kwargs), {"comment": "x"}, follow=True
    )
    assert "cannot be changed" in late.content.decode()


def test_a_second_draft_for_the_same_term_is_refused_with_a_message(school, senco_client):
    TermlyReportFactory(school=school, academic_year=YEAR, term=TERM)
    response = senco_client.post(reverse("reports:add"), {"term": f"{YEAR}-{TERM}"}, follow=True)
    assert "already a report for that term" in response.content.decode()
    assert TermlyReport.objects.for_school(school).count() == 1


def test_a_senco_cannot_publish(school, senco_client):
    report = TermlyReportFactory(school=school)
    response = senco_client.post(reverse("reports:publish", kwargs={"public_id": report.public_id}))
    assert response.status_code == 403
    report.refresh_from_db()
    assert not report.is_published


def test_the_report_list_query_count_does_not_grow(school, governor_client):
    published_report(school, academic_year=2023)
    small = _queries(governor_client, reverse("reports:list"))
    for year in (2020, 2021, 2022):
        published_report(school, academic_year=year)
    assert _queries(governor_client, reverse("reports:list")) == small


def test_the_published_report_page_query_count_does_not_grow(school, governor_client):
    small = published_report(school, academic_year=2023)
    add_sen_pupils(school, 30)
    large = published_report(school, academic_year=2024)
    counts = [
        _queries(governor_client, reverse("reports:detail", kwargs={"public_id": r.public_id}))
        for r in (small, large)
    ]
    assert counts[0] == counts[1]


def test_the_draft_preview_query_count_does_not_grow_with_pupils(school, head_client):
    report = TermlyReportFactory(school=school, academic_year=YEAR, term=TERM)
    url = reverse("reports:detail", kwargs={"public_id": report.public_id})
    add_sen_pupils(school, 6)
    small = _queries(head_client, url)
    add_sen_pupils(school, 25, code="E", need="ASD", year_group="6")
    assert _queries(head_client, url) == small
