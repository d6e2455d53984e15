"""The head's dashboard, as data: tables (shown, charted and downloaded as CSV) and the SVG
trend chart's geometry. Views stay short; numbers arrive here already aggregated in SQL."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape

from django.utils.safestring import mark_safe

from funding import gap_store
from funding.gap import (
    OVER_THRESHOLD,
    WITH_SHORTFALL,
    Gap,
    Headline,
    Projection,
    PupilThreshold,
    compute_gap,
    headline_series,
    project_next_year,
    pupil_threshold_queryset,
    stored_pupil_summary,
    threshold_figures,
)
from funding.models import FundingType
from pupils.codes import SenProvision
from sendfund.lib import csv as safe_csv
from sendfund.lib.disclosure import Published, publish_gap
from sendfund.lib.money import to_pennies
from sendfund.lib.periods import term, terms_back
from sendfund.lib.sql import CompiledQuery
from sendfund.lib.suppression import HIDDEN, KEY, SUPPRESSED, Cell, count_cell, is_small
from sendfund.templatetags.sendfund import gbp, pct, url_shape

BREAKDOWNS = [
    ("by_area", "Need by broad area of need"),
    ("by_need", "Need by primary need"),
    ("by_year_group", "Need by year group"),
    ("by_sen_status", "Need by SEN status at the end of the period"),
    ("by_wave", "Need by wave"),
]
PUPIL_LIST_LENGTH = 15
NUM = ' class="num"'  # a figure's column header


@dataclass
class Table:
    name: str
    title: str
    headers: list[str]
    rows: list[list]  # cells: str, int or Decimal (money, unrounded)
    money: set[int] = field(default_factory=set)  # column indexes holding money
    bars: list[tuple[str, Decimal]] = field(default_factory=list)  # chart: label, share 0-100
    note: str = ""
    links: list[str] = field(default_factory=list)  # each row's page (its first cell links)
    query: str = ""  # the period's query string, for the CSV link (set by the view)

    def display_rows(self) -> list[list[str]]:
        return [[_display(c, i in self.money) for i, c in enumerate(r)] for r in self.rows]

    def html_rows(self) -> list[str]:
        """Each row's cells as HTML (the first a row header, the rest figures), every value
        escaped. Written here rather than by the template, which spent about 6 ms a
        dashboard on its 300-odd cells (a loop step, a test and an escape for each)."""
        out = []
        links = self.links or [""] * len(self.rows)
        for (first, *rest), link in zip(self.display_rows(), links, strict=True):
            figures = "".join(f'<td class="num">{escape(cell)}</td>' for cell in rest)
            name = f'<a href="{escape(link)}">{escape(first)}</a>' if link else escape(first)
            header = f'<th scope="row" class="fw-normal">{name}</th>'
            out.append(mark_safe(header + figures))  # noqa: S308 (each value escaped)
        return out

    def html(self) -> str:
        """The whole table: its title as the caption (with a link to its CSV when the view
        gave the period's `query`), the headers, html_rows() or an empty row, and the note.
        Written here for the reason html_rows is: the template's frame of the dozen tables
        cost the dashboard about 0.7 ms."""
        title, name = escape(self.title), escape(self.name)
        link = ""
        if self.query:
            link = (
                f' <a class="ms-2 small d-print-none" href="?{escape(self.query)}&amp;format=csv'
                f'&amp;table={name}" data-testid="csv-{name}">Download CSV<span'
                f' class="visually-hidden">: {title}</span></a>'
            )
        headers = "".join(
            f'<th scope="col"{NUM if i else ""}>{escape(str(header))}</th>'
            for i, header in enumerate(self.headers)
        )
        body = "".join(f"<tr>{row}</tr>" for row in self.html_rows()) or (
            f'<tr><td colspan="{len(self.headers)}">Nothing in this period.</td></tr>'
        )
        note = f'<p class="small text-body-secondary">{escape(self.note)}</p>' if self.note else ""
        return mark_safe(  # noqa: S308 (each value escaped)
            f'<div class="table-responsive"><table class="table table-sm align-middle"'
            f' id="table-{name}"><caption class="caption-top">{title}{link}</caption>'
            f"<thead><tr>{headers}</tr></thead><tbody>{body}</tbody></table>{note}</div>"
        )

    def bars_html(self) -> str:
        """The table's shares as a list of labelled bars (a 200 px bar per row, the share
        printed beside it), or "" without shares: written here for the reason html_rows is."""
        if not self.bars:
            return ""
        items = []
        for label, share in self.bars:
            shown, width = pct(share), round(float(share) / 100 * 200)
            name = escape(str(label))
            items.append(
                '<li class="d-flex align-items-center gap-2">'
                f'<span class="text-truncate bar-label">{name}</span>'
                f'<svg width="200" height="12" role="img" aria-label="{name}: {shown}">'
                f'<rect x="0" y="1" height="10" width="{width}" fill="#3b5bdb"></rect>'
                '<rect x="0" y="1" height="10" width="200" fill="none" stroke="#adb5bd"></rect>'
                f'</svg><span class="money">{shown}</span></li>'
            )
        title = escape(self.title.lower())
        return mark_safe(  # noqa: S308 (each value escaped or a number)
            f'<ul class="list-unstyled small mb-2" aria-label="Share of {title} (the table has'
            f' the figures)">{"".join(items)}</ul>'
        )

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


def _shown(cell: Cell):
    """A published cell as a table cell: its value (a number, for the CSV), or "c"."""
    return SUPPRESSED if cell.suppressed else cell.value


def _breakdown_table(name: str, title: str, gap: Gap, pub: Published | None) -> Table:
    """A breakdown; for roles without pupil-level access (`pub`, sendfund.lib.disclosure),
    pupil counts of 1-4 and enough other rows to protect them show "c", so does their money,
    and so does the total when it would give a hidden row away."""
    rows, bars = getattr(gap, name), []
    out = []
    for row in rows:
        if pub is None:
            out.append([row.label, row.pupils, row.need])
        else:
            money = pub[f"{name}:{row.key}"]
            out.append([row.label, _shown(pub[f"{name}:{row.key}:pupils"]), _shown(money)])
            if money.suppressed or pub["need"].suppressed:
                continue
        if gap.need:
            bars.append((row.label, row.need / gap.need * 100))
    out.append(["Total", "", gap.need if pub is None else _shown(pub["need"])])
    note = KEY if pub is not None else ""
    return Table(name, title, ["Group", "Pupils", "Need"], out, {2}, bars, note)


@dataclass
class TrendPoint:
    """One term of the trend as shown: need and funding are None when withheld."""

    period: object
    need: Decimal | None
    funding: Decimal | None
    gap: Decimal | None


def trend_points(series: list[Headline], published: list[Published] | None) -> list[TrendPoint]:
    if published is None:
        return [TrendPoint(h.period, h.need, h.funding, h.gap) for h in series]
    return [
        TrendPoint(
            h.period,
            *(None if p[k].suppressed else p[k].value for k in ("need", "funding", "gap")),
        )
        for h, p in zip(series, published, strict=True)
    ]


def _or_c(value):
    return SUPPRESSED if value is None else value


def public_projection(projection: Projection, pub: Published) -> dict:
    """The projection as governors see it. It describes the SEN register now and a year ago
    and the provision and funding behind this period's need and funding: withheld when either
    register count is 1-4 or this period's need (for the need) or funding (for the funding)
    is withheld; the gap and the growth go with them."""
    small = is_small(projection.sen_now) or is_small(projection.sen_year_ago)
    need_hidden = small or pub["need"].suppressed
    funding_hidden = small or pub["funding"].suppressed
    return {
        "period": projection.period,
        "base_need": HIDDEN if need_hidden else projection.base_need,
        "need": HIDDEN if need_hidden else projection.need,
        "funding": HIDDEN if funding_hidden else projection.funding,
        "gap": HIDDEN if need_hidden or funding_hidden else projection.gap,
        "growth": HIDDEN if small else projection.growth,
        "sen_now": count_cell(projection.sen_now),
        "sen_year_ago": count_cell(projection.sen_year_ago),
    }


def _place_rows(gap: Gap, pub: Published | None) -> list[list]:
    """Headline rows for a school with place-funded pupils (special school, AP or unit).
    Governors see place funding as its published funding-type figure only: the place share
    describes the place pupils and is shown to pupil-level roles alone."""
    if not gap.lines.has_place_pupils:
        return []
    if pub is not None:
        key = f"funding_by_type:{FundingType.PLACE}"
        return [["Place funding in the period", _shown(pub[key])]] if key in pub.cells else []
    who = "unit pupils" if gap.lines.place_kind == "unit" else "every pupil"
    return [
        ["Place funding in the period", gap.place_funding],
        [f"Place share ({who}): Σ min(cost, place for the period)", gap.place_share],
    ]


def _threshold_title(gap: Gap) -> str:
    lines = gap.lines
    if lines.everyone_placed:
        return f"The £{lines.place_value:,.0f} place"
    if lines.has_place_pupils:
        return f"The £{gap.threshold:,.0f} threshold and the £{lines.place_value:,.0f} unit place"
    return f"The £{gap.threshold:,.0f} threshold"


def _line_words(gap: Gap) -> str:
    """What a pupil's cost is measured against, in words (docs/domain.md section 4)."""
    if gap.lines.everyone_placed:
        return "their place"
    if gap.lines.has_place_pupils:
        return "the threshold (unit pupils: their place)"
    return "the threshold"


