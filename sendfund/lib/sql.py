"""Database expressions for PostgreSQL (the only database sendfund runs on)."""

import contextlib
import datetime as dt
import functools
import re
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from django.db.backends.signals import connection_created
from django.db.models import DateField, F, Func, IntegerField, Lookup, Value
from django.db.models.functions import Coalesce, Greatest, Least


class DaysBetween(Func):
    """Whole days from `start` to `end` (end - start): PostgreSQL subtracts dates natively."""

    output_field = IntegerField()
    arity = 2
    template = "(%(expressions)s)"
    arg_joiner = " - "

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)


class AnyOf(Lookup):
    """`column = ANY(%s::bigint[])`, used as `Q(AnyOf(F("pk"), keys))`: a set of keys as one
    array parameter, applied where the column is read, through its index (unlike
    `IN (SELECT unnest(...))`, which PostgreSQL joins; see pupils.summaries._scope)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", (*params, sorted(self.rhs))


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

    width, pk_index, attnames, converters = _row_reader(model)
    values = row[offset : offset + width]
    if values[pk_index] is None:
        return None
    if converters:
        values = list(values)
        for i, convert in converters:
            if values[i] is not None:
                values[i] = convert(values[i], None, connection)
    return model.from_db(DEFAULT_DB_ALIAS, attnames, values)


@functools.cache
def _row_reader(model) -> tuple[int, int, list[str], list[tuple[int, Callable]]]:
    """What model_from_row needs of a model's fields, worked out once: how many columns, the
    primary key's place, the attribute names, and the fields converting from the database."""
    fields = model._meta.concrete_fields
    converters = [
        (i, field.from_db_value)
        for i, field in enumerate(fields)
        if getattr(field, "from_db_value", None) is not None
    ]
    return len(fields), fields.index(model._meta.pk), [f.attname for f in fields], converters


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
            with _read_only(connection) if self.reads else contextlib.nullcontext():
                cursor.execute(f"EXECUTE {self.name}({placeholders})", list(params))
            return cursor.fetchall()

    @property
    def reads(self) -> bool:
        """A plain SELECT (which writes nothing an audit trigger could record)."""
        return self.sql.lstrip()[:7].upper() == "SELECT "


# The audit trail (django-pghistory) puts its context in front of every statement a request
# sends other than a plain SELECT, which it recognises by its first word: "SELECT
# set_config('pghistory.context_id', ...), set_config(...); <statement>". An EXECUTE of a
# prepared SELECT got it too, a second statement for PostgreSQL and the context's JSON
# written again in Python, on each of the few lookups every page makes (about 0.1 ms each,
# issue #10). Only writes fire the audit triggers that read it, and the context stays set
# for the transaction's writes (pghistory sets it again in front of each).
_AUDIT_CONTEXT_MODULE = "pghistory.runtime"


@contextlib.contextmanager
def _read_only(connection):
    """The connection's execute wrappers without the audit trail's context, for one read."""
    wrappers = connection.execute_wrappers
    connection.execute_wrappers = [
        w for w in wrappers if getattr(w, "__module__", None) != _AUDIT_CONTEXT_MODULE
    ]
    try:
        yield
    finally:
        connection.execute_wrappers = wrappers


connection_created.connect(_forget_prepared, dispatch_uid="sendfund_forget_prepared")


# --- ORM queries compiled once per process -------------------------------------------------
# A page's small aggregates (counts for a panel, a school's totals) cost far more to build with
# the ORM (filters resolved, the aggregation planned, SQL compiled: about a millisecond each)
# than PostgreSQL takes to answer them. A CompiledQuery builds its query once, with stand-in
# values, keeps the SQL, and afterwards only swaps the real values into its parameters.


class _Captured(Exception):
    def __init__(self, sql: str, params: Sequence) -> None:
        super().__init__(sql)
        self.sql, self.params = sql, list(params or ())


def _capture(execute, sql, params, many, context):
    raise _Captured(sql, params)


def _refuse(execute, sql, params, many, context):
    # What a build reads (a school's day counts, say) would be compiled in for every school.
    raise ValueError("CompiledQuery: the build read the database; pass what it needs in.")


# Inside every integer column's range (a small integer's too): Django drops a comparison with a
# value out of the column's range from the SQL, which would leave no parameter to swap.
_INT_STAND_IN = 32_719
_DATE_STAND_IN = dt.date(1001, 1, 1)


_UUID_STAND_IN = 0x5E9DF04D << 96  # an unlikely prefix, then the value's index
_DECIMAL_FRACTION = Decimal("0.0137")  # an int stand-in with four decimal places


