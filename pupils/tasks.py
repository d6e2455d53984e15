"""Nightly upkeep run by the workers (`manage.py run_worker`): hold the summaries ahead.

A new academic year's first pages, and a large trust's first trust view of it, would otherwise
cost its whole term-cost summary on first read. `hold_summaries_ahead` holds this academic year
and the next for every school each night (a no-op for a school whose years are held and
current), then books the next night's run. Each worker books one when it starts, unless one
is already booked, so the nightly run needs no scheduler beside the workers and happens once
however many workers there are.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone
from django_tasks import task
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from pupils import summaries
from sendfund.lib.periods import academic_year_start
from sendfund.schools.models import School

LONDON = ZoneInfo("Europe/London")
NIGHTLY_AT = dt.time(2, 0)  # 02:00 in England, before anyone opens a page
_BOOKING_LOCK = 815_203  # pg_advisory_xact_lock: one worker books at a time


def next_night(now: dt.datetime) -> dt.datetime:
    """The first 02:00 in England after `now` (an aware datetime)."""
    local = now.astimezone(LONDON)
    run = dt.datetime.combine(local.date(), NIGHTLY_AT, tzinfo=LONDON)
    if run <= local:
        run = dt.datetime.combine(local.date() + dt.timedelta(days=1), NIGHTLY_AT, tzinfo=LONDON)
    return run


@task()
def hold_summaries_ahead() -> dict:
    """Hold this academic year and the next for every school, then book the next night."""
    try:
        year = academic_year_start(timezone.localdate())
        terms = [(y, n) for y in (year, year + 1) for n in (1, 2, 3)]
        ids = list(School.objects.order_by("pk").values_list("pk", flat=True))
        summaries.ready(ids, terms)
        return {"schools": len(ids), "academic_years": [year, year + 1]}
    finally:
        book_nightly()


def book_nightly(now: dt.datetime | None = None) -> bool:
    """Queue the next nightly run unless one is already waiting; True when this call queued
    it. Workers starting together take turns under an advisory lock, so only one is queued."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_BOOKING_LOCK])
        waiting = DBTaskResult.objects.filter(
            task_path=hold_summaries_ahead.module_path, status=TaskResultStatus.READY
        )
        if waiting.exists():
            return False
        hold_summaries_ahead.using(run_after=next_night(now or timezone.now())).enqueue()
        return True
