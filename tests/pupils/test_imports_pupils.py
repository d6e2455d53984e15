"""The pupil register CSV import: aliases, validation per row and column, all or nothing."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from pupils.imports.pupils import import_pupils
from pupils.models import Need, Pupil, SenStatus
from tests.factories import NeedFactory, PupilFactory, SenStatusFactory

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"
ON = dt.date(2026, 9, 7)
HEADER = (
    "upn,surname,forename,date_of_birth,year_group,sen_provision,primary_need,secondary_need,"
    "pupil_premium,looked_after\n"
)


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return (header + "\n".join(rows) + "\n").encode()


def register(school):
    """The school's pupils with their open status and open needs, as plain values."""
    out = {}
    for pupil in Pupil.objects.for_school(school):
        status = SenStatus.objects.get(pupil=pupil, end_date=None)
        needs = dict(Need.objects.filter(pupil=pupil, end_date=None).values_list("rank", "code"))
        out[pupil.surname] = (pupil.upn, pupil.year_group, status.code, needs, pupil.pupil_premium)
    return out


def test_a_clean_file_creates_every_pupil_with_status_and_needs(school):
    report = import_pupils(school=school, data=(FIXTURES / "pupils_clean.csv").read_bytes(), on=ON)

    assert report.ok and report.applied
    assert report.summary() == "4 created, 0 updated, 0 unchanged"
    assert register(school) == {
        "Lovelace": ("A123456789012", "4", "K", {1: "SLCN", 2: "SEMH"}, True),
        "Turing": ("B234567890123", "5", "E", {1: "ASD"}, False),
        "Seacole": ("C34567890123D", "3", "N", {}, False),
        "Franklin": ("", "2", "K", {1: "NSA"}, True),
    }
    assert SenStatus.objects.filter(school=school, start_date=ON).count() == 4
    assert Pupil.objects.get(surname="Turing").looked_after is True


def test_reimporting_the_same_file_changes_nothing(school):
    data = (FIXTURES / "pupils_clean.csv").read_bytes()
    import_pupils(school=school, data=data, on=ON)
    before = (SenStatus.objects.count(), Need.objects.count(), Pupil.objects.count())

    again = import_pupils(school=school, data=data, on=ON + dt.timedelta(days=30))

    assert again.summary() == "0 created, 0 updated, 4 unchanged"
    assert (SenStatus.objects.count(), Need.objects.count(), Pupil.objects.count()) == before


def test_an_mis_export_with_bom_aliases_and_uk_dates_matches_the_same_pupils(school):
    import_pupils(school=school, data=(FIXTURES / "pupils_clean.csv").read_bytes(), on=ON)
    data = (FIXTURES / "pupils_mis_export.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")

    report = import_pupils(school=school, data=data, on=ON + dt.timedelta(days=1))

    assert report.ok, report.errors
    assert report.summary() == "0 created, 0 updated, 4 unchanged"
    assert "Columns ignored: Tutor group." in report.notes


def test_an_mis_export_alone_creates_pupils_from_aliased_columns(school):
    report = import_pupils(
        school=school, data=(FIXTURES / "pupils_mis_export.csv").read_bytes(), on=ON
    )

    assert report.ok and report.created == 4
    turing = Pupil.objects.get(surname="Turing")
    assert (turing.date_of_birth, turing.year_group, turing.looked_after) == (
        dt.date(2015, 6, 23),
        "5",
        True,
    )


def test_matching_falls_back_to_name_and_date_of_birth_and_adds_the_upn(school):
    pupil = PupilFactory(
        school=school,
        upn="",
        surname="Franklin",
        forename="Rosalind",
        date_of_birth=dt.date(2018, 7, 25),
        year_group="2",
    )
    SenStatusFactory(pupil=pupil, code="N", start_date=dt.date(2025, 9, 1))

    report = import_pupils(
        school=school,
        data=csv_bytes("E456789012345,FRANKLIN,rosalind,25/07/2018,2,N,,,N,N"),
        on=ON,
    )

    assert report.summary() == "0 created, 1 updated, 0 unchanged"
    pupil.refresh_from_db()
    assert pupil.upn == "E456789012345"


