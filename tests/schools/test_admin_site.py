"""Django's admin site: superusers only, and only after two-factor authentication (issue #12
item 8)."""

import pyotp
import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttles():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def support(db):
    user = UserFactory(username="support")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def _sign_in(client, login, code=None):
    client.post(reverse("account_login"), {"login": login, "password": "correct horse battery"})
    if code:
        client.post(reverse("mfa_authenticate"), {"code": code})


def test_signed_out_the_admin_sends_you_to_sign_in(client):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))


def test_school_staff_never_get_the_admin_site(head_client, school_admin_client):
    for client in (head_client, school_admin_client):
        response = client.get("/admin/", follow=True)
        assert response.status_code == 403


def test_a_superuser_without_two_factor_is_sent_to_set_it_up(client, support):
    _sign_in(client, "support")
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("mfa_index")
    assert "admin site needs two-factor authentication" in response.content.decode()


def test_a_superuser_signed_in_with_two_factor_opens_the_admin(client, support):
    secret = pyotp.random_base32()
    TOTP.activate(support, secret)
    _sign_in(client, "support", pyotp.TOTP(secret).now())
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "sendfund support" in response.content.decode()
    assert client.get("/admin/schools/rolechange/").status_code == 200


def test_a_session_that_skipped_the_second_factor_is_refused(support):
    # Two-factor set up, but this session never passed it (signed in some other way).
    TOTP.activate(support, pyotp.random_base32())
    client = Client()
    client.force_login(support)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("mfa_index")
