"""The imports the pages offer, who may run each, and how each is run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from pupils.imports import outcomes, provision, pupils, staff_rates
from pupils.imports.ctf import import_ctf
from pupils.imports.report import Report
from sendfund.schools.roles import role_can


@dataclass(frozen=True)
class ImportKind:
    key: str
    title: str
    summary: str
    file_label: str
    extension: str
    run: Callable[..., Report]
    columns: tuple[tuple[str, str], ...] = ()  # (column, accepted aliases)
    required: tuple[str, ...] = ()
    has_date: bool = True
    date_help: str = "Changed SEN statuses and needs start on this date. Leave empty for today."
    can_create_pupils: bool = False
    # An import is an edit: the role must also hold the capability that edits the same records.
    edit_capability: str = "pupils.edit"

    def allowed(self, request) -> bool:
        return role_can(request.role, self.edit_capability, school=request.school)

    def execute(self, *, school, data: bytes, options: dict, dry_run: bool) -> Report:
        kwargs = dict(options)
        if "on" in kwargs:
            kwargs["on"] = dt.date.fromisoformat(kwargs["on"])
        return self.run(school=school, data=data, dry_run=dry_run, **kwargs)


def _columns(aliases: dict[str, tuple[str, ...]]) -> tuple[tuple[str, str], ...]:
    return tuple((c, ", ".join(f"“{a}”" for a in names)) for c, names in aliases.items())


KINDS = {
    "pupils": ImportKind(
        key="pupils",
        title="Pupils, SEN status and needs",
        summary="A CSV export of the register from your MIS. Pupils are matched on UPN, else on "
        "name and date of birth; a changed status or need closes the old record.",
        file_label="Pupil register CSV",
        extension=".csv",
        run=pupils.import_pupils,
        columns=_columns(pupils.ALIASES),
        required=pupils.REQUIRED,
    ),
    "provision": ImportKind(
        key="provision",
        title="Costed provision map",
        summary="One row per pupil per provision. New provisions and staff roles are added to "
        "the catalogue; existing rates are never overwritten.",
        file_label="Provision map CSV",
        extension=".csv",
        run=provision.import_provision,
        edit_capability="provision.edit",
        date_help="Rows without a status are in place if they start by this date, else planned.",
        columns=_columns(provision.ALIASES),
        required=provision.REQUIRED,
    ),
    "staff_rates": ImportKind(
        key="staff_rates",
        title="Staff hourly rates",
        summary="One row per staff role per academic year (2026 or 2026/27) with the actual and "
        "the LA standard hourly rate. New roles are added; changed rates are updated.",
        file_label="Staff rates CSV",
        extension=".csv",
        run=staff_rates.import_staff_rates,
        columns=_columns(staff_rates.ALIASES),
        required=staff_rates.REQUIRED,
        has_date=False,
        edit_capability="provision.edit",
    ),
    "outcomes": ImportKind(
        key="outcomes",
        title="Intervention entry and exit measures",
        summary="One row per measured provision row: the pupil's UPN, the provision, the "
        "measure and its entry (and exit) score and date. A measure is added or updated.",
        file_label="Intervention outcomes CSV",
        extension=".csv",
        run=outcomes.import_outcomes,
        columns=_columns(outcomes.ALIASES),
        required=outcomes.REQUIRED,
        has_date=False,
        edit_capability="provision.edit",
    ),
    "ctf": ImportKind(
        key="ctf",
        title="Common Transfer File (CTF)",
        summary="The XML file a pupil's previous school sends. Its SEN history and needs are "
        "added to the pupil's record; files with DTDs or entities are refused.",
        file_label="CTF XML file",
        extension=".xml",
        run=import_ctf,
        can_create_pupils=True,
        date_help="Pupils added from the file join the roll on this date. Leave empty for today.",
    ),
}
