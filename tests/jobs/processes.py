"""Real processes for the deployment tests: workers and gunicorn nodes on loopback ports.

Every process is started in its own process group and killed in teardown, whatever happened.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from urllib.parse import quote

from django.db import connection

from tests.subprocess_env import ROOT, child_env


def database_url() -> str:
    """The test database (the one this test's connection uses) as a DATABASE_URL."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_env(**extra: str) -> dict[str, str]:
    return child_env(
        DATABASE_URL=database_url(),
        SECRET_KEY="test-only-secret-key-for-the-process-tests-0123456789",
        SECURE_SSL_REDIRECT="0",
        SENDFUND_PLAIN_STATIC="1",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        AXES_ENABLED="0",
        **extra,
    )


class Processes:
    def __init__(self, log_dir):
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen] = []

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        proc = subprocess.Popen(  # noqa: S603
            args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        proc.log_path = log.name
        proc.log_file = log
        self.procs.append(proc)
        return proc

    def worker(self, name: str = "worker", **extra: str) -> subprocess.Popen:
        return self.start(
            name,
            [sys.executable, "manage.py", "run_worker", "--no-startup-delay", "--interval", "0.2"],
            app_env(**extra),
        )

    def web(self, name: str, port: int, **extra: str) -> subprocess.Popen:
        proc = self.start(
            name,
            [
                sys.executable,
                "-m",
                "gunicorn",
                "sendfund.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--timeout",
                "60",
            ],
            app_env(**extra),
        )
        wait_for_port(port, proc)
        return proc

    @staticmethod
    def kill(proc: subprocess.Popen, sig=signal.SIGKILL) -> None:
        if proc.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        proc.log_file.close()

    def log(self, proc: subprocess.Popen) -> str:
        with open(proc.log_path, "rb") as f:
            return f.read().decode(errors="replace")[-4000:]

    def stop_all(self) -> None:
        for proc in self.procs:
            self.kill(proc)


@contextmanager
def processes(log_dir):
    procs = Processes(log_dir)
    try:
        yield procs
    finally:
        procs.stop_all()


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process on port {port} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing listening on port {port} after {timeout}s")


def wait_until(check, *, timeout: float = 90, interval: float = 0.3, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
