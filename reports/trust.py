"""The trust view: every school of a trust side by side, from grouped SQL across schools.

A fixed number of queries whatever the number of schools: the roll and SEN status grouped by
school, the cost of provision grouped by school (one query per costing basis in use, at most
two), counted funding grouped by school, and open EHC assessments past week 20 grouped by
school. The formulas are the gap engine's (funding/gap.py) for the current term.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q, Sum

from funding.gap import MONEY, YEAR_DAYS, _prorated_funding, _sen_status_at
from funding.models import COUNTED_STATUSES, FundingSource
from pupils.models import WEEK_20, AssessmentRequest, AssessmentStatus, ProvisionAssignment, Pupil
from sendfund.lib import suppression as sup
from sendfund.lib.periods import Period, term, term_for_date

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
    need: dict = {}
    for basis in {s.costing_basis for s in schools}:
        ids = [s.pk for s in schools if s.costing_basis == basis]
        rows = (
            ProvisionAssignment.objects.filter(school__in=ids)
            .filter(start_date__lte=period.end)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=period.start))
            .filter(Q(pupil__left_date__isnull=True) | Q(pupil__left_date__gte=period.start))
            .with_period_cost(period, basis, year_days=YEAR_DAYS)
            .order_by()
            .values("school")
            .annotate(total=Sum("period_cost", default=ZERO, output_field=MONEY))
        )
        need.update({row["school"]: row["total"] for row in rows})
    return need


def trust_rows(schools, *, today: dt.date, sort: str = "name") -> tuple[list[dict], dict, Period]:
    """One row per school, the trust totals and the term shown."""
    schools = list(schools)
    period = term(*term_for_date(today))
    ids = [s.pk for s in schools]
    roll = {
        row["school"]: row
        for row in Pupil.objects.filter(school__in=ids)
        .on_roll(today)
        .annotate(status=_sen_status_at(today, "pk"))
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
        for row in FundingSource.objects.filter(school__in=ids, status__in=COUNTED_STATUSES)
        .overlapping(period.start, period.end)
        .annotate(period_amount=_prorated_funding(period))
        .order_by()
        .values("school")
        .annotate(total=Sum("period_amount", default=ZERO, output_field=MONEY))
    }
    overdue = {
        row["school"]: row["n"]
        for row in AssessmentRequest.objects.filter(
            school__in=ids,
            status=AssessmentStatus.OPEN,
            exception="",
            final_plan_date__isnull=True,
            received_date__lt=today - WEEK_20,
        )
        .order_by()
        .values("school")
        .annotate(n=Count("pk"))
    }
    rows = [_row(s, roll.get(s.pk, {}), need, funding, overdue) for s in schools]
    key = sort.lstrip("-")
    rows.sort(
        key=lambda r: (
            SORTS.get(key, SORTS["name"])(r) is None,
            SORTS.get(key, SORTS["name"])(r) or 0,
        ),
        reverse=sort.startswith("-"),
    )
    return rows, _totals(rows), period


def _row(school, roll: dict, need: dict, funding: dict, overdue: dict) -> dict:
    total, ehc, support = roll.get("total", 0), roll.get("ehc", 0), roll.get("support", 0)
    n, f = need.get(school.pk, ZERO), funding.get(school.pk, ZERO)
    table = sup.suppress_counts({"pupils": {"E": ehc, "K": support, "N": total - ehc - support}})
    hidden_ehc = table.cells["pupils"]["E"].suppressed
    hidden_support = table.cells["pupils"]["K"].suppressed
    sen = ehc + support
    return {
        "school": school,
        "name": school.name,
        "pupils": total,
        "pupils_cell": sup.count_cell(total),
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
        "covered_raw": (f / n * 100) if n else None,
        "overdue": overdue.get(school.pk, 0),
        "overdue_cell": sup.count_cell(overdue.get(school.pk, 0)),
    }


def _totals(rows: list[dict]) -> dict:
    total = sum(r["pupils"] for r in rows)
    ehc = sum(r["ehc"] for r in rows)
    support = sum(r["support"] for r in rows)
    need = sum((r["need"] for r in rows), ZERO)
    funding = sum((r["funding"] for r in rows), ZERO)
    overdue = sum(r["overdue"] for r in rows)
    sen = ehc + support
    return {
        "pupils_cell": sup.count_cell(total),
        "ehc_pct": sup.percentage(ehc, total),
        "support_pct": sup.percentage(support, total),
        "need_cell": sup.suppress_money(need, sen),
        "funding_cell": sup.suppress_money(funding, sen),
        "gap_cell": sup.suppress_money(need - funding, sen),
        "covered": sup.percentage(funding, need) if need else sup.Cell(None, False, "–"),
        "overdue_cell": sup.count_cell(overdue),
    }
