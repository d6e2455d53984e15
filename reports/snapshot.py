"""The figures of a termly report, already suppressed and JSON-safe (Decimals as strings).

`build_figures` is what a draft previews live and what publishing freezes into
TermlyReport.snapshot. Pupil-level fields never leave SQL: every figure is a GROUP BY count or
a sum, so no name, UPN or date of birth can reach a report. Queries: three grouped register
queries (current term, previous term, same term last year), national figures, the gap engine
for this term and the three before, the statutory clocks, training and advocacy summaries.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count

from advocacy.summary import advocacy_summary, training_status
from funding.gap import compute_gap
from pupils.clocks import assessment_timeliness
from pupils.codes import NEED_AREA, ON_REGISTER_CODES, BroadArea, NeedCode, YearGroup
from pupils.models import Pupil, Wave
from reports.models import NationalFigure
from sendfund.lib import disclosure
from sendfund.lib import suppression as sup
from sendfund.lib.periods import census_day, previous_term, term, terms_back
from sendfund.lib.sql import CompiledQuery
from sendfund.schools.models import School

STATUSES = [("E", "EHC plan"), ("K", "SEN support")]
NO_NEED = "none"
# The need and broad-area tables count the register (E and K together) in one column: split by
# status they held so many counts of 1-4 that most cells were hidden. The status split is in
# the year-group table; the two tables share only the overall total.
ALL = "all"
ALL_LABEL = {ALL: "Pupils with an EHC plan or on SEN support"}


def _register_rows(school_id: int, day: dt.date):
    school = School(pk=school_id)
    return (
        Pupil.objects.for_school(school)
        .on_roll(day)
        .with_status_and_need_joined(school, day)
        .order_by()
        .values("sen_status", "primary_need", "year_group")
        .annotate(n=Count("pk"))
    )


# Built once per process (sendfund.lib.sql.CompiledQuery): a report draft counts the register
# on three census days, and building this query cost Django more than PostgreSQL took to run
# it (about 5 ms a time on the benchmark's trust, against 2 to 3 ms of SQL).
_REGISTER = CompiledQuery("rows", _register_rows)


def _register(school: School, day: dt.date) -> tuple[dict, int]:
    """Counts by (SEN status, primary need, year group) on a census day, and the roll."""
    counts: dict = {}
    roll = 0
    for row in _REGISTER.run(school_id=school.pk, day=day):
        roll += row["n"]
        if row["sen_status"] in ON_REGISTER_CODES:
            key = (row["sen_status"], row["primary_need"] or NO_NEED, row["year_group"])
            counts[key] = counts.get(key, 0) + row["n"]
    return counts, roll


def _table(counts: dict, row_of, col_of) -> dict:
    table: dict = {}
    for key, n in counts.items():
        row, col = row_of(key), col_of(key)
        table.setdefault(row, {}).setdefault(col, 0)
        table[row][col] += n
    return table


def _table_json(result: sup.SuppressedTable, labels: dict, col_labels: dict) -> dict:
    return {
        "cols": [{"key": c, "label": col_labels.get(c, c)} for c in result.cols],
        "rows": [
            {
                "key": r,
                "label": labels.get(r, r),
                "cells": [result.cells[r][c].as_json() for c in result.cols],
                "total": result.row_totals[r].as_json() if result.row_totals else None,
            }
            for r in result.rows
        ],
        "totals": [result.col_totals[c].as_json() for c in result.cols]
        if result.col_totals
        else None,
        "grand_total": result.grand_total.as_json() if result.grand_total else None,
    }


def _row_total(result: sup.SuppressedTable, row) -> sup.Cell:
    if result.row_totals:
        return result.row_totals[row]
    if result.cols:  # a one-column table: the cell is the row's total
        return result.cells[row][result.cols[0]]
    return sup.count_cell(0)


def _col_total(result: sup.SuppressedTable, col) -> sup.Cell:
    if result.col_totals:
        return result.col_totals[col]
    if result.rows:  # a one-row table: the cell is the column's total
        return result.cells[result.rows[0]][col]
    return sup.count_cell(0)


def _shared(table: sup.SuppressedTable, *, by_row: bool) -> dict:
    """Which of the figures two register tables share (E total, K total, all) are hidden."""
    pick = _row_total if by_row else _col_total
    keys = table.rows if by_row else table.cols
    out = {
        s: pick(table, s).suppressed for s, _ in STATUSES if s in keys and table.rows and table.cols
    }
    out["all"] = bool(table.grand_total and table.grand_total.suppressed)
    return out


def _force(table: sup.SuppressedTable | None, hidden: dict, *, by_row: bool) -> set:
    """Positions to hide in one table so that it hides what the other table hides."""
    if table is None:
        return set()
    out = set()
    for key, is_hidden in hidden.items():
        if not is_hidden:
            continue
        if key == "all":
            out.add((sup.TOTAL, sup.TOTAL))
            # a table whose grand total is one of its cells or margins
            if by_row and len(table.cols) == 1:
                out.add((sup.TOTAL, table.cols[0]))
            elif not by_row and len(table.rows) == 1:
                out.add((table.rows[0], sup.TOTAL))
        elif by_row:
            out.add((key, sup.TOTAL) if len(table.cols) > 1 else (key, table.cols[0]))
        else:
            out.add((sup.TOTAL, key) if len(table.rows) > 1 else (table.rows[0], key))
    return out


def _shared_margins(need_tables, year_tables, years, groups):
    """Suppress each term's need table (with broad-area subtotals) and status-by-year table so
    that the figures they share (the EHC and SEN support totals, and the overall total) are
    hidden in both or in neither: otherwise one table would give away the other's hidden
    cell. Repeats until both agree (each round only hides more, so it ends).

    Each term is suppressed on its own. Across terms only changes of totals are published, and
    `sup.change` withholds a change when either term's figure is hidden, so no hidden cell can
    be recovered from two terms. (Sharing one pattern across the three terms shown hid the
    EHC plan and SEN support totals of any school whose register was small a year ago.)
    """
    need_results, year_results = [], []
    for need_table, year_table in zip(need_tables, year_tables, strict=True):
        force_need: set = set()
        force_year: set = set()
        for _ in range(10):
            (need,) = sup.suppress_series(
                need_table, cols=[ALL], groups=groups, also_hide=force_need
            )
            (year,) = sup.suppress_series(year_table, cols=years, also_hide=force_year)
            in_need, in_year = _shared(need, by_row=False), _shared(year, by_row=True)
            hidden = {k: in_need.get(k, False) or in_year.get(k, False) for k in in_need | in_year}
            new_need = force_need | _force(need, hidden, by_row=False)
            new_year = force_year | _force(year, hidden, by_row=True)
            if new_need == force_need and new_year == force_year:
                break
            force_need, force_year = new_need, new_year
        need_results.append(need)
        year_results.append(year)
    return need_results, year_results


def _groups_json(result: sup.SuppressedTable, labels: dict, col_labels: dict) -> dict:
    """The group subtotals (broad areas) of a table, shaped like _table_json's output."""
    out = _table_json(result, labels, col_labels)
    out["rows"] = [
        {
            "key": g,
            "label": labels.get(g, g),
            "cells": [result.group_cells[g][c].as_json() for c in result.cols],
            "total": result.group_totals[g].as_json() if g in result.group_totals else None,
        }
        for g in result.group_cells
    ]
    return out


