"""The staff rates import (CSV): one row per staff role per academic year.

Columns `staff_role, academic_year, actual_hourly_rate, la_standard_hourly_rate`. The academic
year is written 2026 or 2026/27 (or 2026-2027); rates are pounds an hour with on-costs
(docs/domain.md section 3). A role the school does not have yet is created; a rate row that
exists is updated when either rate differs, else counted unchanged, so importing the same file
twice changes nothing. All or nothing, like every import.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from pupils.imports.parsers import (
    CellError,
    FileError,
    Table,
    decode_text,
    parse_decimal,
    read_table,
)
from pupils.imports.report import Report
from pupils.models import StaffRate, StaffRole
from sendfund.lib.money import format_gbp
from sendfund.lib.periods import academic_year_label
from sendfund.schools.models import School

ALIASES: dict[str, tuple[str, ...]] = {
    "staff_role": ("role", "staff", "staff type", "job role", "post"),
    "academic_year": ("year", "academic year", "school year"),
    "actual_hourly_rate": (
        "actual rate",
        "actual",
        "actual hourly cost",
        "school rate",
        "hourly rate",
        "rate",
    ),
    "la_standard_hourly_rate": (
        "la rate",
        "la standard rate",
        "la standard",
        "standard rate",
        "la hourly rate",
    ),
}
REQUIRED = ("staff_role", "academic_year", "actual_hourly_rate", "la_standard_hourly_rate")
TEMPLATE_HEADER = list(ALIASES)
TEMPLATE_ROWS = [
    ["Teaching assistant", "2026/27", "19.40", "17.20"],
    ["HLTA", "2026/27", "23.10", "21.75"],
    ["Teacher", "2026", "48.00", "45.00"],
]
MAX_RATE = Decimal("1000")


def parse_academic_year(value: str) -> int:
    """2026, 2026/27, 2026-27 or 2026/2027 → 2026 (the year the academic year starts)."""
    text = value.strip()
    match = re.fullmatch(r"(\d{4})(?:\s*[/-]\s*(\d{2}|\d{4}))?", text)
    if match:
        start = int(match.group(1))
        end = match.group(2)
        follows = end is None or int(end) in (start + 1, (start + 1) % 100)
        if follows and 2000 <= start <= 2100:
            return start
    raise CellError(
        f"{value!r} is not an academic year: write the year it starts (2026) or 2026/27."
    )


def _parse_rate(value: str) -> Decimal:
    if not value.strip():
        raise CellError("is empty: give the hourly rate in pounds, e.g. 17.20.")
    rate = parse_decimal(value)
    if rate >= MAX_RATE:
        raise CellError(f"{value!r} is not an hourly rate (it must be under £1,000 an hour).")
    return rate


@dataclass
class RateRow:
    row: int
    staff_role: str
    academic_year: int
    actual: Decimal
    la_standard: Decimal

    @property
    def label(self) -> str:
        return f"{self.staff_role} {academic_year_label(self.academic_year)}"


def _parse_row(table: Table, number: int, raw: dict[str, str], report: Report) -> RateRow | None:
    before = len(report.errors)
    values = {}
    for column, parse in (
        ("academic_year", parse_academic_year),
        ("actual_hourly_rate", _parse_rate),
        ("la_standard_hourly_rate", _parse_rate),
    ):
        try:
            values[column] = parse(raw.get(column, ""))
        except CellError as exc:
            report.error(number, table.label(column), str(exc))
    name = " ".join(raw.get("staff_role", "").split())
    if not name:
        report.error(number, table.label("staff_role"), "is empty.")
    elif len(name) > 100:
        report.error(number, table.label("staff_role"), "is longer than 100 characters.")
    if len(report.errors) > before:
        return None
    return RateRow(
        row=number,
        staff_role=name,
        academic_year=values["academic_year"],
        actual=values["actual_hourly_rate"],
        la_standard=values["la_standard_hourly_rate"],
    )


class _Roles:
    """The school's staff roles (matched by name, any case); new ones are made at write time."""

    def __init__(self, school: School):
        self.school = school
        self.roles = {r.name.lower(): r for r in StaffRole.objects.for_school(school)}

    def get(self, name: str) -> StaffRole:
        key = name.lower()
        if key not in self.roles:
            self.roles[key] = StaffRole.objects.create(school=self.school, name=name)
        return self.roles[key]


def import_staff_rates(
    *, school: School, data: bytes, on: dt.date | None = None, dry_run: bool = False
) -> Report:
    """Validate every row of a staff rates CSV; unless `dry_run`, write all of it or nothing.
    `on` is accepted for the shared import interface and not used: each row names its year."""
    report = Report("staff_rates")
    try:
        table = read_table(decode_text(data), aliases=ALIASES, required=REQUIRED)
    except FileError as exc:
        report.file_error = str(exc)
        return report
    if table.ignored:
        report.notes.append(f"Columns ignored: {', '.join(table.ignored)}.")
    roles = _Roles(school)
    rates = {
        (r.staff_role.name.lower(), r.academic_year): r
        for r in StaffRate.objects.for_school(school).select_related("staff_role")
    }
    seen: dict[tuple[str, int], int] = {}
    new_roles: set[str] = set()
    for number, raw in table.rows:
        row = _parse_row(table, number, raw, report)
        if row is None:
            continue
        key = (row.staff_role.lower(), row.academic_year)
        if key in seen:
            report.error(
                number,
                table.label("academic_year"),
                f"repeats {row.label} from row {seen[key]}.",
            )
            continue
        seen[key] = number
        if key[0] not in roles.roles and key[0] not in new_roles:
            new_roles.add(key[0])
            report.notes.append(f"New staff role “{row.staff_role}”.")
        _plan(row, rates.get(key), roles, school, report)
    if not dry_run:
        report.apply()
    return report


def _plan(row: RateRow, current: StaffRate | None, roles: _Roles, school, report) -> None:
    money = f"actual {format_gbp(row.actual)}, LA standard {format_gbp(row.la_standard)} an hour"
    if current is None:
        report.create(
            row.row,
            f"rates for {row.label}: {money}",
            lambda: StaffRate.objects.create(
                school=school,
                staff_role=roles.get(row.staff_role),
                academic_year=row.academic_year,
                actual_hourly_rate=row.actual,
                la_standard_hourly_rate=row.la_standard,
            ),
        )
        return
    changes = {}
    if current.actual_hourly_rate != row.actual:
        changes["actual_hourly_rate"] = row.actual
    if current.la_standard_hourly_rate != row.la_standard:
        changes["la_standard_hourly_rate"] = row.la_standard
    if not changes:
        report.unchanged += 1
        return
    parts = []
    if "actual_hourly_rate" in changes:
        parts.append(f"actual {format_gbp(current.actual_hourly_rate)} → {format_gbp(row.actual)}")
    if "la_standard_hourly_rate" in changes:
        parts.append(
            f"LA standard {format_gbp(current.la_standard_hourly_rate)} → "
            f"{format_gbp(row.la_standard)}"
        )
    report.update(
        row.row,
        f"rates for {current.staff_role.name} {academic_year_label(row.academic_year)}: "
        + "; ".join(parts),
        lambda: StaffRate.objects.filter(pk=current.pk).update(**changes),
    )
