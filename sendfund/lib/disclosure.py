"""One disclosure rule for every figure a governor or a trust lead is shown.

docs/domain.md section 8: counts of 1-4 are shown as "c", money describing fewer than 5 pupils
is withheld, and further figures are hidden until no hidden one can be worked out from what is
shown. The governor's funding dashboard, the termly report, the evidence pack and the trust
view all take their figures for a period from the functions here, so the same period shows
the same figures hidden on every page (a figure hidden on one page and shown on another
would give it away).

Plain Python over the aggregates the gap engine, the statutory clocks and the advocacy
summary return (no queries here). The pieces:

* `protect`: the figures (money or counts), which are hidden to start with (primary), and the
  linear relations between them that a reader knows (a total is the sum of its rows, the gap
  is need minus funding, issued plans are those within 20 weeks plus the late ones). More
  figures are hidden, cheapest first, until every hidden figure is free to move in some
  solution of the relations that agrees with every shown figure (exact elimination over
  fractions, as in sendfund.lib.suppression). A figure that appears in no shown relation is
  safe once hidden.
* `publish_gap`: the funding figures of one period (funding.gap.Gap).
* `publish_timeliness`: EHC needs assessment and review counts for one period.
* `publish_advocacy`: advocacy actions and the money they requested and secured.

Count tables of several columns still go through sendfund.lib.suppression (whose search
also respects that counts cannot be negative); the breakdown pupil counts here do too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sendfund.lib.money import format_gbp
from sendfund.lib.suppression import (
    HIDDEN,
    Cell,
    _null_space,
    count_cell,
    format_cell,
    is_small,
    percentage,
    suppress_counts,
)

BREAKDOWNS = ("by_area", "by_need", "by_year_group", "by_sen_status", "by_wave")
DASH = Cell(None, False, "–")


def _determined(values: Mapping, hidden: set, equations: Sequence[Mapping]) -> list:
    """Hidden figures that the shown ones pin down through the equations."""
    unknowns = sorted(k for k in hidden if any(k in eq for eq in equations))
    if not unknowns:
        return []
    index = {k: i for i, k in enumerate(unknowns)}
    rows = [
        [Fraction(eq.get(k, 0)) for k in unknowns]
        for eq in equations
        if any(k in index for k in eq)
    ]
    basis = _null_space(rows, len(unknowns))
    return [k for i, k in enumerate(unknowns) if all(v[i] == 0 for v in basis)]


def protect(
    values: Mapping[str, Decimal | int],
    primary: set[str],
    equations: Sequence[Mapping[str, int]],
    rank: Mapping[str, int] | None = None,
) -> set[str]:
    """The figures to hide: `primary` and more, until none is pinned down by the shown ones.

    Each equation is {figure: coefficient} summing to zero (a total is {"total": -1, row: 1,
    ...}). Extra figures are taken from an equation an exposed figure is in, lowest `rank`
    first (rows before totals before headlines), then non-zero before zero, then smallest.
    """
    rank = rank or {}
    hidden = set(primary)

    def cost(key):
        value = values[key]
        return (rank.get(key, 0), value == 0, abs(value), key)

    while True:
        exposed = _determined(values, hidden, equations)
        if not exposed:
            return hidden
        # The cheapest figure sharing an equation with any exposed one (choosing around the
        # first exposed figure alone hid a headline where a total's gap would do).
        targets = set(exposed)
        pool = {k for eq in equations if targets & set(eq) for k in eq if k not in hidden}
        if not pool:  # cannot happen: an exposed figure shares an equation with a shown one
            pool = {k for k in values if k not in hidden}
        hidden.add(min(pool, key=cost))


def money_cell(amount: Decimal) -> Cell:
    amount = Decimal(amount)
    return Cell(amount, False, format_gbp(amount))


def pounds(cell: Cell) -> Cell:
    """The same cell shown in whole pounds (the report and the evidence pack)."""
    if cell.suppressed or not isinstance(cell.value, Decimal):
        return cell
    return Cell(cell.value, False, format_gbp(cell.value, pence=False))


@dataclass
class Published:
    """The figures of one period as governors see them: `cells[key]` is a Cell."""

    cells: dict[str, Cell] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Cell:
        return self.cells[key]

    def get(self, key: str, default: Cell = HIDDEN) -> Cell:
        return self.cells.get(key, default)


def _small_money(pupils: int, school_level: bool) -> bool:
    return not school_level and is_small(pupils)


def publish_gap(gap) -> Published:
    """Every governor-visible figure of a funding.gap.Gap, with one suppression pattern.

    Money: need, gap and the school share describe the pupils with provision (withheld when
    those pupils, or the SEN register, number 1-4); funding, a funding type, expected funding
    and top-ups describe the pupils they are tied to (withheld when all of the money is tied
    to 1-4 pupils); the top-up shortfall describes the pupils short of their top-up; a
    breakdown row's money follows its pupil count. Relations known to a reader: each
    breakdown's rows add up to need; the funding types add up to funding; gap = need −
    funding; the notional SEN budget and the top-ups are rows of the funding types. The share
    covered is withheld when need or funding is.
    Counts: the breakdowns' pupil counts are suppressed per table; pupils over the threshold
    split two ways (with/without a top-up, SEN support/other) and by whether the top-up
    covers the excess, each split protected against the shared total.
    """
    out = Published()
    counts, count_rows = _threshold_counts(gap)
    out.cells |= counts

    values: dict[str, Decimal] = {}
    primary: set[str] = set()
    rank: dict[str, int] = {}
    equations: list[dict[str, int]] = []

    def money(key: str, amount, hide: bool, level: int) -> None:
        values[key] = Decimal(amount)
        rank[key] = level
        if hide:
            primary.add(key)

    need_small = is_small(gap.need_pupils) or is_small(gap.sen_pupil_count)
    money("need", gap.need, need_small, 3)
    money("gap", gap.gap, need_small, 2)
    money("school_share", gap.school_share, need_small, 1)
    money("funding", gap.funding, _small_money(gap.funded_pupils, gap.funding_school_level), 3)
    money(
        "funding_expected",
        gap.funding_expected,
        _small_money(gap.expected_pupils, gap.expected_school_level),
        1,
    )
    money(
        "topup_funding",
        gap.topup_funding,
        _small_money(gap.topup_pupils, gap.topup_school_level),
        1,
    )
    money("notional_budget", gap.notional_budget, False, 1)
    money(
        "topup_shortfall",
        gap.topup_shortfall,
        count_rows["shortfall_pupils"] or is_small(gap.topup_shortfall_pupils),
        1,
    )
    equations.append({"need": 1, "funding": -1, "gap": -1})

    for name in BREAKDOWNS:
        rows = getattr(gap, name)
        if not rows:
            continue
        table = suppress_counts({r.key: {"pupils": r.pupils} for r in rows}, cols=["pupils"])
        equation = {"need": -1}
        for r in rows:
            cell = table.cells[r.key]["pupils"]
            out.cells[f"{name}:{r.key}:pupils"] = cell
            key = f"{name}:{r.key}"
            money(key, r.need, cell.suppressed or is_small(r.pupils), 0)
            equation[key] = 1
        equations.append(equation)

    if gap.funding_by_type:
        equation = {"funding": -1}
        for r in gap.funding_by_type:
            key = f"funding_by_type:{r.key}"
            money(key, r.need, _small_money(r.pupils, r.school_level), 0)
            equation[key] = 1
            if r.key == "notional_sen":
                equations.append({"notional_budget": 1, key: -1})
            if r.key == "top_up":
                equations.append({"topup_funding": 1, key: -1})
        equations.append(equation)

    hidden = protect(values, primary, equations, rank)
    for key, amount in values.items():
        out.cells[key] = HIDDEN if key in hidden else money_cell(amount)
    if out["need"].suppressed or out["funding"].suppressed:
        out.cells["covered"] = HIDDEN
    elif gap.need:
        out.cells["covered"] = percentage(gap.funding, gap.need)
    else:
        out.cells["covered"] = DASH
    out.cells["sen_pupils"] = count_cell(gap.sen_pupil_count)
    return out


def _threshold_counts(gap) -> tuple[dict[str, Cell], dict[str, bool]]:
    over = gap.pupils_over_threshold
    values = {
        "pupils_over_threshold": over,
        "over_threshold_without_topup": gap.over_threshold_without_topup,
        "over_threshold_with_topup": over - gap.over_threshold_without_topup,
        "support_over_threshold": gap.support_over_threshold,
        "other_over_threshold": over - gap.support_over_threshold,
        "topup_shortfall_pupils": gap.topup_shortfall_pupils,
        "topup_covers_excess_pupils": over - gap.topup_shortfall_pupils,
    }
    total = {"pupils_over_threshold": -1}
    equations = [
        total | {"over_threshold_without_topup": 1, "over_threshold_with_topup": 1},
        total | {"support_over_threshold": 1, "other_over_threshold": 1},
        total | {"topup_shortfall_pupils": 1, "topup_covers_excess_pupils": 1},
    ]
    rank = {"pupils_over_threshold": 1}
    hidden = protect(values, {k for k, v in values.items() if is_small(v)}, equations, rank)
    cells = {
        k: HIDDEN if k in hidden else Cell(v, False, format_cell(v)) for k, v in values.items()
    }
    return cells, {"shortfall_pupils": "topup_shortfall_pupils" in hidden}


def publish_timeliness(t: Mapping) -> dict[str, Cell]:
    """Assessment and review counts (pupils.clocks.assessment_timeliness) for one period.

    Plans issued = within 20 weeks + late: the late count is never shown, but it must not be
    a count of 1-4 that issued minus within gives away. The share within 20 weeks is withheld
    when either of its counts is."""
    issued, within = t["final_plans_issued"], t["final_within_20_weeks"]
    values = {
        k: t[k]
        for k in (
            "requests_received",
            "decisions_made",
            "final_plans_issued",
            "final_within_20_weeks",
            "open_overdue",
            "reviews_due",
            "reviews_overdue",
        )
    }
    values["final_late"] = issued - within
    equations = [{"final_plans_issued": -1, "final_within_20_weeks": 1, "final_late": 1}]
    hidden = protect(values, {k for k, v in values.items() if is_small(v)}, equations)
    out = {k: HIDDEN if k in hidden else Cell(v, False, format_cell(v)) for k, v in values.items()}
    del out["final_late"]
    out["within_20_weeks_pct"] = percentage(
        within,
        issued,
        hidden="final_plans_issued" in hidden or "final_within_20_weeks" in hidden,
    )
    return out


def publish_advocacy(summary: Mapping) -> dict:
    """Advocacy counts and money for one period (advocacy.summary.advocacy_summary).

    Top-up and EHC assessment requests are about individual children: action counts are
    suppressed like pupil counts and money follows them. Relations: the types add up to the
    total (counts, requested, secured); open + the rest = the total; decided = successful +
    the rest. Returns cells by key plus `by_type`: [{label, count, requested, secured}]."""
    by_type = summary["by_type"]
    counts = {
        "actions_total": summary["actions_total"],
        "actions_open": summary["actions_open"],
        "actions_not_open": summary["actions_total"] - summary["actions_open"],
        "decided": summary["decided"],
        "successful": summary["successful"],
        "unsuccessful": summary["decided"] - summary["successful"],
    }
    type_equation = {"actions_total": -1}
    for i, r in enumerate(by_type):
        counts[f"type:{i}"] = r["count"]
        type_equation[f"type:{i}"] = 1
    equations = [
        {"actions_total": -1, "actions_open": 1, "actions_not_open": 1},
        {"decided": -1, "successful": 1, "unsuccessful": 1},
    ]
    if by_type:
        equations.append(type_equation)
    rank = {"actions_total": 1}
    hidden = protect(counts, {k for k, v in counts.items() if is_small(v)}, equations, rank)
    cells: dict[str, Any] = {
        k: HIDDEN if k in hidden else Cell(v, False, format_cell(v)) for k, v in counts.items()
    }

    values: dict[str, Decimal] = {}
    primary: set[str] = set()
    money_equations = []
    for measure in ("requested", "secured"):
        total = f"{measure}_total"
        values[total] = Decimal(summary[total] or 0)
        if cells["actions_total"].suppressed:
            primary.add(total)
        equation = {total: -1}
        for i, r in enumerate(by_type):
            key = f"{measure}:{i}"
            values[key] = Decimal(r[measure] or 0)
            equation[key] = 1
            if cells[f"type:{i}"].suppressed:
                primary.add(key)
        if by_type:
            money_equations.append(equation)
    money_rank = {"requested_total": 1, "secured_total": 1}
    hidden_money = protect(values, primary, money_equations, money_rank)
    for key, amount in values.items():
        cells[key] = HIDDEN if key in hidden_money else money_cell(amount)
    decided, won = summary["decided"], summary["successful"]
    cells["success_rate"] = percentage(
        won, decided, hidden=cells["decided"].suppressed or cells["successful"].suppressed
    )
    cells["by_type"] = [
        {
            "label": r["label"],
            "count": cells[f"type:{i}"],
            "requested": cells[f"requested:{i}"],
            "secured": cells[f"secured:{i}"],
        }
        for i, r in enumerate(by_type)
    ]
    return cells
