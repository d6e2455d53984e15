"""Term dates: the settings page, the CSV import command, and school days recounted."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from pupils.models import ProvisionAssignment
from sendfund.lib.periods import academic_year
from sendfund.schools.models import CalendarYear, SchoolDay, TermBlock
from tests.factories import (
    ProvisionAssignmentFactory,
    ProvisionFactory,
    StaffRateFactory,
    StaffRoleFactory,
)

pytestmark = pytest.mark.django_db
D = dt.date

# 2025/26: two open blocks of September and October 2025 (22 + 23 weekdays), one INSET day.
GOOD = (
    "start_date,end_date,kind\n"
    "2025-09-01,2025-09-30,open\n"
    "01/10/2025,31/10/2025,\n"
    "2025-09-01,2025-09-01,closed\n"
)


def _import(tmp_path, text, *extra):
    path = tmp_path / "terms.csv"
    path.write_text(text, encoding="utf-8")
    out = __import__("io").StringIO()
    call_command("import_term_dates", str(path), "--school", "100001", *extra, stdout=out)
    return out.getvalue()


def test_import_replaces_the_default_calendar_and_is_idempotent(tmp_path, school):
    assert "3 created, 0 removed, 0 unchanged (2025/26)" in _import(tmp_path, GOOD)
    year = CalendarYear.objects.get(school=school, academic_year=2025)
    # 22 weekdays in September + 23 in October, less the INSET day: 44 school days.
    assert (year.source, year.school_days) == ("own", 44)
    assert SchoolDay.objects.filter(school=school, academic_year=2025).count() == 44
    assert "0 created, 0 removed, 3 unchanged" in _import(tmp_path, GOOD)
    assert TermBlock.objects.for_school(school).count() == 3


def test_a_dry_run_writes_nothing(tmp_path, school):
    assert "Dry run" in _import(tmp_path, GOOD, "--dry-run")
    assert not TermBlock.objects.exists()


def test_a_bad_row_imports_nothing_and_names_row_and_column(tmp_path, school):
    bad = GOOD + "2025-11-01,2025-10-01,open\n2025-12-01,2025-12-19,holiday\n"
    with pytest.raises(CommandError) as err:
        _import(tmp_path, bad)
    assert "Row 5, column end_date: ends before it starts." in str(err.value)
    assert "Row 6, column kind: 'holiday' is not open or closed." in str(err.value)
    assert not TermBlock.objects.exists()


def test_a_block_crossing_31_august_is_refused(tmp_path, school):
    with pytest.raises(CommandError, match="Row 2, column end_date: a block must end by 31"):
        _import(tmp_path, "start_date,end_date\n2026-07-01,2026-09-10\n")


def test_an_unreadable_date_is_refused(tmp_path, school):
    with pytest.raises(CommandError, match="Row 2, column start_date: '31-09-2025' is not a date"):
        _import(tmp_path, "start_date,end_date\n31-09-2025,2025-10-01\n")


def test_a_date_outside_school_life_is_refused_by_row_and_column(tmp_path, school):
    # 0001-01-01 (a blank MIS cell) once failed the academic year's arithmetic (year 0).
    with pytest.raises(CommandError) as err:
        _import(tmp_path, "start_date,end_date\n0001-01-01,2025-10-01\n2025-09-01,9999-12-31\n")
    message = str(err.value)
    assert "Row 2, column start_date: '0001-01-01': enter a date between 01/01/1990" in message
    assert "Row 3, column end_date: '9999-12-31': enter a date between 01/01/1990" in message
    assert not TermBlock.objects.exists()


def test_costs_follow_the_new_term_dates(tmp_path, school):
    ta = StaffRoleFactory(school=school)
    StaffRateFactory(staff_role=ta, academic_year=2025, actual_hourly_rate=Decimal("20.00"))
    ProvisionAssignmentFactory(
        pupil__school=school,
        provision=ProvisionFactory(school=school, staff_role=ta),
        hours_per_week=Decimal("5"),
        start_date=D(2025, 9, 1),
    )
    year = academic_year(2025)
    before = ProvisionAssignment.objects.costed(year, school).get().period_cost
    assert before == Decimal("3800.00")  # £20 x 5 / 5 = £20 a day x 190 default days
    _import(tmp_path, GOOD)
    assert ProvisionAssignment.objects.costed(year, school).get().period_cost == Decimal(
        "880.00"
    )  # £20 x 44 school days


def test_the_settings_page_shows_school_days_per_term_and_year(head_client, school):
    response = head_client.get(reverse("schools:term_dates") + "?year=2025")
    assert response.status_code == 200
    body = response.content.decode()
    assert "uses the default calendar" in body
    # Default 2025/26: autumn 72, spring 54, summer 64: 190.
    assert response.context["total"] == 190
    assert [t["school_days"] for t in response.context["terms"]] == [72, 54, 64]


def test_adding_and_removing_a_block_recounts_school_days(head_client, school):
    url = reverse("schools:term_dates")
    response = head_client.post(
        url,
        {
            "action": "add",
            "year": "2025",
            "block-start_date": "2025-09-01",
            "block-end_date": "2025-09-30",
            "block-kind": "open",
        },
    )
    assert response.status_code == 302
    assert CalendarYear.objects.get(school=school, academic_year=2025).school_days == 22
    block = TermBlock.objects.for_school(school).get()
    head_client.post(reverse("schools:term_block_delete", args=[block.public_id]))
    year = CalendarYear.objects.get(school=school, academic_year=2025)
    assert (year.source, year.school_days) == ("default", 190)


def test_a_block_ending_before_it_starts_is_refused_on_the_page(head_client, school):
    response = head_client.post(
        reverse("schools:term_dates"),
        {
            "action": "add",
            "block-start_date": "2025-09-30",
            "block-end_date": "2025-09-01",
            "block-kind": "open",
        },
    )
    assert response.status_code == 400
    assert "ends before it starts" in response.content.decode()
    assert not TermBlock.objects.exists()


def test_an_uploaded_bad_file_writes_nothing(head_client, school):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("t.csv", b"start_date,end_date\n2025-13-01,2025-10-01\n")
    response = head_client.post(
        reverse("schools:term_dates"), {"action": "upload", "file-file": upload}
    )
    assert response.status_code == 400
    assert "Row 2, column start_date" in response.content.decode()
    assert not TermBlock.objects.exists()


def test_the_calendar_note_names_each_years_calendar_and_school_days(head_client, school):
    # September 2025 as the school's own term dates (22 school days: 1-30 Sep 2025 has 22
    # weekdays); 2026/27 on the default calendar (190 days).
    from sendfund.lib.periods import Period
    from sendfund.schools.calendar import calendar_note

    head_client.post(
        reverse("schools:term_dates"),
        {
            "action": "add",
            "year": "2025",
            "block-start_date": "2025-09-01",
            "block-end_date": "2025-09-30",
            "block-kind": "open",
        },
    )
    own = CalendarYear.Source("own").label
    default = CalendarYear.Source("default").label
    span = Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert calendar_note(school, span) == (
        f"School days from 2025/26: {own}, 22 school days in the year; "
        f"2026/27: {default}, 190 school days in the year."
    )
    # A year not costed before is written first (2030/31: nothing had read it).
    later = Period(dt.date(2030, 9, 1), dt.date(2030, 12, 31))
    assert not CalendarYear.objects.filter(school=school, academic_year=2030).exists()
    assert calendar_note(school, later) == (
        f"School days from 2030/31: {default}, 190 school days in the year."
    )
