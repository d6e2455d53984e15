"""The README's production steps, run for real: DEBUG off, PostgreSQL, collectstatic with the
manifest storage, `check --deploy`, gunicorn, then every page opened as each demo user.

This is the path that failed in production while every other test passed (the vendored
Bootstrap bundle named a source map that was not vendored, so collectstatic stopped, and
every page was a 500 for want of a manifest entry): the rest of the suite serves static files
without the manifest, so only this test covers it.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid

import psycopg2
import pytest
from django.conf import settings
from django.db import connection
from django.shortcuts import resolve_url

from tests.subprocess_env import ROOT, child_env, run

pytestmark = pytest.mark.production

SECRET = "p7$Qz2!vN9zR#tL4wX8mB6yH1cF5jD3sG0aE9uI7oP2qW4eT6rY8"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def production_database(db):
    """A database of its own (created and dropped here) on the server the suite uses."""
    params = connection.settings_dict
    name = f"sendfund_prodpath_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(
        host=params["HOST"] or "127.0.0.1",
        port=params["PORT"] or 5432,
        user=params["USER"],
        password=params["PASSWORD"],
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    user = params["USER"] + (f":{params['PASSWORD']}" if params["PASSWORD"] else "")
    url = f"postgres://{user}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{name}"
    try:
        yield url
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


class Browser:
    """Just enough HTTP for a signed-in walk through a TLS-terminating proxy: the proxy's
    X-Forwarded-Proto header, and the session cookie sent by hand (it is Secure)."""

    def __init__(self, port: int, cookie: str = ""):
        self.port, self.cookie = port, cookie

    def get(self, path: str) -> tuple[int, str, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        headers = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        conn.close()
        text = body.decode("utf-8", "replace") if b"\0" not in body[:1024] else ""
        return response.status, text, dict(response.getheaders())


def test_the_readme_production_steps_serve_every_page(production_database, tmp_path):
    if not shutil.which("gunicorn", path=os.path.dirname(sys.executable)):
        pytest.fail("gunicorn is not installed in this environment (it is in the lock file).")
    env = child_env(
        DEBUG="0",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="127.0.0.1",
        CSRF_TRUSTED_ORIGINS="https://127.0.0.1",
        DATABASE_URL=production_database,
        STATIC_ROOT=str(tmp_path / "static"),
        SECURE_SSL_REDIRECT="1",
    )
    env.pop("SENDFUND_PLAIN_STATIC", None)  # the manifest storage, as production runs it

    # The README's steps, in order.
    for step in (
        ["manage.py", "migrate", "--no-input", "-v0"],
        ["manage.py", "collectstatic", "--no-input", "-v0"],
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
    ):
        result = run(step, env)
        assert result.returncode == 0, f"{step}: {result.stdout[-3000:]}{result.stderr[-3000:]}"
    assert (tmp_path / "static" / "staticfiles.json").exists()

    # The demo refuses to seed a production installation unless told it is not one.
    refused = run(["manage.py", "seed_demo"], env)
    assert refused.returncode != 0
    assert "--i-know-this-is-not-production" in refused.stderr
    seeded = run(["manage.py", "seed_demo", "--i-know-this-is-not-production"], env)
    assert seeded.returncode == 0, seeded.stderr[-3000:]

    walks_run = run(["tests/deploy/sessions_for_walk.py"], env)
    assert walks_run.returncode == 0, walks_run.stderr[-3000:]
    walks = json.loads(walks_run.stdout)
    assert {w["user"] for w in walks} >= {"senco", "head", "governor", "trustlead", "admin"}

    port = _free_port()
    server_log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115 (closed below)
    gunicorn = subprocess.Popen(  # noqa: S603
        [
            os.path.join(os.path.dirname(sys.executable), "gunicorn"),
            "sendfund.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=env,
        # A file, not a pipe: a pipe nobody reads fills up and blocks the workers.
        stdout=server_log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _, _ = Browser(port).get("/healthz")
                break
            except OSError:
                if time.monotonic() > deadline or gunicorn.poll() is not None:
                    raise
                time.sleep(0.3)
        assert status == 200

        # Signed out: the sign-in page renders, with fingerprinted static files that resolve.
        status, page, _ = Browser(port).get(resolve_url(settings.LOGIN_URL))
        assert status == 200, page[:2000]
        assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
        assert assets, "the sign-in page links no static files"
        for asset in assets:
            assert re.search(r"\.[0-9a-f]{12}\.", asset), f"{asset} is not fingerprinted"
            asset_status, _, headers = Browser(port).get(asset)
            assert asset_status == 200, asset
            assert "max-age" in headers.get("Cache-Control", ""), asset

        unexpected, opened = [], 0
        for walk in walks:
            browser = Browser(port, walk["cookie"])
            for url, expected in walk["pages"]:
                started = time.monotonic()
                try:
                    status, _, _ = browser.get(url)
                except TimeoutError:
                    status = "timeout"
                opened += 1
                took = time.monotonic() - started
                print(f"{status} {took:.2f}s {walk['user']} {walk['urn']} {url}")
                if status not in expected:
                    unexpected.append(f"{status} {walk['user']} {walk['urn']} {url}")
        assert opened > 300
        log = (tmp_path / "gunicorn.log").read_text(errors="replace")
        assert not unexpected, "\n".join(unexpected[:40]) + "\n" + log[-3000:]
        assert "Internal Server Error" not in log, log[-5000:]
    finally:
        gunicorn.terminate()
        try:
            gunicorn.wait(timeout=20)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
        server_log.close()