def _ordered(table: dict, order: list) -> dict:
    return {k: table[k] for k in order if k in table}


def _national(day: dt.date) -> dict:
    """The latest national figure per measure published by the census day's year."""
    out: dict = {}
    for fig in NationalFigure.objects.filter(year__lte=day.year).order_by("measure", "-year"):
        out.setdefault(
            fig.measure,
            {"pct": f"{fig.percentage:.1f}%", "year": fig.year, "source": fig.source},
        )
    return out


def _register_section(school: School, year: int, name: str) -> dict:
    when = {
        "current": (year, name),
        "previous": previous_term(year, name),
        "last_year": (year - 1, name),
    }
    data = {k: _register(school, census_day(*v)) for k, v in when.items()}
    keys = list(when)
    need_order = [c.value for c in NeedCode] + [NO_NEED]
    year_order = [c.value for c in YearGroup]
    status_cols = [s for s, _ in STATUSES]
    need_tables = [
        _ordered(_table(data[k][0], lambda key: key[1], lambda key: ALL), need_order) for k in keys
    ]
    year_tables = [_table(data[k][0], lambda key: key[0], lambda key: key[2]) for k in keys]
    present = {c for t in year_tables for row in t.values() for c in row}
    years = [c for c in year_order if c in present]
    year_tables = [{s: t.get(s, {}) for s in status_cols} for t in year_tables]
    rows_present = list(dict.fromkeys(r for t in need_tables for r in t))
    groups = {
        str(area): [r for r in rows_present if str(NEED_AREA.get(r, BroadArea.OTHER)) == area]
        for area in BroadArea.values
    }
    groups = {area: members for area, members in groups.items() if members}
    need_results, year_results = _shared_margins(need_tables, year_tables, years, groups)
    need_labels = {**dict(NeedCode.choices), NO_NEED: "No primary need recorded"}
    section: dict = {"census_days": {k: census_day(*v).isoformat() for k, v in when.items()}}
    section["by_need"] = _table_json(need_results[0], need_labels, ALL_LABEL)
    section["by_area"] = _groups_json(need_results[0], dict(BroadArea.choices), ALL_LABEL)
    current = year_results[0]
    section["by_year_group"] = _table_json(current, dict(STATUSES), dict(YearGroup.choices))
    section["by_year_group"]["changes"] = {
        other: [
            {"key": r, "total": sup.change(_row_total(res, r), _row_total(current, r)).as_json()}
            for r in current.rows
        ]
        for other, res in zip(keys[1:], year_results[1:], strict=True)
    }
    # Status against the roll, beside England's percentages.
    section["status"] = []
    for code, label in STATUSES:
        row = []
        for k, result in zip(keys, year_results, strict=True):
            counts, roll = data[k]
            n = sum(v for key, v in counts.items() if key[0] == code)
            # Each term's percentage follows that term's own suppressed total.
            hidden = _row_total(result, code).suppressed if result.cols else sup.is_small(n)
            row.append(sup.percentage(n, roll, hidden=hidden).as_json())
        section["status"].append({"key": code, "label": label, "pct": row})
    rolls = [data[k][1] for k in keys]
    section["roll"] = [sup.count_cell(r).as_json() for r in rolls]
    return section


