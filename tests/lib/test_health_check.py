"""The database backend's health check (sendfund/db/base.py): no round trip for a connection in
good order, and a connection the server ended is replaced before a page uses it.

The requests run in a child process through Django's WSGI handler, as gunicorn runs them:
persistent connections (DB_CONN_MAX_AGE) and the request signals that check them, which the
test Client turns off.
"""

import json

import pytest
from django.db import connection

from tests.subprocess_env import child_env, run
from tests.test_outages import PRODUCTION_LIKE as OUTAGES_PRODUCTION_LIKE

# As tests/test_outages.py runs its children, with persistent connections.
PRODUCTION_LIKE = {**OUTAGES_PRODUCTION_LIKE, "DB_CONN_MAX_AGE": "60"}

# A request with a session cookie reads the session table, so every one uses the database.
CHILD = """
import io, json, select, sys, time
import django
django.setup()
import psycopg2
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection

app = WSGIHandler()
full_checks = []
usable = connection.is_usable
connection.is_usable = lambda: full_checks.append(1) or usable()

def get(path="/funding/"):
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "",
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "HTTP_HOST": "testserver",
        "HTTP_COOKIE": "sessionid=" + "x" * 32, "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr,
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
    }
    status = []
    b"".join(app(environ, lambda s, h, e=None: status.append(s)))
    return int(status[0].split()[0]), connection.connection.get_backend_pid()

out = {"quiet": [get() for _ in range(5)], "full_checks_when_quiet": None}
out["full_checks_when_quiet"] = len(full_checks)

# The server ends this connection's session, as a restart or an administrator would.
pid = out["quiet"][-1][1]
admin = psycopg2.connect(**connection.get_connection_params())
admin.autocommit = True
admin.cursor().execute("SELECT pg_terminate_backend(%s)", [pid])
admin.close()
# The server's goodbye reaches the socket (at once, locally; up to 5 s allowed).
select.select([connection.connection.fileno()], [], [], 5)
out["after_termination"] = get()
out["full_checks_after_termination"] = len(full_checks)
print(json.dumps(out))
"""


@pytest.mark.django_db(transaction=True)
def test_a_quiet_connection_is_reused_without_select_1_and_an_ended_one_is_replaced():
    settings_dict = connection.settings_dict
    url = (
        f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD'] or ''}@"
        f"{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}/"
        f"{settings_dict['NAME']}"
    )
    result = run(["-c", CHILD], child_env(**PRODUCTION_LIKE, DATABASE_URL=url), timeout=120)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])

    statuses = {status for status, _ in out["quiet"]}
    pids = {pid for _, pid in out["quiet"]}
    # An anonymous visitor is sent to sign in: the same answer each time, on one connection.
    assert statuses == {302}
    assert len(pids) == 1
    # Django's own check (SELECT 1) was never needed: nothing was waiting on the socket.
    assert out["full_checks_when_quiet"] == 0

    status, pid = out["after_termination"]
    # Not a 500: the ended connection was noticed, checked, closed and replaced.
    assert status == 302
    assert pid not in pids
    assert out["full_checks_after_termination"] == 1
