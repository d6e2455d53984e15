"""The trust view: every school of a trust side by side, from grouped SQL across schools.

A fixed number of queries whatever the number of schools: the roll and SEN status grouped by
school, the cost of provision grouped by school (each school on its own calendar and costing
basis), counted funding grouped by school, and open EHC assessments past week 20 grouped by
school. The figures come from the QuerySet methods the gap engine uses (funding/gap.py), for
the current term, so a school's row equals its own dashboard to the penny.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q, Sum

from funding.gap import MONEY
from funding.models import FundingSource
from pupils.models import AssessmentRequest, ProvisionAssignment, Pupil
from sendfund.lib import suppression as sup
from sendfund.lib.periods import Period, academic_year_start, term, term_for_date
from sendfund.schools.models import CalendarYear

ZERO = Decimal("0")
SORTS = {
    "name": lambda r: r["name"].lower(),
    "pupils": lambda r: r["pupils"],
    "support": lambda r: r["support_pct_raw"],
    "ehc": lambda r: r["ehc_pct_raw"],
    "need": lambda r: r["need"],
    "funding": lambda r: r["funding"],
    "gap": lambda r: r["gap"],
    "covered": lambda r: r["covered_raw"],
    "overdue": lambda r: r["overdue"],
}


def _need_by_school(schools, period: Period) -> dict:
    """Σ period_cost grouped by school: one query, each school on its own calendar and
    costing basis (ProvisionAssignment.objects.costed's costing)."""
    rows = (
        ProvisionAssignment.objects.filter(school__in=[s.pk for s in schools])
        .running_in(period)
        .with_period_cost(period, schools)
        .order_by()
        .values("school")
        .annotate(total=Sum("period_cost", default=ZERO, output_field=MONEY))
    )
    return {row["school"]: row["total"] for row in rows}


def trust_rows(schools, *, today: dt.date, sort: str = "name") -> tuple[list[dict], dict, Period]:
    """One row per school, the trust totals and the term shown."""
    schools = list(schools)
    period = term(*term_for_date(today))
    ids = [s.pk for s in schools]
    roll = {
        row["school"]: row
        for row in Pupil.objects.filter(school__in=ids)
        .on_roll(today)
        .with_sen_status(today, name="status")
        .order_by()
        .values("school")
        .annotate(
            total=Count("pk"),
            ehc=Count("pk", filter=Q(status="E")),
            support=Count("pk", filter=Q(status="K")),
        )
    }
    need = _need_by_school(schools, period)
    funding = {
        row["school"]: row["total"]
        for row in FundingSource.objects.filter(school__in=ids)
        .counted()
        .in_period(period)
        .order_by()
        .values("school")
        .annotate(total=Sum("period_amount", default=ZERO, output_field=MONEY))
    }
    overdue = {
        row["school"]: row["n"]
        for row in AssessmentRequest.objects.filter(school__in=ids)
        .overdue(today)
        .order_by()
        .values("school")
        .annotate(n=Count("pk"))
    }
    rows, totals = _rows_and_totals(schools, roll, need, funding, overdue, sort)
    # Which calendar each school's need was costed with (written by the costing query above).
    sources = dict(
        CalendarYear.objects.filter(
            school__in=ids, academic_year=academic_year_start(period.start)
        ).values_list("school", "source")
    )
    for row in rows:
        source = sources.get(row["school"].pk, CalendarYear.Source.DEFAULT)
        row["calendar"] = CalendarYear.Source(source).label
    return rows, totals, period


def _rows_and_totals(schools, roll, need, funding, overdue, sort) -> tuple[list[dict], dict]:
    """Suppress across schools as one table, so a hidden school cannot be worked out from the
    trust total minus the other schools."""
    status = sup.suppress_counts(
        {
            s.pk: {
                "E": roll.get(s.pk, {}).get("ehc", 0),
                "K": roll.get(s.pk, {}).get("support", 0),
                "N": roll.get(s.pk, {}).get("total", 0)
                - roll.get(s.pk, {}).get("ehc", 0)
                - roll.get(s.pk, {}).get("support", 0),
            }
            for s in schools
        },
        cols=["E", "K", "N"],
    )
    late = sup.suppress_counts({s.pk: {"n": overdue.get(s.pk, 0)} for s in schools}, cols=["n"])
    rows = [
        _row(s, roll.get(s.pk, {}), need, funding, status, late.cells[s.pk]["n"]) for s in schools
    ]
    # Money about fewer than 5 pupils is withheld; if only one school's is, the trust total
    # minus the others would give it away, so the totals are withheld too.
    withheld = sum(1 for r in rows if r["need_cell"].suppressed)
    totals = _totals(rows, status, late, hide_money=withheld == 1)
    return _sorted(rows, sort), totals


def _sorted(rows: list[dict], sort: str) -> list[dict]:
    value = SORTS.get(sort.lstrip("-"), SORTS["name"])
    # Figures hidden by suppression sort last either way.
    known = sorted((r for r in rows if value(r) is not None), key=value)
    if sort.startswith("-"):
        known.reverse()
    return known + [r for r in rows if value(r) is None]


def _row(school, roll: dict, need: dict, funding: dict, status, overdue: sup.Cell) -> dict:
    total, ehc, support = roll.get("total", 0), roll.get("ehc", 0), roll.get("support", 0)
    n, f = need.get(school.pk, ZERO), funding.get(school.pk, ZERO)
    hidden_ehc = status.cells[school.pk]["E"].suppressed
    hidden_support = status.cells[school.pk]["K"].suppressed
    sen = ehc + support
    return {
        "school": school,
        "name": school.name,
        "pupils": total,
        "pupils_cell": status.row_totals[school.pk] if status.row_totals else sup.count_cell(total),
        "ehc": ehc,
        "support": support,
        "ehc_pct": sup.percentage(ehc, total, hidden=hidden_ehc),
        "support_pct": sup.percentage(support, total, hidden=hidden_support),
        "ehc_pct_raw": None if hidden_ehc or not total else Decimal(ehc) / total,
        "support_pct_raw": None if hidden_support or not total else Decimal(support) / total,
        "need": n,
        "funding": f,
        "gap": n - f,
        "need_cell": sup.suppress_money(n, sen),
        "funding_cell": sup.suppress_money(f, sen),
        "gap_cell": sup.suppress_money(n - f, sen),
        "covered": sup.HIDDEN if sup.is_small(sen) else sup.percentage(f, n),
        "covered_raw": None if sup.is_small(sen) or not n else f / n * 100,
        "overdue": None if overdue.suppressed else overdue.value,
        "overdue_cell": overdue,
    }


def _column_hidden(status: sup.SuppressedTable, col: str) -> bool:
    """Whether the trust total of a column is hidden (one school: the total is its cell)."""
    if status.col_totals:
        return status.col_totals[col].suppressed
    return any(status.cells[r][col].suppressed for r in status.rows)


def _totals(rows: list[dict], status, late, *, hide_money: bool) -> dict:
    total = sum(r["pupils"] for r in rows)
    ehc = sum(r["ehc"] for r in rows)
    support = sum(r["support"] for r in rows)
    need = sum((r["need"] for r in rows), ZERO)
    funding = sum((r["funding"] for r in rows), ZERO)
    sen = ehc + support
    hidden_ehc, hidden_support = (_column_hidden(status, col) for col in ("E", "K"))

    def money(amount):
        return sup.HIDDEN if hide_money else sup.suppress_money(amount, sen)

    return {
        "pupils_cell": status.grand_total or sup.count_cell(total),
        "ehc_pct": sup.percentage(ehc, total, hidden=hidden_ehc),
        "support_pct": sup.percentage(support, total, hidden=hidden_support),
        "need_cell": money(need),
        "funding_cell": money(funding),
        "gap_cell": money(need - funding),
        "covered": sup.HIDDEN
        if hide_money
        else (sup.percentage(funding, need) if need else sup.Cell(None, False, "–")),
        "overdue_cell": late.grand_total or sup.HIDDEN,
    }
