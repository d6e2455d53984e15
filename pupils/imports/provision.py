"""The costed provision map import (CSV): one row per pupil receiving one provision.

A row is identified by pupil (UPN) + provision (by name) + start date, so re-importing the same
file changes nothing. Unknown provisions and staff roles are created; an hourly rate sets the
actual (and, until someone edits it, the LA standard) rate for the academic year of the start
date when the role has no rate for that year yet. A rate that differs from an existing one is
reported, never silently overwritten.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from pupils.codes import BroadArea
from pupils.imports.parsers import (
    CellError,
    CellReader,
    FileError,
    Table,
    decode_text,
    parse_date,
    parse_decimal,
    parse_int,
    parse_optional_date,
    parse_upn,
    read_table,
)
from pupils.imports.report import Report
from pupils.models import (
    AssignmentStatus,
    Provision,
    ProvisionAssignment,
    Pupil,
    StaffRate,
    StaffRole,
)
from sendfund.jobs.progress import counted
from sendfund.lib.imports.copy import copy_rows
from sendfund.lib.money import format_gbp
from sendfund.lib.periods import academic_year_label, academic_year_start
from sendfund.schools.models import School

ALIASES: dict[str, tuple[str, ...]] = {
    "upn": ("unique pupil number", "pupil upn"),
    "provision": ("provision name", "intervention", "provision type"),
    "area": ("broad area", "area of need"),
    "wave": (),
    "staff_role": ("staff", "delivered by", "role", "staff type"),
    "hourly_rate": ("rate", "hourly cost", "rate per hour"),
    "hours_per_week": ("hours", "hours a week", "weekly hours", "hrs per week"),
    "group_size": ("group", "pupils in group"),
    "weeks": ("weeks per year", "weeks delivered"),
    "start_date": ("start", "from", "date started"),
    "end_date": ("end", "to", "date ended"),
    "status": (),
    "service_annual_cost": ("service cost", "annual service cost", "bought in cost"),
}
REQUIRED = ("upn", "provision", "start_date")
TEMPLATE_HEADER = [c for c in ALIASES]
TEMPLATE_ROWS = [
    ["A123456789012", "Speech and language group", "CI", "2", "Teaching assistant", "18.50",
     "1.5", "4", "38", "2026-09-07", "", "in place", ""],
    ["A123456789012", "1:1 literacy support", "CL", "3", "HLTA", "21.75",
     "2", "1", "38", "07/09/2026", "19/12/2026", "in place", ""],
    ["B234567890123", "Speech and language therapy (SLA)", "CI", "3", "", "",
     "", "", "", "2026-09-07", "", "planned", "1450.00"],
]  # fmt: skip

AREA_WORDS = {label.lower(): value for value, label in BroadArea.choices}
AREA_WORDS.update({v.lower(): v for v in BroadArea.values})
AREA_WORDS.update({"communication and interaction": "CI", "sensory and physical": "SP"})
STATUS_WORDS = {
    "planned": AssignmentStatus.PLANNED,
    "in place": AssignmentStatus.IN_PLACE,
    "in_place": AssignmentStatus.IN_PLACE,
    "inplace": AssignmentStatus.IN_PLACE,
    "current": AssignmentStatus.IN_PLACE,
    "ended": AssignmentStatus.ENDED,
    "finished": AssignmentStatus.ENDED,
}


def _parse_area(value: str) -> str:
    area = AREA_WORDS.get(value.strip().lower())
    if value.strip() and area is None:
        raise CellError(f"{value!r} is not a broad area: use CL, SEMH, CI, SP or OTH.")
    return area or ""


def _parse_wave(value: str) -> int | None:
    text = value.strip().lower().removeprefix("wave").strip()
    if not text:
        return None
    if text not in ("2", "3"):
        raise CellError(f"{value!r} is not a wave: use 2 (targeted) or 3 (individual).")
    return int(text)


def _parse_status(value: str) -> str:
    status = STATUS_WORDS.get(value.strip().lower())
    if value.strip() and status is None:
        raise CellError(f"{value!r} is not a status: use planned, in place or ended.")
    return status or ""


@dataclass(frozen=True)
class PupilRef:
    """What a provision row needs of its pupil (read as values, not models: a whole school)."""

    pk: int
    full_name: str


@dataclass
class Row:
    row: int
    pupil: PupilRef
    provision: str
    area: str
    wave: int | None
    staff_role: str
    hourly_rate: Decimal | None
    hours_per_week: Decimal | None
    group_size: int | None  # None: the catalogue's default
    weeks: int | None
    start_date: dt.date
    end_date: dt.date | None
    status: str
    service_annual_cost: Decimal | None


def _optional_decimal(value: str) -> Decimal | None:
    return parse_decimal(value) if value.strip() else None


def _group_size(value: str) -> int | None:
    return parse_int(value, low=1, high=500) if value.strip() else None


def _weeks(value: str) -> int | None:
    return parse_int(value, low=1, high=52) if value.strip() else None


# Each column's parser (CellReader parses each distinct value of a column once).
CELLS = {
    "area": _parse_area,
    "wave": _parse_wave,
    "hourly_rate": _optional_decimal,
    "hours_per_week": _optional_decimal,
    "service_annual_cost": _optional_decimal,
    "group_size": _group_size,
    "weeks": _weeks,
    "start_date": parse_date,
    "end_date": parse_optional_date,
    "status": _parse_status,
}


def _parse_row(table: Table, number, raw, pupils, on, report, read: CellReader) -> Row | None:
    before = len(report.errors)
    upn = read(number, raw, "upn", parse_upn)
    values = {column: read(number, raw, column, parse) for column, parse in CELLS.items()}
    if upn == "" and len(report.errors) == before:
        report.error(number, table.label("upn"), "is empty: the provision map matches on UPN.")
    elif upn and upn not in pupils:
        report.error(number, table.label("upn"), f"no pupil with UPN {upn} in this school.")
    for column, limit in (("provision", 150), ("staff_role", 100)):
        if len(raw.get(column, "")) > limit:
            report.error(number, table.label(column), f"is longer than {limit} characters.")
    if not raw["provision"]:
        report.error(number, table.label("provision"), "is empty.")
    hours = values["hours_per_week"]
    if hours is not None and hours >= 1000:
        report.error(number, table.label("hours_per_week"), "must be less than 1000.")
    start, end = values["start_date"], values["end_date"]
    if start and end and end < start:
        report.error(number, table.label("end_date"), "is before the start date.")
    status = values["status"] or (
        AssignmentStatus.IN_PLACE if start and start <= on else AssignmentStatus.PLANNED
    )
    if status == AssignmentStatus.ENDED and not end:
        report.error(number, table.label("end_date"), "an ended provision needs an end date.")
    if len(report.errors) > before:
        return None
    return Row(
        row=number,
        pupil=pupils[upn],
        provision=raw["provision"],
        staff_role=raw.get("staff_role", ""),
        **{**values, "status": status},
    )


class _Catalogue:
    """The school's staff roles, rates and provisions; new ones are created at write time."""

    def __init__(self, school: School):
        self.school = school
        self.roles = {r.name.lower(): r for r in StaffRole.objects.for_school(school)}
        self.rates = {
            (r.staff_role_id, r.academic_year): r for r in StaffRate.objects.for_school(school)
        }
        self.provisions = {
            p.name.lower(): p
            for p in Provision.objects.for_school(school).select_related("staff_role")
        }
        self.new_roles: dict[str, str] = {}  # lower name -> name
        self.new_rates: dict[tuple[str, int], Decimal] = {}  # (lower role name, year) -> rate
        self.new_provisions: dict[str, dict] = {}
        self.rate_notes: set[tuple] = set()

    def role(self, name: str) -> StaffRole:
        key = name.lower()
        if key not in self.roles:
            self.roles[key] = StaffRole.objects.create(school=self.school, name=name)
        return self.roles[key]

    def provision(self, name: str) -> Provision:
        key = name.lower()
        if key not in self.provisions:
            spec = dict(self.new_provisions[key])
            role_name = spec.pop("staff_role")
            self.provisions[key] = Provision.objects.create(
                school=self.school,
                name=name,
                staff_role=self.role(role_name) if role_name else None,
                **spec,
            )
        return self.provisions[key]

    def write_rate(self, role_name: str, year: int, rate: Decimal) -> None:
        StaffRate.objects.create(
            school=self.school,
            staff_role=self.role(role_name),
            academic_year=year,
            actual_hourly_rate=rate,
            la_standard_hourly_rate=rate,
        )


