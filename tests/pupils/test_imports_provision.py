"""The costed provision map CSV import: catalogue entries created, rates kept, all or nothing."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from pupils.imports.provision import import_provision
from pupils.models import Provision, ProvisionAssignment, StaffRate, StaffRole
from sendfund.lib.money import to_pennies
from sendfund.lib.periods import Period
from tests.factories import PupilFactory, StaffRateFactory, StaffRoleFactory

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"
ON = dt.date(2026, 9, 7)
HEADER = (
    "upn,provision,area,wave,staff_role,hourly_rate,hours_per_week,group_size,weeks,"
    "start_date,end_date,status\n"
)


def csv_bytes(*rows: str) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode()


@pytest.fixture
def pupils(school):
    return (
        PupilFactory(school=school, upn="A123456789012", forename="Ada", surname="Lovelace"),
        PupilFactory(school=school, upn="B234567890123", forename="Alan", surname="Turing"),
    )


def test_a_clean_map_creates_roles_rates_provisions_and_assignments(school, pupils):
    report = import_provision(
        school=school, data=(FIXTURES / "provision_map.csv").read_bytes(), on=ON
    )

    assert report.ok, report.errors
    assert report.summary() == "5 created, 0 updated, 0 unchanged"
    assert sorted(StaffRole.objects.for_school(school).values_list("name", flat=True)) == [
        "HLTA",
        "Teaching assistant",
    ]
    assert sorted(
        StaffRate.objects.for_school(school).values_list(
            "staff_role__name", "academic_year", "actual_hourly_rate"
        )
    ) == [("HLTA", 2026, Decimal("21.75")), ("Teaching assistant", 2026, Decimal("18.50"))]
    slt = Provision.objects.get(school=school, name="Speech and language therapy (SLA)")
    assert (slt.staff_role, slt.service_annual_cost, slt.wave, slt.area) == (
        None,
        Decimal("1450.00"),
        3,
        "CI",
    )
    literacy = ProvisionAssignment.objects.get(provision__name="1:1 literacy support")
    assert (literacy.status, literacy.end_date, literacy.provision.area) == (
        "ended",
        dt.date(2026, 12, 18),
        "CL",
    )


def test_imported_provision_is_costed_by_the_formula_to_the_penny(school, pupils):
    import_provision(school=school, data=(FIXTURES / "provision_map.csv").read_bytes(), on=ON)

    # One ordinary school week of the default calendar (Monday 11 to Friday 15 January 2027:
    # no bank holiday, inside the spring half-term), costed per school day delivered.
    week = Period(dt.date(2027, 1, 11), dt.date(2027, 1, 15))
    rows = {
        row.provision.name: row
        for row in ProvisionAssignment.objects.costed(week, school)
        .filter(pupil=pupils[1])
        .select_related("provision")
    }
    assert {name: row.school_days for name, row in rows.items()} == {
        "Speech and language group": 5,
        "1:1 teaching assistant support": 5,
        "Speech and language therapy (SLA)": 5,
    }
    # £18.50 x 1.5 h / 5 x 5 days / 4 pupils = £6.9375
    assert rows["Speech and language group"].period_cost == Decimal("6.9375")
    # £18.50 x 15 h / 5 x 5 days = £277.50
    assert rows["1:1 teaching assistant support"].period_cost == Decimal("277.5")
    # The SLA's £1,450 a year spread over the default calendar's 190 school days:
    # £1,450 / 190 x 5 = £38.157... = £38.16 at display.
    assert to_pennies(rows["Speech and language therapy (SLA)"].period_cost) == Decimal("38.16")


def test_reimporting_the_same_map_changes_nothing(school, pupils):
    data = (FIXTURES / "provision_map.csv").read_bytes()
    import_provision(school=school, data=data, on=ON)

    again = import_provision(school=school, data=data, on=ON)

    assert again.summary() == "0 created, 0 updated, 5 unchanged"
    assert not [n for n in again.notes if n.startswith("New")]
    assert ProvisionAssignment.objects.count() == 5
    assert StaffRate.objects.count() == 2


def test_a_changed_row_updates_the_same_assignment(school, pupils):
    row = "A123456789012,Reading group,CL,2,Teaching assistant,18.50,1,{g},38,2026-09-07,,in place"
    import_provision(school=school, data=csv_bytes(row.format(g=4)), on=ON)

    report = import_provision(school=school, data=csv_bytes(row.format(g=6)), on=ON)

    assert report.summary() == "0 created, 1 updated, 0 unchanged"
    assert ProvisionAssignment.objects.get().group_size == 6


def test_a_rate_that_differs_from_the_existing_one_is_reported_not_overwritten(school, pupils):
    role = StaffRoleFactory(school=school, name="Teaching assistant")
    StaffRateFactory(staff_role=role, academic_year=2026, actual_hourly_rate=Decimal("19.00"))

    report = import_provision(
        school=school,
        data=csv_bytes(
            "A123456789012,Reading group,CL,2,teaching assistant,18.50,1,4,38,2026-09-07,,",
            "B234567890123,Reading group,CL,2,Teaching assistant,18.50,1,4,38,2026-09-07,,",
        ),
        on=ON,
    )

    assert report.ok
    differs = [n for n in report.notes if "£18.50 differs from the" in n]
    assert len(differs) == 1 and "£19.00 for 2026/27" in differs[0]
    assert StaffRate.objects.get().actual_hourly_rate == Decimal("19.00")
    assert Provision.objects.get().staff_role == role


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        ("Z999999999999,Reading group,CL,2,TA,18.50,1,4,38,2026-09-07,,", "upn", "no pupil"),
        ("A123456789012,Reading group,XX,2,TA,18.50,1,4,38,2026-09-07,,", "area", "broad area"),
        ("A123456789012,Reading group,CL,1,TA,18.50,1,4,38,2026-09-07,,", "wave", "wave"),
        ("A123456789012,Reading group,CL,2,TA,abc,1,4,38,2026-09-07,,", "hourly_rate", "number"),
        ("A123456789012,Reading group,CL,2,TA,18.50,-1,4,38,2026-09-07,,", "hours_per_week", "0"),
        ("A123456789012,Reading group,CL,2,TA,18.50,1,0,38,2026-09-07,,", "group_size", "1 to"),
        ("A123456789012,Reading group,CL,2,TA,18.50,1,4,60,2026-09-07,,", "weeks", "1 to 52"),
        ("A123456789012,Reading group,CL,2,TA,18.50,1,4,38,2026-02-30,,", "start_date", "date"),
        ("A123456789012,Reading group,CL,2,TA,18.50,1,4,38,2026-09-07,2026-09-01,", "end_date",
         "before"),
        ("A123456789012,Reading group,CL,2,TA,18.50,1,4,38,2026-09-07,,ended", "end_date", "ended"),
        ("A123456789012,Reading group,CL,2,TA,18.50,1,4,38,2026-09-07,,paused", "status", "status"),
        ("A123456789012,Reading group,,2,TA,18.50,1,4,38,2026-09-07,,", "area", "new provision"),
        ("A123456789012,Reading group,CL,2,,,1,4,38,2026-09-07,,", "staff_role", "bought in"),
        ("A123456789012,Reading group,CL,2,TA,18.50,,4,38,2026-09-07,,", "hours_per_week",
         "hours per week"),
    ],
)  # fmt: skip
def test_each_kind_of_bad_row_is_reported_and_nothing_is_written(
    school, pupils, row, column, words
):
    good = "B234567890123,Maths group,CL,2,TA,18.50,1,4,38,2026-09-07,,"

    report = import_provision(school=school, data=csv_bytes(good, row), on=ON)

    assert len(report.errors) == 1, report.errors
    message = str(report.errors[0])
    assert message.startswith(f"Row 3, column {column}:"), message
    assert words in message
    assert not ProvisionAssignment.objects.exists()
    assert not Provision.objects.exists() and not StaffRole.objects.exists()


def test_a_bad_value_repeated_on_several_rows_is_reported_on_each(school, pupils):
    # Each distinct value of a column is parsed once (CellReader): the second row holding
    # the same bad date, and a good row between them, must still be read as their own.
    rows = [
        "A123456789012,Reading group,CL,2,TA,18.50,1,4,38,2026-02-30,,",
        "B234567890123,Reading group,CL,2,TA,18.50,1,4,38,2026-09-07,,",
        "B234567890123,Maths group,CL,2,TA,18.50,1,4,38,2026-02-30,,",
    ]

    report = import_provision(school=school, data=csv_bytes(*rows), on=ON)

    assert [str(e) for e in report.errors] == [
        "Row 2, column start_date: '2026-02-30' is not a date: use YYYY-MM-DD or DD/MM/YYYY.",
        "Row 4, column start_date: '2026-02-30' is not a date: use YYYY-MM-DD or DD/MM/YYYY.",
    ]
    assert not ProvisionAssignment.objects.exists()


def test_another_schools_pupils_cannot_be_given_provision(school, other_school):
    PupilFactory(school=other_school, upn="A123456789012")

    report = import_provision(
        school=school,
        data=csv_bytes("A123456789012,Reading group,CL,2,TA,18.50,1,4,38,2026-09-07,,"),
        on=ON,
    )

    assert str(report.errors[0]) == (
        "Row 2, column upn: no pupil with UPN A123456789012 in this school."
    )
    assert not ProvisionAssignment.objects.exists()


def test_the_command_dry_run_writes_nothing_and_a_bad_file_fails(school, pupils, tmp_path, capsys):
    call_command(
        "import_provision", str(FIXTURES / "provision_map.csv"), "--school", school.urn, "--dry-run"
    )
    assert "would be 5 created" in capsys.readouterr().out
    assert not ProvisionAssignment.objects.exists()

    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes("A123456789012,Reading group,CL,9,TA,18.50,1,4,38,2026-09-07,,"))
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_provision", str(bad), "--school", school.urn)


def test_blank_cells_take_the_catalogue_defaults(school, pupils):
    from tests.factories import ProvisionFactory

    ProvisionFactory(
        school=school,
        name="Nurture group",
        default_hours_per_week=Decimal("5.00"),
        default_group_size=6,
        default_weeks=39,
    )
    data = (
        b"upn,provision,start_date,hours_per_week,group_size,weeks\n"
        b"A123456789012,nurture group,2026-09-07,,,\n"
        b"B234567890123,Nurture group,2026-09-07,2.5,8,\n"
    )

    report = import_provision(school=school, data=data, on=ON)

    assert report.ok, report.errors
    assert sorted(
        ProvisionAssignment.objects.values_list("hours_per_week", "group_size", "weeks", "status")
    ) == [(Decimal("2.50"), 8, 39, "in_place"), (Decimal("5.00"), 6, 39, "in_place")]
