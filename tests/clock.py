"""Moving the clock in tests: time_machine, not hand-patched today() functions."""

import datetime as dt
from zoneinfo import ZoneInfo


def on(day: dt.date) -> dt.datetime:
    """Noon in England on a day, for time_machine.travel: pages take today's date from the
    clock (Europe/London)."""
    return dt.datetime.combine(day, dt.time(12), tzinfo=ZoneInfo("Europe/London"))


def frozen_on(day: dt.date, *, tick: bool = True):
    """An autouse fixture keeping a module's tests at noon in England on `day`:
    `_today = frozen_on(TODAY)` at module level."""
    import pytest
    import time_machine

    @pytest.fixture(autouse=True)
    def _clock():
        with time_machine.travel(on(day), tick=tick):
            yield

    return _clock
