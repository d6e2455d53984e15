"""Single sign-on end to end against a real OpenID Connect provider on loopback (issue #12
item 3): discovery, the authorization redirect, the code exchange for a signed id_token and the
userinfo call all go over HTTP. The test plays the browser's part between the two sites."""

from urllib.parse import urlparse

import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
from django.urls import reverse

from sendfund.schools.models import Membership
from tests.schools.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def idp(settings):
    provider = Provider().start()
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "oidc",
                    "name": "Test Identity",
                    "client_id": CLIENT_ID,
                    "secret": CLIENT_SECRET,
                    "settings": {"server_url": provider.url},
                }
            ],
            "OAUTH_PKCE_ENABLED": True,
        }
    }
    yield provider
    provider.stop()


@pytest.fixture
def trusting(school):
    school.sso_domains = "brook.sch.uk"
    school.save()
    return school


def _verified(user, email):
    user.email = email
    user.save()
    EmailAddress.objects.filter(user=user).delete()
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)


def _identity(email, *, verified=True, amr=("pwd",), sub="idp-user-1"):
    return {"sub": sub, "email": email, "email_verified": verified, "amr": list(amr)}


def _sso(client, idp, identity):
    idp.next_identity = identity
    start = client.post(reverse("openid_connect_login", kwargs={"provider_id": "oidc"}))
    assert start.status_code == 302 and start["Location"].startswith(idp.url + "/authorize")
    # The browser follows the redirect to the identity provider (real HTTP) ...
    at_idp = requests.get(start["Location"], allow_redirects=False, timeout=10)
    assert at_idp.status_code == 302
    back = urlparse(at_idp.headers["Location"])
    # ... which sends it back to sendfund's callback with a code that sendfund exchanges.
    return client.get(f"{back.path}?{back.query}")


def test_the_sign_in_page_offers_the_configured_provider(client, idp):
    page = client.get(reverse("account_login")).content.decode()
    assert "Sign in with Test Identity" in page


def test_a_member_signs_in_by_sso_matched_by_verified_email(client, idp, trusting, governor):
    _verified(governor, "gordon@brook.sch.uk")
    response = _sso(client, idp, _identity("gordon@brook.sch.uk"))
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert idp.token_requests == 1
    home = client.get(reverse("home"))
    assert home.status_code == 200 and home.wsgi_request.user == governor


def test_sso_never_creates_an_account(client, idp, trusting):
    users = get_user_model().objects.count()
    response = _sso(client, idp, _identity("stranger@brook.sch.uk"))
    assert response["Location"] == reverse("account_login")
    assert get_user_model().objects.count() == users
    assert client.get(reverse("home")).status_code == 302
    page = client.get(reverse("account_login")).content.decode()
    assert "did not find a sendfund account" in page


def test_sso_refuses_an_unverified_email(client, idp, trusting, governor):
    _verified(governor, "gordon@brook.sch.uk")
    _sso(client, idp, _identity("gordon@brook.sch.uk", verified=False))
    assert client.get(reverse("home")).status_code == 302


def test_sso_refuses_an_address_the_account_has_not_verified(client, idp, trusting, governor):
    governor.email = "gordon@brook.sch.uk"
    governor.save()
    EmailAddress.objects.filter(user=governor).update(email="gordon@brook.sch.uk", verified=False)
    _sso(client, idp, _identity("gordon@brook.sch.uk"))
    assert client.get(reverse("home")).status_code == 302


def test_sso_refuses_a_domain_the_school_does_not_trust(client, idp, school, governor):
    _verified(governor, "gordon@brook.sch.uk")  # school.sso_domains is empty
    _sso(client, idp, _identity("gordon@brook.sch.uk"))
    assert client.get(reverse("home")).status_code == 302


def test_sso_never_grants_a_role(client, idp, trusting, outsider):
    # oscar is head elsewhere; Brook trusts his domain but he has no role at Brook.
    _verified(outsider, "oscar@brook.sch.uk")
    _sso(client, idp, _identity("oscar@brook.sch.uk"))
    assert client.get(reverse("home")).status_code == 302
    assert not Membership.objects.filter(user=outsider, school=trusting).exists()


def test_the_providers_mfa_claim_satisfies_a_role_that_needs_two_factor(
    client, idp, trusting, head, settings
):
    from tests.schools.test_accounts import _past_grace

    _verified(head, "harriet@brook.sch.uk")
    _past_grace(head, settings)
    _sso(client, idp, _identity("harriet@brook.sch.uk", amr=["pwd", "mfa"]))
    assert client.get(reverse("home")).status_code == 200


def test_without_the_mfa_claim_the_role_is_asked_for_its_own_second_factor(
    client, idp, trusting, head, settings
):
    from tests.schools.test_accounts import _past_grace

    _verified(head, "harriet@brook.sch.uk")
    _past_grace(head, settings)
    _sso(client, idp, _identity("harriet@brook.sch.uk", amr=["pwd"]))
    assert client.get(reverse("home"))["Location"] == reverse("mfa_index")


def test_with_an_authenticator_and_no_mfa_claim_sso_asks_for_the_code(client, idp, trusting, head):
    import pyotp

    _verified(head, "harriet@brook.sch.uk")
    secret = pyotp.random_base32()
    TOTP.activate(head, secret)
    response = _sso(client, idp, _identity("harriet@brook.sch.uk", amr=["pwd"]))
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("home")).status_code == 302
    client.post(reverse("mfa_authenticate"), {"code": pyotp.TOTP(secret).now()})
    assert client.get(reverse("home")).status_code == 200


def test_the_school_lists_the_domains_it_trusts(head_client, school):
    response = head_client.post(
        reverse("schools:settings"),
        {
            "name": school.name,
            "delivery_weeks": 38,
            "costing_basis": "actual",
            "sso_domains": "Brook.sch.uk, @brook-academy.org",
        },
    )
    assert response.status_code == 302
    school.refresh_from_db()
    assert school.trusted_domains() == {"brook.sch.uk", "brook-academy.org"}
    bad = head_client.post(
        reverse("schools:settings"),
        {"name": school.name, "delivery_weeks": 38, "costing_basis": "actual", "sso_domains": "x"},
    )
    assert bad.status_code == 200 and "is not a domain name" in bad.content.decode()
