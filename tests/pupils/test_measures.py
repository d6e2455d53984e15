"""Entry and exit measures on provision rows, and "what works for the money"."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from advocacy.evidence import build
from pupils import queries
from pupils.models import ProvisionAssignment
from pupils.plan_models import InterventionMeasure
from sendfund.lib.periods import academic_year
from tests.factories import ProvisionAssignmentFactory, ProvisionFactory, PupilFactory

pytestmark = pytest.mark.django_db
D = dt.date


def _measure(assignment, entry, exit_=None, *, name="Salford reading", standardised=True):
    return InterventionMeasure.objects.create(
        school=assignment.school,
        assignment=assignment,
        measure_name=name,
        standardised=standardised,
        entry_score=Decimal(entry),
        entry_date=D(2024, 9, 10),
        exit_score=None if exit_ is None else Decimal(exit_),
        exit_date=None if exit_ is None else D(2025, 3, 20),
    )


def _cohort(school, count: int, *, annual_cost="1900.00"):
    """`count` pupils on one bought-in reading intervention, running since 2020."""
    provision = ProvisionFactory(
        school=school,
        name="Reading recovery",
        staff_role=None,
        service_annual_cost=Decimal(annual_cost),
    )
    return [
        ProvisionAssignmentFactory(
            pupil=PupilFactory(school=school), provision=provision, start_date=D(2020, 9, 1)
        )
        for _ in range(count)
    ]


def test_the_measures_form_saves_entry_and_exit(senco_client, school):
    (row,) = _cohort(school, 1)
    url = reverse("pupils:measure_edit", args=[row.public_id])
    data = {
        "measure_name": "Salford reading",
        "standardised": "on",
        "entry_score": "82",
        "entry_date": "10/09/2024",
        "exit_score": "88.5",
        "exit_date": "20/03/2025",
    }
    assert senco_client.post(url, data).status_code == 302
    measure = InterventionMeasure.objects.get(assignment=row)
    assert (measure.change, measure.school) == (Decimal("6.5"), school)
    html = senco_client.get(reverse("pupils:detail", args=[row.pupil.public_id])).content.decode()
    assert "Salford reading (standardised): 82 on 10/09/2024 → 88.5 on 20/03/2025" in html


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"exit_date": ""}, "Exit: record both the exit score and the date it was measured"),
        ({"exit_date": "01/09/2024"}, "Exit measured on: cannot be before the entry measure."),
        ({"entry_score": "eighty"}, "Entry score: enter a number"),
        ({"measure_name": ""}, "Measure: name the assessment"),
    ],
)
def test_bad_measures_are_named_and_nothing_is_written(senco_client, school, extra, message):
    (row,) = _cohort(school, 1)
    data = {
        "measure_name": "Salford reading",
        "entry_score": "82",
        "entry_date": "10/09/2024",
        "exit_score": "88",
        "exit_date": "20/03/2025",
        **extra,
    }
    response = senco_client.post(reverse("pupils:measure_edit", args=[row.public_id]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not InterventionMeasure.objects.exists()


def test_what_works_averages_the_change_and_costs_per_pupil_from_the_money_model(school):
    a, b, c = _cohort(school, 3)
    _measure(a, "80", "86")
    _measure(b, "90", "93")
    _measure(c, "85")  # no exit measure yet: not counted
    year = academic_year(2024)
    (row,) = queries.what_works(school, year)
    # Changes +6 and +3: average (6 + 3) / 2 = 4.5, from 2 of the 3 pupils.
    assert (row["measured"], row["average_change"]) == (2, Decimal("4.5"))
    # Cost per pupil: the money model's Σ period_cost over the 3 pupils ÷ 3.
    money = ProvisionAssignment.objects.costed(year, school).filter(provision=a.provision)
    total = sum(r.period_cost for r in money)
    assert row["cost_per_pupil"] == total / 3
    # A whole year of a £1,900 service is £1,900 per pupil (to the penny).
    assert row["cost_per_pupil"].quantize(Decimal("0.01")) == Decimal("1900.00")


def test_raw_and_standardised_scores_are_never_averaged_together(school):
    a, b = _cohort(school, 2)
    _measure(a, "80", "86", standardised=True)
    _measure(b, "12", "20", standardised=False)
    rows = queries.what_works(school, academic_year(2024))
    assert [(r["standardised"], r["average_change"]) for r in rows] == [
        (False, Decimal("8")),
        (True, Decimal("6")),
    ]


def test_the_provision_map_shows_what_works(senco_client, school):
    a, b = _cohort(school, 2)
    today = dt.date.today()
    year = today.year if today.month >= 9 else today.year - 1
    for row, (entry, exit_) in zip((a, b), (("80", "86"), ("90", "94")), strict=True):
        InterventionMeasure.objects.create(
            school=school,
            assignment=row,
            measure_name="Salford reading",
            entry_score=Decimal(entry),
            entry_date=D(year, 9, 2),
            exit_score=Decimal(exit_),
            exit_date=D(year, 9, 3),
        )
    html = senco_client.get(reverse("pupils:provision_map")).content.decode()
    section = html.split('data-testid="what-works"')[1]
    assert "Reading recovery" in section and "+5.0" in section and "£1,900.00" in section


def test_governors_see_what_works_with_small_numbers_suppressed(school):
    year = academic_year(2024)
    for row in _cohort(school, 3):
        _measure(row, "80", "90")
    pack = build(school=school, period=year, period_key="year-2024", today=D(2025, 7, 1))
    (row,) = pack.what_works
    # 3 measured pupils: "c", the change hidden with it; 3 pupils on it: cost withheld.
    assert [str(c) for c in row.cells] == ["c", "c", "c"]


def test_governors_see_what_works_from_five_pupils(governor_client, school):
    year = academic_year(2024)
    rows = _cohort(school, 7)
    for row, exit_ in zip(rows, ["84", "86", "88", "90", "92", "94"], strict=False):
        _measure(row, "80", exit_)
    pack = build(school=school, period=year, period_key="year-2024", today=D(2025, 7, 1))
    (row,) = pack.what_works
    # 6 measured of 7 pupils, changes 4, 6, 8, 10, 12, 14: average 54 / 6 = +9.0. Cost per
    # pupil: 7 pupils × £1,900 for the whole year ÷ 7 = £1,900 (whole pounds in the pack).
    assert [str(c) for c in row.cells] == ["6", "+9.0", "£1,900"]
    html = governor_client.get(reverse("advocacy:evidence") + "?period=year-2024").content
    assert "Reading recovery: Salford reading (standardised)" in html.decode()
