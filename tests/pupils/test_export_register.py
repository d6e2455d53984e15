"""The register export: exact costs, neutralised formulas, constant queries, own school only."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pupils.imports.export import HEADER, register_lines
from pupils.imports.pupils import import_pupils
from sendfund.lib.csv import neutralise
from tests.factories import (
    NeedFactory,
    ProvisionAssignmentFactory,
    ProvisionFactory,
    PupilFactory,
    SenStatusFactory,
    StaffRateFactory,
    StaffRoleFactory,
    current_summaries,
)

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 11, 2)


def rows(school, on=ON):
    return {r[1]: dict(zip(HEADER, r, strict=True)) for r in list(register_lines(school, on))[1:]}


@pytest.fixture
def ta(school):
    role = StaffRoleFactory(school=school, name="Teaching assistant")
    StaffRateFactory(
        staff_role=role,
        academic_year=2026,
        actual_hourly_rate=Decimal("18.50"),
        la_standard_hourly_rate=Decimal("17.20"),
    )
    return role


def pupil_with_provision(school, ta, surname="Turing", **kwargs):
    pupil = PupilFactory(school=school, surname=surname, forename="Alan", **kwargs)
    SenStatusFactory(pupil=pupil, code="E", start_date=dt.date(2024, 9, 1))
    NeedFactory(pupil=pupil, code="ASD", rank=1)
    NeedFactory(pupil=pupil, code="SEMH", rank=2)
    group = ProvisionFactory(school=school, staff_role=ta, name=f"Social skills {surname}")
    one_to_one = ProvisionFactory(school=school, staff_role=ta, name=f"1:1 support {surname}")
    slt = ProvisionFactory(
        school=school,
        staff_role=None,
        service_annual_cost=Decimal("1450.00"),
        resource_cost_per_pupil=Decimal("35.50"),
        name=f"Speech therapy {surname}",
    )
    ProvisionAssignmentFactory(
        pupil=pupil, provision=group, hours_per_week=Decimal("1.5"), group_size=4
    )
    ProvisionAssignmentFactory(pupil=pupil, provision=one_to_one, hours_per_week=Decimal("15"))
    ProvisionAssignmentFactory(pupil=pupil, provision=slt, status="planned")
    # Ended last term: not part of the current annual cost.
    ProvisionAssignmentFactory(
        pupil=pupil,
        provision=one_to_one,
        start_date=dt.date(2025, 9, 1),
        end_date=dt.date(2026, 7, 20),
        status="ended",
        hours_per_week=Decimal("20"),
    )
    return pupil


def test_a_pupils_row_has_needs_area_flags_and_the_exact_annual_cost(school, ta):
    pupil_with_provision(school, ta, upn="A123456789012", pupil_premium=True)

    row = rows(school)["Turing"]

    # 18.50 x 1.5 x 38 / 4 = 263.625; 18.50 x 15 x 38 = 10,545; SLA 1,450 + resources 35.50.
    assert row == {
        "upn": "A123456789012",
        "surname": "Turing",
        "forename": "Alan",
        "date_of_birth": "14/03/2016",
        "year_group": "4",
        "sen_provision": "E",
        "primary_need": "ASD",
        "secondary_need": "SEMH",
        "broad_area": "CI",
        "pupil_premium": "Y",
        "looked_after": "N",
        "unit_pupil": "N",
        "annual_cost": "12294.13",
    }


def test_the_cost_uses_the_schools_costing_basis(school, ta):
    school.costing_basis = "la_standard"
    school.save()
    pupil_with_provision(school, ta)

    # 17.20 x 1.5 x 38 / 4 = 245.10; 17.20 x 15 x 38 = 9,804; 1,485.50.
    assert rows(school)["Turing"]["annual_cost"] == "11534.60"


def test_a_pupil_without_provision_costs_zero(school):
    PupilFactory(school=school, surname="Seacole")

    row = rows(school)["Seacole"]

    assert (row["annual_cost"], row["sen_provision"], row["primary_need"]) == ("0.00", "N", "")


def test_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised(school):
    PupilFactory(school=school, surname='=HYPERLINK("http://evil.example","x")', forename="+1")
    PupilFactory(school=school, surname="@SUM(A1)", forename="-2")
    PupilFactory(school=school, surname="\tTab", forename="\rReturn")

    cells = {(r["surname"], r["forename"]) for r in rows(school).values()}

    assert cells == {
        ('\'=HYPERLINK("http://evil.example","x")', "'+1"),
        ("'@SUM(A1)", "'-2"),
        ("'\tTab", "'\rReturn"),
    }
    assert neutralise("O'Brien") == "O'Brien"


def test_another_schools_pupils_never_appear(school, other_school, ta):
    PupilFactory(school=school, surname="Ours")
    theirs = PupilFactory(school=other_school, surname="Theirs")
    other_role = StaffRoleFactory(school=other_school, name="Teaching assistant")
    ProvisionAssignmentFactory(
        pupil=theirs, provision=ProvisionFactory(school=other_school, staff_role=other_role)
    )

    assert list(rows(school)) == ["Ours"]


def test_pupils_who_have_left_are_not_exported(school):
    PupilFactory(school=school, surname="Gone", left_date=dt.date(2026, 7, 22))

    assert rows(school) == {}


def test_the_export_uses_the_same_queries_for_few_and_many_pupils(school, ta):
    pupil_with_provision(school, ta, surname="First")
    list(register_lines(school, ON))  # the first costing of a year writes its school days
    current_summaries()
    with CaptureQueriesContext(connection) as few:
        assert len(list(register_lines(school, ON))) == 2
    for n in range(12):
        pupil_with_provision(school, ta, surname=f"Pupil{n:02d}")
    current_summaries()
    with CaptureQueriesContext(connection) as many:
        assert len(list(register_lines(school, ON))) == 14

    # Two queries for the year's school days (written? how many in the period?), one for the
    # register.
    assert len(few) == len(many) == 3


def test_the_download_streams_the_csv_with_constant_queries(senco_client, school, ta):
    pupil_with_provision(school, ta, surname="First")
    url = reverse("pupil_imports:export_register")

    def download():
        current_summaries()
        with CaptureQueriesContext(connection) as queries:
            response = senco_client.get(url)
            body = b"".join(response.streaming_content).decode("utf-8-sig")
        return response, body, len(queries)

    download()  # the first request of a session also loads and refreshes the session
    response, body, few = download()
    for n in range(10):
        pupil_with_provision(school, ta, surname=f"Pupil{n:02d}")
    _, body_many, many = download()

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="sen-register-100001-')
    assert body.splitlines()[0] == ",".join(HEADER)
    assert len(body_many.splitlines()) == 12
    assert few == many


def test_an_export_imports_back_unchanged(school):
    import_pupils(
        school=school,
        data=(
            b"upn,surname,forename,date_of_birth,year_group,sen_provision,primary_need,"
            b"secondary_need,pupil_premium,looked_after\n"
            b"A123456789012,Lovelace,Ada,2016-12-10,4,K,SLCN,SEMH,Y,N\n"
            b"B234567890123,Turing,Alan,2015-06-23,5,E,ASD,,N,Y\n"
        ),
        on=dt.date(2026, 9, 7),
    )
    out = io.StringIO()
    csv.writer(out).writerows(register_lines(school, ON))

    report = import_pupils(school=school, data=out.getvalue().encode(), on=ON)

    assert report.summary() == "0 created, 0 updated, 2 unchanged"
    assert report.notes == ["Columns ignored: broad_area, annual_cost."]


def test_the_command_writes_the_register_to_a_file(school, ta, tmp_path):
    pupil_with_provision(school, ta)
    path = tmp_path / "register.csv"

    call_command(
        "export_register", "--school", school.urn, "--output", str(path), "--date", "02/11/2026"
    )

    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[1].endswith(",E,ASD,SEMH,CI,N,N,N,12294.13")


def test_the_unit_flag_is_exported_and_imports_back_unchanged(school):
    school.unit = "resourced"
    school.save()
    import_pupils(
        school=school,
        data=(
            b"upn,surname,forename,date_of_birth,year_group,sen_provision,primary_need,"
            b"secondary_need,pupil_premium,looked_after,unit_pupil\n"
            b"A123456789012,Lovelace,Ada,2016-12-10,4,E,ASD,,N,N,Y\n"
            b"B234567890123,Turing,Alan,2015-06-23,5,K,SLCN,,N,N,N\n"
        ),
        on=dt.date(2026, 9, 7),
    )
    out = io.StringIO()
    csv.writer(out).writerows(register_lines(school, ON))

    exported = {
        row["surname"]: row["unit_pupil"] for row in csv.DictReader(io.StringIO(out.getvalue()))
    }
    assert exported == {"Lovelace": "Y", "Turing": "N"}
    report = import_pupils(school=school, data=out.getvalue().encode(), on=ON)
    assert report.summary() == "0 created, 0 updated, 2 unchanged"
