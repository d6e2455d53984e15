"""Production settings and the health check, each in a child process with its own environment."""

import pytest

from tests.subprocess_env import child_env, run

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k7$Qp2!vN9zR#tL4wX8mB6yH1cF5jD3sG0aE9uI7oP2qW4eT6rY8",
    "ALLOWED_HOSTS": "sendfund.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://sendfund.example.org",
    "DATABASE_URL": "sqlite:////tmp/sendfund-deploy-check.sqlite3",
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