def _plan_catalogue(row: Row, cat: _Catalogue, table: Table, report: Report) -> bool:
    """Plan new roles, rates and provisions for a row; False when the row cannot be costed."""
    key = row.provision.lower()
    existing = cat.provisions.get(key)
    if existing is None and key not in cat.new_provisions:
        if not row.area:
            report.error(row.row, table.label("area"), "a new provision needs its broad area.")
            return False
        if row.staff_role and row.hours_per_week is None:
            report.error(
                row.row,
                table.label("hours_per_week"),
                "a new provision delivered by staff needs its hours per week.",
            )
            return False
        if not row.staff_role and row.service_annual_cost is None:
            report.error(
                row.row,
                table.label("staff_role"),
                "a new provision needs a staff role, or a service_annual_cost if it is bought in.",
            )
            return False
        cat.new_provisions[key] = {
            "area": row.area,
            "wave": row.wave or 2,
            "staff_role": row.staff_role,
            "service_annual_cost": None if row.staff_role else row.service_annual_cost,
            "default_hours_per_week": row.hours_per_week or Decimal("0"),
            "default_group_size": row.group_size or 1,
            "default_weeks": row.weeks or cat.school.delivery_weeks,
        }
        who = row.staff_role or f"bought in at {format_gbp(row.service_annual_cost)} a pupil"
        report.notes.append(
            f"New provision “{row.provision}” ({row.area}, wave {row.wave or 2}, {who})."
        )
        new_role = row.staff_role.lower()
        if row.staff_role and new_role not in cat.roles and new_role not in cat.new_roles:
            cat.new_roles[new_role] = row.staff_role
            report.notes.append(f"New staff role “{row.staff_role}”.")
        report.writes.append(lambda n=row.provision: cat.provision(n))
    elif existing is not None:
        differs = (row.area and row.area != existing.area) or (
            row.wave and row.wave != existing.wave
        )
        if differs:
            report.notes.append(
                f"Row {row.row}: “{existing.name}” is already in the catalogue as "
                f"{existing.area}, wave {existing.wave}; the catalogue entry is kept."
            )
    role_name = row.staff_role or (
        existing.staff_role.name if existing is not None and existing.staff_role else ""
    )
    if role_name and row.hourly_rate is not None:
        _plan_rate(row, role_name, cat, table, report)
    return True