def _stand_in(index: int, value):
    if isinstance(value, uuid.UUID):
        return uuid.UUID(int=_UUID_STAND_IN + index)
    if isinstance(value, Decimal):
        return Decimal(_INT_STAND_IN - 997 * index) + _DECIMAL_FRACTION
    if isinstance(value, bool) or not isinstance(value, (int, dt.date)):
        raise TypeError(
            f"CompiledQuery values are ints, dates, Decimals and UUIDs, not {type(value).__name__}."
        )
    if isinstance(value, dt.datetime):
        raise TypeError("CompiledQuery values are ints, dates, Decimals and UUIDs, not datetimes.")
    if isinstance(value, int):
        if index > 30:
            raise ValueError("CompiledQuery takes at most 31 values.")
        return _INT_STAND_IN - 997 * index  # far apart: a value moved a little matches none
    return _DATE_STAND_IN + dt.timedelta(days=index)


def _near_stand_in(param) -> bool:
    """A value derived from a stand-in (a date moved by some days, an id plus one): a build
    that computes with its values in Python, which would bake the result into the SQL."""
    if isinstance(param, dt.date) and not isinstance(param, dt.datetime):
        return param.year < 1100
    if isinstance(param, int) and not isinstance(param, bool):
        return abs(param - _INT_STAND_IN) < 100
    if isinstance(param, Decimal):
        # A Decimal stand-in has four decimal places: added to, multiplied or divided, it
        # still has at least four; the pounds and pence a query holds as constants do not.
        return abs(param - _INT_STAND_IN) < 100 or param != param.quantize(Decimal("0.001"))
    return False


class _ModelReader:
    """Turns a compiled queryset's rows into its model instances, as Django's ModelIterable
    does (django/db/models/query.py): the same init list, related populators, annotation
    columns and field converters, worked out once from the compiler instead of per query."""

    def __init__(self, queryset, compiler) -> None:
        from django.db.models.query import (  # type: ignore[attr-defined]
            ModelIterable,
            get_related_populators,
        )

        if queryset._iterable_class is not ModelIterable or queryset._known_related_objects:
            raise ValueError("CompiledQuery: a 'models' build returns a plain model queryset.")
        select, klass_info = compiler.select, compiler.klass_info
        fields = select[0 : compiler.col_count]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.db, self.compiler = queryset.db, compiler
        self.model = klass_info["model"]
        self.span = (start, end)
        self.init_list = [f[0].target.attname for f in select[start:end]]
        self.populators = get_related_populators(klass_info, select, queryset.db)
        self.annotations = list(compiler.annotation_col_map.items())
        self.converters = compiler.get_converters([f[0] for f in fields])
        self.prefetch = queryset._prefetch_related_lookups

    def read(self, rows: list) -> list:
        from django.db.models import prefetch_related_objects

        if self.converters:
            rows = list(self.compiler.apply_converters(rows, self.converters))
        start, end = self.span
        objs = []
        for row in rows:
            obj = self.model.from_db(self.db, self.init_list, row[start:end])
            for populator in self.populators:
                populator.populate(row, obj)
            for name, position in self.annotations:
                setattr(obj, name, row[position])
            objs.append(obj)
        if self.prefetch and objs:
            prefetch_related_objects(objs, *self.prefetch)
        return objs


