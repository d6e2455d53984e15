"""The trust benchmark's "bare SQL" re-runs a request's captured reads on the same connection.

A statement prepared during the measured request reaches the capture behind pghistory's
context ("SELECT set_config(...); PREPARE ..."): running it again raised "prepared statement
already exists" and stopped the benchmark (seen on a first run with --runs 1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from funding.management.commands.bench_trust import Command
from sendfund.lib.sql import Prepared

pytestmark = pytest.mark.django_db


def test_bare_sql_skips_a_prepare_behind_the_audit_context_and_runs_the_read():
    statement = Prepared("bench_probe", lambda: "SELECT $1::int + 1")
    assert statement.fetch([41]) == [(42,)]
    captured = [
        "SELECT set_config('pghistory.context_id', 'abc', true); "
        f"PREPARE {statement.name} AS SELECT $1::int + 1",
        f"SELECT set_config('pghistory.context_id', 'abc', true); EXECUTE {statement.name}(1)",
        "UPDATE django_session SET expire_date = now() WHERE false",
    ]
    with CaptureQueriesContext(connection) as ctx:
        took = Command()._sql_alone(captured)
    assert took >= 0
    # Only the read ran again, without its audit prefix; the PREPARE and the write did not.
    assert [q["sql"] for q in ctx.captured_queries] == [f"EXECUTE {statement.name}(1)"]