def _plan_rate(row: Row, role_name: str, cat: _Catalogue, table: Table, report: Report) -> None:
    year = academic_year_start(row.start_date)
    role = cat.roles.get(role_name.lower())
    current = cat.rates.get((role.pk, year)) if role else None
    planned = cat.new_rates.get((role_name.lower(), year))
    if current is not None or planned is not None:
        rate = current.actual_hourly_rate if current is not None else planned
        said = (role_name.lower(), year, row.hourly_rate)
        if rate != row.hourly_rate and said not in cat.rate_notes:
            cat.rate_notes.add(said)  # once per role, year and rate, not on every row
            report.notes.append(
                f"Row {row.row}, column {table.label('hourly_rate')}: "
                f"{format_gbp(row.hourly_rate)} differs from the {role_name} actual rate of "
                f"{format_gbp(rate)} for {academic_year_label(year)}; the existing rate is kept "
                "(change it on the rates page)."
            )
        return
    cat.new_rates[(role_name.lower(), year)] = row.hourly_rate
    report.notes.append(
        f"New {academic_year_label(year)} rate for {role_name}: {format_gbp(row.hourly_rate)} an "
        "hour (actual; the LA standard rate starts equal: edit it on the rates page)."
    )
    report.writes.append(lambda: cat.write_rate(role_name, year, row.hourly_rate))


ASSIGNMENT_VALUES = ("hours_per_week", "group_size", "weeks", "end_date", "status")


