"""The pupil page's provision rows as HTML (templates/pupils/detail.html prints them).

Written here rather than in the template, as the register's rows are (pupils.register_table):
the template spent about 0.45 ms a row (four links, three dates, three numbers and two
choice labels, each through Django's lookups, escaping and localisation), 11 ms for a pupil
with 24 provision rows. Each value is escaped here; the cells are the template's were.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe

from pupils.codes import BroadArea
from pupils.models import AssignmentStatus
from sendfund.lib.money import format_gbp
from sendfund.templatetags.sendfund import date_filter, url_shape

AREAS = {value: str(label) for value, label in BroadArea.choices}
STATUSES = {value: str(label) for value, label in AssignmentStatus.choices}


def _number(value) -> str:
    """A number as the template printed it (no thousands separator): 2.50, 38."""
    return f"{value:f}" if isinstance(value, Decimal) else escape(str(value))


def _measure(m) -> str:
    """The intervention measure taken, its entry and (once recorded) its exit."""
    standardised = " (standardised)" if m.standardised else ""
    exit_ = f" → {escape(m.exit_shown)} on {date_filter(m.exit_date)}" if m.exit_date else ""
    return (
        f'<br><span data-testid="measure"> {escape(m.measure_name)}{standardised}: '
        f"{escape(m.entry_shown)} on {date_filter(m.entry_date)}{exit_} </span>"
    )


def provision_rows_html(rows, *, can_edit: bool) -> SafeString:
    """One <tr> per costed provision row of the pupil page (pupils.queries.pupil_page's
    "assignments": with `working`, `measure_taken`, `school_days`, `period_cost` and
    `rate_year`), with the links to edit, end and measure each when `can_edit`."""
    example = uuid.UUID(int=0)
    edit, end, measures = (
        url_shape(name, example)
        for name in ("pupils:assignment_edit", "pupils:assignment_end", "pupils:measure_edit")
    )
    staff = url_shape("pupils:staff")
    html = []
    for a in rows:
        provision = a.provision
        name = escape(provision.name)
        role = provision.staff_role
        who = f" · {escape(str(role))}" if role else " · bought-in service"
        area = escape(AREAS.get(provision.area, provision.area))
        review = (
            f'<br><span class="small">review {date_filter(a.review_date)}</span>'
            if a.review_date
            else ""
        )
        until = date_filter(a.end_date) or "ongoing"
        rates = f' <a href="{staff}">Enter rates</a>' if role and a.rate_year is None else ""
        measure = _measure(a.measure_taken) if a.measure_taken else ""
        cells = [
            f'<th scope="row" class="fw-normal">{name}<br><span class="small'
            f' text-body-secondary">Wave {_number(provision.wave)} · {area}{who}</span></th>',
            f"<td>{escape(STATUSES.get(a.status, a.status))}</td>",
            f"<td>{date_filter(a.start_date)} – {until}{review}</td>",
            f'<td class="num">{_number(a.hours_per_week)}</td>'
            f'<td class="num">{_number(a.group_size)}</td>'
            f'<td class="num">{_number(a.school_days)}</td>',
            f'<td class="small" data-testid="working">{escape(a.working)}{rates}{measure}</td>',
            f'<td class="num">{format_gbp(a.period_cost)}</td>',
        ]
        if can_edit:
            hidden = f'<span class="visually-hidden"> {name}</span>'
            pk = a.public_id
            ending = (
                f' · <a href="{end.format(pk)}">End{hidden}</a>'
                if a.status != AssignmentStatus.ENDED
                else ""
            )
            cells.append(
                f'<td class="text-nowrap d-print-none"><a href="{edit.format(pk)}">Edit{hidden}'
                f'</a>{ending} · <a href="{measures.format(pk)}">Measures{hidden}</a></td>'
            )
        html.append(f"<tr>{''.join(cells)}</tr>")
    return mark_safe("".join(html))  # noqa: S308 (every value above escaped)
