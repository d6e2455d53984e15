"""The trial path (scripts/run) on PostgreSQL: migrate an empty database, seed the demo twice,
open every page as each demo user. The database is <name>_smoke on the server DATABASE_URL
names (scripts/test: the local or the embedded server), made empty for the test and dropped
after it."""

import os
import re
from urllib.parse import unquote, urlsplit, urlunsplit

import psycopg2
import pytest

from tests.subprocess_env import child_env, run

pytestmark = pytest.mark.smoke


@pytest.fixture
def trial_database_url():
    url = urlsplit(os.environ["DATABASE_URL"])
    name = f"{unquote(url.path.lstrip('/')) or 'sendfund'}_smoke"
    admin = psycopg2.connect(
        host=url.hostname,
        port=url.port or 5432,
        user=unquote(url.username or "") or None,
        password=unquote(url.password or "") or None,
        dbname="postgres",
    )
    admin.autocommit = True

    def drop():
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    drop()
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(url._replace(path=f"/{name}"))
    finally:
        drop()
        admin.close()


def test_the_trial_migrates_seeds_the_demo_and_every_page_opens(trial_database_url):
    env = child_env(DEBUG="1", DATABASE_URL=trial_database_url)
    migrate = run(["manage.py", "migrate", "--no-input", "-v0"], env)
    assert migrate.returncode == 0, migrate.stderr
    first = run(["manage.py", "seed_demo"], env)
    assert first.returncode == 0, first.stderr
    assert "Demo ready" in first.stdout
    added = sum(int(n) for n in re.findall(r"(\d+) pupils added", first.stdout))
    assert added >= 1500

    again = run(["manage.py", "seed_demo"], env)
    assert again.returncode == 0, again.stderr
    assert re.findall(r"(\d+) pupils added", again.stdout) == ["0", "0", "0"]

    walk = run(["tests/smoke/walk_pages.py"], env, timeout=1200)
    assert walk.returncode == 0, walk.stdout[-4000:] + walk.stderr[-4000:]
    assert re.search(r"opened [1-9]\d* pages, 0 unexpected", walk.stdout)