def _money_rows(pub: disclosure.Published, name: str, rows) -> list[dict]:
    return [
        {
            "label": r.label,
            "pupils": pub[f"{name}:{r.key}:pupils"].as_json(),
            "cost": disclosure.pounds(pub[f"{name}:{r.key}"]).as_json(),
        }
        for r in rows
    ]


def _pounds(pub: disclosure.Published, key: str) -> dict:
    return disclosure.pounds(pub[key]).as_json()


def _funding_section(school: School, year: int, name: str) -> dict:
    """The funding figures, published by the same rule (and so with the same figures withheld)
    as the governor's dashboard and the evidence pack for the same terms."""
    gaps = [
        compute_gap(school=school, period=term(y, n))
        for y, n in terms_back(term(year, name).start, 4)
    ]
    published = [disclosure.publish_gap(g) for g in gaps]
    current, pub = gaps[-1], published[-1]
    wave_labels = {str(k): v for k, v in Wave.choices}
    return {
        "sen_pupils": pub["sen_pupils"].as_json(),
        "need": _pounds(pub, "need"),
        "funding": _pounds(pub, "funding"),
        "gap": _pounds(pub, "gap"),
        "covered": pub["covered"].as_json(),
        "by_area": _money_rows(pub, "by_area", current.by_area),
        "by_wave": [
            {**row, "label": wave_labels.get(str(r.key), row["label"])}
            for row, r in zip(
                _money_rows(pub, "by_wave", current.by_wave), current.by_wave, strict=True
            )
        ],
        "trend": [
            {
                "label": g.period.label,
                "need": _pounds(p, "need"),
                "funding": _pounds(p, "funding"),
                "gap": _pounds(p, "gap"),
            }
            for g, p in zip(gaps, published, strict=True)
        ],
        "topup_shortfall": _pounds(pub, "topup_shortfall"),
        "topup_shortfall_pupils": pub["topup_shortfall_pupils"].as_json(),
        "over_threshold_without_topup": pub["over_threshold_without_topup"].as_json(),
        "over_label": _over_label(current),
        "calendar": current.calendar,
    }


def _over_label(gap) -> str:
    """What "over" means for the school's pupils: the threshold, or for special-school, AP and
    unit pupils the value of their place (docs/domain.md section 4)."""
    lines = gap.lines
    if lines.everyone_placed:
        return f"Pupils costing more than their £{lines.place_value:,.0f} place with no top-up"
    if lines.has_place_pupils:
        return (
            f"Pupils over the £{lines.threshold:,.0f} threshold (unit pupils: over their "
            f"£{lines.place_value:,.0f} place) with no top-up"
        )
    return f"Pupils over the £{lines.threshold:,.0f} threshold with no top-up"


def _clocks_section(school: School, year: int, name: str, today: dt.date) -> dict:
    t = assessment_timeliness(school=school, period=term(year, name), today=today)
    return {k: cell.as_json() for k, cell in disclosure.publish_timeliness(t).items()}


def _advocacy_section(school: School, year: int, name: str, today: dt.date) -> dict:
    a = disclosure.publish_advocacy(advocacy_summary(school=school, period=term(year, name)))
    training = training_status(school=school, today=today)
    deadline = training["senco_deadline"]
    keys = ["actions_total", "actions_open", "decided", "successful", "success_rate"]
    return {
        **{k: a[k].as_json() for k in keys},
        "secured": disclosure.pounds(a["secured_total"]).as_json(),
        "requested": disclosure.pounds(a["requested_total"]).as_json(),
        "by_type": [
            {
                "label": row["label"],
                "count": row["count"].as_json(),
                "secured": disclosure.pounds(row["secured"]).as_json(),
            }
            for row in a["by_type"]
        ],
        "senco_qualified": training["senco_qualified"],
        "senco_deadline": deadline.strftime("%d/%m/%Y") if deadline else None,
        "deadline_within_6_months": training["deadline_within_6_months"],
    }


def build_figures(*, school: School, year: int, name: str, today: dt.date | None = None) -> dict:
    """Every figure of the report, suppressed and JSON-safe."""
    today = today or dt.date.today()
    day = census_day(year, name)
    return {
        "school": school.name,
        "term": term(year, name).label,
        "census_day": day.isoformat(),
        "census_day_display": day.strftime("%d/%m/%Y"),
        "built_on": today.isoformat(),
        "national": _national(day),
        "register": _register_section(school, year, name),
        "funding": _funding_section(school, year, name),
        "clocks": _clocks_section(school, year, name, today),
        "advocacy": _advocacy_section(school, year, name, today),
        "key": sup.KEY,
    }
