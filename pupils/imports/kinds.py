"""The pupil imports the pages offer (registered with the shared framework's kinds)."""

from __future__ import annotations

from pupils.imports import outcomes, provision, pupils, staff_rates
from pupils.imports.ctf import import_ctf
from sendfund.lib.imports.kinds import KINDS, ImportKind, register
from sendfund.lib.imports.kinds import columns as _columns

__all__ = ["KINDS", "PUPIL_KINDS", "ImportKind"]


PUPIL_KINDS = {
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
register(*PUPIL_KINDS.values())
