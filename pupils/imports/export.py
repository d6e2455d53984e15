"""The register as CSV: one row per pupil on roll, with needs and the annual cost of provision.

The headers are the pupil import's own, so an export can be edited and imported back. One query
streams every row: SEN status, needs and the cost are Subquery annotations, never per-row queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from pupils.codes import NEED_AREA
from pupils.models import AssignmentStatus, Need, ProvisionAssignment, Pupil
from sendfund.lib import csv as safe_csv
from sendfund.lib.csv import neutralise
from sendfund.lib.money import to_pennies
from sendfund.lib.periods import academic_year, academic_year_start
from sendfund.schools.models import School

HEADER = [
    "upn",
    "surname",
    "forename",
    "date_of_birth",
    "year_group",
    "sen_provision",
    "primary_need",
    "secondary_need",
    "broad_area",
    "pupil_premium",
    "looked_after",
    "unit_pupil",
    "annual_cost",
]


def register_rows(school: School, on: dt.date | None = None) -> QuerySet:
    """Pupils on roll on `on` with status, needs and the annual cost of their current provision.

    Current provision: planned or in place and not ended before `on`, costed over the school
    days of the academic year containing `on` (ProvisionAssignment.objects.costed).
    """
    on = on or dt.date.today()
    money = DecimalField(max_digits=30, decimal_places=20)
    cost = (
        ProvisionAssignment.objects.costed(academic_year(academic_year_start(on)), school)
        .filter(pupil=OuterRef("pk"))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .exclude(status=AssignmentStatus.ENDED)
        .order_by()
        .values("pupil")
        .annotate(total=Sum("period_cost"))
        .values("total")
    )
    secondary = (
        Need.objects.filter(pupil=OuterRef("pk"), rank=2)
        .open_on(on)
        .order_by("-start_date")
        .values("code")[:1]
    )
    return (
        Pupil.objects.for_school(school)
        .on_roll(on)
        .with_sen_status(on)
        .with_primary_need(on)
        .annotate(
            secondary_need=Subquery(secondary),
            annual_cost=Coalesce(Subquery(cost, output_field=money), Value(Decimal("0"))),
        )
        .order_by("surname", "forename", "pk")
    )


def _yes_no(value: bool) -> str:
    return "Y" if value else "N"


def register_lines(school: School, on: dt.date | None = None) -> Iterator[list[str]]:
    """The header, then one list of neutralised cells per pupil."""
    yield HEADER
    rows = register_rows(school, on).values_list(
        "upn",
        "surname",
        "forename",
        "date_of_birth",
        "year_group",
        "sen_status",
        "primary_need",
        "secondary_need",
        "pupil_premium",
        "looked_after",
        "in_unit",
        "annual_cost",
    )
    for row in rows.iterator(chunk_size=1000):
        upn, surname, forename, dob, year, sen, primary, secondary, pp, lac, unit, cost = row
        cells = [
            upn,
            surname,
            forename,
            f"{dob:%d/%m/%Y}",
            year,
            sen,
            primary or "",
            secondary or "",
            str(NEED_AREA.get(primary, "")) if primary else "",
            _yes_no(pp),
            _yes_no(lac),
            _yes_no(unit),
            str(to_pennies(cost)),
        ]
        yield [neutralise(c) for c in cells]


class _Echo:
    def write(self, value: str) -> str:
        return value


def register_csv(school: School, on: dt.date | None = None) -> Iterator[str]:
    """CSV text, one line at a time (for StreamingHttpResponse and the command)."""
    writer = safe_csv.writer(_Echo())
    for line in register_lines(school, on):
        yield writer.writerow(line)
