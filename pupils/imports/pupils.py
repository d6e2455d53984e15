"""The pupil register import (CSV from an MIS): validate every row, then write all or nothing.

The SEN-history rules (one open status record; E or K needs a rank-1 need; NSA only with K; a
changed status or need closes the old record the day before the new one starts) are
pupils/sen_history.py's, as for the register pages: every row is checked against them and its
changes planned into one `HistoryPlan`, which `sen_history.apply` writes in bulk. A record that
started on the effective date itself is corrected in place (a same-day re-import after fixing
the file), never left zero-length.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pupils import sen_history
from pupils.codes import SenProvision
from pupils.imports.parsers import (
    CellError,
    FileError,
    Table,
    decode_text,
    parse_bool,
    parse_date,
    parse_need,
    parse_optional_date,
    parse_sen_provision,
    parse_upn,
    parse_year_group,
    read_table,
)
from pupils.imports.report import Report
from pupils.models import Need, Pupil, SenStatus
from sendfund.jobs.progress import counted
from sendfund.lib.imports.copy import copy_rows
from sendfund.schools.models import School

ALIASES: dict[str, tuple[str, ...]] = {
    "upn": ("unique pupil number", "pupil upn"),
    "surname": ("legal surname", "last name", "family name"),
    "forename": ("legal forename", "first name", "given name", "forenames"),
    "date_of_birth": ("dob", "date of birth", "birth date", "birthdate"),
    "year_group": ("nc year", "ncyear", "year", "nc year actual", "national curriculum year"),
    "sen_provision": ("sen status", "sen provision", "sen", "sen stage", "senprovision"),
    "primary_need": ("primary need", "sen need 1", "need 1", "primary sen need", "sen type 1"),
    "secondary_need": ("secondary need", "sen need 2", "need 2", "secondary sen need"),
    "pupil_premium": ("pp", "pupil premium", "pupil premium indicator", "pp indicator"),
    "looked_after": ("lac", "cla", "in care", "looked after child", "child looked after"),
    # When the pupil joined and left the school's roll (Pupil.on_roll_date / left_date).
    "entry_date": (
        "date of admission",
        "admission date",
        "admission",
        "date of entry",
        "entry",
        "on roll date",
        "date joined",
        "joined",
    ),
    "leaving_date": (
        "leaving date",
        "date of leaving",
        "date left",
        "left date",
        "leave date",
        "leaver date",
        "left",
    ),
    # In the school's resourced provision or SEN unit (Pupil.in_unit): Y/N, blank keeps.
    "unit_pupil": (
        "unit",
        "in unit",
        "sen unit",
        "unit pupil",
        "resourced provision",
        "resourced provision pupil",
        "resource base",
        "rp",
    ),
}
REQUIRED = ("surname", "forename", "date_of_birth", "year_group")
TEMPLATE_HEADER = list(ALIASES)
TEMPLATE_ROWS = [
    ["A123456789012", "Lovelace", "Ada", "2016-12-10", "4", "K", "SLCN", "SEMH", "Y", "N",
     "2021-09-01", "", ""],
    ["B234567890123", "Turing", "Alan", "23/06/2015", "5", "E", "ASD", "", "N", "Y",
     "03/09/2020", "17/07/2026", ""],
    ["", "Seacole", "Mary", "2017-11-23", "3", "N", "", "", "N", "N", "", "", ""],
]  # fmt: skip


@dataclass
class PupilRow:
    row: int
    upn: str
    surname: str
    forename: str
    date_of_birth: dt.date
    year_group: str
    sen: str
    needs: dict[int, str]  # rank -> code ("" when none)
    pupil_premium: bool
    looked_after: bool
    on_roll_date: dt.date | None = None  # None: not given (an existing date is kept)
    left_date: dt.date | None = None
    in_unit: bool | None = None  # None: not given (the pupil's flag is kept)

    @property
    def name_key(self) -> tuple[str, str, dt.date]:
        return (self.surname.lower(), self.forename.lower(), self.date_of_birth)

    @property
    def name(self) -> str:
        return f"{self.forename} {self.surname}"


# How a file's row words each problem sen_history.need_rule_problems finds.
_RULE_MESSAGES = {
    "primary": "an EHC plan (E) or SEN support (K) needs a primary need (SEN provision is {sen}).",
    "no_needs": "a pupil with no SEN (N) has no needs: leave the needs empty or set E or K.",
    "nsa": "NSA (no specialist assessment) is valid only with SEN support (K), not {sen}.",
}
_SECONDARY_MESSAGES = {
    "orphan": "is given without a primary need.",
    "repeat": "is the same as the primary need.",
}


def _parse_optional_bool(value: str) -> bool | None:
    return parse_bool(value) if value.strip() else None


def _parse_row(
    table: Table,
    number: int,
    raw: dict[str, str],
    report: Report,
    on: dt.date,
    school: School | None = None,
):
    values: dict = {}
    parsers = {
        "upn": parse_upn,
        "date_of_birth": parse_date,
        "year_group": parse_year_group,
        "sen_provision": parse_sen_provision,
        "primary_need": parse_need,
        "secondary_need": parse_need,
        "pupil_premium": parse_bool,
        "looked_after": parse_bool,
        "entry_date": parse_optional_date,
        "leaving_date": parse_optional_date,
        "unit_pupil": _parse_optional_bool,
    }
    before = len(report.errors)
    for column in ALIASES:
        value = raw.get(column, "")
        try:
            values[column] = parsers[column](value) if column in parsers else value
        except CellError as exc:
            report.error(number, table.label(column), str(exc))
    for column in ("surname", "forename"):
        if not raw[column]:
            report.error(number, table.label(column), "is empty.")
        elif len(raw[column]) > 100:
            report.error(number, table.label(column), "is longer than 100 characters.")
    if len(report.errors) > before:
        return None
    if values["date_of_birth"] > on or values["date_of_birth"].year < 1990:
        report.error(number, table.label("date_of_birth"), "is not a plausible date of birth.")
        return None
    entry, leaving = values["entry_date"], values["leaving_date"]
    if entry is not None and entry <= values["date_of_birth"]:
        report.error(number, table.label("entry_date"), "is not after the date of birth.")
    if entry is not None and leaving is not None and leaving < entry:
        report.error(
            number,
            table.label("leaving_date"),
            f"is before the entry date ({entry:%d/%m/%Y}).",
        )
    sen, primary, secondary = (
        values["sen_provision"],
        values["primary_need"],
        values["secondary_need"],
    )
    problems = sen_history.need_rule_problems(sen, {1: primary, 2: secondary})
    need_column = {1: "primary_need", 2: "secondary_need"}
    for rank, problem in problems:
        if problem in _RULE_MESSAGES:
            code = primary if rank == 1 else secondary
            message = _RULE_MESSAGES[problem].format(sen=sen, code=code)
            report.error(number, table.label(need_column[rank]), message)
    if values["unit_pupil"] and school is not None and not school.has_unit:
        report.error(
            number,
            table.label("unit_pupil"),
            "says a unit pupil, but the school has no resourced provision or SEN unit: set "
            "one in the school's settings first, or leave the column empty.",
        )
    for rank, problem in problems:
        if problem in _SECONDARY_MESSAGES:
            report.error(number, table.label(need_column[rank]), _SECONDARY_MESSAGES[problem])
    if len(report.errors) > before:
        return None
    return PupilRow(
        row=number,
        upn=values["upn"],
        surname=raw["surname"],
        forename=raw["forename"],
        date_of_birth=values["date_of_birth"],
        year_group=values["year_group"],
        sen=sen,
        needs={1: primary, 2: secondary},
        pupil_premium=values["pupil_premium"],
        looked_after=values["looked_after"],
        on_roll_date=entry,
        left_date=leaving,
        in_unit=values["unit_pupil"],
    )


class _Register:
    """The school's pupils, open statuses and open needs, loaded in three queries."""

    def __init__(self, school: School):
        pupils = list(Pupil.objects.for_school(school))
        self.by_upn = {p.upn: p for p in pupils if p.upn}
        self.by_name: dict[tuple, list[Pupil]] = {}
        for p in pupils:
            key = (p.surname.lower(), p.forename.lower(), p.date_of_birth)
            self.by_name.setdefault(key, []).append(p)
        self.status = {
            s.pupil_id: s for s in SenStatus.objects.for_school(school).filter(end_date=None)
        }
        self.needs = {
            (n.pupil_id, n.rank): n
            for n in Need.objects.for_school(school).filter(end_date=None, rank__in=[1, 2])
        }

    def match(self, row: PupilRow) -> list[Pupil]:
        if row.upn and row.upn in self.by_upn:
            return [self.by_upn[row.upn]]
        return [p for p in self.by_name.get(row.name_key, []) if not p.upn or not row.upn]


