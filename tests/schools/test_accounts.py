import pytest
from django.contrib.auth.hashers import get_hasher
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_signing_in_with_the_right_password_opens_the_home_page(client, senco):
    response = client.post(
        reverse("login"), {"username": "alice", "password": "correct horse battery"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_a_wrong_password_shows_a_message(client, senco):
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


def test_five_failed_sign_ins_lock_the_account_even_with_the_right_password(client, senco):
    for _ in range(5):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    response = client.post(
        reverse("login"), {"username": "alice", "password": "correct horse battery"}
    )
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()


def test_passwords_are_hashed_with_argon2(settings):
    import sendfund.settings as project

    assert project.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    settings.PASSWORD_HASHERS = project.PASSWORD_HASHERS
    assert get_hasher().algorithm == "argon2"
    assert get_hasher().encode("secret", get_hasher().salt()).startswith("argon2$")


def test_password_reset_sends_an_email_with_a_link(client, senco):
    response = client.post(reverse("password_reset"), {"email": "alice@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/" in mail.outbox[0].body


def test_password_change_form_is_labelled(senco_client):
    html = senco_client.get(reverse("password_change")).content.decode()
    assert 'for="id_old_password"' in html


def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "up"}
