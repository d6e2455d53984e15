"""The SEN register's table rows as HTML (templates/pupils/register.html prints them).

Written here rather than in the template, as the trust view's rows are (reports.trust.row_html):
the template spent about 7 ms on a page of 50 pupils, some 20 variable lookups and escapes a
row through Django's lazy-string checks, on every register opened after a write. Each value
is escaped here; the cells are the template's were.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe

from sendfund.lib.money import format_gbp
from sendfund.templatetags.sendfund import date_filter, url_shape

# The census SEN status as the register shows it: a badge with the code, then its meaning.
STATUS_CELLS = {
    "E": '<span class="badge text-bg-primary">E</span> EHC plan',
    "K": '<span class="badge text-bg-info">K</span> SEN support',
}
NO_SEN_CELL = '<span class="badge text-bg-light border">N</span> No SEN'


def _above(cost: Decimal | None, line: Decimal | None) -> bool:
    """Whether a pupil's annual cost is over a line (the high-needs threshold or a place's
    value); an unknown cost or line is not over anything."""
    return cost is not None and line is not None and cost > line


def _cost_cell(pupil, *, place_funded: bool, has_unit: bool, threshold, place_value) -> str:
    """The annual cost cell: marked above the threshold, or, for a pupil funded by a place
    (a place-funded school, or a mainstream school's unit), above the place's value."""
    cost = pupil.annual_cost
    shown = format_gbp(cost)
    if place_funded or (pupil.in_unit and has_unit):
        above = (
            ' <span class="badge text-bg-warning">above place</span>'
            if _above(cost, place_value)
            else ""
        )
        place = format_gbp(place_value, pence=False)
        kind = "place" if place_funded else "unit"
        return (
            f'<td class="num">{shown}{above} <span title="Funded by a {place} place plus top-up,'
            f' not from the notional SEN budget" class="badge text-bg-info">{kind}</span></td>'
        )
    above = ' <span class="badge text-bg-warning">above</span>' if _above(cost, threshold) else ""
    return f'<td class="num">{shown}{above}</td>'


def register_rows_html(pupils, *, school, threshold, place_value) -> SafeString:
    """One <tr> per pupil of a register page (rows of pupils.queries.register_list, with
    `sen_status`, `primary_need` and `annual_cost`), for `school`, whose pupils cost more than
    `threshold` are marked, or more than `place_value` for those funded by a place."""
    detail = url_shape("pupils:detail", uuid.UUID(int=0))
    place_funded, has_unit = school.place_funded, school.has_unit
    rows = []
    for p in pupils:
        name = f"{escape(p.surname)}, {escape(p.forename)}"
        left = (
            f' <span class="badge text-bg-secondary">left {date_filter(p.left_date)}</span>'
            if p.left_date
            else ""
        )
        status = STATUS_CELLS.get(p.sen_status, NO_SEN_CELL)
        cost = _cost_cell(
            p,
            place_funded=place_funded,
            has_unit=has_unit,
            threshold=threshold,
            place_value=place_value,
        )
        rows.append(
            f'<tr><th scope="row" class="fw-normal"><a href="{escape(detail.format(p.public_id))}">'
            f"{name}</a>{left}</th><td><code>{escape(p.upn or '–')}</code></td>"
            f"<td>{escape(p.get_year_group_display())}</td><td>{status}</td>"
            f"<td>{escape(p.primary_need or '–')}</td>{cost}</tr>"
        )
    return mark_safe("".join(rows))  # noqa: S308 (every value above escaped)
