"""The staff rates CSV import: years as 2026 or 2026/27, roles created, all or nothing."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from pupils.imports.staff_rates import import_staff_rates, parse_academic_year
from pupils.models import StaffRate, StaffRole
from sendfund.lib.imports.parsers import CellError
from tests.factories import StaffRateFactory, StaffRoleFactory

pytestmark = pytest.mark.django_db
HEADER = "staff_role,academic_year,actual_hourly_rate,la_standard_hourly_rate\n"


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return (header + "\n".join(rows) + "\n").encode()


def rates(school):
    return sorted(
        StaffRate.objects.for_school(school).values_list(
            "staff_role__name", "academic_year", "actual_hourly_rate", "la_standard_hourly_rate"
        )
    )


@pytest.mark.parametrize(
    ("text", "year"),
    [("2026", 2026), ("2026/27", 2026), ("2026-27", 2026), ("2026/2027", 2026), (" 2025 ", 2025)],
)
def test_academic_years_are_read_as_schools_write_them(text, year):
    assert parse_academic_year(text) == year


@pytest.mark.parametrize("text", ["2026/28", "26/27", "twenty", "", "1999"])
def test_other_years_are_refused(text):
    with pytest.raises(CellError):
        parse_academic_year(text)


def test_a_file_creates_roles_and_rates_then_reports_them_unchanged(school):
    StaffRoleFactory(school=school, name="Teaching assistant")
    data = csv_bytes(
        "teaching assistant,2026/27,19.40,17.20",
        "HLTA,2026,£23.10,21.75",
        "Speech therapist,2025/26,55.00,52.00",
    )

    report = import_staff_rates(school=school, data=data)

    assert report.ok and report.applied, report.errors
    assert report.summary() == "3 created, 0 updated, 0 unchanged"
    assert "New staff role “HLTA”." in report.notes
    assert "New staff role “Speech therapist”." in report.notes
    assert rates(school) == [
        ("HLTA", 2026, Decimal("23.10"), Decimal("21.75")),
        ("Speech therapist", 2025, Decimal("55.00"), Decimal("52.00")),
        ("Teaching assistant", 2026, Decimal("19.40"), Decimal("17.20")),
    ]
    assert StaffRole.objects.for_school(school).count() == 3
    again = import_staff_rates(school=school, data=data)
    assert again.summary() == "0 created, 0 updated, 3 unchanged"


def test_a_changed_rate_updates_the_year_and_says_what_changed(school):
    role = StaffRoleFactory(school=school, name="Teaching assistant")
    StaffRateFactory(
        school=school, staff_role=role, academic_year=2026,
        actual_hourly_rate=Decimal("19.00"), la_standard_hourly_rate=Decimal("17.20"),
    )  # fmt: skip

    report = import_staff_rates(
        school=school, data=csv_bytes("Teaching assistant,2026/27,19.40,17.20")
    )

    assert report.summary() == "0 created, 1 updated, 0 unchanged"
    assert report.changes[0].description == (
        "rates for Teaching assistant 2026/27: actual £19.00 → £19.40"
    )
    assert rates(school) == [("Teaching assistant", 2026, Decimal("19.40"), Decimal("17.20"))]


def test_one_bad_row_names_row_and_column_and_writes_nothing(school):
    report = import_staff_rates(
        school=school,
        data=csv_bytes(
            "Teaching assistant,2026/27,19.40,17.20",
            "HLTA,2026/28,23.10,21.75",
            ",2026,20,20",
            "Teacher,2026,-5,45.00",
            "Teacher,2026,,45.00",
            "Teaching Assistant,2026,19.40,17.20",
        ),
    )

    assert [str(e) for e in report.errors] == [
        "Row 3, column academic_year: '2026/28' is not an academic year: write the year it "
        "starts (2026) or 2026/27.",
        "Row 4, column staff_role: is empty.",
        "Row 5, column actual_hourly_rate: '-5' must be 0 or more.",
        "Row 6, column actual_hourly_rate: is empty: give the hourly rate in pounds, e.g. 17.20.",
        "Row 7, column academic_year: repeats Teaching Assistant 2026/27 from row 2.",
    ]
    assert not report.applied
    assert not StaffRate.objects.exists() and not StaffRole.objects.exists()


def test_a_missing_column_is_refused_by_name(school):
    report = import_staff_rates(
        school=school, data=b"staff_role,academic_year,actual_hourly_rate\nTA,2026,19\n"
    )
    assert report.file_error.startswith("Missing column: la_standard_hourly_rate.")


def test_the_command_reports_and_a_dry_run_writes_nothing(school, tmp_path):
    path = tmp_path / "rates.csv"
    path.write_bytes(csv_bytes("Teaching assistant,2026/27,19.40,17.20"))
    out = io.StringIO()

    call_command("import_staff_rates", str(path), "--school", school.urn, "--dry-run", stdout=out)
    assert "would be 1 created, 0 updated, 0 unchanged" in out.getvalue()
    assert not StaffRate.objects.exists()

    call_command("import_staff_rates", str(path), "--school", school.urn, stdout=out)
    assert "1 created, 0 updated, 0 unchanged" in out.getvalue()
    assert rates(school) == [("Teaching assistant", 2026, Decimal("19.40"), Decimal("17.20"))]


def test_the_command_refuses_a_bad_file_with_row_and_column(school, tmp_path):
    path = tmp_path / "rates.csv"
    path.write_bytes(csv_bytes("Teaching assistant,2026/27,abc,17.20"))
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 error: nothing was imported"):
        call_command("import_staff_rates", str(path), "--school", school.urn, stdout=out)
    assert "Row 2, column actual_hourly_rate: 'abc' is not a number." in out.getvalue()
    assert not StaffRate.objects.exists()


def test_the_web_import_previews_then_confirms(senco_client, school):
    data = csv_bytes("Teaching assistant,2026/27,19.40,17.20")
    preview = senco_client.post(
        reverse("pupil_imports:staff_rates"), {"file": SimpleUploadedFile("rates.csv", data)}
    )
    assert preview.status_code == 200
    assert preview.context["report"].summary() == "1 created, 0 updated, 0 unchanged"
    assert not StaffRate.objects.exists()

    senco_client.post(reverse("pupil_imports:confirm"), {"token": preview.context["token"]})

    assert rates(school) == [("Teaching assistant", 2026, Decimal("19.40"), Decimal("17.20"))]


def test_the_administrator_imports_pupils_but_not_rates(school_admin_client, school):
    page = school_admin_client.get(reverse("pupil_imports:upload")).content.decode()
    assert reverse("pupil_imports:pupils") in page
    assert reverse("pupil_imports:staff_rates") not in page
    assert school_admin_client.get(reverse("pupil_imports:staff_rates")).status_code == 403
