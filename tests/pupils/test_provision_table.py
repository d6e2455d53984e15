"""The pupil page's provision rows, written in Python (pupils.provision_table): every cell the
template wrote, each value escaped, with and without the right to edit."""

import datetime as dt
import uuid
from decimal import Decimal
from types import SimpleNamespace

from django.urls import reverse

from pupils.provision_table import provision_rows_html

ID = uuid.UUID(int=7)


def _row(**changes):
    provision = SimpleNamespace(
        name="1:1 <literacy> & phonics",
        wave=3,
        area="CL",
        staff_role="Teaching assistant",  # printed as the role's name, as a StaffRole is
    )
    row = SimpleNamespace(
        public_id=ID,
        provision=provision,
        status="in_place",
        start_date=dt.date(2026, 9, 7),
        end_date=None,
        review_date=None,
        hours_per_week=Decimal("2.50"),
        group_size=1,
        school_days=71,
        working="£18.50 (2026/27 rate) × 2.5 h ÷ 5 × 71 school days ÷ 1 = £656.75",
        rate_year=2026,
        measure_taken=None,
        period_cost=Decimal("656.75"),
    )
    for name, value in changes.items():
        setattr(row, name, value)
    return row


def test_a_row_as_the_senco_sees_it():
    html = provision_rows_html([_row()], can_edit=True)
    name = "1:1 &lt;literacy&gt; &amp; phonics"
    hidden = f'<span class="visually-hidden"> {name}</span>'
    edit = reverse("pupils:assignment_edit", args=[ID])
    end = reverse("pupils:assignment_end", args=[ID])
    measures = reverse("pupils:measure_edit", args=[ID])
    assert html == (
        f'<tr><th scope="row" class="fw-normal">{name}<br><span class="small'
        ' text-body-secondary">Wave 3 · Cognition and learning · Teaching assistant</span></th>'
        "<td>In place</td><td>07/09/2026 – ongoing</td>"
        '<td class="num">2.50</td><td class="num">1</td><td class="num">71</td>'
        '<td class="small" data-testid="working">£18.50 (2026/27 rate) × 2.5 h ÷ 5 × 71 school'
        ' days ÷ 1 = £656.75</td><td class="num">£656.75</td>'
        f'<td class="text-nowrap d-print-none"><a href="{edit}">Edit{hidden}</a> · '
        f'<a href="{end}">End{hidden}</a> · <a href="{measures}">Measures{hidden}</a></td></tr>'
    )


def test_dates_rates_and_measures():
    measure = SimpleNamespace(
        measure_name="Reading age",
        standardised=True,
        entry_shown="84",
        entry_date=dt.date(2026, 9, 10),
        exit_shown="91",
        exit_date=dt.date(2026, 12, 1),
    )
    html = provision_rows_html(
        [
            _row(
                status="ended",
                end_date=dt.date(2026, 12, 18),
                review_date=dt.date(2026, 11, 2),
                rate_year=None,
                measure_taken=measure,
            )
        ],
        can_edit=True,
    )
    assert "<td>Ended</td><td>07/09/2026 – 18/12/2026" in html
    assert '<br><span class="small">review 02/11/2026</span></td>' in html
    assert f' <a href="{reverse("pupils:staff")}">Enter rates</a>' in html
    assert (
        '<br><span data-testid="measure"> Reading age (standardised): 84 on 10/09/2026'
        " → 91 on 01/12/2026 </span></td>"
    ) in html
    assert ">End<" not in html  # an ended row cannot be ended again
    assert ">Edit<" in html and ">Measures<" in html


def test_a_bought_in_service_and_a_reader_who_may_not_edit():
    service = _row(rate_year=None)
    service.provision.staff_role = None
    html = provision_rows_html([service], can_edit=False)
    assert "Wave 3 · Cognition and learning · bought-in service</span>" in html
    assert "Enter rates" not in html  # a service needs no hourly rate
    assert "Edit" not in html and html.endswith('<td class="num">£656.75</td></tr>')
