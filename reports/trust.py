"""The trust view: every school of a trust side by side, for the current term.

Read from each school's stored summaries (funding.gap_store.trust_figures: its gap or headline
for the term, holding need, counted funding and the SEN register, and its day summary, holding
the roll and overdue assessments). What is missing is computed for all missing schools at once
from grouped SQL across schools (the cost of provision, each school on its own calendar and
costing basis; counted funding; the roll by SEN status; open EHC assessments past week 20),
with the QuerySet methods the gap engine uses (funding/gap.py), so a school's row equals its
own dashboard to the penny. A fixed number of queries whatever the number of schools.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from html import escape

from django.db.models import Count, Q, Sum
from django.utils.safestring import mark_safe

from funding import gap_store
from funding.models import FundingSource
from pupils.codes import ON_REGISTER_CODES, SenProvision
from pupils.models import AssessmentRequest, ProvisionAssignment, Pupil
from pupils.summaries import summary_terms
from sendfund.lib import suppression as sup
from sendfund.lib.disclosure import protect
from sendfund.lib.money import UNROUNDED, ZERO
from sendfund.lib.periods import Period, academic_year_start, term, term_for_date
from sendfund.lib.sql import Prepared
from sendfund.schools.models import CalendarYear

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
        .with_summed_cost(period, schools)
        .order_by()
        .values("school")
        .annotate(
            total=Sum("period_cost", default=ZERO, output_field=UNROUNDED),
            pupils=Count("pupil", distinct=True),
        )
    )
    return {row["school"]: row for row in rows}


def trust_rows(
    schools, *, today: dt.date, sort: str = "name", held: gap_store.TrustHeld | None = None
) -> tuple[list[dict], dict, Period]:
    """One row per school, the trust totals and the term shown. `held`: the schools' stored
    summaries for the term and `today`, when gap_store.trust_held has just read them."""
    schools = list(schools)
    period = term(*term_for_date(today))
    ids = [s.pk for s in schools]
    if summary_terms(period) is not None:
        # Each school's stored summaries (funding.gap_store): a few rows per school.
        roll, need, funding, register, overdue = gap_store.trust_figures(
            schools,
            period,
            today,
            lambda missing: term_figures(missing, period),
            lambda missing: day_figures(missing, today),
            held,
        )
    else:
        roll, need, funding, register, overdue = _detail_figures(schools, period, today)
    # Which calendar each school's need was costed with (written by the costing query above).
    sources = dict(_CALENDARS.fetch([ids, academic_year_start(period.start)]))
    labels = dict(CalendarYear.Source.choices)
    default = labels[CalendarYear.Source.DEFAULT]
    calendars = {pk: labels.get(sources.get(pk), default) for pk in ids}
    rows, totals = _rows_and_totals(
        schools, roll, need, funding, register, overdue, sort, calendars
    )
    totals["html"] = row_html({"name": "Trust total", **totals})
    return rows, totals, period


# The table's columns (sort key, heading) and each column's figure in a row (a suppression
# Cell), after the name.
TRUST_COLUMNS = [
    ("name", "School"),
    ("pupils", "Pupils"),
    ("support", "SEN support"),
    ("ehc", "EHC plan"),
    ("need", "Need"),
    ("funding", "Funding"),
    ("gap", "Gap"),
    ("covered", "Covered"),
    ("overdue", "Overdue assessments"),
]
TRUST_CELLS = {
    "pupils": "pupils_cell",
    "support": "support_pct",
    "ehc": "ehc_pct",
    "need": "need_cell",
    "funding": "funding_cell",
    "gap": "gap_cell",
    "covered": "covered",
    "overdue": "overdue_cell",
}


def row_html(row: dict, *, public_id: str | None = None) -> str:
    """A trust table row's cells: the school's name, its figures in column order, and the
    button opening its dashboard (the total row, with no `public_id`, has none), each value
    escaped. Written here rather than in the template, which spent about 18 ms on 201 rows: a
    lookup and an escape through Django's lazy-string checks for each of ten values a row."""
    name = escape(row["name"])
    figures = (escape(row[TRUST_CELLS[key]].display) for key, _ in TRUST_COLUMNS[1:])
    cells = "".join(f'<td class="text-end">{figure}</td>' for figure in figures)
    button = "<td></td>"
    if public_id is not None:
        button = (
            '<td><button class="btn btn-link btn-sm p-0" type="submit" form="open-dashboard"'
            f' name="school" value="{escape(public_id)}">Open dashboard<span'
            f' class="visually-hidden"> for {name}</span></button></td>'
        )
    return mark_safe(f'<th scope="row">{name}</th>{cells}{button}')  # noqa: S308