FIELDS = (
    "upn",
    "surname",
    "forename",
    "date_of_birth",
    "year_group",
    "pupil_premium",
    "looked_after",
    "on_roll_date",
    "left_date",
    "in_unit",
)
# A blank cell (or no such column) never erases what the school already holds.
KEPT_WHEN_BLANK = {"upn", "on_roll_date", "left_date", "in_unit"}


def _field_changes(pupil: Pupil, row: PupilRow) -> dict:
    changes = {}
    for name in FIELDS:
        new = getattr(row, name)
        if name in KEPT_WHEN_BLANK and (new is None or new == ""):
            continue
        if getattr(pupil, name) != new:
            changes[name] = new
    return changes


_LABELS = {"on_roll_date": "entry date", "left_date": "leaving date", "in_unit": "unit pupil"}


def _shown(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:%d/%m/%Y}" if isinstance(value, dt.date) else str(value)


def _check_roll_dates(pupil: Pupil, row: PupilRow, fields: dict, table, report) -> bool:
    """The dates a pupil will have after the import keep leaving on or after joining."""
    joined = fields.get("on_roll_date", pupil.on_roll_date)
    left = fields.get("left_date", pupil.left_date)
    if joined is None or left is None or left >= joined:
        return True
    if "left_date" in fields:
        column, message = "leaving_date", f"is before the entry date {joined:%d/%m/%Y}"
    else:
        column, message = "entry_date", f"is after the leaving date {left:%d/%m/%Y}"
    report.error(row.row, table.label(column), f"{message} recorded for {pupil.full_name}.")
    return False


