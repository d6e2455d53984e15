"""Checking a file (the preview) costs the same number of queries for 3 rows or 40."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pupils.imports.ctf import import_ctf
from pupils.imports.provision import import_provision
from pupils.imports.pupils import import_pupils
from tests.factories import NeedFactory, PupilFactory, SenStatusFactory, current_summaries

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 9, 7)


def make_pupils(school, start, count):
    for n in range(start, start + count):
        pupil = PupilFactory(school=school, upn=f"A{n:012d}", surname=f"S{n}", forename="F")
        SenStatusFactory(pupil=pupil, code="K", start_date=dt.date(2024, 9, 1))
        NeedFactory(pupil=pupil, code="MLD", rank=1, start_date=dt.date(2024, 9, 1))


def pupils_csv(count):
    rows = [
        f"A{n:012d},S{n},F,2016-03-14,4,K,{'SLCN' if n % 2 else 'MLD'},,N,N" for n in range(count)
    ]
    rows += [f"B{n:012d},New{n},F,2016-03-14,4,N,,,N,N" for n in range(count)]
    header = "upn,surname,forename,date_of_birth,year_group,sen_provision,primary_need,"
    return (header + "secondary_need,pupil_premium,looked_after\n" + "\n".join(rows)).encode()


def provision_csv(count):
    header = "upn,provision,area,wave,staff_role,hourly_rate,hours_per_week,start_date\n"
    rows = [f"A{n:012d},Group {n % 3},CL,2,TA,18.50,1,2026-09-07" for n in range(count)]
    return (header + "\n".join(rows)).encode()


def ctf_xml(count):
    pupils = "".join(
        f"<Pupil><UPN>A{n:012d}</UPN><SENhistory><SEN><StartDate>2022-09-05</StartDate>"
        "<SENprovision>K</SENprovision></SEN></SENhistory><SENneeds><SENneed><SENtype>MLD"
        "</SENtype><SENtypeRank>1</SENtypeRank><NeedStartDate>2022-09-05</NeedStartDate>"
        "</SENneed></SENneeds></Pupil>"
        for n in range(count)
    )
    return f"<CTfile><CTFpupilData>{pupils}</CTFpupilData></CTfile>".encode()


@pytest.mark.parametrize(
    ("run", "make_file"),
    [(import_pupils, pupils_csv), (import_provision, provision_csv), (import_ctf, ctf_xml)],
    ids=["pupils", "provision", "ctf"],
)
def test_a_preview_uses_the_same_queries_for_few_and_many_rows(school, run, make_file):
    make_pupils(school, 0, 3)
    current_summaries()
    with CaptureQueriesContext(connection) as few:
        small = run(school=school, data=make_file(3), on=ON, dry_run=True)
    make_pupils(school, 3, 37)
    current_summaries()
    with CaptureQueriesContext(connection) as many:
        large = run(school=school, data=make_file(40), on=ON, dry_run=True)

    assert small.ok and large.ok, (small.errors, large.errors)
    assert large.created + large.updated > small.created + small.updated
    assert len(few) == len(many)


def new_pupils_ctf(count):
    pupils = "".join(
        f"<Pupil><UPN>C{n:012d}</UPN><Surname>New{n}</Surname><Forename>F</Forename>"
        "<DOB>2016-03-14</DOB><NCyearActual>4</NCyearActual><SENhistory><SEN><StartDate>"
        "2022-09-05</StartDate><SENprovision>K</SENprovision></SEN></SENhistory><SENneeds>"
        "<SENneed><SENtype>MLD</SENtype><SENtypeRank>1</SENtypeRank><NeedStartDate>2022-09-05"
        "</NeedStartDate></SENneed></SENneeds></Pupil>"
        for n in range(count)
    )
    return f"<CTfile><CTFpupilData>{pupils}</CTFpupilData></CTfile>".encode()


@pytest.mark.parametrize(
    ("run", "make_file", "kwargs"),
    [
        (import_pupils, pupils_csv, {}),
        (import_provision, provision_csv, {}),
        (import_ctf, ctf_xml, {}),
        (import_ctf, new_pupils_ctf, {"create_pupils": True}),
    ],
    ids=["pupils", "provision", "ctf", "ctf-new-pupils"],
)
def test_an_import_writes_with_the_same_queries_for_few_and_many_rows(
    school, run, make_file, kwargs
):
    """Writing too: new and changed rows are written in bulk (COPY, one UPDATE per set of
    changed columns), never one query per row (pupils/sen_history.py, sendfund/lib/imports)."""
    make_pupils(school, 0, 40)
    current_summaries()
    with CaptureQueriesContext(connection) as few:
        small = run(school=school, data=make_file(3), on=ON, **kwargs)
    with CaptureQueriesContext(connection) as many:
        large = run(school=school, data=make_file(40), on=ON, **kwargs)

    assert small.applied and large.applied, (small.errors, large.errors, large.file_error)
    assert large.created + large.updated > small.created + small.updated
    # (The first file also adds the catalogue's new provisions and role, once each.)
    assert len(many) <= len(few), [q["sql"][:80] for q in many.captured_queries]
