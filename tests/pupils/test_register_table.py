"""The register's rows, written in Python (pupils.register_table): every cell the template
wrote, each value escaped, on the page and for each kind of funding."""

import datetime as dt
import uuid
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse

from pupils.register_table import register_rows_html
from sendfund.lib.periods import academic_year_start
from tests.factories import (
    ProvisionAssignmentFactory,
    ProvisionFactory,
    PupilFactory,
    SenStatusFactory,
)

YEAR_START = dt.date(academic_year_start(dt.date.today()), 9, 1)


def _row_of(body: str, name: str) -> str:
    start = body.rindex("<tr>", 0, body.index(name))
    return body[start : body.index("</tr>", start) + len("</tr>")]


@pytest.mark.django_db
def test_each_row_on_the_register_page(senco_client, school):
    ada = PupilFactory(
        school=school, forename="Ada", surname="O'Neil <b>", upn="A123456789012", year_group="R"
    )
    SenStatusFactory(pupil=ada, code="E", start_date=YEAR_START)
    # A bought-in service of £6,500 a year, all year: above the £6,000 threshold.
    service = ProvisionFactory(
        school=school, staff_role=None, service_annual_cost=Decimal("6500.00")
    )
    ProvisionAssignmentFactory(
        pupil=ada, provision=service, hours_per_week=Decimal("0"), start_date=YEAR_START
    )
    bob = PupilFactory(school=school, forename="Bob", surname="Brown", upn="", year_group="6")
    SenStatusFactory(pupil=bob, code="K", start_date=YEAR_START)
    PupilFactory(school=school, forename="Cy", surname="Left", left_date=dt.date(2025, 7, 18))

    body = senco_client.get(reverse("pupils:register"), {"include_left": "on"}).content.decode()

    ada_row = _row_of(body, "O&#x27;Neil")
    detail = reverse("pupils:detail", args=[ada.public_id])
    assert ada_row == (
        f'<tr><th scope="row" class="fw-normal"><a href="{detail}">O&#x27;Neil &lt;b&gt;, Ada'
        "</a></th><td><code>A123456789012</code></td><td>Reception</td>"
        '<td><span class="badge text-bg-primary">E</span> EHC plan</td><td>–</td>'
        '<td class="num">£6,500.00 <span class="badge text-bg-warning">above</span></td></tr>'
    )
    bob_row = _row_of(body, "Brown, Bob")
    assert "<td><code>–</code></td><td>Year 6</td>" in bob_row
    assert '<span class="badge text-bg-info">K</span> SEN support' in bob_row
    assert '<td class="num">£0.00</td>' in bob_row  # no provision: nothing above
    cy_row = _row_of(body, "Left, Cy")
    assert '<span class="badge text-bg-secondary">left 18/07/2025</span>' in cy_row
    assert '<span class="badge text-bg-light border">N</span> No SEN' in cy_row


def _pupil(cost, *, in_unit=False):
    return SimpleNamespace(
        public_id=uuid.UUID(int=1),
        surname="Smith",
        forename="Sam",
        left_date=None,
        upn="A123456789012",
        get_year_group_display=lambda: "Year 3",
        sen_status="E",
        primary_need="ASD",
        annual_cost=cost,
        in_unit=in_unit,
    )


def _cost_cell(pupil, *, place_funded=False, has_unit=False, place_value=None) -> str:
    school = SimpleNamespace(place_funded=place_funded, has_unit=has_unit)
    html = register_rows_html(
        [pupil], school=school, threshold=Decimal("6000"), place_value=place_value
    )
    return html[html.index('<td class="num">') : -len("</tr>")]


def test_pupils_funded_by_a_place_are_measured_against_it():
    funded_by = (
        ' <span title="Funded by a £10,000 place plus top-up, not from the notional SEN'
        ' budget" class="badge text-bg-info">'
    )
    # A special school: every pupil against the £10,000 place, not the £6,000 threshold.
    assert _cost_cell(
        _pupil(Decimal("12000.004")), place_funded=True, place_value=Decimal("10000")
    ) == (
        '<td class="num">£12,000.00 <span class="badge text-bg-warning">above place</span>'
        f"{funded_by}place</span></td>"
    )
    assert _cost_cell(_pupil(Decimal("8000")), place_funded=True, place_value=Decimal("10000")) == (
        f'<td class="num">£8,000.00{funded_by}place</span></td>'
    )
    # A mainstream school's unit: its pupils against the place, the others the threshold.
    assert _cost_cell(
        _pupil(Decimal("8000"), in_unit=True), has_unit=True, place_value=Decimal("10000")
    ) == (f'<td class="num">£8,000.00{funded_by}unit</span></td>')
    assert _cost_cell(_pupil(Decimal("8000")), has_unit=True, place_value=Decimal("10000")) == (
        '<td class="num">£8,000.00 <span class="badge text-bg-warning">above</span></td>'
    )
    # A unit pupil whose school no longer has a unit is measured against the threshold.
    assert "above</span>" in _cost_cell(_pupil(Decimal("8000"), in_unit=True))


def test_an_unknown_cost_or_place_value_is_never_marked_above():
    assert _cost_cell(_pupil(None)) == '<td class="num">£0.00</td>'
    cell = _cost_cell(_pupil(Decimal("8000")), place_funded=True, place_value=None)
    assert "above" not in cell and cell.startswith('<td class="num">£8,000.00 <span')
