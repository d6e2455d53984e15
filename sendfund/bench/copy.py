"""Bulk loading for the benchmark: unsaved model instances written with PostgreSQL's COPY.

Primary keys are taken from each table's own sequence first, so rows can point at each other
before they are written. Values go through each field's own conversion (as a save would), then
COPY's text format. Triggers (the audit trail's) are switched off for the loading
transaction where the database user may do so: a generated trust is not anyone's history.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db import connection
from django.db.models import Model


def allocate_ids(model: type[Model], objs: Sequence[Model]) -> None:
    """Give each unsaved instance the next id of its table's sequence."""
    if not objs:
        return
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, pk, len(objs)],
        )
        for obj, (new_id,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = new_id


def _text(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (int, Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "{" + ",".join(f'"{item}"' for item in value) + "}"
    if hasattr(value, "dumps") and hasattr(value, "adapted"):  # psycopg2's Json adapter
        value = value.dumps(value.adapted)
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_models(model: type[Model], objs: Iterable[Model]) -> int:
    """COPY instances (with ids already set) into the model's table; returns rows written."""
    fields = list(model._meta.concrete_fields)
    buffer = io.StringIO()
    count = 0
    for obj in objs:
        values = [_text(f.get_db_prep_save(f.pre_save(obj, True), connection)) for f in fields]
        buffer.write("\t".join(values))
        buffer.write("\n")
        count += 1
    if not count:
        return 0
    buffer.seek(0)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN",
            buffer,
        )
    return count


def triggers_off() -> bool:
    """Inside a transaction: skip the (non-ALWAYS) triggers until it ends (superusers only)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        (superuser,) = cursor.fetchone()
        if superuser:
            cursor.execute("SET LOCAL session_replication_role = replica")
    return bool(superuser)
