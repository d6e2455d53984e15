"""Cell parsers and the export's formula guard, checked on generated values."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pupils.imports.parsers import parse_upn
from sendfund.lib.csv import FORMULA_STARTS, neutralise
from sendfund.lib.imports.parsers import CellError, FileError, decode_text, parse_bool, parse_date

dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2099, 12, 31))


@given(dates)
def test_a_date_reads_the_same_in_iso_and_uk_forms(day):
    assert parse_date(day.isoformat()) == parse_date(f"{day:%d/%m/%Y}") == day


@given(st.text())
def test_an_exported_cell_never_starts_a_formula(value):
    assert not neutralise(value).startswith(FORMULA_STARTS)


@given(st.text())
def test_neutralising_only_ever_adds_one_leading_quote(value):
    out = neutralise(value)
    assert out in (value, f"'{value}")


@pytest.mark.parametrize("value", ["Y", "yes", "TRUE", "1", " y "])
def test_yes_words_are_true(value):
    assert parse_bool(value) is True


@pytest.mark.parametrize("value", ["N", "no", "False", "0", ""])
def test_no_words_and_blank_are_false(value):
    assert parse_bool(value) is False


@pytest.mark.parametrize("value", ["a123456789012", "A12345678901B", " A 123456789012 "])
def test_valid_upns_are_normalised_to_capitals(value):
    assert parse_upn(value) in ("A123456789012", "A12345678901B")


@pytest.mark.parametrize("value", ["123456789012A", "A1234567890", "AB23456789012", "A12345678901"])
def test_malformed_upns_are_rejected(value):
    with pytest.raises(CellError, match="not a UPN"):
        parse_upn(value)


def test_a_utf8_bom_is_dropped_and_utf16_is_refused_by_name():
    assert decode_text(b"\xef\xbb\xbfupn\n") == "upn\n"
    with pytest.raises(FileError, match="UTF-16"):
        decode_text("upn\n".encode("utf-16"))
