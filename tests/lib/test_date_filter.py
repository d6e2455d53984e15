"""{{ value|date }}: the quick path for the site's formats writes what Django's own filter
writes, in templates as they render (aware times in Europe/London)."""

import datetime as dt
import zoneinfo

from django.template import Context, Template, defaultfilters
from django.utils import timezone

from sendfund.templatetags.sendfund import date_filter

DATES = [
    dt.date(2026, 11, 28),
    dt.date(2027, 1, 5),
    dt.date(1999, 12, 31),
    dt.date(2100, 2, 28),
    dt.date(2024, 2, 29),
    dt.date(1, 1, 1),
]
TIMES = [
    dt.datetime(2026, 11, 28, 9, 5),
    dt.datetime(2026, 3, 29, 0, 59, 59),
    dt.datetime(2026, 10, 25, 23, 0),
]


def _render(source: str, **context) -> str:
    return Template(source).render(Context(context))


def test_dates_and_times_are_written_as_django_writes_them():
    for day in DATES:
        assert date_filter(day) == defaultfilters.date(day) != ""
        assert _render("{{ d|date }}", d=day) == defaultfilters.date(day)
    for moment in TIMES:
        for fmt in ("d/m/Y H:i", "d/m/Y H:i:s", "D d/m/Y", "d/m/Y"):
            assert date_filter(moment, fmt) == defaultfilters.date(moment, fmt)
    assert _render("{{ d|date }}", d=dt.date(2026, 11, 28)) == "28/11/2026"


def test_an_aware_time_is_shown_in_london_time():
    # 28/03/2027 01:30 UTC is 02:30 in London once the clocks have gone forward (BST); a
    # winter time is shown as it is in UTC.
    utc = zoneinfo.ZoneInfo("UTC")
    summer = dt.datetime(2027, 3, 28, 1, 30, tzinfo=utc)
    winter = dt.datetime(2026, 12, 1, 16, 45, tzinfo=utc)
    assert _render('{{ t|date:"d/m/Y H:i" }}', t=summer) == "28/03/2027 02:30"
    assert _render('{{ t|date:"d/m/Y H:i" }}', t=winter) == "01/12/2026 16:45"
    local = timezone.localtime(summer)
    assert _render('{{ t|date:"d/m/Y H:i" }}', t=summer) == defaultfilters.date(local, "d/m/Y H:i")


def test_anything_else_goes_to_djangos_filter():
    assert date_filter(None) == ""
    assert date_filter("") == ""
    assert date_filter("not a date") == ""
    assert date_filter(dt.date(2026, 11, 28), "D d/m/Y") == "Sat 28/11/2026"
    assert _render('{{ d|date:"j F Y" }}', d=dt.date(2026, 11, 28)) == "28 November 2026"


def test_templates_use_the_quick_filter():
    node = Template("{{ d|date }}").nodelist[0]
    assert node.filter_expression.filters[0][0] is date_filter
