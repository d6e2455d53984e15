"""The Common Transfer File import: SEN history and needs merged; hostile XML refused."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from pupils.imports.ctf import import_ctf
from pupils.imports.pupils import import_pupils
from pupils.models import Need, Pupil, SenStatus
from tests.factories import NeedFactory, PupilFactory, SenStatusFactory

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = (FIXTURES / "ctf_sample.xml").read_bytes()
ON = dt.date(2026, 9, 7)
D = dt.date


def history(pupil):
    return list(
        SenStatus.objects.filter(pupil=pupil)
        .order_by("start_date")
        .values_list("code", "start_date", "end_date")
    )


def needs(pupil):
    return list(
        Need.objects.filter(pupil=pupil)
        .order_by("rank", "start_date")
        .values_list("code", "rank", "start_date", "end_date")
    )


@pytest.fixture
def registered(school):
    """Ada and Alan as the receiving school registered them on arrival."""
    import_pupils(school=school, data=(FIXTURES / "pupils_clean.csv").read_bytes(), on=ON)
    return Pupil.objects.get(surname="Lovelace"), Pupil.objects.get(surname="Turing")


def test_the_sample_ctf_adds_the_old_schools_history_before_the_schools_own(school, registered):
    ada, alan = registered

    report = import_ctf(school=school, data=SAMPLE, on=ON)

    assert report.ok, report.errors
    assert report.summary() == "0 created, 2 updated, 0 unchanged"
    # Ada's status K recorded from 07/09/2026 started with the old school on 09/01/2023.
    assert history(ada) == [("N", D(2021, 9, 6), D(2023, 1, 8)), ("K", D(2023, 1, 9), None)]
    assert needs(ada) == [
        ("SLCN", 1, D(2023, 1, 9), None),
        ("NSA", 2, D(2023, 1, 9), D(2024, 3, 28)),
        ("SEMH", 2, ON, None),
    ]
    assert history(alan) == [("K", D(2020, 11, 2), D(2022, 5, 15)), ("E", D(2022, 5, 16), None)]
    assert needs(alan) == [
        ("SLCN", 1, D(2020, 11, 2), D(2022, 5, 15)),
        ("ASD", 1, D(2022, 5, 16), None),
        ("SEMH", 2, D(2022, 5, 16), None),
    ]
    assert any(
        "Florence Nightingale" in n and "not on this school's roll" in n for n in report.notes
    )


def test_reimporting_the_same_ctf_changes_nothing(school, registered):
    import_ctf(school=school, data=SAMPLE, on=ON)
    counts = (SenStatus.objects.count(), Need.objects.count())

    again = import_ctf(school=school, data=SAMPLE, on=ON)

    assert again.summary() == "0 created, 0 updated, 2 unchanged"
    assert (SenStatus.objects.count(), Need.objects.count()) == counts


def test_pupils_not_on_roll_are_created_only_when_asked(school):
    report = import_ctf(school=school, data=SAMPLE, on=ON, create_pupils=True)

    assert report.summary() == "3 created, 0 updated, 0 unchanged"
    florence = Pupil.objects.get(upn="D456789012345")
    assert (florence.year_group, florence.on_roll_date) == ("3", ON)
    assert history(florence) == [("K", D(2024, 1, 8), None)]
    assert needs(florence) == [("SPLD", 1, D(2024, 1, 8), None)]


def test_a_newer_status_in_the_file_closes_the_current_one(school):
    pupil = PupilFactory(school=school, upn="A123456789012")
    SenStatusFactory(pupil=pupil, code="N", start_date=D(2019, 9, 2))
    xml = f"""<CTfile><Pupil><UPN>A123456789012</UPN><Surname>{pupil.surname}</Surname>
      <SENhistory><SEN><StartDate>2025-01-06</StartDate><SENprovision>K</SENprovision></SEN></SENhistory>
      <SENneeds><SENneed><SENtype>MLD</SENtype><SENtypeRank>1</SENtypeRank>
      <NeedStartDate>2025-01-06</NeedStartDate></SENneed></SENneeds></Pupil></CTfile>"""

    import_ctf(school=school, data=xml.encode(), on=ON)

    assert history(pupil) == [("N", D(2019, 9, 2), D(2025, 1, 5)), ("K", D(2025, 1, 6), None)]


def test_a_record_that_contradicts_the_schools_history_is_reported_not_written(school):
    pupil = PupilFactory(school=school, upn="A123456789012")
    SenStatusFactory(pupil=pupil, code="K", start_date=D(2023, 1, 9))
    NeedFactory(pupil=pupil, code="SLCN", rank=1, start_date=D(2023, 1, 9))
    xml = b"""<CTfile><Pupil><UPN>A123456789012</UPN>
      <SENhistory><SEN><StartDate>2023-01-09</StartDate><SENprovision>E</SENprovision></SEN></SENhistory>
      <SENneeds><SENneed><SENtype>ASD</SENtype><SENtypeRank>1</SENtypeRank>
      <NeedStartDate>2023-01-09</NeedStartDate></SENneed></SENneeds></Pupil></CTfile>"""

    report = import_ctf(school=school, data=xml, on=ON)

    assert report.summary() == "0 created, 0 updated, 1 unchanged"
    assert len([n for n in report.notes if "contradicts the school's records" in n]) == 2
    assert history(pupil) == [("K", D(2023, 1, 9), None)]


@pytest.mark.parametrize(
    "name", ["ctf_billion_laughs.xml", "ctf_external_entity.xml"], ids=["entities", "external"]
)
def test_hostile_xml_is_refused_before_anything_is_expanded(school, registered, name):
    report = import_ctf(school=school, data=(FIXTURES / name).read_bytes(), on=ON)

    assert report.file_error.startswith("The file was refused: it declares a DTD")
    assert not report.applied
    assert SenStatus.objects.filter(start_date__lt=ON).count() == 0


def test_an_external_dtd_reference_is_refused(school):
    xml = b'<?xml version="1.0"?><!DOCTYPE CTfile SYSTEM "http://example.org/ctf.dtd"><CTfile/>'

    assert "refused" in import_ctf(school=school, data=xml, on=ON).file_error


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"upn,surname\nA123456789012,Lovelace\n", "not XML"),
        (b"<CTfile><Pupil></CTfile>", "not well-formed"),
        (b"<CTfile><Header/></CTfile>", "no <Pupil> records"),
    ],
)
def test_files_that_are_not_ctfs_are_refused_with_a_message(school, data, words):
    assert words in import_ctf(school=school, data=data, on=ON).file_error


@pytest.mark.parametrize(
    ("sen", "need", "element", "words"),
    [
        ("E", "<SENtype>NSA</SENtype><SENtypeRank>1</SENtypeRank>", "SENneed/SENtype", "NSA"),
        ("K", "<SENtype>XYZ</SENtype><SENtypeRank>1</SENtypeRank>", "SENneed/SENtype", "census"),
        ("K", "<SENtype>MLD</SENtype><SENtypeRank>2</SENtypeRank>", "SENneeds", "rank 1"),
        ("Q", "<SENtype>MLD</SENtype><SENtypeRank>1</SENtypeRank>", "SEN/SENprovision", "code"),
    ],
)
def test_a_bad_pupil_record_names_the_pupil_and_element_and_writes_nothing(
    school, registered, sen, need, element, words
):
    xml = f"""<CTfile>
      <Pupil><UPN>B234567890123</UPN><SENhistory><SEN><StartDate>2020-11-02</StartDate>
        <SENprovision>K</SENprovision></SEN></SENhistory><SENneeds><SENneed><SENtype>SLCN</SENtype>
        <SENtypeRank>1</SENtypeRank><NeedStartDate>2020-11-02</NeedStartDate></SENneed></SENneeds>
      </Pupil>
      <Pupil><UPN>A123456789012</UPN><SENhistory><SEN><StartDate>2023-01-09</StartDate>
        <SENprovision>{sen}</SENprovision></SEN></SENhistory>
        <SENneeds><SENneed>{need}<NeedStartDate>2023-01-09</NeedStartDate></SENneed></SENneeds>
      </Pupil></CTfile>"""
    before = history(registered[1])

    report = import_ctf(school=school, data=xml.encode(), on=ON)

    assert len(report.errors) == 1
    assert str(report.errors[0]).startswith(f"Pupil 2, element {element}:"), report.errors
    assert words in str(report.errors[0])
    assert report.updated == 1  # Alan's older history was planned, and not written
    assert history(registered[1]) == before


def test_the_command_refuses_hostile_xml(school, capsys):
    with pytest.raises(CommandError, match="refused"):
        call_command("import_ctf", str(FIXTURES / "ctf_billion_laughs.xml"), "--school", school.urn)


def test_the_command_creates_pupils_with_the_flag(school, capsys):
    call_command(
        "import_ctf", str(FIXTURES / "ctf_sample.xml"), "--school", school.urn, "--create-pupils"
    )

    assert Pupil.objects.for_school(school).count() == 3
    assert "3 created, 0 updated, 0 unchanged" in capsys.readouterr().out


# Real CTFs: a need without a start date and NCyearActual "X" are accepted with a warning line.


def _ctf(pupil_xml: str) -> bytes:
    return f"<CTfile><Pupil>{pupil_xml}</Pupil></CTfile>".encode()


def test_a_need_without_a_start_date_starts_with_its_sen_record_and_is_warned(school):
    pupil = PupilFactory(school=school, upn="A123456789012")
    xml = _ctf(
        f"""<UPN>A123456789012</UPN><Surname>{pupil.surname}</Surname>
        <SENhistory><SEN><StartDate>2024-01-08</StartDate><SENprovision>K</SENprovision></SEN>
        </SENhistory><SENneeds><SENneed><SENtype>SLCN</SENtype><SENtypeRank>1</SENtypeRank>
        </SENneed></SENneeds>"""
    )

    report = import_ctf(school=school, data=xml, on=ON)

    assert report.ok and report.applied, report.errors
    assert needs(pupil) == [("SLCN", 1, D(2024, 1, 8), None)]
    assert history(pupil) == [("K", D(2024, 1, 8), None)]
    warning = [n for n in report.notes if n.startswith("Warning: pupil 1")]
    assert len(warning) == 1 and "no NeedStartDate: recorded from 08/01/2024" in warning[0]
    # Importing it again changes nothing.
    assert (
        import_ctf(school=school, data=xml, on=ON).summary() == "0 created, 0 updated, 1 unchanged"
    )


def test_an_undated_need_the_school_already_holds_is_left_as_it_is(school):
    pupil = PupilFactory(school=school, upn="A123456789012")
    SenStatusFactory(pupil=pupil, code="K", start_date=D(2025, 9, 1))
    NeedFactory(pupil=pupil, code="ASD", rank=1, start_date=D(2025, 9, 1))
    xml = _ctf(
        """<UPN>A123456789012</UPN><SENneeds><SENneed><SENtype>ASD</SENtype>
        <SENtypeRank>1</SENtypeRank></SENneed></SENneeds>"""
    )

    report = import_ctf(school=school, data=xml, on=ON)

    assert report.summary() == "0 created, 0 updated, 1 unchanged"
    assert needs(pupil) == [("ASD", 1, D(2025, 9, 1), None)]


def test_ncyearactual_x_is_accepted_and_a_new_pupils_year_comes_from_their_age(school):
    xml = _ctf(
        """<UPN>E567890123456</UPN><Surname>Hopper</Surname><Forename>Grace</Forename>
        <DOB>2016-10-03</DOB><NCyearActual>X</NCyearActual>
        <SENhistory><SEN><StartDate>2022-03-01</StartDate><SENprovision>E</SENprovision></SEN>
        </SENhistory><SENneeds><SENneed><SENtype>SLD</SENtype><SENtypeRank>1</SENtypeRank>
        <NeedStartDate>2022-03-01</NeedStartDate></SENneed></SENneeds>"""
    )

    report = import_ctf(school=school, data=xml, on=ON, create_pupils=True)

    assert report.ok and report.applied, report.errors
    grace = Pupil.objects.get(upn="E567890123456")
    # Born 03/10/2016: 9 on 31/08/2026, so year 5 in 2026/27.
    assert grace.year_group == "5"
    assert any("NCyearActual is X" in n and "year 5" in n for n in report.notes)


def test_ncyearactual_x_keeps_an_existing_pupils_year_group(school):
    pupil = PupilFactory(school=school, upn="A123456789012", year_group="7")
    xml = _ctf(
        """<UPN>A123456789012</UPN><NCyearActual>X</NCyearActual>
        <SENhistory><SEN><StartDate>2024-01-08</StartDate><SENprovision>N</SENprovision></SEN>
        </SENhistory>"""
    )

    report = import_ctf(school=school, data=xml, on=ON)

    assert report.ok and report.applied, report.errors
    pupil.refresh_from_db()
    assert pupil.year_group == "7"
    assert any(n.startswith("Warning: pupil 1") and "NCyearActual is X" for n in report.notes)


def test_real_errors_still_refuse_the_whole_file_with_lenient_records_in_it(school):
    ada = PupilFactory(school=school, upn="A123456789012")
    PupilFactory(school=school, upn="B234567890123")
    xml = b"""<CTfile>
      <Pupil><UPN>A123456789012</UPN><NCyearActual>X</NCyearActual>
        <SENhistory><SEN><StartDate>2024-01-08</StartDate><SENprovision>K</SENprovision></SEN>
        </SENhistory><SENneeds><SENneed><SENtype>SLCN</SENtype><SENtypeRank>1</SENtypeRank>
        </SENneed></SENneeds></Pupil>
      <Pupil><UPN>B234567890123</UPN>
        <SENhistory><SEN><StartDate>31/02/2024</StartDate><SENprovision>K</SENprovision></SEN>
        </SENhistory><SENneeds><SENneed><SENtype>ZZZ</SENtype><SENtypeRank>1</SENtypeRank>
        </SENneed></SENneeds></Pupil></CTfile>"""

    report = import_ctf(school=school, data=xml, on=ON)

    assert not report.ok and not report.applied
    assert [str(e).split(":")[0] for e in report.errors] == ["Pupil 2, element SEN/StartDate"]
    assert history(ada) == [] and needs(ada) == []
