"""Reading import files: text decoding, CSV headers with aliases, and the common cell values.

Plain functions with no database access, shared by every import (pupils/imports, funding).
Every value parser raises `CellError` with a message that the import reports against the row
and column it came from; `FileError` refuses the whole file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from sendfund.lib.dates import out_of_range, range_message
from sendfund.lib.money import parse_amount


class FileError(Exception):
    """The whole file is unusable (encoding, headers, not XML...)."""


class CellError(Exception):
    """One cell's value is invalid; the caller adds the row and column."""


class CellReader:
    """Reads a table's cells with their parsers, each distinct (column, text) parsed once: a
    file repeats most of its values from row to row (a rate, an area, a start date), and the
    cell parsers depend only on the text. A refused value is reported against every row that
    holds it, with the parser's own message. Give each column the same parser every time."""

    def __init__(self, table, report) -> None:
        self.table, self.report = table, report
        self._parsed: dict[tuple[str, str], tuple[bool, object]] = {}

    def __call__(self, number: int, raw: dict, column: str, parse: Callable[[str], object]):
        text = raw.get(column, "")
        found = self._parsed.get((column, text))
        if found is None:
            try:
                found = (True, parse(text))
            except CellError as exc:
                found = (False, str(exc))
            self._parsed[(column, text)] = found
        ok, value = found
        if ok:
            return value
        self.report.error(number, self.table.label(column), value)
        return None


UTF8_BOM = b"\xef\xbb\xbf"


def decode_text(data: bytes) -> str:
    """UTF-8 with or without a byte-order mark; anything else is refused with a clear message."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileError(
            "The file is saved as UTF-16 (Excel's 'Unicode text'). Save it as 'CSV UTF-8' and "
            "upload it again."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileError(
            f"The file is not UTF-8 text (byte {data[exc.start]:#04x} at position {exc.start}). "
            "Save it as 'CSV UTF-8 (comma delimited)' and upload it again."
        ) from exc
    if "\x00" in text:
        raise FileError("The file contains binary data: upload a CSV text file.")
    return text


def _normalise_header(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", name.strip().lower()).strip()


@dataclass
class Table:
    """A CSV file read against a column specification."""

    headers: dict[str, str]  # canonical column -> header as written in the file
    rows: list[tuple[int, dict[str, str]]]  # (spreadsheet row number, canonical -> raw value)
    ignored: list[str] = field(default_factory=list)

    def label(self, column: str) -> str:
        """How error messages name a column: canonical name, and the file's header if different."""
        written = self.headers.get(column, column)
        if _normalise_header(written) == _normalise_header(column):
            return column
        return f'{column} ("{written}")'


def read_table(
    text: str,
    *,
    aliases: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    max_rows: int = 20000,
) -> Table:
    """Read a CSV whose headers may be in any order and case and may use MIS aliases."""
    lookup: dict[str, str] = {}
    for canonical, names in aliases.items():
        for name in (canonical, *names):
            lookup[_normalise_header(name)] = canonical
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header_row = next(reader)
    except StopIteration:
        raise FileError(
            "The file is empty: it needs a header row and at least one pupil row."
        ) from None
    except csv.Error as exc:
        raise FileError(f"The file is not a readable CSV: {exc}.") from exc
    headers: dict[str, str] = {}
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for index, written in enumerate(header_row):
        found = lookup.get(_normalise_header(written))
        if found is None:
            if written.strip():
                ignored.append(written.strip())
            continue
        canonical = found
        if canonical in headers:
            raise FileError(
                f'Columns "{headers[canonical]}" and "{written}" both mean {canonical}: '
                "keep one of them."
            )
        headers[canonical] = written.strip()
        positions[canonical] = index
    missing = [c for c in required if c not in headers]
    if missing and len(header_row) == 1 and ";" in header_row[0]:
        raise FileError(
            "The file is separated by semicolons: save it as 'CSV UTF-8 (comma delimited)'."
        )
    if missing:
        raise FileError(
            f"Missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}. "
            "Download the template to see the expected headers."
        )
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for line in reader:
            if not any(cell.strip() for cell in line):
                continue
            row_number = reader.line_num  # the spreadsheet row (the header is row 1)
            rows.append(
                (
                    row_number,
                    {c: (line[i].strip() if i < len(line) else "") for c, i in positions.items()},
                )
            )
            if len(rows) > max_rows:
                raise FileError(f"The file has more than {max_rows:,} rows: split it up.")
    except csv.Error as exc:
        raise FileError(f"The CSV breaks at row {reader.line_num}: {exc}.") from exc
    if not rows:
        raise FileError("The file has a header row but no data rows.")
    return Table(headers=headers, rows=rows, ignored=ignored)


# --- cell values ---------------------------------------------------------------------------


def parse_date(value: str) -> dt.date:
    """YYYY-MM-DD (ISO, as CTFs and databases write it) or DD/MM/YYYY (as UK schools write it)."""
    # MIS exports often carry a midnight time ("10/12/2016 00:00:00", "2016-12-10T00:00:00").
    text = re.sub(r"[T ]\d{1,2}:\d{2}(:\d{2})?$", "", value.strip())
    for pattern, order in (
        (r"(\d{4})-(\d{1,2})-(\d{1,2})", "ymd"),
        (r"(\d{1,2})/(\d{1,2})/(\d{4})", "dmy"),
    ):
        match = re.fullmatch(pattern, text)
        if match:
            a, b, c = (int(g) for g in match.groups())
            year, month, day = (a, b, c) if order == "ymd" else (c, b, a)
            try:
                date = dt.date(year, month, day)
            except ValueError:
                break
            if out_of_range(date):
                raise CellError(f"{value!r}: {range_message()}")
            return date
    raise CellError(f"{value!r} is not a date: use YYYY-MM-DD or DD/MM/YYYY.")


def parse_optional_date(value: str) -> dt.date | None:
    return parse_date(value) if value.strip() else None


TRUE_WORDS = {"y", "yes", "true", "1", "t"}
FALSE_WORDS = {"n", "no", "false", "0", "f", ""}


def parse_bool(value: str) -> bool:
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(f"{value!r} is not yes or no: use Y/N, Yes/No, True/False or 1/0.")


def parse_decimal(value: str, *, minimum: Decimal = Decimal("0"), places: int = 2) -> Decimal:
    """A money, hours or rate cell: sendfund.lib.money.parse_amount's bounds (finite, below
    £100 million, `places` decimal places), checked before any arithmetic on the number."""
    try:
        return parse_amount(value, minimum=minimum, places=places)
    except ValueError as exc:
        raise CellError(str(exc)) from None


def parse_int(value: str, *, low: int, high: int) -> int:
    text = value.strip()
    if not re.fullmatch(r"\d+", text) or not low <= int(text) <= high:
        raise CellError(f"{value!r} must be a whole number from {low} to {high}.")
    return int(text)
