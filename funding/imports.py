"""The funding import: funding sources and pupil top-ups from a CSV, on the shared import
framework (sendfund/lib/imports), with the same upload, preview, report and confirm pages as
the pupil imports (/pupils/imports/funding/) and the `import_funding` command.

Every row is checked first and every row's errors are reported (row and column); the file is
written only when no row has one, in one transaction (`funding.services.funding_import`, the
write, planned here). A row is the same record again when type, description, dates and pupil
match, so importing a file twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from funding.forms import band_amount_for
from funding.models import FundingSource, FundingStatus, FundingType, TopUpBand, TopUpScheme
from funding.services import funding_changes, funding_held, funding_import, funding_key
from pupils.imports.report import Report  # settles the summaries before it commits
from pupils.models import Pupil
from sendfund.lib.imports.kinds import ImportKind, columns, register
from sendfund.lib.imports.parsers import (
    CellError,
    FileError,
    Table,
    decode_text,
    parse_date,
    read_table,
)
from sendfund.lib.money import parse_amount
from sendfund.lib.periods import Period, academic_year_start
from sendfund.schools.models import School

ALIASES: dict[str, tuple[str, ...]] = {
    "type": ("funding type", "source type"),
    "description": ("name", "funding description"),
    "amount": ("amount £", "value", "annual amount"),
    "period_start": ("start", "start date", "from", "period start date"),
    "period_end": ("end", "end date", "to", "period end date"),
    "status": ("funding status",),
    "upn": ("pupil upn", "unique pupil number"),
    "band": ("top up band", "top-up band", "banding"),
    "reference": ("ref", "la reference"),
}
REQUIRED = ("type", "description", "period_start", "period_end", "status")
HEADER_REQUIRED = (*REQUIRED, "amount")  # the column is needed; a top-up's cell may be blank
TEMPLATE_HEADER = list(ALIASES)
TEMPLATE_ROWS = [
    ["Notional SEN budget", "Notional SEN 2026-27", "42000.00", "2026-04-01", "2027-03-31",
     "confirmed", "", "", ""],
    ["Top-up", "Element 3 top-up", "", "01/09/2026", "31/08/2027", "received", "A123456789012",
     "Band 2", "LA-1234"],
    ["LA grant", "Inclusion grant", "1500", "2026-09-01", "2027-08-31", "expected", "", "", ""],
]  # fmt: skip


def _words(text: str) -> str:
    """Lower case, every run of punctuation or spaces as one space: "Element 3 top-up" and
    "element_3 top up" read the same."""
    return " ".join(re.sub(r"[^a-z0-9£]+", " ", text.lower()).split())


# The words schools write for each type and status, besides its code and its label.
TYPE_WORDS = {
    FundingType.NOTIONAL_SEN: (
        "notional sen budget",
        "notional sen",
        "notional send budget",
        "notional send",
        "notional budget",
        "element 2",
        "e2",
        "sen budget",
    ),
    FundingType.TOP_UP: (
        "top up",
        "topup",
        "top ups",
        "element 3",
        "e3",
        "element 3 top up",
        "high needs top up",
        "top up funding",
        "ehcp top up",
    ),
    FundingType.PLACE: (
        "place funding",
        "place",
        "places",
        "place funding element 1 and 2",
        "high needs place funding",
        "special school place funding",
        "resourced provision place funding",
        "unit place funding",
    ),
    FundingType.PUPIL_PREMIUM: (
        "pupil premium",
        "pp",
        "ppg",
        "pupil premium grant",
        "pupil premium share",
    ),
    FundingType.DAF: ("disability access fund", "daf"),
    FundingType.LA_GRANT: ("la grant", "local authority grant", "council grant", "la funding"),
    FundingType.TRUST_FUND: ("trust fund", "trust", "trust funding", "central trust fund"),
    FundingType.OTHER_GRANT: ("other grant", "grant", "other", "charity grant"),
}
STATUS_WORDS = {
    FundingStatus.EXPECTED: ("expected", "estimated", "estimate", "forecast", "applied for"),
    FundingStatus.CONFIRMED: ("confirmed", "agreed", "approved", "allocated"),
    FundingStatus.RECEIVED: ("received", "paid", "in the bank"),
}


def _choice(value: str, choices, words: dict) -> str:
    """A code, its label or one of the usual words for it, in any case."""
    wanted = _words(value)
    for key, label in choices:
        if wanted in (_words(key), _words(label), *words.get(key, ())):
            return key
    examples = "; ".join(f"{label} ({key})" for key, label in choices)
    raise ValueError(f"{value!r} is not one of: {examples}")


class _Bands:
    """Top-up bands by name and academic year, each looked up once per file."""

    def __init__(self, school: School):
        self.school = school
        self.found: dict[tuple[str, int], TopUpBand | None] = {}

    def get(self, name: str, start: dt.date) -> TopUpBand:
        """The band of that name in the latest scheme (school's own or its LA's shared one)
        that started on or before the top-up's academic year."""
        year = academic_year_start(start)
        key = (name.strip().lower(), year)
        if key not in self.found:
            schemes = TopUpScheme.objects.for_school(self.school).filter(year__lte=year)
            self.found[key] = (
                TopUpBand.objects.filter(scheme__in=schemes, name__iexact=name.strip())
                .order_by("-scheme__year", "-scheme__school")
                .first()
            )
        band = self.found[key]
        if band is None:
            raise ValueError(
                f"no band called {name!r} in a top-up scheme for {self.school.local_authority}"
            )
        return band


