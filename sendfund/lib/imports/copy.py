"""Writing many new rows at once with PostgreSQL's COPY, from plain dicts.

An import of 10,000 rows writes its new records here rather than through `bulk_create`: no
model instance per row and no 40,000-parameter INSERT to build, send and parse. COPY fires
the table's triggers as an INSERT does (the audit trail's and the summaries' statement
triggers, with their transition tables; the audit trail's with the request's context, see
_NEW_IDS) and checks every constraint and foreign key.

Each row is a dict of attribute names (`pupil_id`, not `pupil`) to Python values; a field not
given takes its default (`auto_now`/`auto_now_add` fields the time of the write). Primary keys
are taken from the table's sequence first and returned, so later rows can point at them.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Field, Model
from django.utils import timezone


def _escaped(text: str) -> str:
    """Text as COPY's text format reads it: backslash, tab and line ends escaped."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        text = text.replace("\r", "\\r")
    return text


def _any_text(value: Any) -> str:
    """_text for a value of any other type (a subclass, e.g. a choices member)."""
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (int, Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return _escaped(str(value))


# The common types by their exact type: one dict lookup per value instead of a chain of
# isinstance checks (a 10,000-row import writes some 250,000 values).
_BY_TYPE: dict[type, Callable[[Any], str]] = {
    type(None): lambda value: r"\N",
    bool: lambda value: "t" if value else "f",
    int: str,
    Decimal: str,
    uuid.UUID: str,
    dt.date: dt.date.isoformat,
    dt.datetime: dt.datetime.isoformat,
    str: _escaped,
}


def _text(value: Any) -> str:
    """One value in COPY's text format."""
    convert = _BY_TYPE.get(type(value))
    return convert(value) if convert is not None else _any_text(value)


def _default(field: Field, now: dt.datetime) -> str | Callable[[], Any]:
    """A field's value for a row that does not give it: its COPY text when every row gets
    the same (worked out once), else a function that makes each row's (a new UUID)."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return _text(now)
    if field.has_default() and callable(field.default):
        return field.get_default
    return _text(field.get_default())  # the default, else "" (a blank text field) or None


# The audit trail's context (who, which request) reaches the triggers as settings pghistory
# sets for the transaction in front of each statement passed through Django's execute, except
# a SELECT. COPY does not pass through it, so a COPY that is the first write of its transaction
# would be recorded with no context: the query for the new keys starts with a statement that
# does nothing else, so that pghistory sets the context in front of it (in the same query;
# outside pghistory.context nothing is set, as for any write).
_NEW_IDS = (
    "SET LOCAL sendfund.copy_rows = 'on'; SELECT nextval(%s::regclass) FROM generate_series(1, %s)"
)
# Each table's sequence, looked up once per process. nextval() given the sequence as a
# constant took 4 ms for 10,000 keys; given pg_get_serial_sequence(...) on each row, 50-60 ms
# (about 0.15 s of a 10,000-row pupil import's three tables).
_SEQUENCES: dict[str, str] = {}


def _sequence(table: str, column: str) -> str:
    key = f"{table}.{column}"
    if key not in _SEQUENCES:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
            _SEQUENCES[key] = cursor.fetchone()[0]
    return _SEQUENCES[key]


def new_ids(model: type[Model], count: int) -> list[int]:
    """`count` primary keys from the model's table sequence, in one query (which also has
    pghistory set the audit context for the rest of the transaction, see _NEW_IDS)."""
    if not count:
        return []
    meta = model._meta
    assert meta.pk is not None
    sequence = _sequence(meta.db_table, meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(_NEW_IDS, [sequence, count])
        return [row[0] for row in cursor.fetchall()]


def copy_rows(model: type[Model], rows: Sequence[dict]) -> list[int]:
    """INSERT `rows` into the model's table with one COPY; their new primary keys, in order."""
    if not rows:
        return []
    meta = model._meta
    assert meta.pk is not None
    ids = new_ids(model, len(rows))
    now = timezone.now()
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    # Column by column: a field's default is worked out once when it is the same each row.
    columns = [[str(pk) for pk in ids]]
    for field in fields:
        name, default = field.attname, _default(field, now)
        if isinstance(default, str):
            columns.append([_text(row[name]) if name in row else default for row in rows])
        else:
            columns.append([_text(row[name] if name in row else default()) for row in rows])
    buffer = io.StringIO()
    buffer.writelines(f"{line}\n" for line in map("\t".join, zip(*columns, strict=True)))
    buffer.seek(0)
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in [meta.pk.column, *(f.column for f in fields)])
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {quote(meta.db_table)} ({names}) FROM STDIN", buffer)
    return ids
