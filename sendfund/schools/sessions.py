"""The session store: Django's database sessions, read with one prepared statement.

Every signed-in request reads its session first. Django's store builds that query through the
ORM each time (about 0.25 ms of Python on this kind of machine, for a lookup PostgreSQL answers
in a few hundredths of that); this store sends the same SELECT, written once and planned once
per connection (sendfund.lib.sql.Prepared). Writing, expiry, cycling and deletion are Django's
own (SESSION_ENGINE = "sendfund.schools.sessions").
"""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from sendfund.lib.sql import Prepared

_READ = Prepared(
    "session_read",
    lambda: (
        f"SELECT session_data FROM {Session._meta.db_table}"  # noqa: S608
        " WHERE session_key = $1 AND expire_date > $2"
    ),
)


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        model = self.get_model_class()
        rows = _READ.fetch([self.session_key, timezone.now()])
        row = rows[0] if rows else None
        if row is None:
            self._session_key = None  # as Django's store: a new key is made on save
            return None
        return model(session_key=self.session_key, session_data=row[0])