# Each school's calendar for an academic year: prepared, as the trust view's other reads
# (funding.gap_store), since the ORM takes longer to build a 201-school `IN` than to run it.
_CALENDARS = Prepared(
    "trust_calendars",
    lambda: (
        f"SELECT school_id, source FROM {CalendarYear._meta.db_table}"  # noqa: S608
        " WHERE school_id = ANY($1::int[]) AND academic_year = $2"
    ),
)


def _funding_by_school(ids, period: Period) -> dict:
    """Counted funding in the period by school, as the gap engine counts it: the total, the
    pupils it names, and whether some of it is not tied to a pupil (one query)."""
    rows = (
        FundingSource.objects.filter(school__in=ids)
        .counted()
        .in_period(period)
        .order_by()
        .values("school")
        .annotate(
            total=Sum("period_amount", default=ZERO, output_field=UNROUNDED),
            pupils=Count("pupil", distinct=True),
            school_level=Count("pk", filter=Q(pupil__isnull=True)),
        )
    )
    return {
        row["school"]: {
            "total": row["total"],
            "pupils": row["pupils"],
            "school_level": bool(row["school_level"]),
        }
        for row in rows
    }


def _roll(ids, today: dt.date) -> dict:
    return {
        row["school"]: row
        for row in Pupil.objects.filter(school__in=ids)
        .on_roll(today)
        .with_sen_status(today, name="status")
        .order_by()
        .values("school")
        .annotate(
            total=Count("pk"),
            ehc=Count("pk", filter=Q(status=SenProvision.EHC_PLAN)),
            support=Count("pk", filter=Q(status=SenProvision.SEN_SUPPORT)),
        )
    }


def _overdue(ids, today: dt.date) -> dict:
    return {
        row["school"]: row["n"]
        for row in AssessmentRequest.objects.filter(school__in=ids)
        .overdue(today)
        .order_by()
        .values("school")
        .annotate(n=Count("pk"))
    }


def day_figures(ids, today: dt.date) -> dict:
    """The roll by SEN status and the overdue assessments on a day, by school (two queries)."""
    roll, overdue = _roll(ids, today), _overdue(ids, today)
    empty = {"total": 0, "ehc": 0, "support": 0}
    return {
        sid: {
            "roll": {k: roll.get(sid, empty)[k] for k in empty},
            "overdue": overdue.get(sid, 0),
        }
        for sid in ids
    }


def _register(ids, period: Period) -> dict:
    """The SEN register at the end of the term, as the gap engine counts it for the school's
    own dashboard: the money rule must withhold the same figures on both pages."""
    return {
        row["school"]: row["sen"]
        for row in Pupil.objects.filter(school__in=ids)
        .on_roll(period.end)
        .with_sen_status(period.end)
        .order_by()
        .values("school")
        .annotate(sen=Count("pk", filter=Q(sen_status__in=ON_REGISTER_CODES)))
    }


def term_figures(schools, period: Period) -> dict:
    """The term's figures by school (grouped queries): need, pupils with provision, the SEN
    register, and counted funding ({"total", "pupils", "school_level"})."""
    ids = [s.pk for s in schools]
    need = _need_by_school(schools, period)
    register = _register(ids, period)
    funding = _funding_by_school(ids, period)
    return {
        s.pk: (
            need.get(s.pk, {}).get("total", ZERO),
            need.get(s.pk, {}).get("pupils", 0),
            register.get(s.pk, 0),
            funding.get(s.pk, NO_FUNDING),
        )
        for s in schools
    }


