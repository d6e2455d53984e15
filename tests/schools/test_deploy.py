"""Production settings and the health check, each in a child process with its own environment."""

import pytest

from tests.subprocess_env import child_env, run

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k7$Qp2!vN9zR#tL4wX8mB6yH1cF5jD3sG0aE9uI7oP2qW4eT6rY8",
    "ALLOWED_HOSTS": "sendfund.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://sendfund.example.org",
    "DATABASE_URL": "postgres://sendfund:pw@db.internal:5432/sendfund",
    "SECURE_SSL_REDIRECT": "1",
}


def test_check_deploy_reports_no_issues_with_the_documented_production_variables():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "DEBUG"], child_env(**PRODUCTION)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = child_env(**{**PRODUCTION, "SECRET_KEY": ""})
    result = run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(
    ("url", "scheme"),
    [("sqlite:////tmp/sendfund.sqlite3", "sqlite"), ("mysql://root@127.0.0.1/sendfund", "mysql")],
)
@pytest.mark.parametrize("debug", ["0", "1"])
def test_settings_refuse_a_database_that_is_not_postgresql(url, scheme, debug):
    result = run(
        ["manage.py", "check"], child_env(**{**PRODUCTION, "DEBUG": debug, "DATABASE_URL": url})
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: DATABASE_URL must point at PostgreSQL" in result.stderr
    assert f"not '{scheme}'" in result.stderr


def test_production_refuses_to_start_without_a_database_url():
    env = child_env(**PRODUCTION)
    del env["DATABASE_URL"]
    result = run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "ImproperlyConfigured: DATABASE_URL must be set when DEBUG is off" in result.stderr


def test_a_debug_run_without_a_database_url_uses_the_local_server():
    env = child_env(DEBUG="1", DJANGO_SETTINGS_MODULE="sendfund.settings")
    env.pop("DATABASE_URL", None)
    script = (
        "from django.conf import settings as s; d = s.DATABASES['default'];"
        "print(d['ENGINE'], d['HOST'], d['PORT'], d['NAME'])"
    )
    result = run(["-c", script], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "sendfund.db",  # Django's PostgreSQL backend, sendfund/db/base.py
        "127.0.0.1",
        "5432",
        "sendfund",
    ]


@pytest.mark.parametrize("url", ["postgres://postgres@127.0.0.1:1/nowhere"])
def test_healthz_answers_503_when_the_database_is_down(url):
    script = (
        "import django; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz');"
        "print(r.status_code, r.content.decode())"
    )
    env = child_env(
        DEBUG="1",
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="sendfund.settings",
        ALLOWED_HOSTS="testserver",
    )
    result = run(["-c", script], env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("503"), result.stdout
