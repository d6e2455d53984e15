"""The head's dashboard, as data: tables (shown, charted and downloaded as CSV) and the SVG
trend chart's geometry. Views stay short; numbers arrive here already aggregated in SQL."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

from funding.gap import (
    OVER_THRESHOLD,
    WITH_SHORTFALL,
    Gap,
    Headline,
    Projection,
    compute_gap,
    headline_series,
    project_next_year,
    pupil_threshold_queryset,
    threshold_figures,
)
from sendfund.lib import csv as safe_csv
from sendfund.lib.money import to_pennies
from sendfund.lib.periods import term, terms_back
from sendfund.lib.suppression import KEY, SUPPRESSED, count_cell, suppress_counts

BREAKDOWNS = [
    ("by_area", "Need by broad area of need"),
    ("by_need", "Need by primary need"),
    ("by_year_group", "Need by year group"),
    ("by_sen_status", "Need by SEN status at the end of the period"),
    ("by_wave", "Need by wave"),
]
PUPIL_LIST_LENGTH = 15


@dataclass
class Table:
    name: str
    title: str
    headers: list[str]
    rows: list[list]  # cells: str, int or Decimal (money, unrounded)
    money: set[int] = field(default_factory=set)  # column indexes holding money
    bars: list[tuple[str, Decimal]] = field(default_factory=list)  # chart: label, share 0-100
    note: str = ""

    def display_rows(self) -> list[list[str]]:
        return [[_display(c, i in self.money) for i, c in enumerate(r)] for r in self.rows]

    def csv(self) -> str:
        out = io.StringIO()
        writer = safe_csv.writer(out)
        writer.writerow(self.headers)
        for row in self.rows:
            writer.writerow([_csv(c, i in self.money) for i, c in enumerate(row)])
        return out.getvalue()


def _display(cell, money: bool) -> str:
    if money and isinstance(cell, Decimal):
        from sendfund.lib.money import format_gbp

        return format_gbp(cell)
    if isinstance(cell, int):
        return f"{cell:,}"
    return str(cell)


def _csv(cell, money: bool):
    # A Decimal, not text: the shared writer leaves numbers alone, so -£12.50 stays a number.
    return to_pennies(cell) if money and isinstance(cell, Decimal) else cell


def _breakdown_table(name: str, title: str, gap: Gap, *, suppress: bool) -> Table:
    """A breakdown; for roles without pupil-level access, pupil counts of 1-4 and enough other
    rows to protect them (secondary suppression) show "c", and so does their money, so a
    hidden row's need cannot be worked out from the total."""
    rows, bars = getattr(gap, name), []
    hidden: set[str] = set()
    if suppress and rows:
        table = suppress_counts({r.label: {"pupils": r.pupils} for r in rows})
        hidden = {r.label for r in rows if table.cells[r.label]["pupils"].suppressed}
    out = []
    for row in rows:
        if row.label in hidden:
            out.append([row.label, SUPPRESSED, SUPPRESSED])
            continue
        out.append([row.label, row.pupils, row.need])
        if gap.need:
            bars.append((row.label, row.need / gap.need * 100))
    out.append(["Total", "", gap.need])
    note = KEY if suppress else ""
    return Table(name, title, ["Group", "Pupils", "Need"], out, {2}, bars, note)


def build_tables(
    gap: Gap, series: list[Headline], projection: Projection, *, suppress: bool
) -> dict[str, Table]:
    tables = {
        "headline": Table(
            "headline",
            f"Headline figures, {gap.period}",
            ["Figure", "Amount"],
            [
                ["Identified need", gap.need],
                ["Allocated funding (confirmed and received)", gap.funding],
                ["Gap (need minus funding)", gap.gap],
                ["Expected funding (not counted)", gap.funding_expected],
                ["Notional SEN budget in the period", gap.notional_budget],
                ["School share: Σ min(cost, threshold for the period)", gap.school_share],
                ["Element 3 top-ups in the period", gap.topup_funding],
                ["Top-up shortfall", gap.topup_shortfall],
            ],
            {1},
        ),
        "trend": Table(
            "trend",
            "Trend: the last six terms and this one",
            ["Term", "Need", "Funding", "Gap"],
            [[h.period.label, h.need, h.funding, h.gap] for h in series],
            {1, 2, 3},
        ),
        "funding_by_type": Table(
            "funding_by_type",
            "Funding by type",
            ["Type", "Amount"],
            [[r.label, r.need] for r in gap.funding_by_type] + [["Total", gap.funding]],
            {1},
            [(r.label, r.need / gap.funding * 100) for r in gap.funding_by_type if gap.funding],
        ),
        "threshold": Table(
            "threshold",
            f"The £{gap.threshold:,.0f} threshold",
            ["Measure", "Pupils"],
            [
                ["Pupils whose provision costs more than the threshold", gap.pupils_over_threshold],
                ["… of whom have no top-up in the period", gap.over_threshold_without_topup],
                [
                    "… of whom are on SEN support (EHC needs assessment candidates)",
                    gap.support_over_threshold,
                ],
                ["Pupils whose top-up does not cover their excess", gap.topup_shortfall_pupils],
            ],
        ),
        "projection": Table(
            "projection",
            f"Projection for {projection.period}",
            ["Figure", "Amount"],
            [
                ["Current provision costed for a full year", projection.base_need],
                ["Projected need", projection.need],
                ["Funding held at the last twelve months' level", projection.funding],
                ["Projected gap", projection.gap],
            ],
            {1},
        ),
    }
    if suppress:
        for row in tables["threshold"].rows:
            row[1] = count_cell(row[1]).display
        tables["threshold"].note = KEY
    for name, title in BREAKDOWNS:
        tables[name] = _breakdown_table(name, title, gap, suppress=suppress)
    return tables