NO_FUNDING = {"total": ZERO, "pupils": 0, "school_level": False}


def _detail_figures(schools, period: Period, today: dt.date) -> tuple[dict, ...]:
    """The trust view's school figures from the detail (a custom reading, or detail_only())."""
    ids = [s.pk for s in schools]
    need = _need_by_school(schools, period)
    funding = _funding_by_school(ids, period)
    return _roll(ids, today), need, funding, _register(ids, period), _overdue(ids, today)


def _rows_and_totals(
    schools, roll, need, funding, register, overdue, sort, calendars: dict
) -> tuple[list[dict], dict]:
    """Suppress across schools as one table, so a hidden school cannot be worked out from the
    trust total minus the other schools. `calendars`: each school's calendar label."""
    counts = [roll.get(s.pk, {}) for s in schools]
    status = _status_table(
        tuple(
            (s.pk, r.get("ehc", 0), r.get("support", 0), r.get("total", 0))
            for s, r in zip(schools, counts, strict=True)
        )
    )
    late = _late_table(tuple((s.pk, overdue.get(s.pk, 0)) for s in schools))
    hidden = _money_hidden(schools, need, funding, register)
    rows = [
        _row(
            s,
            roll.get(s.pk, {}),
            need,
            funding,
            status,
            late.cells[s.pk]["n"],
            hidden,
            calendars[s.pk],
        )
        for s in schools
    ]
    totals = _totals(rows, status, late, need, funding, hidden)
    return _sorted(rows, sort), totals


# The trust view's first rendering after a write reads every school's figures again, but a
# write changes one school's. The steps below are pure functions of the figures they are
# given (every input is in the key), so they are kept per process for the same figures: a
# school whose figures changed is worked out again, the others are found. Their results are
# shared between requests and never changed in place.
def forget_kept() -> None:
    """Drop what this process keeps of the steps below: the benchmark's worst case (every
    school's figures new, as after writes to all of them)."""
    for kept in (_status_table, _late_table, _row_figures):
        kept.cache_clear()


@functools.lru_cache(maxsize=32)
def _status_table(counts: tuple[tuple[int, int, int, int], ...]) -> sup.SuppressedTable:
    """The roll by SEN status, one row per school ((id, EHC, SEN support, on roll)),
    suppressed as one table with its margins."""
    return sup.suppress_counts(
        {
            pk: {"E": ehc, "K": support, "N": total - ehc - support}
            for pk, ehc, support, total in counts
        },
        cols=["E", "K", "N"],
    )


@functools.lru_cache(maxsize=32)
def _late_table(counts: tuple[tuple[int, int], ...]) -> sup.SuppressedTable:
    """Overdue EHC needs assessments by school ((id, count)), suppressed with their total."""
    return sup.suppress_counts({pk: {"n": n} for pk, n in counts}, cols=["n"])


def _money_small(schools, need: dict, funding: dict, register: dict) -> bool:
    """Whether _money_hidden's rule alone withholds any figure: a school's pupils with
    provision or SEN register, or the funded pupils of funding all tied to pupils, number
    1-4; or the trust's pupils with provision or SEN register do. (The trust's funding is
    withheld by the rule only when every school's is, so some school's is then too.)"""
    need_pupils = sen_pupils = 0
    for s in schools:
        n, f, sen = need.get(s.pk, NO_NEED), funding.get(s.pk, NO_FUNDING), register.get(s.pk, 0)
        if sup.is_small(n["pupils"]) or sup.is_small(sen):
            return True
        if not f["school_level"] and sup.is_small(f["pupils"]):
            return True
        need_pupils += n["pupils"]
        sen_pupils += sen
    return sup.is_small(need_pupils) or sup.is_small(sen_pupils)


NO_NEED = {"total": ZERO, "pupils": 0}


