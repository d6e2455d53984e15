"""The shared CSV writer: text a spreadsheet would run is quoted, numbers stay numbers."""

import io
from decimal import Decimal

import pytest

from sendfund.lib import csv as safe_csv


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+44 1392", "'+44 1392"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Smith", "Smith"),
        ("O'Neil = 1", "O'Neil = 1"),
        ("-12.50", "'-12.50"),  # text: money goes in as a Decimal
        (Decimal("-12.50"), Decimal("-12.50")),
        (-3, -3),
        (None, None),
    ],
)
def test_neutralise_quotes_formula_text_and_keeps_numbers(cell, written):
    assert safe_csv.neutralise(cell) == written


def test_the_writer_neutralises_every_cell_of_every_row():
    out = io.StringIO()
    writer = safe_csv.writer(out)
    writer.writerow(["=cmd()", Decimal("-1.00"), "ok"])
    writer.writerows([["@x", "+y"]])

    assert out.getvalue().splitlines() == ["'=cmd(),-1.00,ok", "'@x,'+y"]