def build_tables(
    gap: Gap,
    series: list[Headline],
    projection: Projection,
    *,
    pub: Published | None = None,
    trend: list[Published] | None = None,
) -> dict[str, Table]:
    """The dashboard's tables. With `pub` (roles without pupil-level access) every figure is
    the published one (sendfund.lib.disclosure.publish_gap): "c" where withheld."""

    def figure(key: str, raw):
        return raw if pub is None else _shown(pub[key])

    points = trend_points(series, trend)
    shown_projection = vars(projection) if pub is None else public_projection(projection, pub)

    def proj(key: str):
        value = shown_projection[key]
        return _shown(value) if isinstance(value, Cell) else value

    funding_rows = []
    funding_bars = []
    for r in gap.funding_by_type:
        cell = r.need if pub is None else _shown(pub[f"funding_by_type:{r.key}"])
        funding_rows.append([r.label, cell])
        if (
            gap.funding
            and isinstance(cell, Decimal)
            and figure("funding", gap.funding) != SUPPRESSED
        ):
            funding_bars.append((r.label, r.need / gap.funding * 100))
    tables = {
        "headline": Table(
            "headline",
            f"Headline figures, {gap.period}",
            ["Figure", "Amount"],
            [
                ["Identified need", figure("need", gap.need)],
                ["Allocated funding (confirmed and received)", figure("funding", gap.funding)],
                ["Gap (need minus funding)", figure("gap", gap.gap)],
                [
                    "Expected funding (not counted)",
                    figure("funding_expected", gap.funding_expected),
                ],
                [
                    "Notional SEN budget in the period",
                    figure("notional_budget", gap.notional_budget),
                ],
                [
                    "School share: Σ min(cost, threshold for the period)",
                    figure("school_share", gap.school_share),
                ],
                *_place_rows(gap, pub),
                ["Element 3 top-ups in the period", figure("topup_funding", gap.topup_funding)],
                ["Top-up shortfall", figure("topup_shortfall", gap.topup_shortfall)],
            ],
            {1},
        ),
        "trend": Table(
            "trend",
            "Trend: the last six terms and this one",
            ["Term", "Need", "Funding", "Gap"],
            [[p.period.label, _or_c(p.need), _or_c(p.funding), _or_c(p.gap)] for p in points],
            {1, 2, 3},
        ),
        "funding_by_type": Table(
            "funding_by_type",
            "Funding by type",
            ["Type", "Amount"],
            funding_rows + [["Total", figure("funding", gap.funding)]],
            {1},
            funding_bars,
        ),
        "threshold": Table(
            "threshold",
            _threshold_title(gap),
            ["Measure", "Pupils"],
            [
                [
                    f"Pupils whose provision costs more than {_line_words(gap)}",
                    figure("pupils_over_threshold", gap.pupils_over_threshold),
                ],
                [
                    "… of whom have no top-up in the period",
                    figure("over_threshold_without_topup", gap.over_threshold_without_topup),
                ],
                [
                    "… of whom are on SEN support (EHC needs assessment candidates)",
                    figure("support_over_threshold", gap.support_over_threshold),
                ],
                [
                    "Pupils whose top-up does not cover their excess",
                    figure("topup_shortfall_pupils", gap.topup_shortfall_pupils),
                ],
            ],
        ),
        "projection": Table(
            "projection",
            f"Projection for {projection.period}",
            ["Figure", "Amount"],
            [
                ["Current provision costed for a full year", proj("base_need")],
                ["Projected need", proj("need")],
                ["Funding held at the last twelve months' level", proj("funding")],
                ["Projected gap", proj("gap")],
            ],
            {1},
        ),
    }
    if pub is not None:
        for name in ("headline", "trend", "funding_by_type", "threshold", "projection"):
            tables[name].note = KEY
    for name, title in BREAKDOWNS:
        tables[name] = _breakdown_table(name, title, gap, pub)
    return tables