def _money_hidden(schools, need: dict, funding: dict, register: dict) -> set:
    """(school pk or TOTAL, "need"|"funding"|"gap") withheld: each school by the rule its own
    dashboard uses for the term (sendfund.lib.disclosure: need and gap when the pupils with
    provision or the SEN register number 1-4, funding when all of it is tied to 1-4 pupils),
    then more until no school's figure follows from the trust totals and the others."""
    if not _money_small(schools, need, funding, register):
        # Nothing withheld to start with: protect() hides more only around a hidden figure.
        return set()
    return _money_protected(schools, need, funding, register)


def _money_protected(schools, need: dict, funding: dict, register: dict) -> set:
    """_money_hidden's answer from protect(), with every school's relations written out."""
    values: dict = {}
    primary: set = set()
    equations: list = []
    rank: dict = {}
    totals = {"need": ZERO, "funding": ZERO}
    pupils = {"need": 0, "sen": 0}
    for s in schools:
        n = need.get(s.pk, {})
        f = funding.get(s.pk, {})
        need_value, funding_value = n.get("total", ZERO), f.get("total", ZERO)
        need_small = sup.is_small(n.get("pupils", 0)) or sup.is_small(register.get(s.pk, 0))
        funding_small = not f.get("school_level", 0) and sup.is_small(f.get("pupils", 0))
        values |= {
            (s.pk, "need"): need_value,
            (s.pk, "funding"): funding_value,
            (s.pk, "gap"): need_value - funding_value,
        }
        rank |= {(s.pk, "need"): 2, (s.pk, "funding"): 2}
        if need_small:
            primary |= {(s.pk, "need"), (s.pk, "gap")}
        if funding_small:
            primary.add((s.pk, "funding"))
        equations.append({(s.pk, "need"): 1, (s.pk, "funding"): -1, (s.pk, "gap"): -1})
        totals["need"] += need_value
        totals["funding"] += funding_value
        pupils["need"] += n.get("pupils", 0)
        pupils["sen"] += register.get(s.pk, 0)
    total = sup.TOTAL
    values |= {
        (total, "need"): totals["need"],
        (total, "funding"): totals["funding"],
        (total, "gap"): totals["need"] - totals["funding"],
    }
    # A gap before a need or funding figure, a school's before the trust's headline.
    rank |= {(total, "need"): 3, (total, "funding"): 3, (total, "gap"): 1}
    if sup.is_small(pupils["need"]) or sup.is_small(pupils["sen"]):
        primary |= {(total, "need"), (total, "gap")}
    if all((s.pk, "funding") in primary for s in schools) and schools:
        funded = sum(funding.get(s.pk, {}).get("pupils", 0) for s in schools)
        if sup.is_small(funded):
            primary.add((total, "funding"))
    equations.append({(total, "need"): 1, (total, "funding"): -1, (total, "gap"): -1})
    for key in ("need", "funding", "gap"):
        equations.append({(total, key): -1, **{(s.pk, key): 1 for s in schools}})
    # Keys must sort: name them by strings.
    names = {k: f"{k[0]}:{k[1]}" for k in values}
    back = {v: k for k, v in names.items()}
    chosen = protect(
        {names[k]: v for k, v in values.items()},
        {names[k] for k in primary},
        [{names[k]: c for k, c in eq.items()} for eq in equations],
        {names[k]: r for k, r in rank.items()},
    )
    return {back[k] for k in chosen}


def _sorted(rows: list[dict], sort: str) -> list[dict]:
    value = SORTS.get(sort.lstrip("-"), SORTS["name"])
    # Figures hidden by suppression sort last either way.
    known = sorted((r for r in rows if value(r) is not None), key=value)
    if sort.startswith("-"):
        known.reverse()
    return known + [r for r in rows if value(r) is None]


