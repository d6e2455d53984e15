"""Outages are clear: timeouts from settings, a 503 page, and /healthz within 2 s.

Each outage runs in a child process whose DATABASE_URL points at a closed port or at a socket
that accepts connections and never answers (a listener thread here); the child times its own
requests with time.monotonic, after a first request has loaded the code. The bounds are the
promise (2 s for /healthz) or generous (pages), not benchmarks.
"""

import json
import os
import socket
import threading
import time
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
from django.db import IntegrityError, InterfaceError, OperationalError, connection
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from sendfund.views import server_error
from tests.subprocess_env import child_env, run

# DEBUG off, as in production, so that the error handlers (not the debug page) answer.
PRODUCTION_LIKE = {
    "DEBUG": "0",
    "DJANGO_SETTINGS_MODULE": "sendfund.settings",
    "SECRET_KEY": "test-only-secret-key-not-for-production-use-0123456789",
    "ALLOWED_HOSTS": "testserver",
    "SECURE_SSL_REDIRECT": "0",
    "SENDFUND_PLAIN_STATIC": "1",
    "LOG_LEVEL": "CRITICAL",
}

# Requests in the child: each path twice (the first loads the code), the second one timed. A
# session cookie makes a page load the session, so it needs the database; /healthz is asked as a
# load balancer asks, without one.
REQUESTS = """
import json, time, django
django.setup()
from django.test import Client
out = {}
for path in PATHS:
    client = Client(raise_request_exception=False)
    if path != "/healthz":
        client.cookies["sessionid"] = "x" * 32
    client.get(path)
    start = time.monotonic()
    response = client.get(path)
    out[path] = {
        "status": response.status_code,
        "seconds": time.monotonic() - start,
        "body": response.content.decode(),
        "retry_after": response.get("Retry-After"),
        "cache_control": response.get("Cache-Control"),
        "csp": response.get("Content-Security-Policy"),
    }
print(json.dumps(out))
"""