class _Writes:
    """Everything a file changes, written in bulk at the end: new pupils, changed pupil fields
    (one UPDATE per set of changed columns) and one SEN-history plan for every pupil."""

    def __init__(self, school: School, on: dt.date):
        self.school, self.on = school, on
        self.new: list[PupilRow] = []
        self.fields: dict[tuple[str, ...], list[Pupil]] = {}
        self.history = sen_history.HistoryPlan()

    def change_fields(self, pupil: Pupil, fields: dict) -> None:
        self.fields.setdefault(tuple(sorted(fields)), []).append(Pupil(pk=pupil.pk, **fields))

    def write(self) -> None:
        for names, changed in self.fields.items():
            Pupil.objects.bulk_update(changed, list(names), batch_size=1000)
        if self.new:
            self._create_new()
        sen_history.apply(self.history)

    def _create_new(self) -> None:
        """Add new pupils with one COPY; their needs and statuses join the history plan."""
        school, on = self.school, self.on
        ids = copy_rows(
            Pupil,
            [
                {
                    "school_id": school.pk,
                    "upn": row.upn,
                    "surname": row.surname,
                    "forename": row.forename,
                    "date_of_birth": row.date_of_birth,
                    "year_group": row.year_group,
                    "pupil_premium": row.pupil_premium,
                    "looked_after": row.looked_after,
                    "on_roll_date": row.on_roll_date,
                    "left_date": row.left_date,
                    "in_unit": bool(row.in_unit),
                }
                for row in self.new
            ],
        )
        history = self.history
        for pupil_id, row in zip(ids, self.new, strict=True):
            for rank, code in row.needs.items():
                if code:
                    history.open_need(
                        school_id=school.pk, pupil_id=pupil_id, code=code, rank=rank, start_date=on
                    )
            history.open_status(school_id=school.pk, pupil_id=pupil_id, code=row.sen, start_date=on)


