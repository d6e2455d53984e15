"""The one CSV writer every export uses: cells a spreadsheet would run as a formula are quoted.

A spreadsheet runs a cell starting with `= + - @`, a tab or a carriage return as a formula (CSV
injection, OWASP), so a pupil called `=HYPERLINK(...)` could run code on the office PC that opens
the export. Text starting with one of those characters gets a leading `'`, which spreadsheets
show as text. Numbers are left alone, so a negative amount (a surplus) still sums: pass money
as `Decimal` (or `int`), never as text, and it is written as a number.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def neutralise(value: Any) -> Any:
    """The cell as written: text a spreadsheet would run gets a leading quote."""
    if value is None or isinstance(value, (bool, int, float, Decimal)):
        return value
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def is_safe(cell: str) -> bool:
    """True when a cell read back from a CSV cannot run as a formula: it does not start with a
    formula character, or it is a plain number (written from a Decimal or int)."""
    return not cell.startswith(FORMULA_STARTS) or bool(PLAIN_NUMBER.fullmatch(cell))


class SafeWriter:
    """`csv.writer` with every cell neutralised; returns what the file's `write` returns."""

    def __init__(self, file, **kwargs):
        self._writer = csv.writer(file, **kwargs)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([neutralise(c) for c in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(file, **kwargs) -> SafeWriter:
    """Use instead of `csv.writer` for anything a person may open in a spreadsheet."""
    return SafeWriter(file, **kwargs)
