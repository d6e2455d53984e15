"""Prepared statements and the audit trail's context (sendfund.lib.sql.Prepared)."""

from __future__ import annotations

import pghistory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sendfund.lib.sql import Prepared

pytestmark = pytest.mark.django_db

_READ = Prepared("test_read_two", lambda: "SELECT $1::int + 2")
_WRITE = Prepared(
    "test_write_temp",
    lambda: "INSERT INTO test_prepared_scratch (n) VALUES ($1) RETURNING n",
)


def test_a_prepared_read_goes_without_the_audit_context_and_a_write_keeps_it():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE test_prepared_scratch (n int)")
    with pghistory.context(user=1, path="/x/"), CaptureQueriesContext(connection) as sent:
        assert _READ.fetch([40]) == [(42,)]
        assert _WRITE.fetch([7]) == [(7,)]
        # The context is still set for the transaction's next write.
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO test_prepared_scratch (n) VALUES (8)")
    executes = [q["sql"] for q in sent.captured_queries if "EXECUTE" in q["sql"]]
    read = [sql for sql in executes if "sendfund_test_read_two" in sql]
    write = [sql for sql in executes if "sendfund_test_write_temp" in sql]
    assert read and all(sql.startswith("EXECUTE") for sql in read)
    assert write and all("set_config('pghistory.context_id'" in sql for sql in write)
    assert "set_config('pghistory.context_id'" in sent.captured_queries[-1]["sql"]
    assert _READ.reads and not _WRITE.reads


def test_the_wrappers_are_given_back_after_a_read_that_fails():
    bad = Prepared("test_read_bad", lambda: "SELECT 1 / $1::int")
    with pghistory.context(user=1):
        before = list(connection.execute_wrappers)
        with pytest.raises(Exception, match="division by zero"):
            bad.fetch([0])
        assert connection.execute_wrappers == before