def _requests(database_url: str, paths: list[str], **env: str) -> dict:
    script = f"PATHS = {paths!r}\n{REQUESTS}"
    result = run(
        ["-c", script],
        child_env(**PRODUCTION_LIKE, DATABASE_URL=database_url, **env),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def silent_server():
    """A socket that accepts connections and never says a word; yields its port."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(50)
    listener.settimeout(0.2)
    held, stop = [], threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except (TimeoutError, OSError):
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    listener.close()
    assert held, "the child never connected"


def _url_for_port(port: int) -> str:
    return f"postgres://sendfund:pw@127.0.0.1:{port}/sendfund"


def _assert_friendly_503(answer: dict) -> None:
    assert answer["status"] == 503
    assert "sendfund is unavailable for a moment" in answer["body"]
    assert "cannot reach its database" in answer["body"]
    assert answer["retry_after"] == "60"
    # The headers of every page (sendfund/headers.py, django-csp) need no database either.
    assert "no-store" in answer["cache_control"]
    assert "script-src 'self'" in answer["csp"]
    for leak in ("Traceback", "OperationalError", "psycopg2", "127.0.0.1", "sendfund:pw"):
        assert leak not in answer["body"]


def test_a_closed_database_port_gives_the_503_page_and_healthz_says_down():
    answers = _requests(_url_for_port(_closed_port()), ["/", "/healthz"])

    _assert_friendly_503(answers["/"])
    assert answers["/"]["seconds"] < 10
    assert answers["/healthz"]["status"] == 503
    assert json.loads(answers["/healthz"]["body"]) == {"status": "unavailable", "database": "down"}
    assert answers["/healthz"]["seconds"] < 2


def test_a_database_that_never_answers_gives_the_503_page_after_the_connect_timeout(
    silent_server,
):
    answers = _requests(_url_for_port(silent_server), ["/", "/healthz"], DB_CONNECT_TIMEOUT="2")

    # libpq gives up after DB_CONNECT_TIMEOUT (2 s here); without it the page hung for good.
    _assert_friendly_503(answers["/"])
    assert answers["/"]["seconds"] < 15
    # /healthz keeps its own clock: 2 s at most, whatever DB_CONNECT_TIMEOUT says.
    assert answers["/healthz"]["status"] == 503
    assert json.loads(answers["/healthz"]["body"]) == {
        "status": "unavailable",
        "database": "timeout",
    }
    assert answers["/healthz"]["seconds"] < 2


def test_healthz_answers_within_2_s_when_its_queue_query_is_blocked(client, transactional_db):
    # Another session holds the task table locked: SELECT 1 answers, the queue query waits,
    # and /healthz's statement timeout (what is left of its 2 s) cancels it.
    assert client.get(reverse("healthz")).status_code == 200  # loads the code: not timed
    other = psycopg2.connect(
        **{k: v for k, v in connection.get_connection_params().items() if k != "cursor_factory"}
    )
    try:
        with other.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {DBTaskResult._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        start = time.monotonic()
        response = client.get(reverse("healthz"))
        seconds = time.monotonic() - start
    finally:
        other.rollback()
        other.close()

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "timeout"}
    assert seconds < 2
    # Django's connection is usable again, with the statement timeout of the settings.
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == ("30s",)
    assert client.get(reverse("healthz")).status_code == 200


def _postgres_url() -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/postgres"))


def test_the_statement_timeout_comes_from_the_settings_and_cancels_a_long_statement():
    script = (
        "import time, django; django.setup();"
        "from django.db import connection, OperationalError;"
        "cursor = connection.cursor();"
        "cursor.execute('SHOW statement_timeout'); print(cursor.fetchone()[0]);"
        "start = time.monotonic()\n"
        "try:\n"
        "    cursor.execute('SELECT pg_sleep(20)')\n"
        "except OperationalError as error:\n"
        "    print(type(error.__cause__).__name__, round(time.monotonic() - start))\n"
    )
    result = run(
        ["-c", script],
        child_env(**PRODUCTION_LIKE, DATABASE_URL=_postgres_url(), DB_STATEMENT_TIMEOUT="1"),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    shown, cancelled = result.stdout.strip().splitlines()
    assert shown == "1s"
    name, seconds = cancelled.split()
    assert name == "QueryCanceled" and int(seconds) < 10


SHOW_OPTIONS = (
    "from django.conf import settings as s; o = s.DATABASES['default']['OPTIONS'];"
    "print(o['connect_timeout'], '|', o['options'])"
)


@pytest.mark.parametrize(
    ("env", "shown"),
    [
        ({}, "5 | -c statement_timeout=30000 -c random_page_cost=1.1"),
        (
            {"DB_CONNECT_TIMEOUT": " 3 ", "DB_STATEMENT_TIMEOUT": "0"},
            "3 | -c statement_timeout=0 -c random_page_cost=1.1",
        ),
        (
            {"DB_CONNECT_TIMEOUT": "", "DB_STATEMENT_TIMEOUT": ""},
            "5 | -c statement_timeout=30000 -c random_page_cost=1.1",
        ),
    ],
)
def test_database_timeouts_come_from_the_environment(env, shown):
    result = run(
        ["-c", SHOW_OPTIONS], child_env(**PRODUCTION_LIKE, DATABASE_URL=_postgres_url(), **env)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == shown


def test_timeouts_in_the_database_url_win_and_its_options_are_kept():
    url = _postgres_url() + "?connect_timeout=9&options=-c%20search_path%3Dpublic"
    result = run(["-c", SHOW_OPTIONS], child_env(**PRODUCTION_LIKE, DATABASE_URL=url))
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.strip()
        == "9 | -c statement_timeout=30000 -c random_page_cost=1.1 -c search_path=public"
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DB_CONNECT_TIMEOUT": "5s"}, "DB_CONNECT_TIMEOUT must be a whole number, not '5s'."),
        ({"DB_CONNECT_TIMEOUT": "0"}, "DB_CONNECT_TIMEOUT must be between 1 and 600, not 0."),
        (
            {"DB_STATEMENT_TIMEOUT": "-1"},
            "DB_STATEMENT_TIMEOUT must be between 0 and 86400, not -1.",
        ),
        (
            {"DB_STATEMENT_TIMEOUT": "2.5"},
            "DB_STATEMENT_TIMEOUT must be a whole number, not '2.5'.",
        ),
    ],
)
def test_a_bad_timeout_stops_start_up_with_a_message(env, message):
    result = run(
        ["manage.py", "check"], child_env(**PRODUCTION_LIKE, DATABASE_URL=_postgres_url(), **env)
    )
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {message}" in result.stderr


def _handled(error: Exception, rf):
    request = rf.get("/")
    try:
        raise error
    except Exception:
        return server_error(request)


def test_the_error_handler_keeps_the_500_page_for_errors_that_are_not_outages(rf):
    # A statement cancelled by DB_STATEMENT_TIMEOUT or a dropped connection is an outage...
    for error in (OperationalError("canceling statement"), InterfaceError("connection closed")):
        response = _handled(error, rf)
        assert response.status_code == 503
        assert "sendfund is unavailable for a moment" in response.content.decode()
    # ...a bug, or another database error, is not.
    for error in (ValueError("bug"), IntegrityError("duplicate key")):
        response = _handled(error, rf)
        assert response.status_code == 500
        assert "Something went wrong" in response.content.decode()
