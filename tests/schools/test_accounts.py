import re

import pytest
from django.contrib.auth.hashers import get_hasher
from django.core import mail
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_signing_in_with_the_right_password_opens_the_home_page(client, senco):
    response = client.post(
        reverse("account_login"), {"login": "alice", "password": "correct horse battery"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_a_wrong_password_shows_a_message(client, senco):
    response = client.post(reverse("account_login"), {"login": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


def test_five_failed_sign_ins_lock_the_account_even_with_the_right_password(client, senco):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "alice", "password": "wrong"})
    response = client.post(
        reverse("account_login"), {"login": "alice", "password": "correct horse battery"}
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
    response = client.post(reverse("account_reset_password"), {"email": "alice@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/" in mail.outbox[0].body


def test_password_change_form_is_labelled(senco_client):
    html = senco_client.get(reverse("account_change_password")).content.decode()
    assert 'for="id_oldpassword"' in html


def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "up",
        "tasks": {"waiting": 0, "oldest_waiting_seconds": None},  # issue #13: the task queue
    }


# --- django-allauth in place (issue #12 item 1) ---


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """allauth's throttles live in the cache: each test starts with none used."""
    from django.core.cache import cache

    cache.clear()


def _sign_in(client, login, password, **extra):
    return client.post(reverse("account_login"), {"login": login, "password": password}, **extra)


def test_signing_in_with_the_email_address_works_too(client, senco):
    response = _sign_in(client, "alice@example.org", "correct horse battery")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_nobody_can_sign_themselves_up(client, db):
    from django.contrib.auth import get_user_model

    response = client.post(
        reverse("account_signup"),
        {
            "username": "mallory",
            "email": "m@example.org",
            "password1": "a long enough password 1",
            "password2": "a long enough password 1",
        },
    )
    assert response.status_code == 200
    assert "Sign up closed" in response.content.decode() or "closed" in response.content.decode()
    assert not get_user_model().objects.filter(username="mallory").exists()


def _reset_link(body: str) -> str:
    import re

    return re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", body).group(1)


def _reset_password(client, email, new_password):
    client.post(reverse("account_reset_password"), {"email": email})
    link = _reset_link(mail.outbox[-1].body)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    return client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"password1": new_password, "password2": new_password},
    )


def test_a_password_reset_sets_a_new_password_that_signs_in(client, senco):
    response = _reset_password(client, "alice@example.org", "a brand new passphrase 42")
    assert response.status_code == 302
    senco.refresh_from_db()
    assert senco.check_password("a brand new passphrase 42")


def test_a_reset_for_an_unknown_address_looks_the_same_and_sends_no_link(client, senco):
    known = client.post(reverse("account_reset_password"), {"email": "alice@example.org"})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert "/accounts/password/reset/key/" not in mail.outbox[-1].body


def test_a_changed_email_address_takes_effect_only_once_verified(senco_client, senco):
    from allauth.account.models import EmailAddress

    # Alice's address is verified (she accepted her invitation by following a link to it).
    EmailAddress.objects.filter(user=senco).update(verified=True)
    response = senco_client.post(
        reverse("account_email"), {"action_add": "", "email": "alice.new@example.org"}
    )
    assert response.status_code == 302
    senco.refresh_from_db()
    assert senco.email == "alice@example.org"  # not yet
    assert "confirm-email" in mail.outbox[-1].body
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", mail.outbox[-1].body)
    senco_client.post(link.group(1))
    senco.refresh_from_db()
    assert senco.email == "alice.new@example.org"
    assert EmailAddress.objects.get(user=senco, email="alice.new@example.org").verified


# --- Lockout an attacker cannot turn against the head (issue #12 item 6) ---


def test_failures_from_one_address_do_not_lock_the_owner_out_elsewhere(client, head):
    for _ in range(5):
        _sign_in(client, "harriet", "wrong", REMOTE_ADDR="198.51.100.7")
    attacker = _sign_in(client, "harriet", "correct horse battery", REMOTE_ADDR="198.51.100.7")
    assert attacker.status_code == 429
    owner = _sign_in(Client(), "harriet", "correct horse battery", REMOTE_ADDR="192.0.2.10")
    assert owner.status_code == 302 and owner["Location"] == reverse("home")


def test_an_email_address_typed_instead_counts_against_the_same_account(client, head):
    for _ in range(3):
        _sign_in(client, "harriet", "wrong")
    for _ in range(2):
        _sign_in(client, "harriet@example.org", "wrong")
    assert _sign_in(client, "harriet", "correct horse battery").status_code == 429


def test_a_username_wide_lockout_only_at_a_much_higher_count(client, head, settings):
    settings.SENDFUND_USERNAME_FAILURE_LIMIT = 12
    # 11 failures spread over addresses (at most 4 from each, under the per-address limit).
    for n in range(11):
        _sign_in(client, "harriet", "wrong", REMOTE_ADDR=f"203.0.113.{n // 4 + 1}")
    fresh = _sign_in(Client(), "harriet", "correct horse battery", REMOTE_ADDR="192.0.2.50")
    assert fresh.status_code == 302
    for n in range(12):
        _sign_in(client, "harriet", "wrong", REMOTE_ADDR=f"203.0.113.{n // 4 + 10}")
    locked = _sign_in(Client(), "harriet", "correct horse battery", REMOTE_ADDR="192.0.2.51")
    assert locked.status_code == 429


def test_behind_the_trusted_proxy_the_forwarded_address_is_the_client(client, head, settings):
    settings.SENDFUND_TRUSTED_PROXIES = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(5):
        _sign_in(client, "harriet", "wrong", HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)
    # The same proxy, another client: not locked.
    other = _sign_in(
        Client(), "harriet", "correct horse battery", HTTP_X_FORWARDED_FOR="192.0.2.9", **proxy
    )
    assert other.status_code == 302
    # A client cannot dodge the count by sending its own X-Forwarded-For: the proxy appends
    # the real address, and only the last entry is trusted.
    spoofed = _sign_in(
        Client(),
        "harriet",
        "correct horse battery",
        HTTP_X_FORWARDED_FOR="192.0.2.200, 198.51.100.7",
        **proxy,
    )
    assert spoofed.status_code == 429


def test_without_a_trusted_proxy_a_forwarded_for_header_is_ignored(client, head, settings):
    settings.SENDFUND_TRUSTED_PROXIES = 0
    for n in range(5):
        _sign_in(client, "harriet", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert _sign_in(client, "harriet", "correct horse battery").status_code == 429


def test_a_locked_user_unlocks_themselves_with_a_reset_email(client, head):
    for _ in range(5):
        _sign_in(client, "harriet", "wrong")
    assert _sign_in(client, "harriet", "correct horse battery").status_code == 429
    locked_page = _sign_in(client, "harriet", "correct horse battery").content.decode()
    assert reverse("account_reset_password") in locked_page
    assert _reset_password(Client(), "harriet@example.org", "a brand new passphrase 42").status_code
    response = _sign_in(Client(), "harriet", "a brand new passphrase 42")
    assert response.status_code == 302 and response["Location"] == reverse("home")


# --- Two-factor authentication required for pupil-data roles and trust leads (item 2) ---


def _past_grace(user, settings):
    import datetime as dt

    from django.utils import timezone

    from sendfund.schools.models import MfaRequirement

    MfaRequirement.objects.create(
        user=user,
        required_since=timezone.now()
        - dt.timedelta(days=settings.SENDFUND_MFA_GRACE_DAYS, hours=1),
    )


def test_within_the_grace_period_sign_in_works_with_a_reminder(client, head):
    response = _sign_in(client, "harriet", "correct horse battery")
    assert response["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "needs two-factor authentication" in home.content.decode()


def test_after_the_grace_period_sign_in_opens_only_the_two_factor_set_up(client, head, settings):
    _past_grace(head, settings)
    _sign_in(client, "harriet", "correct horse battery")
    for name in ("home", "schools:people", "pupils:register", "account_email"):
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"] == reverse("mfa_index")
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.get(reverse("mfa_activate_totp")).status_code in (200, 302)


def test_once_an_authenticator_is_added_the_pages_open_again(client, head, settings):
    from allauth.mfa.models import Authenticator

    _past_grace(head, settings)
    _sign_in(client, "harriet", "correct horse battery")
    assert client.get(reverse("home")).status_code == 302
    Authenticator.objects.create(
        user=head, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    assert client.get(reverse("home")).status_code == 200


def test_a_governor_is_not_asked_for_two_factor(client, governor, settings):
    _past_grace(governor, settings)
    _sign_in(client, "gordon", "correct horse battery")
    assert client.get(reverse("home")).status_code == 200


def test_a_trust_lead_is_asked_for_two_factor(client, trust_lead, settings):
    _past_grace(trust_lead, settings)
    _sign_in(client, "tess", "correct horse battery")
    assert client.get(reverse("home"))["Location"] == reverse("mfa_index")


def test_with_an_authenticator_sign_in_asks_for_the_code(client, head):
    import pyotp
    from allauth.mfa.totp.internal.auth import TOTP

    secret = pyotp.random_base32()
    TOTP.activate(head, secret)
    response = _sign_in(client, "harriet", "correct horse battery")
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("home")).status_code == 302  # not signed in yet
    client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert client.get(reverse("home")).status_code == 302
    client.post(reverse("mfa_authenticate"), {"code": pyotp.TOTP(secret).now()})
    assert client.get(reverse("home")).status_code == 200


# --- Sessions: idle sign-out and signing out everywhere (issue #12 item 7) ---


def _age_session(client, seconds):
    import time

    session = client.session
    session["sendfund_last_seen"] = time.time() - seconds
    session.save()


def test_a_pupil_data_role_is_signed_out_after_30_minutes_idle(senco_client, settings):
    assert settings.SENDFUND_IDLE_MINUTES == 30
    senco_client.get(reverse("home"))
    _age_session(senco_client, 29 * 60)
    assert senco_client.get(reverse("home")).status_code == 200
    _age_session(senco_client, 31 * 60)
    response = senco_client.get(reverse("pupils:register"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    page = senco_client.get(response["Location"]).content.decode()
    assert "signed out after 30 minutes without activity" in page
    assert senco_client.get(reverse("home")).status_code == 302  # really signed out


def test_the_idle_limit_is_configurable_and_pages_carry_the_warning_script(senco_client, settings):
    settings.SENDFUND_IDLE_MINUTES = 10
    page = senco_client.get(reverse("home")).content.decode()
    assert 'data-idle-timeout="600"' in page and "js/idle.js" in page
    assert "<script>" not in page  # the warning is a static file, not an inline script
    _age_session(senco_client, 11 * 60)
    assert senco_client.get(reverse("home")).status_code == 302


def test_activity_moves_the_idle_clock_on_at_most_every_15_seconds(senco_client, monkeypatch):
    import time

    from sendfund.schools import idle

    monkeypatch.setattr(idle, "WRITE_EVERY", 15)  # as shipped (conftest.py lengthens it)
    senco_client.get(reverse("home"))
    _age_session(senco_client, 10)
    senco_client.get(reverse("home"))
    assert time.time() - senco_client.session["sendfund_last_seen"] >= 10  # not rewritten
    _age_session(senco_client, 20 * 60)
    senco_client.get(reverse("home"))
    assert time.time() - senco_client.session["sendfund_last_seen"] < 60  # moved on


def test_governors_are_not_signed_out_for_idling(governor_client):
    governor_client.get(reverse("home"))
    _age_session(governor_client, 3 * 60 * 60)
    page = governor_client.get(reverse("home"))
    assert page.status_code == 200
    assert "data-idle-timeout" not in page.content.decode()


def test_staying_signed_in_keeps_the_session(senco_client):
    senco_client.get(reverse("home"))
    _age_session(senco_client, 25 * 60)
    assert senco_client.get(reverse("schools:keep_alive")).status_code == 200
    _age_session(senco_client, 0)
    assert senco_client.get(reverse("home")).status_code == 200


def test_sign_out_everywhere_ends_every_session_with_one_button(head):
    laptop, phone = Client(), Client()
    for browser in (laptop, phone):
        assert _sign_in(browser, "harriet", "correct horse battery").status_code == 302
        assert browser.get(reverse("home")).status_code == 200
    page = phone.get(reverse("usersessions_list")).content.decode()
    assert "Sign out everywhere" in page
    response = phone.post(reverse("schools:sign_out_everywhere"))
    assert response.status_code == 302
    assert laptop.get(reverse("home")).status_code == 302
    assert phone.get(reverse("home")).status_code == 302