def _plan_new(row: PupilRow, writes: _Writes, report: Report) -> None:
    writes.new.append(row)
    needs = ", ".join(c for c in row.needs.values() if c)
    report.create(row.row, f"pupil {row.name} ({row.sen}{': ' + needs if needs else ''})", None)


def _plan_existing(
    writes: _Writes, pupil: Pupil, row: PupilRow, reg: _Register, on: dt.date, table, report
) -> None:
    fields = _field_changes(pupil, row)
    if not _check_roll_dates(pupil, row, fields, table, report):
        return
    status = reg.status.get(pupil.pk)
    current_code = status.code if status else SenProvision.NO_SEN
    status_change = row.sen != current_code
    need_changes = {}
    for rank, code in row.needs.items():
        open_need = reg.needs.get((pupil.pk, rank))
        if (open_need.code if open_need else "") != code:
            need_changes[rank] = (open_need, code)
    if not (fields or status_change or need_changes):
        report.unchanged += 1
        return
    plan = sen_history.HistoryPlan()
    school_id = writes.school.pk
    try:
        if status_change:
            plan.change_status(
                school_id=school_id,
                pupil_id=pupil.pk,
                current=status,
                code=row.sen,
                start_date=on,
                same_day="correct",
            )
        for rank, (open_need, code) in need_changes.items():
            plan.change_need(
                school_id=school_id,
                pupil_id=pupil.pk,
                current=open_need,
                code=code,
                rank=rank,
                start_date=on,
                same_day="correct",
            )
    except sen_history.TooEarly as exc:
        record = exc.record
        column = (
            "sen_provision"
            if isinstance(record, SenStatus)
            else ("primary_need" if record.rank == 1 else "secondary_need")
        )
        report.error(
            row.row,
            table.label(column),
            f"the current record started on {record.start_date:%d/%m/%Y}, after the "
            f"effective date {on:%d/%m/%Y}: import with a later date.",
        )
        return
    if fields:
        writes.change_fields(pupil, fields)
    writes.history.extend(plan)
    parts = [
        f"{_LABELS.get(name, name.replace('_', ' '))} → {_shown(value)}"
        for name, value in fields.items()
    ]
    if status_change:
        parts.append(f"SEN status {current_code} → {row.sen}")
    for rank, (open_need, code) in need_changes.items():
        label = "primary need" if rank == 1 else "secondary need"
        parts.append(f"{label} {open_need.code if open_need else 'none'} → {code or 'none'}")
    report.update(row.row, f"{pupil.full_name}: {'; '.join(parts)}", None)


def import_pupils(
    *, school: School, data: bytes, on: dt.date | None = None, dry_run: bool = False
) -> Report:
    """Validate every row of a pupil CSV; unless `dry_run`, write all of it or nothing."""
    on = on or dt.date.today()
    report = Report("pupils")
    try:
        table = read_table(decode_text(data), aliases=ALIASES, required=REQUIRED)
    except FileError as exc:
        report.file_error = str(exc)
        return report
    if table.ignored:
        report.notes.append(f"Columns ignored: {', '.join(table.ignored)}.")
    rows = [
        _parse_row(table, n, raw, report, on, school)
        for n, raw in counted(table.rows, "Checking rows")
    ]
    reg = _Register(school)
    seen: dict[object, int] = {}
    writes = _Writes(school, on)
    for row in rows:
        if row is None:
            continue
        key = row.upn or row.name_key
        if key in seen:
            column = "upn" if row.upn else "surname"
            report.error(row.row, table.label(column), f"repeats the pupil on row {seen[key]}.")
            continue
        seen[key] = row.row
        matches = reg.match(row)
        if len(matches) > 1:
            report.error(
                row.row,
                table.label("upn"),
                f"{len(matches)} pupils are called {row.name} with this date of birth: "
                "add their UPN to tell them apart.",
            )
        elif matches:
            _plan_existing(writes, matches[0], row, reg, on, table, report)
        else:
            _plan_new(row, writes, report)
    if report.has_changes:
        report.writes.append(writes.write)
    if not dry_run:
        report.apply()
    return report
