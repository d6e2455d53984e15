"""The intervention outcomes import: entry and exit measures, all or nothing."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from pupils.imports.outcomes import import_outcomes
from pupils.plan_models import InterventionMeasure
from tests.factories import ProvisionAssignmentFactory, ProvisionFactory, PupilFactory

pytestmark = pytest.mark.django_db
D = dt.date
HEADER = (
    "upn,provision,provision_start,measure,standardised,entry_score,entry_date,exit_score,exit_date"
)


def csv_bytes(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


@pytest.fixture
def rows(school):
    provision = ProvisionFactory(school=school, name="Reading recovery")
    pupil = PupilFactory(school=school, upn="A100000000001")
    other = PupilFactory(school=school, upn="A100000000002")
    first = ProvisionAssignmentFactory(pupil=pupil, provision=provision, start_date=D(2025, 9, 1))
    again = ProvisionAssignmentFactory(pupil=pupil, provision=provision, start_date=D(2026, 4, 13))
    single = ProvisionAssignmentFactory(pupil=other, provision=provision, start_date=D(2025, 9, 1))
    return first, again, single


def _measures():
    return sorted(
        (m.assignment_id, m.measure_name, m.standardised, m.entry_score, m.exit_score)
        for m in InterventionMeasure.objects.all()
    )


def test_rows_create_then_a_second_run_changes_nothing_and_an_edit_updates(school, rows):
    first, again, single = rows
    data = csv_bytes(
        "A100000000001,reading recovery,01/09/2025,Salford reading,yes,82,2025-09-10,88,2026-03-20",
        "A100000000002,Reading recovery,,Salford reading,no,12.5,10/09/2025,,",
    )
    report = import_outcomes(school=school, data=data)
    assert report.ok and report.applied, report.lines()
    assert report.summary() == "2 created, 0 updated, 0 unchanged"
    assert _measures() == [
        (first.pk, "Salford reading", True, Decimal("82"), Decimal("88")),
        (single.pk, "Salford reading", False, Decimal("12.5"), None),
    ]
    assert import_outcomes(school=school, data=data).summary() == (
        "0 created, 0 updated, 2 unchanged"
    )
    edited = csv_bytes(
        "A100000000002,Reading recovery,,Salford reading,no,12.5,10/09/2025,15,2026-03-20"
    )
    assert import_outcomes(school=school, data=edited).summary() == (
        "0 created, 1 updated, 0 unchanged"
    )
    assert InterventionMeasure.objects.get(assignment=single).exit_score == Decimal("15")


@pytest.mark.parametrize(
    "line, message",
    [
        (
            "A100000000001,Reading recovery,,M,no,82,2025-09-10,,",
            "more than once (starting 01/09/2025, 13/04/2026)",
        ),
        ("A999999999999,Reading recovery,,M,no,82,2025-09-10,,", "not on this school's register"),
        ("A100000000002,Phonics,,M,no,82,2025-09-10,,", "has no “Phonics” on the provision map"),
        ("A100000000002,Reading recovery,,M,no,high,2025-09-10,,", "'high' is not a number."),
        ("A100000000002,Reading recovery,,M,no,82,2025-09-10,90,", "column exit_date: is empty"),
        (
            "A100000000002,Reading recovery,,M,no,82,2025-09-10,90,2025-09-01",
            "column exit_date: is before the entry date.",
        ),
        ("A100000000002,Reading recovery,,M,maybe,82,2025-09-10,,", "is not yes or no"),
        ("A100000000002,Reading recovery,,,no,82,2025-09-10,,", "column measure: is empty."),
    ],
)
def test_one_bad_row_names_row_and_column_and_nothing_is_written(school, rows, line, message):
    good = "A100000000001,Reading recovery,2025-09-01,Salford reading,yes,82,2025-09-10,,"
    report = import_outcomes(school=school, data=csv_bytes(line, good))
    assert not report.ok and not report.applied
    text = "\n".join(report.lines())
    assert message in text and text.startswith("Row 2, column ")
    assert not InterventionMeasure.objects.exists()


def test_the_same_provision_row_twice_is_refused(school, rows):
    line = "A100000000002,Reading recovery,,M,no,82,2025-09-10,,"
    report = import_outcomes(school=school, data=csv_bytes(line, line))
    assert "Row 3, column provision: repeats the provision row from row 2." in report.lines()
    assert not InterventionMeasure.objects.exists()


def test_another_schools_pupil_is_not_found(school, other_school, rows):
    stranger = PupilFactory(school=other_school, upn="A100000000009")
    ProvisionAssignmentFactory(
        pupil=stranger, provision=ProvisionFactory(school=other_school, name="Reading recovery")
    )
    report = import_outcomes(
        school=school, data=csv_bytes("A100000000009,Reading recovery,,M,no,82,2025-09-10,,")
    )
    assert "A100000000009 is not on this school's register." in "\n".join(report.lines())
    assert not InterventionMeasure.objects.exists()


def test_the_command_dry_run_writes_nothing_then_imports(school, rows, tmp_path):
    path = tmp_path / "outcomes.csv"
    path.write_bytes(csv_bytes("A100000000002,Reading recovery,,Salford,no,82,2025-09-10,,"))
    out = io.StringIO()
    call_command("import_outcomes", str(path), "--school", school.urn, "--dry-run", stdout=out)
    assert "would be 1 created, 0 updated, 0 unchanged" in out.getvalue()
    assert not InterventionMeasure.objects.exists()
    call_command("import_outcomes", str(path), "--school", school.urn, stdout=out)
    assert InterventionMeasure.objects.count() == 1
    path.write_bytes(csv_bytes("A100000000002,Reading recovery,,Salford,no,x,2025-09-10,,"))
    with pytest.raises(CommandError, match="1 error: nothing was imported"):
        call_command("import_outcomes", str(path), "--school", school.urn, stdout=out)


def test_the_web_import_previews_then_confirms(senco_client, school, rows):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    data = csv_bytes("A100000000002,Reading recovery,,Salford,no,82,2025-09-10,88,2026-03-20")
    page = senco_client.get(reverse("pupil_imports:upload")).content.decode()
    assert reverse("pupil_imports:outcomes") in page
    preview = senco_client.post(
        reverse("pupil_imports:outcomes"), {"file": SimpleUploadedFile("outcomes.csv", data)}
    )
    assert preview.status_code == 200
    assert preview.context["report"].summary() == "1 created, 0 updated, 0 unchanged"
    assert not InterventionMeasure.objects.exists()
    senco_client.post(reverse("pupil_imports:confirm"), {"token": preview.context["token"]})
    assert InterventionMeasure.objects.get().exit_score == Decimal("88")
    template = senco_client.get(reverse("pupil_imports:template_outcomes"))
    assert template.content.decode("utf-8-sig").startswith("upn,provision,provision_start,measure")
