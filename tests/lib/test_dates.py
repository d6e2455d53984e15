"""sendfund.lib.dates: adding months and years."""

import datetime as dt

from sendfund.lib.dates import add_months, add_years


def test_months_and_years_are_added_with_one_rule_for_short_months_and_leap_days():
    assert add_months(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2027, 8, 31), 6) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2024, 2, 29), -12) == dt.date(2023, 2, 28)
    assert add_months(dt.date(2025, 1, 31), -2) == dt.date(2024, 11, 30)
    assert add_years(dt.date(2024, 2, 29), 1) == dt.date(2025, 2, 28)
    assert add_years(dt.date(2024, 2, 29), 4) == dt.date(2028, 2, 29)
    assert add_years(dt.date(2025, 9, 1), 3) == dt.date(2028, 9, 1)
