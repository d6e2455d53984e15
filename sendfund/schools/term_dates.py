"""Term dates: reading a CSV of blocks, and adding, removing and replacing a school's blocks.

CSV columns (any order and case): start_date, end_date, kind. `kind` is `open` (a block of term
time: its weekdays less bank holidays are school days; the default when empty) or `closed`
(INSET or closure days inside a block). Dates as YYYY-MM-DD or DD/MM/YYYY. A block lies inside
one academic year (1 September to 31 August).

Importing is all or nothing: every row is checked first and one bad row means nothing is
written; errors name the row (header = row 1) and the column. For each academic year in the
file the year's blocks become exactly the file's, so importing the same file again changes
nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.db import transaction

from sendfund.lib.dates import check_date
from sendfund.lib.periods import academic_year, academic_year_label, academic_year_start
from sendfund.schools.calendar import calendar_year_refresh
from sendfund.schools.models import School, TermBlock

COLUMNS = ("start_date", "end_date", "kind")
KINDS = {"open": TermBlock.Kind.OPEN, "": TermBlock.Kind.OPEN, "closed": TermBlock.Kind.CLOSED}


class TermDatesError(ValueError):
    """The file cannot be imported; `errors` lists every problem found."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


def parse_date(value: str) -> dt.date:
    """A date as a term dates file writes it, within the bound every import applies
    (sendfund.lib.dates): 0001-01-01 had the academic year's arithmetic fail (year 0)."""
    value = value.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            date = dt.datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a date, no time
        except ValueError:
            continue
        return check_date(date, repr(value))
    raise ValueError(f"{value!r} is not a date: use YYYY-MM-DD or DD/MM/YYYY")


@dataclass(frozen=True)
class BlockRow:
    row: int
    start_date: dt.date
    end_date: dt.date
    kind: str

    @property
    def year(self) -> int:
        return academic_year_start(self.start_date)


def read_blocks(data: bytes | str) -> list[BlockRow]:
    """Every row checked; raises TermDatesError naming each bad row and column."""
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.lstrip("\ufeff")
    except UnicodeDecodeError:
        raise TermDatesError(["The file is not UTF-8 text: save it as CSV (UTF-8)."]) from None
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower().replace(" ", "_") for h in next(reader)]
    except StopIteration:
        raise TermDatesError(["The file is empty: it needs a header row."]) from None
    missing = [c for c in ("start_date", "end_date") if c not in header]
    if missing:
        raise TermDatesError([f"Row 1: missing column {', '.join(missing)}."])
    out, errors = [], []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        row = dict(zip(header, cells, strict=False))
        values, bad = {}, False
        for column in ("start_date", "end_date"):
            try:
                values[column] = parse_date(row.get(column, ""))
            except ValueError as exc:
                errors.append(f"Row {number}, column {column}: {exc}.")
                bad = True
        kind = row.get("kind", "").strip().lower()
        if kind not in KINDS:
            errors.append(f"Row {number}, column kind: {kind!r} is not open or closed.")
            bad = True
        if bad:
            continue
        start, end = values["start_date"], values["end_date"]
        if end < start:
            errors.append(f"Row {number}, column end_date: ends before it starts.")
            continue
        if end > academic_year(academic_year_start(start)).end:
            errors.append(
                f"Row {number}, column end_date: a block must end by 31 August of the academic "
                "year it starts in."
            )
            continue
        out.append(BlockRow(number, start, end, KINDS[kind]))
    seen: dict[tuple, int] = {}
    for b in out:
        key = (b.start_date, b.end_date, b.kind)
        if key in seen:
            errors.append(f"Row {b.row}: the same block as row {seen[key]}.")
        seen.setdefault(key, b.row)
    if errors:
        raise TermDatesError(errors)
    if not out:
        raise TermDatesError(["The file has no blocks."])
    return out


@dataclass
class ImportResult:
    created: int = 0
    removed: int = 0
    unchanged: int = 0
    years: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.created} created, {self.removed} removed, {self.unchanged} unchanged "
            f"({', '.join(self.years)})."
        )


@transaction.atomic
def term_dates_import(*, school: School, rows: list[BlockRow], dry_run: bool = False):
    """Make each academic year in `rows` have exactly the file's blocks (then its school days
    are rewritten). With dry_run nothing is written; the counts are what would change."""
    result = ImportResult()
    years = sorted({r.year for r in rows})
    result.years = [academic_year_label(y) for y in years]
    for year in years:
        wanted = {(r.start_date, r.end_date, r.kind) for r in rows if r.year == year}
        existing = {
            (b.start_date, b.end_date, b.kind): b
            for b in TermBlock.objects.for_school(school).filter(academic_year=year)
        }
        stale = [b.pk for key, b in existing.items() if key not in wanted]
        new = [key for key in wanted if key not in existing]
        result.created += len(new)
        result.removed += len(stale)
        result.unchanged += len(wanted) - len(new)
        if dry_run or not (stale or new):
            continue
        TermBlock.objects.filter(pk__in=stale).delete()
        TermBlock.objects.bulk_create(
            TermBlock(school=school, academic_year=year, start_date=s, end_date=e, kind=k)
            for s, e, k in sorted(new)
        )
        calendar_year_refresh(school=school, year=year)
    if not dry_run:
        from pupils import summaries

        summaries.settle([school.pk])  # the summaries current before the import commits
    return result


@transaction.atomic
def term_block_add(*, school: School, start_date: dt.date, end_date: dt.date, kind: str):
    if end_date < start_date:
        raise ValueError("The block ends before it starts.")
    year = academic_year_start(start_date)
    if end_date > academic_year(year).end:
        raise ValueError("A block must end by 31 August of the academic year it starts in.")
    block, _ = TermBlock.objects.get_or_create(
        school=school,
        start_date=start_date,
        end_date=end_date,
        kind=kind,
        defaults={"academic_year": year},
    )
    calendar_year_refresh(school=school, year=year)
    return block


@transaction.atomic
def term_block_delete(*, school: School, block: TermBlock) -> None:
    if block.school_id != school.pk:
        raise ValueError("That block belongs to another school.")
    block.delete()
    calendar_year_refresh(school=school, year=block.academic_year)