def test_a_changed_status_and_need_close_the_old_records_and_open_new_ones(school):
    pupil = PupilFactory(school=school, upn="A123456789012")
    SenStatusFactory(pupil=pupil, code="K", start_date=dt.date(2024, 9, 1))
    NeedFactory(pupil=pupil, code="SLCN", rank=1, start_date=dt.date(2024, 9, 1))

    report = import_pupils(
        school=school,
        data=csv_bytes(
            f"A123456789012,{pupil.surname},{pupil.forename},2016-03-14,4,E,ASD,SLCN,N,N"
        ),
        on=ON,
    )

    assert report.summary() == "0 created, 1 updated, 0 unchanged"
    assert list(
        SenStatus.objects.filter(pupil=pupil)
        .order_by("start_date")
        .values_list("code", "start_date", "end_date")
    ) == [("K", dt.date(2024, 9, 1), dt.date(2026, 9, 6)), ("E", ON, None)]
    assert list(
        Need.objects.filter(pupil=pupil)
        .order_by("start_date", "rank")
        .values_list("code", "rank", "end_date")
    ) == [("SLCN", 1, dt.date(2026, 9, 6)), ("ASD", 1, None), ("SLCN", 2, None)]


def test_moving_to_no_sen_closes_the_needs(school):
    pupil = PupilFactory(school=school, upn="A123456789012")
    SenStatusFactory(pupil=pupil, code="K", start_date=dt.date(2024, 9, 1))
    NeedFactory(pupil=pupil, code="MLD", rank=1, start_date=dt.date(2024, 9, 1))

    import_pupils(
        school=school,
        data=csv_bytes(f"A123456789012,{pupil.surname},{pupil.forename},2016-03-14,4,N,,,N,N"),
        on=ON,
    )

    assert not Need.objects.filter(pupil=pupil, end_date=None).exists()
    assert SenStatus.objects.get(pupil=pupil, end_date=None).code == "N"


def test_a_same_day_correction_amends_the_record_instead_of_leaving_a_zero_length_one(school):
    import_pupils(
        school=school, data=csv_bytes("A123456789012,Lovelace,Ada,2016-12-10,4,K,SLCN,,N,N"), on=ON
    )

    report = import_pupils(
        school=school, data=csv_bytes("A123456789012,Lovelace,Ada,2016-12-10,4,K,MLD,,N,N"), on=ON
    )

    assert report.updated == 1
    assert list(Need.objects.values_list("code", "start_date", "end_date")) == [("MLD", ON, None)]


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        ("A123456789012,Lovelace,Ada,2016-12-10,Year 15,K,SLCN,,N,N", "year_group", "year group"),
        ("A12345,Lovelace,Ada,2016-12-10,4,K,SLCN,,N,N", "upn", "not a UPN"),
        ("A123456789012,Lovelace,Ada,31/02/2016,4,K,SLCN,,N,N", "date_of_birth", "not a date"),
        ("A123456789012,Lovelace,Ada,2016-12-10,4,K,XYZ,,N,N", "primary_need", "need code"),
        ("A123456789012,Lovelace,Ada,2016-12-10,4,E,NSA,,N,N", "primary_need", "NSA"),
        ("A123456789012,Lovelace,Ada,2016-12-10,4,K,,,N,N", "primary_need", "primary need"),
        ("A123456789012,Lovelace,Ada,2016-12-10,4,E,,,N,N", "primary_need", "primary need"),
        ("A123456789012,Lovelace,Ada,2016-12-10,4,S,SLCN,,N,N", "sen_provision", "legacy"),
        ("A123456789012,Lovelace,Ada,2016-12-10,4,K,SLCN,,maybe,N", "pupil_premium", "yes or no"),
        ("A123456789012,,Ada,2016-12-10,4,K,SLCN,,N,N", "surname", "empty"),
        ("A123456789012,Lovelace,Ada,2016-12-10,4,N,SLCN,,N,N", "primary_need", "no SEN"),
    ],
)
def test_each_kind_of_bad_row_is_reported_with_its_row_and_column(school, row, column, words):
    good = "B234567890123,Turing,Alan,2015-06-23,5,E,ASD,,N,Y"

    report = import_pupils(school=school, data=csv_bytes(good, row), on=ON)

    assert not report.ok and not report.applied
    assert len(report.errors) == 1
    message = str(report.errors[0])
    assert message.startswith(f"Row 3, column {column}:"), message
    assert words in message
    assert not Pupil.objects.exists()


def test_one_bad_row_writes_nothing_even_when_other_rows_change_existing_pupils(school):
    pupil = PupilFactory(school=school, upn="B234567890123", year_group="4")
    SenStatusFactory(pupil=pupil, code="N", start_date=dt.date(2024, 9, 1))
    data = csv_bytes(
        f"B234567890123,{pupil.surname},{pupil.forename},2016-03-14,5,K,SLCN,,N,N",
        "A123456789012,Lovelace,Ada,2016-12-10,4,K,SLCN,,N,N",
        "C34567890123D,Seacole,Mary,2017-13-23,3,N,,,N,N",
    )

    report = import_pupils(school=school, data=data, on=ON)

    assert [str(e) for e in report.errors] == [
        "Row 4, column date_of_birth: '2017-13-23' is not a date: use YYYY-MM-DD or DD/MM/YYYY."
    ]
    pupil.refresh_from_db()
    assert pupil.year_group == "4"
    assert Pupil.objects.count() == 1
    assert list(SenStatus.objects.values_list("code", flat=True)) == ["N"]


