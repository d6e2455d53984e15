"""Moving the clock in tests: time_machine, not hand-patched today() functions."""

import datetime as dt
from zoneinfo import ZoneInfo


def on(day: dt.date) -> dt.datetime:
    """Noon in England on a day, for time_machine.travel: pages take today's date from the
    clock (Europe/London)."""
    return dt.datetime.combine(day, dt.time(12), tzinfo=ZoneInfo("Europe/London"))
