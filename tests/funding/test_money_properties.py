"""Property tests: on random small schools every output agrees to the penny with every other,
and terms add up exactly to academic and financial years (leap years included).

Σ pupil pages = dashboard = termly report = trust row = gap_report, because all of them read
the same QuerySet methods (ProvisionAssignment.objects.costed, FundingSource.objects.in_period).
"""

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from funding import dashboard as dash
from funding.gap import compute_gap
from funding.models import FundingSource
from pupils import queries
from pupils.models import (
    Provision,
    ProvisionAssignment,
    Pupil,
    SenStatus,
    StaffRate,
    StaffRole,
)
from reports.snapshot import build_figures
from reports.trust import trust_rows
from sendfund.lib.disclosure import publish_gap
from sendfund.lib.money import to_pennies
from sendfund.lib.periods import academic_year, financial_year, term

pytestmark = pytest.mark.django_db
ZERO = Decimal("0")

money = st.integers(0, 5_000_00).map(lambda p: Decimal(p) / 100)
assignment = st.fixed_dictionaries(
    {
        "staffed": st.booleans(),
        "role": st.integers(0, 1),
        "hours": st.integers(1, 40).map(lambda q: Decimal(q) / 4),
        "group": st.integers(1, 4),
        "service": st.integers(100, 12_000),
        "resources": st.sampled_from([ZERO, Decimal("25.00"), Decimal("99.99")]),
        "start": st.integers(-400, 330),
        "length": st.one_of(st.none(), st.integers(0, 400)),
    }
)
pupil = st.fixed_dictionaries(
    {
        "sen": st.sampled_from(["E", "K"]),
        "joined": st.one_of(st.none(), st.integers(-100, 300)),
        "stays": st.one_of(st.none(), st.integers(1, 500)),
        "provision": st.lists(assignment, max_size=3),
    }
)
funding = st.fixed_dictionaries(
    {
        "amount": money,
        "start": st.integers(-400, 330),
        "length": st.integers(0, 400),
        "status": st.sampled_from(["expected", "confirmed", "received"]),
        "top_up": st.booleans(),
    }
)
school_data = st.fixed_dictionaries(
    {
        "year": st.sampled_from([2025, 2026, 2027]),  # 2027/28 has 29 February 2028
        "academy": st.booleans(),
        "basis": st.sampled_from(["actual", "la_standard"]),
        "rates": st.lists(st.integers(1200, 4000), min_size=4, max_size=4),
        "pupils": st.lists(pupil, min_size=5, max_size=7),
        "funding": st.lists(funding, max_size=3),
    }
)


def _build(school, data) -> int:
    year = data["year"]
    start = dt.date(year, 9, 1)
    school.type = "academy" if data["academy"] else "maintained"
    school.costing_basis = data["basis"]
    school.save()
    roles = [StaffRole.objects.create(school=school, name=f"Role {i}") for i in range(2)]
    for i, role in enumerate(roles):
        for j, academic in enumerate((year - 1, year)):
            pennies = data["rates"][2 * i + j]
            StaffRate.objects.create(
                school=school,
                staff_role=role,
                academic_year=academic,
                actual_hourly_rate=Decimal(pennies) / 100,
                la_standard_hourly_rate=Decimal(pennies - 100) / 100,
            )
    pupils = []
    for n, p in enumerate(data["pupils"]):
        joined = start + dt.timedelta(days=p["joined"]) if p["joined"] is not None else None
        left = None
        if p["stays"] is not None:
            left = (joined or start) + dt.timedelta(days=p["stays"])
        pupil = Pupil.objects.create(
            school=school,
            forename="P",
            surname=f"S{n}",
            date_of_birth=dt.date(2016, 1, 1),
            year_group="4",
            on_roll_date=joined,
            left_date=left,
        )
        pupils.append(pupil)
        SenStatus.objects.create(
            school=school, pupil=pupil, code=p["sen"], start_date=dt.date(2020, 9, 1)
        )
        for k, a in enumerate(p["provision"]):
            provision = Provision.objects.create(
                school=school,
                name=f"Provision {n}-{k}",
                area="CL",
                staff_role=roles[a["role"]] if a["staffed"] else None,
                service_annual_cost=None if a["staffed"] else Decimal(a["service"]),
                resource_cost_per_pupil=a["resources"],
            )
            begins = start + dt.timedelta(days=a["start"])
            ends = begins + dt.timedelta(days=a["length"]) if a["length"] is not None else None
            ProvisionAssignment.objects.create(
                school=school,
                pupil=pupil,
                provision=provision,
                start_date=begins,
                end_date=ends,
                hours_per_week=a["hours"],
                group_size=a["group"],
                status="in_place" if ends is None else "ended",
            )
    for i, f in enumerate(data["funding"]):
        begins = start + dt.timedelta(days=f["start"])
        FundingSource.objects.create(
            school=school,
            type="top_up" if f["top_up"] else "notional_sen",
            description=f"Source {i}",
            amount=f["amount"],
            period_start=begins,
            period_end=begins + dt.timedelta(days=f["length"]),
            status=f["status"],
            pupil=pupils[i % len(pupils)] if f["top_up"] else None,
        )
    return year


