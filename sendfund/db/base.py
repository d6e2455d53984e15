"""Django's PostgreSQL backend, checking a reused connection without a round trip.

With CONN_HEALTH_CHECKS on, Django sends `SELECT 1` on the first query of every request that
reuses a persistent connection, so that a connection the server has closed (a restart, an
administrator's pg_terminate_backend, an idle-session timeout) is replaced instead of failing
the page. That was a round trip to PostgreSQL on every page: one of the five a kept
dashboard made (issue #10).

A server that ends a session writes its reason (a FATAL message) and closes the socket, so the
connection's socket has something to read. An idle connection in good order has nothing to
read. This backend looks at the socket without waiting (select with timeout 0): nothing to read
means the connection is as the server left it, and no `SELECT 1` is sent; anything to read, or
a socket that cannot be polled, gets Django's own check, which replaces a dead connection.

What the poll cannot see is a connection dropped silently on the way (a firewall forgetting an
idle flow, with no packet sent to either end). Connections here live at most DB_CONN_MAX_AGE
seconds (60 by default), far below such timeouts; and Django's own check, when a query failed in
the request before, still runs (`close_if_unusable_or_obsolete`).
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base


def _quiet(connection) -> bool:
    """True when the server has sent nothing on this connection since its last answer."""
    try:
        if connection.closed:
            return False
        readable, _, _ = select.select([connection.fileno()], [], [], 0)
    except (OSError, ValueError, base.Database.Error):
        return False
    return not readable


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and not self.pool
            and _quiet(self.connection)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