def _amount(value: str) -> Decimal | None:
    return parse_amount(value) if value else None


def _date(value: str) -> dt.date:
    try:
        return parse_date(value)
    except CellError as exc:
        raise ValueError(str(exc)) from None


def read_funding_rows(text: str, *, school: School, report: Report) -> list[tuple[int, dict]]:
    """Check every row into `report` (a file error, or each row's errors by row and column);
    the rows as (spreadsheet row, values) when there are none."""
    if "\x00" in text:
        report.file_error = "The file contains NUL characters: save it as CSV (UTF-8)."
        return []
    try:
        table = read_table(text, aliases=ALIASES, required=HEADER_REQUIRED)
    except FileError as exc:
        report.file_error = str(exc)
        return []
    if table.ignored:
        report.notes.append(f"Columns ignored: {', '.join(table.ignored)}.")
    pupils = dict(Pupil.objects.for_school(school).exclude(upn="").values_list("upn", "pk"))
    bands = _Bands(school)
    rows = []
    for number, data in table.rows:
        before = len(report.errors)
        missing = [c for c in REQUIRED if not data.get(c)]
        for column in missing:
            report.error(number, table.label(column), "required")
        if missing:
            continue
        row: dict = {}
        for column, parse in (
            ("type", lambda v: _choice(v, FundingType.choices, TYPE_WORDS)),
            ("status", lambda v: _choice(v, FundingStatus.choices, STATUS_WORDS)),
            ("period_start", _date),
            ("period_end", _date),
            ("amount", _amount),
        ):
            try:
                row[column] = parse(data.get(column, ""))
            except (ValueError, InvalidOperation) as exc:
                report.error(number, table.label(column), str(exc))
        row["description"] = data["description"][:200]
        row["reference"] = data.get("reference", "")[:100]
        if len(report.errors) == before:
            _check_row(row, data, number, table, report, pupils, bands)
        rows.append((number, row))
    return rows if report.ok else []


def _check_row(
    row: dict, data: dict, number: int, table: Table, report: Report, pupils: dict, bands: _Bands
) -> None:
    before = len(report.errors)

    def error(column: str, message: str) -> None:
        report.error(number, table.label(column), message)

    if row["period_end"] < row["period_start"]:
        error("period_end", "before period_start")
    if row["amount"] is not None and row["amount"] < 0:
        error("amount", "must be 0 or more")
    if row["amount"] is not None and row["amount"] != row["amount"].quantize(Decimal("0.01")):
        error("amount", "pounds and pence only")
    upn, band = data.get("upn", ""), data.get("band", "")
    row["pupil_id"], row["band"] = None, None
    if row["type"] != FundingType.TOP_UP:
        for column, value in (("upn", upn), ("band", band)):
            if value:
                error(column, "only for top-ups")
    else:
        if not upn:
            error("upn", "a top-up needs the pupil's UPN")
        elif upn.upper() not in pupils:
            error("upn", f"no pupil with UPN {upn} in this school")
        else:
            row["pupil_id"] = pupils[upn.upper()]
        if band:
            try:
                row["band"] = bands.get(band, row["period_start"])
            except ValueError as exc:
                error("band", str(exc))
    if row["amount"] is None:
        if row["band"] is None:
            error("amount", "required (or give a band)")
        elif len(report.errors) == before:
            period = Period(row["period_start"], row["period_end"])
            row["amount"] = band_amount_for(row["band"].annual_amount, period)


def _described(row: dict) -> str:
    what = FundingType(row["type"]).label
    text = (
        f"{what} “{row['description']}” {row['period_start']:%d/%m/%Y}–"
        f"{row['period_end']:%d/%m/%Y}: £{row['amount']:,.2f} "
        f"({FundingStatus(row['status']).label.lower()})"
    )
    return text + (f", band {row['band'].name}" if row["band"] is not None else "")


def import_funding(*, school: School, data: bytes, dry_run: bool = False, user=None) -> Report:
    """Validate every row of a funding CSV; unless `dry_run`, write all of it or nothing."""
    report = Report("funding")
    try:
        text = decode_text(data)
    except FileError as exc:
        report.file_error = str(exc)
        return report
    rows = read_funding_rows(text, school=school, report=report)
    if not report.ok:
        return report
    held = dict(funding_held(school))
    for number, row in rows:
        key = funding_key(row)
        existing = held.get(key)
        if existing is None:
            held[key] = FundingSource(school=school)  # a later row with this key updates it
            report.create(number, _described(row), None)
        elif existing.pk is None or funding_changes(existing, row):
            report.update(number, _described(row), None)
        else:
            report.unchanged += 1
    if report.has_changes:

        def write() -> None:
            funding_import(school=school, rows=[row for _n, row in rows], user=user)

        report.writes.append(write)
    if not dry_run:
        report.apply()
    return report


FUNDING = ImportKind(
    key="funding",
    title="Funding sources and top-ups",
    summary="One row per funding source: its type, description, amount and period, and its "
    "status; a top-up names the pupil's UPN and may name an LA band instead of an amount. "
    "Importing the same file again changes nothing.",
    file_label="Funding CSV",
    extension=".csv",
    run=import_funding,
    columns=columns(ALIASES),
    required=REQUIRED,
    has_date=False,
    edit_capability="funding.edit",
    records_user=True,
)
register(FUNDING)
