"""/healthz's database checks, bounded in time whatever the database does.

A load balancer must hear from a node within a couple of seconds, also when PostgreSQL refuses
connections, accepts them and never answers, or answers slowly. Django's own connection cannot
promise that (libpq's connect_timeout counts whole seconds, at least 2, per address tried), so
the check first connects afresh without blocking (psycopg2's asynchronous mode) and waits for
the connection and a `SELECT 1` on a clock of its own; only when that answered in time does it
ask Django's connection for the queue's state, under a statement timeout of what is left.
"""

from __future__ import annotations

import selectors
import time

import psycopg2
import psycopg2.errors
import psycopg2.extensions
from django.db import DatabaseError, connection

from sendfund.jobs.workers import queue_state

# Seconds: the probe (connect and SELECT 1) must be done by the first, everything by the second
# (half a second to spare for the rest of the request, on a busy machine).
PROBE_SECONDS = 1.0
TOTAL_SECONDS = 1.5


class NoAnswer(Exception):
    """The database did not answer before the deadline."""


def _wait(conn, deadline: float) -> None:
    """Drive an asynchronous psycopg2 connection until it is ready, or raise NoAnswer."""
    while True:
        state = conn.poll()
        if state == psycopg2.extensions.POLL_OK:
            return
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise NoAnswer
        events = (
            selectors.EVENT_READ
            if state == psycopg2.extensions.POLL_READ
            else selectors.EVENT_WRITE
        )
        # libpq may change sockets while it tries the server's addresses: ask every time.
        with selectors.DefaultSelector() as selector:
            selector.register(conn.fileno(), events)
            selector.select(remaining)


def probe(deadline: float) -> str | None:
    """Connect afresh and run SELECT 1 by `deadline` (time.monotonic()); None when it answered,
    else "down" (refused, or an error) or "timeout" (no answer in time)."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    conn = None
    try:
        conn = psycopg2.connect(**params, async_=True)
        _wait(conn, deadline)
        cursor = conn.cursor()
        cursor.execute("SELECT 1")
        _wait(conn, deadline)
        cursor.fetchone()
    except NoAnswer:
        return "timeout"
    except (psycopg2.Error, OSError):
        return "down"
    finally:
        if conn is not None:
            conn.close()
    return None


def database_state() -> tuple[dict, int]:
    """The body and status of /healthz's answer about the database and the task queue."""
    started = time.monotonic()
    problem = probe(started + PROBE_SECONDS)
    if problem:
        return {"status": "unavailable", "database": problem}, 503
    left_ms = max(100, int((started + TOTAL_SECONDS - time.monotonic()) * 1000))
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{left_ms}ms"])
        try:
            # How long the oldest waiting task has waited (no worker, or too few).
            tasks = queue_state()
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET statement_timeout")
    except DatabaseError as error:
        late = isinstance(error.__cause__, psycopg2.errors.QueryCanceled)
        return {"status": "unavailable", "database": "timeout" if late else "down"}, 503
    return {"status": "ok", "database": "up", "tasks": tasks}, 200
