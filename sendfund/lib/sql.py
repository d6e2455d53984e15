"""Database expressions for PostgreSQL (the only database sendfund runs on)."""

import re
from collections.abc import Callable, Sequence

from django.db.backends.signals import connection_created
from django.db.models import DateField, F, Func, IntegerField, Value
from django.db.models.functions import Coalesce, Greatest, Least


class DaysBetween(Func):
    """Whole days from `start` to `end` (end - start): PostgreSQL subtracts dates natively."""

    output_field = IntegerField()
    arity = 2
    template = "(%(expressions)s)"
    arg_joiner = " - "

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)


def overlap_days(start_field: str, end_field: str, period_start, period_end):
    """Days a row's [start, end] (end may be null: still running) shares with a period."""
    start = Greatest(F(start_field), Value(period_start, output_field=DateField()))
    end = Least(
        Coalesce(F(end_field), Value(period_end, output_field=DateField())),
        Value(period_end, output_field=DateField()),
    )
    return Greatest(DaysBetween(end, start) + 1, Value(0))


# --- Rows read by hand-written SQL, made into the ORM's own instances ---------------------
# For the few lookups every request makes (the session's user, the user's schools), the ORM's
# query building costs far more than the query: these helpers let such a lookup be written as
# SQL once and still return ordinary model instances (Model.from_db, each field's own
# conversion from the database), so the rest of the code cannot tell the difference.


def model_columns(model, alias: str) -> str:
    """`alias."col", ...` for every concrete field of `model`, in field order."""
    return ", ".join(f'{alias}."{field.column}"' for field in model._meta.concrete_fields)


def model_from_row(model, row, offset: int = 0):
    """The instance of `model` whose columns (model_columns order) start at row[offset], or
    None when its primary key is NULL (a LEFT JOIN that matched nothing)."""
    from django.db import DEFAULT_DB_ALIAS, connection

    fields = model._meta.concrete_fields
    values = list(row[offset : offset + len(fields)])
    pk_index = fields.index(model._meta.pk)
    if values[pk_index] is None:
        return None
    for i, field in enumerate(fields):
        convert = getattr(field, "from_db_value", None)
        if convert is not None and values[i] is not None:
            values[i] = convert(values[i], None, connection)
    return model.from_db(DEFAULT_DB_ALIAS, [f.attname for f in fields], values)


_BY_PK: dict = {}


def fetch_instance(model, pk):
    """`model.objects.filter(pk=pk).first()` (no default ordering) in one prepared SELECT."""
    from django.db import connection

    statement = _BY_PK.get(model)
    if statement is None:
        table = connection.ops.quote_name(model._meta.db_table)
        pk_column = connection.ops.quote_name(model._meta.pk.column)
        sql = f"SELECT {model_columns(model, 't')} FROM {table} t WHERE t.{pk_column} = $1"  # noqa: S608
        statement = _BY_PK[model] = Prepared(f"{model._meta.db_table}_by_pk", lambda: sql)
    rows = statement.fetch([pk])
    return model_from_row(model, rows[0]) if rows else None


# --- Statements planned once per connection -----------------------------------------------
# PostgreSQL spends longer planning a small lookup (0.1 to 0.3 ms for a join or a table with
# several indexes) than running it. A statement every request sends is PREPAREd on each
# connection the first time it is used and then EXECUTEd, so after a few runs PostgreSQL keeps
# its plan (docs: "PREPARE"). SENDFUND_PREPARED_STATEMENTS=0 sends the plain statement instead,
# for a connection pooler in transaction mode (PgBouncer), where the next transaction may run
# on another server connection.

_PREPARED_ON = "_sendfund_prepared"


def _forget_prepared(sender, connection, **kwargs) -> None:
    setattr(connection, _PREPARED_ON, set())


class Prepared:
    """One statement, written with $1, $2 ... placeholders, planned once per connection."""

    def __init__(self, name: str, sql: Callable[[], str]) -> None:
        self.name = f"sendfund_{name}"
        self._build = sql
        self._sql: str | None = None

    @property
    def sql(self) -> str:
        if self._sql is None:
            self._sql = self._build()  # built on first use: models are ready by then
        return self._sql

    def fetch(self, params: Sequence) -> list[tuple]:
        from django.conf import settings
        from django.db import connection

        with connection.cursor() as cursor:
            if not getattr(settings, "SENDFUND_PREPARED_STATEMENTS", True):
                numbers = [int(n) for n in re.findall(r"\$(\d+)", self.sql)]
                cursor.execute(re.sub(r"\$\d+", "%s", self.sql), [params[n - 1] for n in numbers])
                return cursor.fetchall()
            prepared = getattr(connection, _PREPARED_ON, None)
            if prepared is None:
                prepared = set()
                setattr(connection, _PREPARED_ON, prepared)
            if self.name not in prepared:
                cursor.execute(f"PREPARE {self.name} AS {self.sql}")
                prepared.add(self.name)
            placeholders = ", ".join(["%s"] * len(params))
            cursor.execute(f"EXECUTE {self.name}({placeholders})", list(params))
            return cursor.fetchall()


connection_created.connect(_forget_prepared, dispatch_uid="sendfund_forget_prepared")