def _reset(school):
    FundingSource.objects.filter(school=school).delete()
    ProvisionAssignment.objects.filter(school=school).delete()
    Provision.objects.filter(school=school).delete()
    StaffRate.objects.filter(school=school).delete()
    StaffRole.objects.filter(school=school).delete()
    SenStatus.objects.filter(school=school).delete()
    Pupil.objects.filter(school=school).delete()


def _sum(items, field):
    return sum((getattr(i, field) for i in items), ZERO)


@given(school_data)
@settings(
    max_examples=12,
    deadline=None,
    # Each example builds a school and runs every page's queries: report a failing example
    # as found rather than spend many minutes shrinking it.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_output_agrees_and_terms_add_up_exactly(school, data):
    _reset(school)
    year = _build(school, data)

    whole = compute_gap(school=school, period=academic_year(year))
    terms = [
        compute_gap(school=school, period=term(year, n)) for n in ("autumn", "spring", "summer")
    ]
    # Three terms are exactly the academic year: need, funding and gap.
    for name in ("need", "funding", "gap"):
        assert _sum(terms, name) == getattr(whole, name), name
    # Summer + autumn + spring are exactly the maintained financial year.
    fy = compute_gap(school=school, period=financial_year(year, academy=False))
    fy_parts = [compute_gap(school=school, period=term(year - 1, "summer")), *terms[:2]]
    for name in ("need", "funding", "gap"):
        assert _sum(fy_parts, name) == getattr(fy, name), name

    # Σ pupil pages = the gap engine for the academic year (pupils on roll or not).
    today = dt.date(year, 11, 10)
    pages = [
        queries.pupil_page(school, p, today)["total"] for p in Pupil.objects.for_school(school)
    ]
    assert sum(pages, ZERO) == whole.need

    autumn = terms[0]
    # The dashboard for the term, and its trend row for the term.
    context = dash.dashboard_context(school, autumn.period, names=True, today=today)
    assert context["gap"].need == autumn.need
    trend_row = next(h for h in context["tables"]["trend"].rows if h[0] == autumn.period.label)
    assert (trend_row[1], trend_row[2]) == (autumn.need, autumn.funding)

    # The termly report hides exactly what the one disclosure rule hides for the term (need is
    # withheld at least whenever the SEN register or the pupils with provision number 1-4),
    # and what it shows agrees with the gap engine to the penny.
    figures = build_figures(school=school, year=year, name="autumn", today=today)
    need_cell, funding_cell = figures["funding"]["need"], figures["funding"]["funding"]
    published = publish_gap(autumn)
    assert need_cell["suppressed"] == published["need"].suppressed
    assert funding_cell["suppressed"] == published["funding"].suppressed
    if 0 < autumn.sen_pupil_count < 5 or 0 < autumn.need_pupils < 5:
        assert need_cell["suppressed"]
    if not need_cell["suppressed"]:
        assert Decimal(need_cell["value"]) == autumn.need
    if not funding_cell["suppressed"]:
        assert Decimal(funding_cell["value"]) == autumn.funding

    # The trust row for the current term.
    rows, _, period = trust_rows([school], today=today)
    assert period == autumn.period
    # It follows the same rule (None: withheld); what it shows agrees to the penny.
    if 0 < autumn.sen_pupil_count < 5 or 0 < autumn.need_pupils < 5:
        assert rows[0]["need"] is None
    if rows[0]["need"] is not None:
        assert rows[0]["need"] == autumn.need
    if rows[0]["funding"] is not None:
        assert rows[0]["funding"] == autumn.funding

    # gap_report prints the same figures to the penny.
    out = io.StringIO()
    call_command(
        "gap_report",
        "--school",
        school.urn,
        "--start",
        autumn.period.start.isoformat(),
        "--end",
        autumn.period.end.isoformat(),
        stdout=out,
    )
    report = json.loads(out.getvalue())
    assert report["need"] == str(to_pennies(autumn.need))
    assert report["funding"] == str(to_pennies(autumn.funding))
    assert report["gap"] == str(to_pennies(autumn.gap))
