"""The trial path on SQLite: migrate, seed the demo twice, open every page as each demo user."""

import re

import pytest

from tests.subprocess_env import child_env, run

pytestmark = pytest.mark.smoke


def test_the_trial_runs_on_sqlite_with_the_demo_and_every_page_opens(tmp_path):
    env = child_env(DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path / 'trial.sqlite3'}")
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