class CompiledQuery:
    """One ORM query, built once per process and then run with new values.

    `build(**values)` makes the query from `values` (ints, dates, Decimals and UUIDs, each used
    as it is: it must not compute with them, e.g. add days to a date, nor read the database, or
    the result would be compiled in; pass such a value in instead: the compile refuses a
    parameter near a stand-in and a build that runs a query). `kind`:
      "aggregate": build returns (queryset, {name: aggregate}); run gives the dict
                   `queryset.aggregate(**those)` gives;
      "count":     build returns a queryset; run gives its count();
      "rows":      build returns a values() queryset; run gives its rows as dicts;
      "models":    build returns a queryset of model instances; run gives a list of them as
                   the queryset would: its select_related objects and annotations filled in
                   by Django's own row readers, then its prefetch_related lookups fetched.
    Results of the first three are the database driver's values (ints, Decimals, dates,
    strings): for aggregates and plain columns, what the ORM gives. The SQL is the ORM's own;
    tests compare the two."""

    def __init__(self, kind: str, build: Callable) -> None:
        if kind not in ("aggregate", "count", "rows", "models"):
            raise ValueError(kind)
        self.kind, self.build = kind, build
        self._compiled: dict = {}

    def _compile(self, values: dict) -> tuple[str, list, Any]:
        from django.db import connection

        names = sorted(values)
        stand_ins = {name: _stand_in(i, values[name]) for i, name in enumerate(names)}
        with connection.execute_wrapper(_refuse):
            built = self.build(**stand_ins)
        columns: Any = []
        if self.kind == "models":
            if built.query.is_sliced:
                raise ValueError('CompiledQuery: a "models" build is not sliced (see page).')
            # The compiler's own SQL, and what its ModelIterable reads rows with.
            compiler = built.query.get_compiler(using=built.db)
            sql, params = compiler.as_sql()
            columns = _ModelReader(built, compiler)
            return sql, self._slots(params, stand_ins, names), columns
        try:
            with connection.execute_wrapper(_capture):
                if self.kind == "aggregate":
                    queryset, aggregates = built
                    columns = list(aggregates)
                    queryset.aggregate(**aggregates)
                elif self.kind == "count":
                    built.count()
                else:
                    # The row's names as ValuesIterable reads them (django/db/models/query.py):
                    # values() keeps the order it was given, fields and annotations mixed.
                    query = built.query
                    columns = list(query.selected or ()) or [
                        *query.extra_select,
                        *query.values_select,
                        *query.annotation_select,
                    ]
                    list(built)
        except _Captured as captured:
            sql, params = captured.sql, captured.params
        else:
            raise ValueError("CompiledQuery: the query ran no SQL (an empty lookup?).")
        return sql, self._slots(params, stand_ins, names), columns

    @staticmethod
    def _slots(params: Sequence, stand_ins: dict, names: list[str]) -> list:
        """The parameters, each stand-in replaced by (its value's name,)."""
        by_stand_in = {value: name for name, value in stand_ins.items()}
        slots: list = []
        for param in params:
            if type(param) in (int, dt.date, uuid.UUID, Decimal) and param in by_stand_in:
                slots.append((by_stand_in[param],))
            elif _near_stand_in(param):
                raise ValueError(f"CompiledQuery: a parameter ({param!r}) derived from a value.")
            else:
                slots.append(param)
        used = {slot[0] for slot in slots if isinstance(slot, tuple)}
        if used != set(names):
            missing = ", ".join(sorted(set(names) - used))
            raise ValueError(f"CompiledQuery: values not in the SQL's parameters: {missing}")
        return slots

    def page(self, offset: int, limit: int, **values) -> list:
        """A "models" or "rows" query's rows from `offset`, at most `limit` of them (its build
        must not slice: the LIMIT and OFFSET are added here, as parameters)."""
        if self.kind not in ("models", "rows"):
            raise ValueError('CompiledQuery.page is for the "models" and "rows" kinds.')
        return self._run(values, (limit, offset))

    def run(self, **values):
        return self._run(values, None)

    def _run(self, values: dict, _limits: tuple[int, int] | None):
        from django.db import connection

        key = tuple(sorted((name, type(value)) for name, value in values.items()))
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(values)
        sql, slots, columns = compiled
        params = [values[slot[0]] if isinstance(slot, tuple) else slot for slot in slots]
        if _limits is not None:
            if "LIMIT" in sql.rsplit(")", 1)[-1].upper():
                raise ValueError("CompiledQuery.page: the build is sliced already.")
            sql, params = f"{sql} LIMIT %s OFFSET %s", [*params, *_limits]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if self.kind == "models":
                return columns.read(cursor.fetchall())
            if self.kind == "rows":
                return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
            row = cursor.fetchone()
        if self.kind == "count":
            return row[0]
        return dict(zip(columns, row, strict=True))


class CompiledList:
    """What a Paginator pages through, from two CompiledQuerys: `rows` (kind "models" or
    "rows", run with `values`, a page read with LIMIT and OFFSET) and `count` (kind "count",
    run with `counted`: the values the count's own build takes). The two must select the same
    rows."""

    def __init__(self, rows: CompiledQuery, values: dict, count: CompiledQuery, counted: dict):
        self.rows, self.values, self._count, self.counted = rows, values, count, counted
        self._total: int | None = None

    def count(self) -> int:
        if self._total is None:
            self._total = self._count.run(**self.counted)
        return self._total

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        if not isinstance(key, slice) or key.step is not None:
            raise TypeError("CompiledList takes a slice without a step.")
        start, stop = key.start or 0, key.stop if key.stop is not None else self.count()
        return self.rows.page(start, max(stop - start, 0), **self.values)