def line_heading(school) -> str:
    """The heading of the per-pupil line column: the threshold, a place, or either."""
    if school.place_funded:
        return "Place"
    return "Threshold or place" if school.has_unit else "Threshold"


def _named(p: PupilThreshold, school) -> str:
    """A pupil's name, marked in a mainstream school when they are a unit pupil funded by
    place + top-up (no notional-budget share). In a special school or AP every pupil is."""
    return f"{p.full_name} (unit: place + top-up)" if p.place and school.has_unit else p.full_name


def _shortfall(rows):
    """Pupils whose top-up does not cover their excess, largest shortfall first."""
    return rows.filter(WITH_SHORTFALL)


def _candidates(rows):
    """SEN support pupils above their line, largest cost first."""
    return rows.filter(OVER_THRESHOLD, sen_status=SenProvision.SEN_SUPPORT).order_by(
        "-cost", "surname", "pupil"
    )


# The two lists from a stored summary's rows, compiled once (sendfund.lib.sql.CompiledQuery).
_STORED_LISTS = {
    name: CompiledQuery("rows", lambda summary_id, f=f: f(gap_store.stored_pupil_rows(summary_id)))
    for name, f in (("shortfall", _shortfall), ("candidates", _candidates))
}


def pupil_tables(school, period, threshold: Decimal) -> dict[str, Table]:
    """Pupil-level lists (names): only for roles holding pupils.view. Two constant queries
    (and one for the stored summary's id)."""
    summary_id = stored_pupil_summary(school=school, period=period, threshold=threshold)
    if summary_id is not None:
        lists = {
            name: compiled.page(0, PUPIL_LIST_LENGTH, summary_id=summary_id)
            for name, compiled in _STORED_LISTS.items()
        }
    else:  # a custom range, or a period the school's lock kept from being stored
        rows = pupil_threshold_queryset(school=school, period=period, threshold=threshold)
        lists = {
            "shortfall": _shortfall(rows)[:PUPIL_LIST_LENGTH],
            "candidates": _candidates(rows)[:PUPIL_LIST_LENGTH],
        }
    line_header = line_heading(school)
    shortfall = threshold_figures(lists["shortfall"])
    candidates = threshold_figures(lists["candidates"])
    page = url_shape("pupils:detail", uuid.UUID(int=0))
    return {
        "shortfall": Table(
            "shortfall",
            "Top-up shortfall by pupil (largest first)",
            ["Pupil", "Year", "Cost", line_header, "Excess", "Top-up", "Shortfall"],
            [
                [_named(p, school), p.year_group, p.cost, p.line, p.excess, p.topup, p.shortfall]
                for p in shortfall
            ],
            {2, 3, 4, 5, 6},
            links=[page.format(p.public_id) for p in shortfall],
        ),
        "candidates": Table(
            "candidates",
            "SEN support pupils above the threshold: candidates for an EHC needs assessment",
            ["Pupil", "Year", "Cost", line_header, "Excess"],
            [[_named(p, school), p.year_group, p.cost, p.line, p.excess] for p in candidates],
            {2, 3, 4},
            links=[page.format(p.public_id) for p in candidates],
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
    need: Decimal | Cell  # the Cell "c" when withheld
    funding: Decimal | Cell
    centre: float = 0.0

    @property
    def label_lines(self) -> list[str]:
        """ "Autumn 2025/26" on two lines, so seven terms fit under their bars."""
        return self.label.split(" ", 1)


CHART_W, CHART_H, TOP, BOTTOM = 700, 260, 20, 40


def trend_chart(series: list[Headline] | list[TrendPoint]) -> dict:
    """Geometry for an inline SVG bar chart of need and funding per term; a withheld figure
    (None) draws no bar and is labelled "c"."""
    series = [TrendPoint(h.period, h.need, h.funding, None) for h in series]
    shown = [v for h in series for v in (h.need, h.funding) if v is not None]
    peak = max(shown + [Decimal("1")])
    plot_h = CHART_H - TOP - BOTTOM
    slot = CHART_W / max(len(series), 1)
    bars = []
    for i, h in enumerate(series):
        need_h = float((h.need or 0) / peak) * plot_h
        funding_h = float((h.funding or 0) / peak) * plot_h
        bars.append(
            Bar(
                label=h.period.label,
                x=round(i * slot + slot * 0.15, 1),
                need_y=round(TOP + plot_h - need_h, 1),
                need_h=round(need_h, 1),
                funding_y=round(TOP + plot_h - funding_h, 1),
                funding_h=round(funding_h, 1),
                need=HIDDEN if h.need is None else h.need,
                funding=HIDDEN if h.funding is None else h.funding,
                centre=round(i * slot + slot * 0.15 + slot * 0.33, 1),
            )
        )
    bar_w = round(slot * 0.33, 1)
    label_y = TOP + plot_h + 18
    return {
        "bars": bars,
        "bars_svg": _bars_svg(bars, bar_w, label_y),
        "width": CHART_W,
        "height": CHART_H,
        "bar_w": bar_w,
        "baseline": TOP + plot_h,
        "peak": peak,
        "label_y": label_y,
    }


def _bars_svg(bars: list[Bar], bar_w: float, label_y: int) -> str:
    """The chart's bars as SVG: for each term a solid need bar and a hatched funding bar
    beside it, each titled with its figure, and the term's name on two lines under them.
    Written here rather than by the template, as the tables' rows are (Table.html_rows)."""
    out = []
    for bar in bars:
        label = escape(bar.label)
        lines = "".join(
            f'<tspan x="{bar.centre}" dy="{0 if i == 0 else 14}">{escape(line)}</tspan>'
            for i, line in enumerate(bar.label_lines)
        )
        out.append(
            f'<rect x="{bar.x}" y="{bar.need_y}" width="{bar_w}" height="{bar.need_h}"'
            f' fill="#343a40"><title>{label} need {gbp(bar.need, "0")}</title></rect>'
            f'<rect x="{round(bar.x + bar_w, 1)}" y="{bar.funding_y}" width="{bar_w}"'
            f' height="{bar.funding_h}" fill="url(#hatch)" stroke="#1864ab"><title>{label}'
            f" funding {gbp(bar.funding, '0')}</title></rect>"
            f'<text x="{bar.centre}" y="{label_y}" font-size="12" text-anchor="middle">'
            f"{lines}</text>"
        )
    return mark_safe("\n".join(out))  # noqa: S308 (each value escaped or a number)


TREND_TERMS = 7  # the last six terms and the current one


class PublicView:
    """An object whose listed attributes are replaced (the published figures); the template
    reads it like the original (a withheld figure is the Cell "c", which `gbp` prints)."""

    def __init__(self, original, **overrides):
        self._original = original
        self._overrides = overrides

    def __getattr__(self, name):
        if name in self._overrides:
            return self._overrides[name]
        return getattr(self._original, name)


GAP_FIGURES = {
    "need": "need",
    "funding": "funding",
    "gap": "gap",
    "funding_expected": "funding_expected",
    "notional_budget": "notional_budget",
    "school_share": "school_share",
    "topup_funding": "topup_funding",
    "topup_shortfall": "topup_shortfall",
    "covered_pct": "covered",
}


def public_gap(gap: Gap, pub: Published) -> PublicView:
    return PublicView(
        gap,
        **{
            attr: HIDDEN if pub[key].suppressed else getattr(gap, attr)
            for attr, key in GAP_FIGURES.items()
        },
    )


def dashboard_context(school, period, *, names: bool, today: dt.date) -> dict:
    """Everything the dashboard shows for a period; pupil names only when `names`. Without
    them (governors, trust leads) every figure is the published one: the same rule, and for
    the same period the same figures withheld, as the termly report and the evidence pack."""
    gap = compute_gap(school=school, period=period)
    terms = [term(*t) for t in terms_back(today, TREND_TERMS)]
    series = headline_series(school=school, periods=terms)
    projection = project_next_year(school=school, today=today)
    if names:
        tables = build_tables(gap, series, projection)
        tables |= pupil_tables(school, period, gap.threshold)
        chart = trend_chart(series)
        shown_gap, shown_projection = gap, projection
    else:
        pub = publish_gap(gap)
        trend = [publish_gap(compute_gap(school=school, period=p)) for p in terms]
        tables = build_tables(gap, series, projection, pub=pub, trend=trend)
        chart = trend_chart(trend_points(series, trend))
        shown_gap = public_gap(gap, pub)
        shown_projection = PublicView(projection, **public_projection(projection, pub))
    return {
        "gap": shown_gap,
        "tables": tables,
        "chart": chart,
        "projection": shown_projection,
        "names": names,
        "breakdowns": [tables[n] for n, _ in BREAKDOWNS],
    }