def test_an_aliased_column_is_named_as_written_in_the_file(school):
    data = csv_bytes(
        ",Ada,2016-12-10,4,N", header="Legal Surname,Forename,DOB,NC Year,SEN Status\n"
    )

    report = import_pupils(school=school, data=data, on=ON)

    assert [str(e) for e in report.errors] == ['Row 2, column surname ("Legal Surname"): is empty.']


def test_a_bad_date_in_an_aliased_column_names_both_names(school):
    data = csv_bytes(
        "Lovelace,Ada,2016/12/10,4,N", header="Legal Surname,Forename,DOB,NC Year,SEN Status\n"
    )

    report = import_pupils(school=school, data=data, on=ON)

    assert str(report.errors[0]).startswith('Row 2, column date_of_birth ("DOB"):')


def test_a_file_that_is_not_utf8_is_refused_with_a_clear_message(school):
    data = csv_bytes("A123456789012,Brontë,Anne,2016-12-10,4,N,,,N,N").decode().encode("cp1252")

    report = import_pupils(school=school, data=data, on=ON)

    assert "not UTF-8" in report.file_error and "CSV UTF-8" in report.file_error
    assert not Pupil.objects.exists()


def test_missing_columns_are_named(school):
    report = import_pupils(school=school, data=b"surname,forename\nLovelace,Ada\n", on=ON)

    assert report.file_error.startswith("Missing columns: date_of_birth, year_group.")


def test_the_same_pupil_twice_in_a_file_is_an_error(school):
    row = "A123456789012,Lovelace,Ada,2016-12-10,4,N,,,N,N"

    report = import_pupils(school=school, data=csv_bytes(row, row), on=ON)

    assert str(report.errors[0]) == "Row 3, column upn: repeats the pupil on row 2."


def test_dry_run_reports_changes_and_writes_nothing(school):
    report = import_pupils(
        school=school, data=(FIXTURES / "pupils_clean.csv").read_bytes(), on=ON, dry_run=True
    )

    assert report.summary() == "4 created, 0 updated, 0 unchanged"
    assert not report.applied
    assert not Pupil.objects.exists()


def test_another_schools_pupil_with_the_same_upn_is_never_touched(school, other_school):
    theirs = PupilFactory(school=other_school, upn="A123456789012", year_group="6")

    import_pupils(
        school=school, data=csv_bytes("A123456789012,Lovelace,Ada,2016-12-10,4,N,,,N,N"), on=ON
    )

    theirs.refresh_from_db()
    assert theirs.year_group == "6"
    assert Pupil.objects.for_school(school).get().surname == "Lovelace"


def test_the_command_imports_and_reports_counts(school, capsys):
    path = str(FIXTURES / "pupils_clean.csv")

    call_command("import_pupils", path, "--school", school.urn, "--date", "07/09/2026", "--dry-run")
    assert not Pupil.objects.exists()
    call_command("import_pupils", path, "--school", school.urn, "--date", "2026-09-07")
    call_command("import_pupils", path, "--school", school.urn)

    out = capsys.readouterr().out
    assert "would be 4 created, 0 updated, 0 unchanged" in out
    assert "Brook Primary: 4 created, 0 updated, 0 unchanged." in out
    assert "Brook Primary: 0 created, 0 updated, 4 unchanged." in out


def test_the_command_fails_with_the_row_errors_and_writes_nothing(school, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes("A123456789012,Lovelace,Ada,2016-12-10,4,E,NSA,,N,N"))

    with pytest.raises(CommandError, match="1 error: nothing was imported"):
        call_command("import_pupils", str(path), "--school", school.urn)

    assert "Row 2, column primary_need: NSA" in capsys.readouterr().out
    assert not Pupil.objects.exists()


def test_the_command_refuses_an_unknown_school(db):
    with pytest.raises(CommandError, match="No school with URN"):
        call_command("import_pupils", str(FIXTURES / "pupils_clean.csv"), "--school", "999999")


