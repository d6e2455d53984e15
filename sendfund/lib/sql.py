"""Database expressions for PostgreSQL (the only database sendfund runs on)."""

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
