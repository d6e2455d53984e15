"""Settings from the environment are read strictly (sendfund/lib/env.py)."""

import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from sendfund.lib.env import env_bool, env_int, env_list
from tests.subprocess_env import child_env


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("TRUE", True), (" yes ", True), ("on", True), ("0", False), ("off", False)],
)
def test_a_switch_reads_the_usual_words(monkeypatch, raw, expected):
    monkeypatch.setenv("SENDFUND_X", raw)
    assert env_bool("SENDFUND_X", not expected) is expected


def test_an_unset_or_empty_switch_takes_its_default(monkeypatch):
    monkeypatch.delenv("SENDFUND_X", raising=False)
    assert env_bool("SENDFUND_X", True) is True
    monkeypatch.setenv("SENDFUND_X", "  ")
    assert env_bool("SENDFUND_X", True) is True


def test_a_switch_that_is_neither_on_nor_off_is_refused(monkeypatch):
    monkeypatch.setenv("SENDFUND_X", "maybe")
    with pytest.raises(ImproperlyConfigured, match="SENDFUND_X must be 1 or 0"):
        env_bool("SENDFUND_X")


def test_a_number_is_read_within_its_range(monkeypatch):
    monkeypatch.setenv("SENDFUND_N", "1_000")
    assert env_int("SENDFUND_N", 5, minimum=1, maximum=1000) == 1000
    monkeypatch.setenv("SENDFUND_N", "abc")
    with pytest.raises(ImproperlyConfigured, match="SENDFUND_N must be a whole number, not 'abc'"):
        env_int("SENDFUND_N", 5, minimum=1, maximum=10)
    monkeypatch.setenv("SENDFUND_N", "0")
    with pytest.raises(ImproperlyConfigured, match="between 1 and 10, not 0"):
        env_int("SENDFUND_N", 5, minimum=1, maximum=10)


def test_a_list_drops_blanks(monkeypatch):
    monkeypatch.setenv("SENDFUND_L", " a, ,b ,")
    assert env_list("SENDFUND_L") == ["a", "b"]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SENDFUND_IDLE_MINUTES", "thirty", "SENDFUND_IDLE_MINUTES must be a whole number"),
        ("SENDFUND_AUDIT_RETENTION_DAYS", "1", "SENDFUND_AUDIT_RETENTION_DAYS must be between"),
        ("DEBUG", "perhaps", "DEBUG must be 1 or 0"),
    ],
)
def test_the_app_does_not_start_with_a_bad_setting(name, value, message):
    # A real start of Django in a child process: the message names the variable.
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=child_env(**{name: value, "DJANGO_SETTINGS_MODULE": "sendfund.settings"}),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert message in done.stderr
