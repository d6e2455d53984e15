"""Rows done of total, written where every web node can read them while the work goes on.

An import writes all or nothing inside one transaction, so progress written on the same
connection would stay invisible until the end: the counter is written on a second connection
of its own (autocommit).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from django.db import DatabaseError, connections

from sendfund.jobs.models import Job

T = TypeVar("T")
Callback = Callable[[int, int, str], None]
_current: ContextVar[Callback | None] = ContextVar("sendfund_progress", default=None)


def counted(items: Iterable[T], step: str) -> Iterator[T]:
    """Yield `items`, reporting how many are done to the job being tracked (if any)."""
    callback = _current.get()
    if callback is None:
        yield from items
        return
    items = list(items)
    total = len(items)
    callback(0, total, step)
    for done, item in enumerate(items, start=1):
        yield item
        callback(done, total, step)


class JobProgress:
    """Writes a job's step and rows done of total at most every `interval` seconds."""

    def __init__(self, job: Job, *, interval: float = 0.5):
        self.job_pk = job.pk
        self.interval = interval
        self._last = 0.0
        self._step = ""
        self._own = None

    def __call__(self, done: int, total: int, step: str) -> None:
        now = time.monotonic()
        if step == self._step and done not in (0, total) and now - self._last < self.interval:
            return
        self._last, self._step = now, step
        self._write(done, total, step)

    def _cursor(self):
        if self._own is None:
            self._own = connections.create_connection("default")
        return self._own.cursor()

    def _write(self, done: int, total: int, step: str) -> None:
        try:
            cursor = self._cursor()
            table = Job._meta.db_table
            # A row the job's own transaction has locked (its last write marks the
            # job done) is skipped, never waited for: waiting would deadlock with ourselves.
            where = f"id = (SELECT id FROM {table} WHERE id = %s FOR UPDATE SKIP LOCKED)"  # noqa: S608
            with cursor:
                cursor.execute(
                    f"UPDATE {table} SET rows_done = %s, rows_total = %s, step = %s WHERE {where}",  # noqa: S608
                    [done, total, step[:60], self.job_pk],
                )
        except DatabaseError:
            pass  # progress is a courtesy: never let it stop the work

    def close(self) -> None:
        if self._own is not None:
            self._own.close()
            self._own = None


@contextmanager
def tracking(job: Job):
    """Report progress of everything `counted` inside this block to `job`."""
    progress = JobProgress(job)
    token = _current.set(progress)
    try:
        yield progress
    finally:
        _current.reset(token)
        progress.close()
