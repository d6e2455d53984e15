"""The evidence pack: one page of live, suppressed aggregates for a period (HTML, PDF, CSV).

No pupil-level data. Every figure comes from sendfund.lib.disclosure, the rule the governor's
dashboard and the termly report use: counts of 1-4 are "c", money describing fewer than 5
pupils is withheld, money in a table row follows its count, and further figures are hidden
until none can be worked out from a total, another shown figure or another page for the same
period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from advocacy.summary import advocacy_summary
from funding.gap import compute_gap, trend
from pupils.clocks import assessment_timeliness
from pupils.queries import what_works
from sendfund.lib import csv as safe_csv
from sendfund.lib import periods
from sendfund.lib.disclosure import (
    Published,
    pounds,
    publish_advocacy,
    publish_gap,
    publish_timeliness,
)
from sendfund.lib.suppression import HIDDEN, KEY, Cell, count_cell, suppress_money
from sendfund.pdf import html_to_pdf
from sendfund.schools.models import School

TREND_TERMS = 6
YEARS_BACK = 3


def period_choices(school: School, today: dt.date) -> list[tuple[str, str]]:
    """Terms, academic years and financial years a pack can cover (recent first)."""
    choices = []
    for year, name in reversed(periods.terms_back(today, TREND_TERMS)):
        choices.append((f"term-{year}-{name}", periods.term(year, name).label))
    this_year = periods.academic_year_start(today)
    for year in range(this_year, this_year - YEARS_BACK, -1):
        choices.append((f"year-{year}", f"Academic year {periods.academic_year(year).label}"))
    this_fy = periods.financial_year_start(today, academy=school.is_academy)
    for year in range(this_fy, this_fy - YEARS_BACK, -1):
        choices.append((f"fy-{year}", school.financial_year(year).label))
    return choices


def parse_period(value: str, school: School) -> periods.Period:
    kind, _, rest = value.partition("-")
    if kind == "term":
        year, name = rest.split("-")
        return periods.term(int(year), name)
    if kind == "year":
        return periods.academic_year(int(rest))
    if kind == "fy":
        return school.financial_year(int(rest))
    raise ValueError(value)


class PeriodForm(forms.Form):
    period = forms.ChoiceField(label="Period")

    def __init__(self, *args, school: School, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        self.fields["period"].choices = period_choices(school, today)
        # The current term, as the dashboard opens on: a whole year would set provision planned
        # to August against funding not yet announced (next April's budget), overstating the gap.
        year, name = periods.term_for_date(today)
        self.fields["period"].initial = f"term-{year}-{name}"

    def clean_period(self) -> periods.Period:
        return parse_period(self.cleaned_data["period"], self.school)


@dataclass
class Row:
    label: str
    cells: list[Cell | str] = field(default_factory=list)


@dataclass
class EvidencePack:
    school: School
    period: periods.Period
    period_key: str
    generated: dt.date
    headline: list[Row]
    trend: list[Row]
    areas: list[Row]
    threshold: list[Row]
    timeliness: list[Row]
    advocacy: list[Row]
    advocacy_totals: list[Row]
    calendar: str = ""  # which calendar the need was costed with
    key: str = KEY
    what_works: list[Row] = field(default_factory=list)

    def sections(self) -> list[tuple[str, list[str], list[Row]]]:
        """(title, column names, rows) in page order."""
        figure = ["figure"]
        return [
            ("Headline", figure, self.headline),
            ("Trend by term", ["need", "funding", "gap"], self.trend),
            ("Need by broad area", ["pupils with provision", "cost of provision"], self.areas),
            ("Pupils above the high needs threshold", figure, self.threshold),
            ("EHC needs assessments and reviews", figure, self.timeliness),
            ("Advocacy by type", ["actions", "requested", "secured"], self.advocacy),
            ("Advocacy totals", figure, self.advocacy_totals),
            (
                "What works for the money",
                ["pupils with entry and exit measures", "average change", "cost per pupil"],
                self.what_works,
            ),
        ]


def _pounds(pub: Published, key: str) -> Cell:
    return pounds(pub[key])


def _headline(pub: Published) -> list[Row]:
    return [
        Row("Pupils with SEN (EHC plan or SEN support)", [pub["sen_pupils"]]),
        Row("Identified need", [_pounds(pub, "need")]),
        Row("Allocated funding", [_pounds(pub, "funding")]),
        Row("Gap (need minus funding; positive is a shortfall)", [_pounds(pub, "gap")]),
        Row("Share of need covered", [pub["covered"]]),
    ]


def _trend(gaps) -> list[Row]:
    rows = []
    for gap in gaps:
        pub = publish_gap(gap)
        rows.append(Row(gap.period.label, [_pounds(pub, k) for k in ("need", "funding", "gap")]))
    return rows


def _areas(gap, pub: Published) -> list[Row]:
    return [
        Row(r.label, [pub[f"by_area:{r.key}:pupils"], _pounds(pub, f"by_area:{r.key}")])
        for r in gap.by_area
    ]


def _threshold(gap, pub: Published) -> list[Row]:
    # Special-school, AP and unit pupils are measured against their place, not the threshold
    # (docs/domain.md section 4).
    lines = gap.lines
    if lines.everyone_placed:
        over = f"their £{lines.place_value:,.0f} place"
    elif lines.has_place_pupils:
        over = f"£{gap.threshold:,.0f} a year (unit pupils: their £{lines.place_value:,.0f} place)"
    else:
        over = f"£{gap.threshold:,.0f} a year"
    return [
        Row(
            f"Pupils whose provision costs more than {over}",
            [pub["pupils_over_threshold"]],
        ),
        Row(
            "… of whom receive no top-up (candidates for a request)",
            [pub["over_threshold_without_topup"]],
        ),
        Row(
            "Pupils whose top-up falls short of the cost above the "
            + ("place" if lines.everyone_placed else "threshold"),
            [pub["topup_shortfall_pupils"]],
        ),
        Row("Top-up shortfall (total for the period)", [_pounds(pub, "topup_shortfall")]),
    ]


def _timeliness(figures: dict) -> list[Row]:
    c = publish_timeliness(figures)
    return [
        Row("EHC needs assessment requests received", [c["requests_received"]]),
        Row("Final EHC plans issued", [c["final_plans_issued"]]),
        Row("… issued within 20 weeks", [c["final_within_20_weeks"]]),
        Row("… share issued within 20 weeks (England 2024: 46.4%)", [c["within_20_weeks_pct"]]),
        Row("Open requests past week 20 today", [c["open_overdue"]]),
        Row("Annual reviews due in the period", [c["reviews_due"]]),
        Row("Annual reviews overdue today", [c["reviews_overdue"]]),
    ]


def _advocacy(summary: dict) -> tuple[list[Row], list[Row]]:
    # Top-up and EHC assessment requests are about individual children, so action counts are
    # suppressed like pupil counts and money follows them (sendfund.lib.disclosure).
    a = publish_advocacy(summary)
    rows = [
        Row(r["label"], [r["count"], pounds(r["requested"]), pounds(r["secured"])])
        for r in a["by_type"]
    ]
    totals = [
        Row("Actions in the period", [a["actions_total"]]),
        Row("Still open", [a["actions_open"]]),
        Row("Decided", [a["decided"]]),
        Row("Successful or partly successful", [a["successful"]]),
        Row("Success rate", [a["success_rate"]]),
        Row("Money requested", [pounds(a["requested_total"])]),
        Row("Money secured", [pounds(a["secured_total"])]),
    ]
    return rows, totals


def _what_works(rows: list[dict]) -> list[Row]:
    """Per intervention and measure: a count of 1-4 measured pupils is "c" and hides the average
    change with it; the cost per pupil describes every pupil on the intervention, so it is
    withheld when they are fewer than 5 (sendfund.lib.suppression). No totals and no pupil
    counts beside the cost, so nothing hidden can be worked out from the other rows."""
    out = []
    for row in rows:
        measured = count_cell(row["measured"])
        if measured.suppressed:
            change = HIDDEN
        else:
            value = row["average_change"]
            change = Cell(value, False, f"{value.quantize(Decimal('0.1'), ROUND_HALF_UP):+}")
        kind = " (standardised)" if row["standardised"] else ""
        out.append(
            Row(
                f"{row['provision']}: {row['measure']}{kind}",
                [
                    measured,
                    change,
                    suppress_money(row["cost_per_pupil"], row["pupils"], pence=False),
                ],
            )
        )
    return out


def build(
    *, school: School, period: periods.Period, period_key: str, today: dt.date
) -> EvidencePack:
    gap = compute_gap(school=school, period=period)
    pub = publish_gap(gap)
    gaps = trend(school=school, terms=periods.terms_back(min(period.end, today), TREND_TERMS))
    advocacy_rows, advocacy_totals = _advocacy(advocacy_summary(school=school, period=period))
    return EvidencePack(
        school=school,
        period=period,
        period_key=period_key,
        generated=today,
        headline=_headline(pub),
        trend=_trend(gaps),
        areas=_areas(gap, pub),
        threshold=_threshold(gap, pub),
        timeliness=_timeliness(assessment_timeliness(school=school, period=period, today=today)),
        advocacy=advocacy_rows,
        advocacy_totals=advocacy_totals,
        calendar=gap.calendar,
        what_works=_what_works(what_works(school, period)),
    )


def from_request(request: HttpRequest, *, today: dt.date) -> tuple[PeriodForm, EvidencePack | None]:
    """The period form bound to the query string (default: this term) and its pack."""
    data = request.GET if "period" in request.GET else None
    form = PeriodForm(data, school=request.school, today=today)
    if data is None:
        form = PeriodForm(
            {"period": form.fields["period"].initial}, school=request.school, today=today
        )
    if not form.is_valid():
        return form, None
    pack = build(
        school=request.school,
        period=form.cleaned_data["period"],
        period_key=form.data["period"],
        today=today,
    )
    return form, pack


def _filename(pack: EvidencePack, ext: str) -> str:
    return f"evidence-pack-{pack.school.urn}-{pack.period_key}.{ext}"


def pdf_name(pack: EvidencePack) -> str:
    return _filename(pack, "pdf")


def pdf_bytes(pack: EvidencePack) -> bytes:
    # The CSS is inline; WeasyPrint may read only sendfund's static files (sendfund/pdf.py).
    html = render_to_string("advocacy/evidence_pdf.html", {"pack": pack})
    return html_to_pdf(html)


def pdf_response(request: HttpRequest, pack: EvidencePack) -> HttpResponse:
    response = HttpResponse(pdf_bytes(pack), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_name(pack)}"'
    return response


def csv_response(pack: EvidencePack) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(pack, "csv")}"'
    writer = safe_csv.writer(response)
    writer.writerow(["school", pack.school.name, "URN", pack.school.urn])
    writer.writerow(["period", pack.period.label, pack.period.start, pack.period.end])
    writer.writerow(["key", pack.key])
    writer.writerow(["calendar", pack.calendar])
    # Long format, one figure a line, so it sorts and filters cleanly in a spreadsheet.
    writer.writerow(["section", "item", "measure", "value"])
    for title, columns, rows in pack.sections():
        for row in rows:
            for column, cell in zip(columns, row.cells, strict=True):
                writer.writerow([title, row.label, column, cell])
    return response
