"""The funding import on the shared import framework: the same upload, preview (nothing
written), report of every row's errors and confirm (checked again, then all or nothing) as the
pupil imports."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from funding.imports import import_funding
from funding.models import FundingSource
from sendfund.lib.imports.kinds import KINDS
from tests.factories import PupilFactory

pytestmark = pytest.mark.django_db
HEADER = "type,description,amount,period_start,period_end,status,upn,band\n"
GOOD = (
    "notional_sen,Notional SEN 2025-26,42000.00,2025-04-01,2026-03-31,confirmed,,\n"
    "top_up,Top-up,1200,01/09/2025,31/08/2026,received,A123456789012,\n"
)


def upload(client, text):
    return client.post(
        reverse("pupil_imports:funding"),
        {"file": SimpleUploadedFile("funding.csv", (HEADER + text).encode())},
    )


def test_the_funding_import_is_a_kind_of_the_shared_framework_listed_for_the_head(
    head_client, senco_client
):
    assert KINDS["funding"].edit_capability == "funding.edit"
    page = head_client.get(reverse("pupil_imports:upload")).content.decode()
    assert reverse("pupil_imports:funding") in page
    assert reverse("pupil_imports:template_funding") in page
    # The SENCo imports pupils but does not edit funding (unless the school says so).
    assert (
        reverse("pupil_imports:funding")
        not in senco_client.get(reverse("pupil_imports:upload")).content.decode()
    )
    template = head_client.get(reverse("pupil_imports:template_funding"))
    assert template.content.decode("utf-8-sig").startswith("type,description,amount")


def test_the_preview_reports_the_changes_and_writes_nothing_then_confirm_writes(
    head_client, school
):
    PupilFactory(school=school, upn="A123456789012")

    preview = upload(head_client, GOOD)

    assert preview.status_code == 200
    assert preview.context["report"].summary() == "2 created, 0 updated, 0 unchanged"
    assert "Notional SEN 2025-26" in preview.content.decode()
    assert not FundingSource.objects.exists()
    response = head_client.post(
        reverse("pupil_imports:confirm"), {"token": preview.context["token"]}, follow=True
    )
    assert "imported: 2 created, 0 updated, 0 unchanged" in response.content.decode()
    assert FundingSource.objects.for_school(school).count() == 2
    top_up = FundingSource.objects.get(type="top_up")
    assert top_up.amount == Decimal("1200.00") and top_up.pupil.upn == "A123456789012"
    assert top_up.created_by is not None  # the person who uploaded it
    again = upload(head_client, GOOD)
    assert again.context["report"].summary() == "0 created, 0 updated, 2 unchanged"
    assert not again.context["token"]  # nothing to confirm


def test_every_rows_errors_are_reported_and_nothing_can_be_confirmed(head_client, school):
    preview = upload(
        head_client,
        "la_grant,Good row,100,2025-09-01,2026-08-31,confirmed,,\n"
        "la_grant,Bad dates,100,2025-09-01,2025-08-31,confirmed,,\n"
        "lottery win,Bad type,abc,2025-09-01,2026-08-31,confirmed,,\n",
    )

    report = preview.context["report"]
    found = {(e["row"], e["column"]) for e in report.errors}
    assert {(3, "period_end"), (4, "type"), (4, "amount")} <= found
    assert not preview.context["token"]
    html = preview.content.decode()
    assert "before period_start" in html and "Confirm and import" not in html
    assert not FundingSource.objects.exists()


def test_confirm_checks_again_and_writes_nothing_when_a_row_no_longer_holds(head_client, school):
    pupil = PupilFactory(school=school, upn="A123456789012")
    preview = upload(head_client, GOOD)
    pupil.upn = "B123456789012"  # between preview and confirm the UPN is corrected
    pupil.save()

    response = head_client.post(
        reverse("pupil_imports:confirm"), {"token": preview.context["token"]}, follow=True
    )

    assert "no pupil with UPN A123456789012" in response.content.decode()
    assert not FundingSource.objects.exists()  # not even the good first row


def test_a_failing_write_rolls_back_every_row(school, monkeypatch):
    import funding.services

    PupilFactory(school=school, upn="A123456789012")
    made = []
    real = FundingSource.objects.create

    def create_then_fail(**kwargs):
        made.append(real(**kwargs))
        if len(made) == 2:
            from django.db import DatabaseError

            raise DatabaseError("the disk is full")
        return made[-1]

    monkeypatch.setattr(funding.services.FundingSource.objects, "create", create_then_fail)
    report = import_funding(school=school, data=(HEADER + GOOD).encode())

    assert not report.applied and "Nothing was imported" in report.file_error
    assert not FundingSource.objects.exists()


def test_a_dry_run_counts_a_repeated_row_once_created_then_updated(school):
    text = (
        "la_grant,Grant,100,2025-09-01,2026-08-31,expected,,\n"
        "la_grant,Grant,100,2025-09-01,2026-08-31,received,,\n"
    )
    report = import_funding(school=school, data=(HEADER + text).encode(), dry_run=True)

    assert report.summary() == "1 created, 1 updated, 0 unchanged"
    assert not FundingSource.objects.exists()
    applied = import_funding(school=school, data=(HEADER + text).encode())
    assert applied.applied
    assert FundingSource.objects.get().status == "received"


def test_a_file_that_is_not_utf8_is_one_clear_error(school):
    report = import_funding(school=school, data=b"\xff\xfetype")
    assert "UTF-16" in report.file_error
    assert not FundingSource.objects.exists()
