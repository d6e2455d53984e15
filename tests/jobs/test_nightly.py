"""The nightly upkeep: booked once by whichever worker starts, run at 02:00 in England, and
holding this academic year and the next for every school before booking the next night."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from pupils.models import SummaryYear
from pupils.tasks import book_nightly, hold_summaries_ahead, next_night
from tests.clock import on
from tests.factories import SchoolFactory
from tests.funding.factories import pupil_with_provision

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC


def _booked():
    return DBTaskResult.objects.filter(
        task_path=hold_summaries_ahead.module_path, status=TaskResultStatus.READY
    )


def test_the_next_night_is_two_in_the_morning_in_england_in_summer_and_winter():
    # 30 Nov 2026 is GMT: 02:00 London is 02:00 UTC. 15 Jun 2026 is BST: 02:00 is 01:00 UTC.
    assert next_night(dt.datetime(2026, 11, 30, 23, 47, tzinfo=UTC)) == dt.datetime(
        2026, 12, 1, 2, 0, tzinfo=LONDON
    )
    assert next_night(dt.datetime(2026, 6, 15, 0, 30, tzinfo=UTC)).astimezone(UTC) == (
        dt.datetime(2026, 6, 15, 1, 0, tzinfo=UTC)
    )
    # At or after 02:00 the run is the next day's.
    assert next_night(dt.datetime(2026, 12, 1, 2, 0, tzinfo=UTC)).date() == dt.date(2026, 12, 2)


def test_workers_book_one_nightly_run_however_many_start():
    now = dt.datetime(2026, 11, 30, 23, 47, tzinfo=UTC)
    assert book_nightly(now) is True
    assert book_nightly(now) is False
    assert book_nightly(now) is False
    (booked,) = _booked()
    assert booked.run_after == dt.datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def test_the_nightly_run_holds_two_academic_years_for_every_school_and_books_the_next():
    a, b = SchoolFactory(), SchoolFactory()
    pupil_with_provision(a, annual_cost=Decimal("3800"))
    assert not SummaryYear.objects.exists()

    with time_machine.travel(on(dt.date(2026, 11, 30))):
        result = hold_summaries_ahead.call()

    assert result["academic_years"] == [2026, 2027]
    held = set(SummaryYear.objects.values_list("school_id", "academic_year"))
    assert held == {(s.pk, y) for s in (a, b) for y in (2026, 2027)}
    assert _booked().count() == 1  # the next night, booked in its own finally
