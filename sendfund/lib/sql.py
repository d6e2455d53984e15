"""Database expressions that behave the same on PostgreSQL and on SQLite (the trial run)."""

from django.db.models import DateField, F, Func, IntegerField, Value
from django.db.models.functions import Coalesce, Greatest, Least


class DaysBetween(Func):
    """Whole days from `start` to `end` (end - start). PostgreSQL subtracts dates natively."""

    output_field = IntegerField()
    arity = 2
    template = "(%(expressions)s)"
    arg_joiner = " - "

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


def overlap_days(start_field: str, end_field: str, period_start, period_end):
    """Days a row's [start, end] (end may be null: still running) shares with a period."""
    start = Greatest(F(start_field), Value(period_start, output_field=DateField()))
    end = Least(
        Coalesce(F(end_field), Value(period_end, output_field=DateField())),
        Value(period_end, output_field=DateField()),
    )
    return Greatest(DaysBetween(end, start) + 1, Value(0))


class DecimalValue(Value):
    """A Decimal constant. SQLite receives Decimals as text and divides two whole numbers as
    integers (732000 / 365 = 2005), so there it is cast to REAL; PostgreSQL keeps numeric."""

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = self.as_sql(compiler, connection, **extra)
        return f"CAST({sql} AS REAL)", params
