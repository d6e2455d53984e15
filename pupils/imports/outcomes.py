"""The intervention outcomes import (CSV): entry and exit measures on provision rows.

Columns `upn, provision, measure, entry_score, entry_date`, and optionally `provision_start`
(the row's start date, needed when the pupil has had the same provision more than once),
`standardised` (yes/no, default no), `exit_score` and `exit_date` (both or neither, the exit not
before the entry). Each row names one row of the pupil's costed provision map; its measure is
created, or updated when a value differs, else counted unchanged, so importing the same file
twice changes nothing. All or nothing, like every import: any error and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from pupils.imports.parsers import (
    CellError,
    FileError,
    Table,
    decode_text,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_optional_date,
    parse_upn,
    read_table,
)
from pupils.imports.report import Report
from pupils.models import ProvisionAssignment, Pupil
from pupils.plan_models import InterventionMeasure
from sendfund.schools.models import School

ALIASES: dict[str, tuple[str, ...]] = {
    "upn": ("unique pupil number", "pupil upn"),
    "provision": ("intervention", "provision name"),
    "provision_start": ("start date", "provision start date", "intervention start"),
    "measure": ("measure name", "assessment", "test"),
    "standardised": ("standardised score", "standardized", "is standardised"),
    "entry_score": ("entry", "baseline", "baseline score", "pre score"),
    "entry_date": ("baseline date", "entry measured", "pre date"),
    "exit_score": ("exit", "post score", "final score"),
    "exit_date": ("exit measured", "post date"),
}
REQUIRED = ("upn", "provision", "measure", "entry_score", "entry_date")
TEMPLATE_HEADER = list(ALIASES)
TEMPLATE_ROWS = [
    ["A123456789012", "Reading recovery", "", "Salford reading", "yes", "82", "2026-09-14", "", ""],
]
LOWEST_SCORE = Decimal("-99999.99")


def _score(value: str) -> Decimal:
    if not value.strip():
        raise CellError("is empty: give the score, e.g. 86 or 12.5.")
    score = parse_decimal(value, minimum=LOWEST_SCORE)
    if score >= Decimal("100000"):
        raise CellError(f"{value!r} is too large for a score (under 100,000).")
    return score


def _optional_score(value: str) -> Decimal | None:
    return _score(value) if value.strip() else None


@dataclass
class MeasureRow:
    row: int
    upn: str
    provision: str
    provision_start: dt.date | None
    measure: str
    standardised: bool
    entry_score: Decimal
    entry_date: dt.date
    exit_score: Decimal | None
    exit_date: dt.date | None

    def values(self) -> dict:
        return {
            "measure_name": self.measure,
            "standardised": self.standardised,
            "entry_score": self.entry_score,
            "entry_date": self.entry_date,
            "exit_score": self.exit_score,
            "exit_date": self.exit_date,
        }


def _parse_row(table: Table, number: int, raw: dict, report: Report) -> MeasureRow | None:
    before = len(report.errors)
    values = {}
    parsers = (
        ("upn", parse_upn),
        ("provision_start", parse_optional_date),
        ("standardised", lambda v: parse_bool(v) if v.strip() else False),
        ("entry_score", _score),
        ("entry_date", parse_date),
        ("exit_score", _optional_score),
        ("exit_date", parse_optional_date),
    )
    for column, parse in parsers:
        try:
            values[column] = parse(raw.get(column, ""))
        except CellError as exc:
            report.error(number, table.label(column), str(exc))
    for column, limit in (("provision", 150), ("measure", 100)):
        text = " ".join(raw.get(column, "").split())
        if not text:
            report.error(number, table.label(column), "is empty.")
        elif len(text) > limit:
            report.error(number, table.label(column), f"is longer than {limit} characters.")
        values[column] = text
    if "upn" in values and not values["upn"]:
        report.error(number, table.label("upn"), "is empty: the pupil's UPN names the pupil.")
    if len(report.errors) > before:
        return None
    if (values["exit_score"] is None) != (values["exit_date"] is None):
        missing = "exit_date" if values["exit_date"] is None else "exit_score"
        report.error(
            number, table.label(missing), "is empty: give both the exit score and date, or neither."
        )
        return None
    if values["exit_date"] and values["exit_date"] < values["entry_date"]:
        report.error(number, table.label("exit_date"), "is before the entry date.")
        return None
    return MeasureRow(row=number, **values)


def import_outcomes(
    *, school: School, data: bytes, on: dt.date | None = None, dry_run: bool = False
) -> Report:
    """Validate every row; unless `dry_run`, write all of it or nothing. `on` is accepted for
    the shared import interface and not used: each row carries its own dates."""
    report = Report("outcomes")
    try:
        table = read_table(decode_text(data), aliases=ALIASES, required=REQUIRED)
    except FileError as exc:
        report.file_error = str(exc)
        return report
    if table.ignored:
        report.notes.append(f"Columns ignored: {', '.join(table.ignored)}.")
    parsed = [r for n, raw in table.rows if (r := _parse_row(table, n, raw, report))]
    upns = {r.upn for r in parsed}
    pupils = {p.upn: p for p in Pupil.objects.for_school(school).filter(upn__in=upns)}
    rows_by = defaultdict(list)
    for a in (
        ProvisionAssignment.objects.for_school(school)
        .filter(pupil__upn__in=upns)
        .select_related("provision", "pupil")
        .order_by("start_date", "pk")
    ):
        rows_by[(a.pupil.upn, a.provision.name.lower())].append(a)
    measures = {
        m.assignment_id: m
        for m in InterventionMeasure.objects.for_school(school).filter(
            assignment__pupil__upn__in=upns
        )
    }
    seen: dict[int, int] = {}
    for row in parsed:
        assignment = _match(table, row, pupils, rows_by, report)
        if assignment is None:
            continue
        if assignment.pk in seen:
            report.error(
                row.row,
                table.label("provision"),
                f"repeats the provision row from row {seen[assignment.pk]}.",
            )
            continue
        seen[assignment.pk] = row.row
        _plan(row, assignment, measures.get(assignment.pk), school, report)
    if not dry_run:
        report.apply()
    return report


def _match(table, row: MeasureRow, pupils, rows_by, report) -> ProvisionAssignment | None:
    pupil = pupils.get(row.upn)
    if pupil is None:
        report.error(row.row, table.label("upn"), f"{row.upn} is not on this school's register.")
        return None
    candidates = rows_by.get((row.upn, row.provision.lower()), [])
    if row.provision_start is not None:
        candidates = [a for a in candidates if a.start_date == row.provision_start]
    if not candidates:
        started = f" starting {row.provision_start:%d/%m/%Y}" if row.provision_start else ""
        report.error(
            row.row,
            table.label("provision"),
            f"{pupil} has no “{row.provision}”{started} on the provision map.",
        )
        return None
    if len(candidates) > 1:
        starts = ", ".join(f"{a.start_date:%d/%m/%Y}" for a in candidates)
        report.error(
            row.row,
            table.label("provision_start"),
            f"{pupil} has “{row.provision}” more than once (starting {starts}): give the "
            "provision_start of the one measured.",
        )
        return None
    return candidates[0]


def _describe(row: MeasureRow, assignment: ProvisionAssignment) -> str:
    exit_ = f", exit {row.exit_score} on {row.exit_date:%d/%m/%Y}" if row.exit_date else ""
    return (
        f"{row.measure} for {assignment.pupil} on {assignment.provision.name}: "
        f"entry {row.entry_score} on {row.entry_date:%d/%m/%Y}{exit_}"
    )


def _plan(row: MeasureRow, assignment, current, school, report: Report) -> None:
    values = row.values()
    if current is None:
        report.create(
            row.row,
            _describe(row, assignment),
            lambda: InterventionMeasure.objects.create(
                school=school, assignment=assignment, **values
            ),
        )
        return
    changes = {k: v for k, v in values.items() if getattr(current, k) != v}
    if not changes:
        report.unchanged += 1
        return
    report.update(
        row.row,
        _describe(row, assignment),
        lambda: InterventionMeasure.objects.filter(pk=current.pk).update(
            **changes, updated=timezone.now()
        ),
    )
