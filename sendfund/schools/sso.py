"""Single sign-on with Microsoft Entra ID (Microsoft 365), Google Workspace or any OpenID Connect
identity provider (issue #12 item 3), through allauth's openid_connect provider.

- Configured per installation by environment (`providers_from_environment`, README
  "Single sign-on"); the sign-in page shows one button per configured provider.
- A school lists the email domains it trusts (School settings). SSO signs in only an existing
  account whose *verified* email address equals the address the identity provider vouches for,
  in a domain trusted by a school where that account holds a role (or by a school of a trust it
  leads). It never creates an account, a membership or a role.
- Two-factor: an id_token whose `amr` claim contains "mfa" counts as the second factor for the
  roles that need one; otherwise those roles are asked for their own (mfa.py), exactly as after
  a password.
"""

from __future__ import annotations

import logging

from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect

from sendfund.schools.mfa import SSO_MFA
from sendfund.schools.models import School

log = logging.getLogger("sendfund.security")

NO_ACCOUNT = (
    "Single sign-on did not find a sendfund account for that address at a school that trusts "
    "its domain. Ask your head teacher or school administrator for an invitation, or sign in "
    "with your username and password."
)


def _claims(sociallogin) -> tuple[dict, dict]:
    data = sociallogin.account.extra_data or {}
    return data.get("id_token") or {}, data.get("userinfo") or {}


def _vouched_email(sociallogin) -> str | None:
    """The address the identity provider vouches for, or None."""
    id_token, userinfo = _claims(sociallogin)
    claims = {**id_token, **userinfo}
    email = (claims.get("email") or "").strip().lower()
    if not email or "@" not in email:
        return None
    verified = claims.get("email_verified")
    if verified in (True, "true", "True", 1):
        return email
    app_settings = getattr(sociallogin.account.get_provider().app, "settings", {}) or {}
    if app_settings.get("email_verified_by_tenant"):
        return email
    return None


def trusting_schools(user, domain: str):
    """Schools where `user` holds a role (or that belong to a trust they lead) and that trust
    `domain` for single sign-on."""
    schools = School.objects.filter(
        Q(memberships__user=user) | Q(trust__trust_memberships__user=user)
    ).distinct()
    return [s for s in schools if domain in s.trusted_domains()]


def match_member(email: str):
    """The one account whose verified address is `email`, if a school it belongs to trusts the
    domain; else None."""
    domain = email.rsplit("@", 1)[1]
    owners = list(
        EmailAddress.objects.filter(email__iexact=email, verified=True)
        .select_related("user")
        .values_list("user", flat=True)
        .distinct()
    )
    if len(owners) != 1:
        return None
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=owners[0], is_active=True).first()
    if user is None or not trusting_schools(user, domain):
        return None
    return user


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        return False  # SSO never creates an account

    def is_auto_signup_allowed(self, request, sociallogin) -> bool:
        return False

    def pre_social_login(self, request, sociallogin) -> None:
        email = _vouched_email(sociallogin)
        user = match_member(email) if email else None
        if sociallogin.is_existing and user is not None and sociallogin.user.pk != user.pk:
            user = None  # the identity now vouches for someone else's address
        if user is None:
            log.warning(
                "SSO refused: %s via %s (%s)",
                email or "no verified email",
                sociallogin.account.provider,
                "linked" if sociallogin.is_existing else "no account",
            )
            messages.error(request, NO_ACCOUNT)
            raise ImmediateHttpResponse(redirect("account_login"))
        id_token, _ = _claims(sociallogin)
        amr = id_token.get("amr") or []
        request.session[SSO_MFA] = isinstance(amr, list) and "mfa" in amr
        if not sociallogin.is_existing:
            sociallogin.connect(request, user)