def test_dates_with_a_midnight_time_from_an_mis_are_accepted(school):
    report = import_pupils(
        school=school,
        data=csv_bytes(
            "A123456789012,Lovelace,Ada,10/12/2016 00:00:00,4,N,,,N,N",
            "B234567890123,Turing,Alan,2015-06-23T00:00:00,5,N,,,N,N",
        ),
        on=ON,
    )

    assert report.ok, report.errors
    assert sorted(Pupil.objects.values_list("date_of_birth", flat=True)) == [
        dt.date(2015, 6, 23),
        dt.date(2016, 12, 10),
    ]


def test_a_semicolon_separated_file_is_refused_with_a_hint(school):
    report = import_pupils(
        school=school, data=b"surname;forename;dob;year\nLovelace;Ada;2016-12-10;4\n", on=ON
    )

    assert "separated by semicolons" in report.file_error


@pytest.mark.parametrize(
    ("value", "expected"),
    [("Y4", "4"), ("Year 10", "10"), ("NC 3", "3"), ("04", "4"), ("Reception", "R"), ("n1", "N1")],
)
def test_year_groups_are_read_as_mis_exports_write_them(value, expected):
    from pupils.imports.parsers import parse_year_group

    assert parse_year_group(value) == expected


def test_a_change_dated_before_the_current_record_started_is_an_error(school):
    pupil = PupilFactory(school=school, upn="A123456789012")
    SenStatusFactory(pupil=pupil, code="K", start_date=dt.date(2026, 10, 1))
    NeedFactory(pupil=pupil, code="MLD", rank=1, start_date=dt.date(2026, 10, 1))
    NeedFactory(pupil=pupil, code="SEMH", rank=2, start_date=dt.date(2026, 10, 1))

    report = import_pupils(
        school=school,
        data=csv_bytes(f"A123456789012,{pupil.surname},{pupil.forename},2016-03-14,4,K,MLD,HI,N,N"),
        on=ON,
    )

    assert [str(e) for e in report.errors] == [
        "Row 2, column secondary_need: the current record started on 01/10/2026, after the "
        "effective date 07/09/2026: import with a later date."
    ]
    assert Need.objects.get(pupil=pupil, rank=2).code == "SEMH"


# Entry and leaving dates (optional columns) set when a pupil joined and left the roll.
DATED = (
    "UPN,Legal Surname,Legal Forename,DOB,NC Year,SEN Status,Primary Need,Date of admission,"
    "Leaving date\n"
)


def test_entry_and_leaving_dates_set_the_pupils_roll_dates_from_mis_aliases(school):
    report = import_pupils(
        school=school,
        data=csv_bytes(
            "A123456789012,Lovelace,Ada,2016-12-10,4,K,SLCN,01/09/2021,31/10/2026",
            "B234567890123,Turing,Alan,2015-06-23,5,N,,2020-09-03,",
            header=DATED,
        ),
        on=ON,
    )

    assert report.ok and report.applied, report.errors
    ada, alan = Pupil.objects.get(surname="Lovelace"), Pupil.objects.get(surname="Turing")
    assert (ada.on_roll_date, ada.left_date) == (dt.date(2021, 9, 1), dt.date(2026, 10, 31))
    assert (alan.on_roll_date, alan.left_date) == (dt.date(2020, 9, 3), None)
    assert not Pupil.objects.on_roll(dt.date(2026, 11, 1)).filter(pk=ada.pk).exists()


@pytest.mark.parametrize(
    "header",
    [
        "upn,surname,forename,date_of_birth,year_group,entry_date,leaving_date\n",
        "upn,surname,forename,date_of_birth,year_group,Admission date,Date of leaving\n",
    ],
)
def test_a_leaving_date_updates_an_existing_pupil_and_a_second_import_changes_nothing(
    school, header
):
    pupil = PupilFactory(
        school=school, upn="A123456789012", surname="Lovelace", forename="Ada",
        date_of_birth=dt.date(2016, 12, 10), year_group="4",
    )  # fmt: skip
    SenStatusFactory(pupil=pupil, code="N", start_date=dt.date(2021, 9, 1))
    data = csv_bytes("A123456789012,Lovelace,Ada,2016-12-10,4,2021-09-01,2026-10-31", header=header)

    report = import_pupils(school=school, data=data, on=ON)

    assert report.summary() == "0 created, 1 updated, 0 unchanged", report.errors
    assert "entry date → 01/09/2021; leaving date → 31/10/2026" in report.changes[0].description
    pupil.refresh_from_db()
    assert pupil.left_date == dt.date(2026, 10, 31)
    assert import_pupils(school=school, data=data, on=ON).summary() == (
        "0 created, 0 updated, 1 unchanged"
    )


