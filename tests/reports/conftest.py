import datetime as dt

import pytest

from tests.factories import NeedFactory, PupilFactory, SenStatusFactory

# Autumn 2025: census day is Thursday 2 October 2025.
YEAR, TERM = 2025, "autumn"


def add_sen_pupils(
    school,
    count: int,
    *,
    code: str = "K",
    need: str = "SLCN",
    year_group="4",
    start=dt.date(2024, 9, 1),
    **pupil,
):
    """`count` pupils on roll with an SEN status and a primary need from `start`."""
    pupils = []
    for _ in range(count):
        p = PupilFactory(school=school, year_group=year_group, **pupil)
        SenStatusFactory(pupil=p, code=code, start_date=start)
        NeedFactory(pupil=p, code=need, start_date=start)
        pupils.append(p)
    return pupils


@pytest.fixture
def register(school):
    """A register with a small group (3 EHC plans) and larger ones."""
    add_sen_pupils(
        school, 3, code="E", need="ASD", year_group="5", forename="Zebedee", surname="Quartermaine"
    )
    add_sen_pupils(school, 12, code="K", need="SLCN", year_group="4")
    add_sen_pupils(school, 9, code="K", need="SEMH", year_group="5")
    for _ in range(40):
        PupilFactory(school=school, year_group="4")
    return school