def pupil_tables(school, period, threshold: Decimal) -> dict[str, Table]:
    """Pupil-level lists (names): only for roles holding pupils.view. Two constant queries."""
    rows = pupil_threshold_queryset(school=school, period=period, threshold=threshold)
    shortfall = threshold_figures(rows.filter(WITH_SHORTFALL)[:PUPIL_LIST_LENGTH])
    candidates = threshold_figures(
        rows.filter(OVER_THRESHOLD, sen_status="K").order_by("-cost", "surname", "pupil")[
            :PUPIL_LIST_LENGTH
        ]
    )
    return {
        "shortfall": Table(
            "shortfall",
            "Top-up shortfall by pupil (largest first)",
            ["Pupil", "Year", "Cost", "Threshold", "Excess", "Top-up", "Shortfall"],
            [
                [p.full_name, p.year_group, p.cost, p.line, p.excess, p.topup, p.shortfall]
                for p in shortfall
            ],
            {2, 3, 4, 5, 6},
        ),
        "candidates": Table(
            "candidates",
            "SEN support pupils above the threshold: candidates for an EHC needs assessment",
            ["Pupil", "Year", "Cost", "Threshold", "Excess"],
            [[p.full_name, p.year_group, p.cost, p.line, p.excess] for p in candidates],
            {2, 3, 4},
        ),
    }


@dataclass
class Bar:
    label: str
    x: float
    need_y: float
    need_h: float
    funding_y: float
    funding_h: float
    need: Decimal
    funding: Decimal
    centre: float = 0.0

    @property
    def label_lines(self) -> list[str]:
        """ "Autumn 2025/26" on two lines, so seven terms fit under their bars."""
        return self.label.split(" ", 1)


CHART_W, CHART_H, TOP, BOTTOM = 700, 260, 20, 40


def trend_chart(series: list[Headline]) -> dict:
    """Geometry for an inline SVG bar chart of need and funding per term."""
    peak = max([max(h.need, h.funding) for h in series] + [Decimal("1")])
    plot_h = CHART_H - TOP - BOTTOM
    slot = CHART_W / max(len(series), 1)
    bars = []
    for i, h in enumerate(series):
        need_h = float(h.need / peak) * plot_h
        funding_h = float(h.funding / peak) * plot_h
        bars.append(
            Bar(
                label=h.period.label,
                x=round(i * slot + slot * 0.15, 1),
                need_y=round(TOP + plot_h - need_h, 1),
                need_h=round(need_h, 1),
                funding_y=round(TOP + plot_h - funding_h, 1),
                funding_h=round(funding_h, 1),
                need=h.need,
                funding=h.funding,
                centre=round(i * slot + slot * 0.15 + slot * 0.33, 1),
            )
        )
    return {
        "bars": bars,
        "width": CHART_W,
        "height": CHART_H,
        "bar_w": round(slot * 0.33, 1),
        "baseline": TOP + plot_h,
        "peak": peak,
        "label_y": TOP + plot_h + 18,
    }


TREND_TERMS = 7  # the last six terms and the current one


def dashboard_context(school, period, *, names: bool, today: dt.date) -> dict:
    """Everything the dashboard shows for a period; pupil names only when `names`."""
    gap = compute_gap(school=school, period=period)
    terms = [term(*t) for t in terms_back(today, TREND_TERMS)]
    series = headline_series(school=school, periods=terms)
    projection = project_next_year(school=school, today=today)
    tables = build_tables(gap, series, projection, suppress=not names)
    if names:
        tables |= pupil_tables(school, period, gap.threshold)
    return {
        "gap": gap,
        "tables": tables,
        "chart": trend_chart(series),
        "projection": projection,
        "names": names,
        "breakdowns": [tables[n] for n, _ in BREAKDOWNS],
    }


def today() -> dt.date:
    return dt.date.today()
