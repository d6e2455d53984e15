"""Values as COPY's text format writes them (sendfund.lib.imports.copy._text): each common type
looked up by its exact type, anything else (a subclass) by the general rules, with the same
text either way; and what PostgreSQL reads back is the value written."""

import datetime as dt
import io
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.utils.safestring import mark_safe

from pupils.models import AssignmentStatus
from sendfund.lib.imports.copy import _any_text, _text

EXPECTED = [
    (None, r"\N"),
    (True, "t"),
    (False, "f"),
    (0, "0"),
    (-42, "-42"),
    (Decimal("18.50"), "18.50"),
    (uuid.UUID("12345678-1234-5678-1234-567812345678"), "12345678-1234-5678-1234-567812345678"),
    (dt.date(2026, 12, 3), "2026-12-03"),
    (dt.datetime(2026, 12, 3, 17, 5, tzinfo=dt.UTC), "2026-12-03T17:05:00+00:00"),
    ("O'Brien", "O'Brien"),
    ("", ""),
    ("tab\there", "tab\\there"),
    ("two\nlines\r", "two\\nlines\\r"),
    ("back\\slash", "back\\\\slash"),
]


@pytest.mark.parametrize(("value", "text"), EXPECTED)
def test_each_common_type_is_written_as_before(value, text):
    assert _text(value) == text
    if value is not None:
        assert _any_text(value) == text  # the general rules agree


def test_subclasses_take_the_general_rules():
    assert _text(AssignmentStatus.IN_PLACE) == "in_place"  # a choices member
    assert _text(mark_safe("a\tb")) == "a\\tb"  # a str subclass
    assert _text(5.5) == "5.5"  # no rule of its own: its text


@pytest.mark.django_db
def test_postgresql_reads_back_what_was_written():
    values = [v for v, _ in EXPECTED if isinstance(v, str)]
    line = "\t".join(_text(v) for v in values) + "\n"
    with connection.cursor() as cursor:
        columns = ", ".join(f"c{i} text" for i in range(len(values)))
        cursor.execute(f"CREATE TEMPORARY TABLE copy_probe ({columns})")
        cursor.copy_expert("COPY copy_probe FROM STDIN", io.StringIO(line))
        cursor.execute("SELECT * FROM copy_probe")
        assert list(cursor.fetchone()) == values