def _plan_assignment(
    row: Row, cat: _Catalogue, existing: dict, new: list, updates: dict, report: Report
) -> None:
    """Plan one row: a new provision row joins `new` (written in bulk by
    _write_new_assignments), a changed one is updated, an unchanged one counted."""
    # Blank cells take the catalogue's defaults, as adding provision on the pupil page does.
    provision = cat.provisions.get(row.provision.lower())
    if provision is not None:
        defaults = (
            provision.default_hours_per_week,
            provision.default_group_size,
            provision.default_weeks,
        )
    else:
        spec = cat.new_provisions[row.provision.lower()]
        defaults = (
            spec["default_hours_per_week"],
            spec["default_group_size"],
            spec["default_weeks"],
        )
    hours, group_size, weeks = (
        default if value is None else value
        for value, default in zip(
            (row.hours_per_week, row.group_size, row.weeks), defaults, strict=True
        )
    )
    wanted = {
        "hours_per_week": hours,
        "group_size": group_size,
        "weeks": weeks,
        "end_date": row.end_date,
        "status": row.status,
    }
    current = existing.get((row.pupil.pk, row.provision.lower(), row.start_date))
    label = f"{row.provision} for {row.pupil.full_name} from {row.start_date:%d/%m/%Y}"
    if current is None:
        report.create(row.row, label, None)
        new.append((row, wanted))
        return
    changed = {k: v for k, v in wanted.items() if current[k] != v}
    if not changed:
        report.unchanged += 1
        return
    updates.setdefault(tuple(changed), []).append(ProvisionAssignment(pk=current["pk"], **changed))
    report.update(row.row, f"{label}: " + ", ".join(k.replace("_", " ") for k in changed), None)


def _write_updates(updates: dict) -> None:
    """Changed provision rows: one UPDATE per set of changed columns."""
    for names, changed in updates.items():
        ProvisionAssignment.objects.bulk_update(changed, list(names), batch_size=1000)


def _write_new_assignments(school: School, cat: _Catalogue, new: list) -> None:
    """Every new provision row in one COPY, after the catalogue's new provisions and rates
    (written before it, in plan order): a 10,000-row file is one statement, not 10,000."""
    copy_rows(
        ProvisionAssignment,
        [
            {
                "school_id": school.pk,
                "pupil_id": row.pupil.pk,
                "provision_id": cat.provision(row.provision).pk,
                "start_date": row.start_date,
                **wanted,
            }
            for row, wanted in new
        ],
    )


def import_provision(
    *, school: School, data: bytes, on: dt.date | None = None, dry_run: bool = False
) -> Report:
    """Validate every row of a costed provision map CSV; unless `dry_run`, write all or none."""
    on = on or dt.date.today()
    report = Report("provision")
    try:
        table = read_table(decode_text(data), aliases=ALIASES, required=REQUIRED)
    except FileError as exc:
        report.file_error = str(exc)
        return report
    if table.ignored:
        report.notes.append(f"Columns ignored: {', '.join(table.ignored)}.")
    pupils = {
        upn: PupilRef(pk, f"{forename} {surname}")
        for pk, upn, forename, surname in Pupil.objects.for_school(school)
        .exclude(upn="")
        .values_list("pk", "upn", "forename", "surname")
    }
    cat = _Catalogue(school)
    existing = {
        (a["pupil_id"], a["provision__name"].lower(), a["start_date"]): a
        for a in ProvisionAssignment.objects.for_school(school).values(
            "pk", "pupil_id", "provision__name", "start_date", *ASSIGNMENT_VALUES
        )
    }
    seen: dict[tuple, int] = {}
    new: list = []
    updates: dict[tuple, list] = {}
    read = CellReader(table, report)
    for number, raw in counted(table.rows, "Checking rows"):
        row = _parse_row(table, number, raw, pupils, on, report, read)
        if row is None:
            continue
        key = (row.pupil.pk, row.provision.lower(), row.start_date)
        if key in seen:
            report.error(
                number, table.label("start_date"), f"repeats the provision on row {seen[key]}."
            )
            continue
        seen[key] = number
        if _plan_catalogue(row, cat, table, report):
            _plan_assignment(row, cat, existing, new, updates, report)
    if updates:
        report.writes.append(lambda: _write_updates(updates))
    if new:
        report.writes.append(lambda: _write_new_assignments(school, cat, new))
    if not dry_run:
        report.apply()
    return report