def test_a_blank_leaving_date_never_erases_one_the_school_holds(school):
    pupil = PupilFactory(
        school=school, upn="A123456789012", surname="Lovelace", forename="Ada",
        date_of_birth=dt.date(2016, 12, 10), year_group="4", left_date=dt.date(2026, 7, 22),
    )  # fmt: skip
    SenStatusFactory(pupil=pupil, code="N", start_date=dt.date(2021, 9, 1))

    report = import_pupils(
        school=school,
        data=csv_bytes(
            "A123456789012,Lovelace,Ada,2016-12-10,4,,",
            header="upn,surname,forename,date_of_birth,year_group,entry_date,leaving_date\n",
        ),
        on=ON,
    )

    assert report.summary() == "0 created, 0 updated, 1 unchanged"
    pupil.refresh_from_db()
    assert pupil.left_date == dt.date(2026, 7, 22)


@pytest.mark.parametrize(
    ("row", "error"),
    [
        (
            "A123456789012,Lovelace,Ada,2016-12-10,4,01/09/2021,31/08/2021",
            "Row 3, column leaving_date: is before the entry date (01/09/2021).",
        ),
        (
            "A123456789012,Lovelace,Ada,2016-12-10,4,1st Sept,",
            "Row 3, column entry_date: '1st Sept' is not a date: use YYYY-MM-DD or DD/MM/YYYY.",
        ),
        (
            "A123456789012,Lovelace,Ada,2016-12-10,4,2015-09-01,",
            "Row 3, column entry_date: is not after the date of birth.",
        ),
    ],
)
def test_bad_roll_dates_name_row_and_column_and_nothing_is_written(school, row, error):
    report = import_pupils(
        school=school,
        data=csv_bytes(
            "B234567890123,Turing,Alan,2015-06-23,5,2020-09-03,",
            row,
            header="upn,surname,forename,date_of_birth,year_group,entry_date,leaving_date\n",
        ),
        on=ON,
    )

    assert [str(e) for e in report.errors] == [error]
    assert not report.applied
    assert not Pupil.objects.exists()


def test_a_leaving_date_before_the_entry_date_the_school_holds_is_an_error(school):
    pupil = PupilFactory(
        school=school, upn="A123456789012", surname="Lovelace", forename="Ada",
        date_of_birth=dt.date(2016, 12, 10), year_group="4", on_roll_date=dt.date(2023, 9, 4),
    )  # fmt: skip
    SenStatusFactory(pupil=pupil, code="N", start_date=dt.date(2023, 9, 4))

    report = import_pupils(
        school=school,
        data=csv_bytes(
            "A123456789012,Lovelace,Ada,2016-12-10,4,2023-07-21",
            header="upn,surname,forename,date_of_birth,year_group,Date of leaving\n",
        ),
        on=ON,
    )

    assert [str(e) for e in report.errors] == [
        'Row 2, column leaving_date ("Date of leaving"): is before the entry date 04/09/2023 '
        "recorded for Ada Lovelace."
    ]
    pupil.refresh_from_db()
    assert pupil.left_date is None


UNIT_HEADER = HEADER.rstrip("\n") + ",Resourced provision\n"


def test_a_unit_column_flags_unit_pupils_and_a_blank_keeps_the_flag(school):
    school.unit = "sen_unit"
    school.save()
    rows = (
        "A123456789012,Lovelace,Ada,2016-12-10,4,E,ASD,,N,N,Y",
        "B234567890123,Turing,Alan,2015-06-23,5,K,SLCN,,N,N,N",
    )
    report = import_pupils(school=school, data=csv_bytes(*rows, header=UNIT_HEADER), on=ON)
    assert report.ok and report.applied, report.errors
    flags = dict(Pupil.objects.for_school(school).values_list("surname", "in_unit"))
    assert flags == {"Lovelace": True, "Turing": False}

    # A file without the column, or with the cell blank, never clears the flag.
    import_pupils(school=school, data=csv_bytes(rows[0][:-2]), on=ON)
    blank = "A123456789012,Lovelace,Ada,2016-12-10,4,E,ASD,,N,N,"
    import_pupils(school=school, data=csv_bytes(blank, header=UNIT_HEADER), on=ON)
    assert Pupil.objects.get(surname="Lovelace").in_unit is True


def test_a_unit_pupil_in_a_school_without_a_unit_is_refused_naming_row_and_column(school):
    rows = ("A123456789012,Lovelace,Ada,2016-12-10,4,E,ASD,,N,N,yes",)

    report = import_pupils(school=school, data=csv_bytes(*rows, header=UNIT_HEADER), on=ON)

    assert not report.ok and not Pupil.objects.exists()
    [error] = report.errors
    assert "Row 2" in str(error) and "Resourced provision" in str(error)
    assert "no resourced provision or SEN unit" in str(error)