def _row(
    school, roll: dict, need: dict, funding: dict, status, overdue: sup.Cell, hidden: set, calendar
) -> dict:
    """A school's row: its figures as shown (suppression Cells), the raw values the sort
    uses, its calendar and its cells as HTML ("html")."""
    pk = school.pk
    total = roll.get("total", 0)
    row = dict(
        _row_figures(
            pk,
            school.name,
            str(school.public_id),
            total,
            roll.get("ehc", 0),
            roll.get("support", 0),
            need.get(pk, NO_NEED)["total"],
            funding.get(pk, NO_FUNDING)["total"],
            status.row_totals[pk] if status.row_totals else sup.count_cell(total),
            status.cells[pk]["E"].suppressed,
            status.cells[pk]["K"].suppressed,
            overdue,
            tuple((pk, key) in hidden for key in ("need", "funding", "gap")),
            calendar,
        )
    )
    row["school"] = school
    return row


@functools.lru_cache(maxsize=4096)
def _row_figures(
    pk,
    name,
    public_id,
    total,
    ehc,
    support,
    n,
    f,
    pupils_cell,
    hidden_ehc,
    hidden_support,
    overdue,
    money_hidden,
    calendar,
) -> dict:
    """_row's work, from plain values (see above _status_table)."""
    need_hidden, funding_hidden, gap_hidden = money_hidden
    covered = sup.percentage(f, n) if n else sup.Cell(None, False, "–")
    if need_hidden or funding_hidden:
        covered = sup.HIDDEN
    row = {
        "name": name,
        "pupils": total,
        "pupils_cell": pupils_cell,
        "ehc": ehc,
        "support": support,
        "ehc_pct": sup.percentage(ehc, total, hidden=hidden_ehc),
        "support_pct": sup.percentage(support, total, hidden=hidden_support),
        "ehc_pct_raw": None if hidden_ehc or not total else Decimal(ehc) / total,
        "support_pct_raw": None if hidden_support or not total else Decimal(support) / total,
        # Withheld by _money_hidden, the rule every governor page uses.
        "need": None if need_hidden else n,
        "funding": None if funding_hidden else f,
        "gap": None if gap_hidden else n - f,
        "need_cell": sup.HIDDEN if need_hidden else sup.suppress_money(n, 0),
        "funding_cell": sup.HIDDEN if funding_hidden else sup.suppress_money(f, 0),
        "gap_cell": sup.HIDDEN if gap_hidden else sup.suppress_money(n - f, 0),
        "covered": covered,
        "covered_raw": None if covered.suppressed or not n else f / n * 100,
        "overdue": None if overdue.suppressed else overdue.value,
        "overdue_cell": overdue,
        "calendar": calendar,
    }
    row["html"] = row_html(row, public_id=public_id)
    return row


def _column_hidden(status: sup.SuppressedTable, col: str) -> bool:
    """Whether the trust total of a column is hidden (one school: the total is its cell)."""
    if status.col_totals:
        return status.col_totals[col].suppressed
    return any(status.cells[r][col].suppressed for r in status.rows)


def _totals(rows: list[dict], status, late, need: dict, funding: dict, hidden: set) -> dict:
    total = sum(r["pupils"] for r in rows)
    ehc = sum(r["ehc"] for r in rows)
    support = sum(r["support"] for r in rows)
    need_total = sum((v["total"] for v in need.values()), ZERO)
    funding_total = sum((v["total"] for v in funding.values()), ZERO)
    hidden_ehc, hidden_support = (_column_hidden(status, col) for col in ("E", "K"))

    def money(key, amount):
        return sup.HIDDEN if (sup.TOTAL, key) in hidden else sup.suppress_money(amount, 0)

    need_cell, funding_cell = money("need", need_total), money("funding", funding_total)
    if need_cell.suppressed or funding_cell.suppressed:
        covered = sup.HIDDEN
    else:
        covered = (
            sup.percentage(funding_total, need_total) if need_total else sup.Cell(None, False, "–")
        )
    return {
        "pupils_cell": status.grand_total or sup.count_cell(total),
        "ehc_pct": sup.percentage(ehc, total, hidden=hidden_ehc),
        "support_pct": sup.percentage(support, total, hidden=hidden_support),
        "need_cell": need_cell,
        "funding_cell": funding_cell,
        "gap_cell": money("gap", need_total - funding_total),
        "covered": covered,
        "overdue_cell": late.grand_total or sup.HIDDEN,
    }
