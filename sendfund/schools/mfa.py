"""Two-factor authentication required for the roles that reach pupil-level data (SENCO, head,
school administrator), for trust leads and for superusers (issue #12 item 2).

Enforced at sign-in: the first sign-in that needs it starts a grace period of
settings.SENDFUND_MFA_GRACE_DAYS (7 by default) during which sendfund reminds the user at each
sign-in; after it, a sign-in without a second factor opens only the two-factor set-up pages
(and sign-out) until an authenticator app or a passkey is added. A user who has set one up is
asked for it by allauth at every sign-in. Single sign-on whose identity provider reports MFA
(the id_token's `amr` claim contains "mfa") counts as two factors (see sso.py).
"""

from __future__ import annotations

import datetime as dt
import logging

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import redirect
from django.utils import timezone

from sendfund.schools.models import Membership, MfaRequirement, TrustMembership
from sendfund.schools.roles import Role

log = logging.getLogger("sendfund.security")

MFA_ROLES = (Role.SENCO, Role.HEAD, Role.ADMIN)  # plus trust leads and superusers
SETUP_REQUIRED = "sendfund_mfa_setup_required"
SSO_MFA = "sendfund_sso_mfa"  # set by sso.py when the identity provider did MFA

# Pages a user who must set up a second factor may still open.
ALLOWED_URL_NAMES = {"account_logout", "account_reauthenticate", "mfa_reauthenticate", "healthz"}


def mfa_required(user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return (
        Membership.objects.filter(user=user, role__in=MFA_ROLES).exists()
        or TrustMembership.objects.filter(user=user).exists()
    )


def has_mfa(user) -> bool:
    """An authenticator app or a passkey (recovery codes alone do not count)."""
    return is_mfa_enabled(user, [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN])


def grace_deadline(user) -> dt.datetime:
    requirement, _ = MfaRequirement.objects.get_or_create(
        user=user, defaults={"required_since": timezone.now()}
    )
    return requirement.required_since + dt.timedelta(days=settings.SENDFUND_MFA_GRACE_DAYS)


@receiver(user_logged_in)
def check_mfa_at_sign_in(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    request.session.pop(SETUP_REQUIRED, None)
    if not mfa_required(user) or has_mfa(user) or request.session.get(SSO_MFA):
        return
    deadline = grace_deadline(user)
    if timezone.now() >= deadline:
        request.session[SETUP_REQUIRED] = True
        messages.warning(
            request,
            "Your role needs two-factor authentication: add an authenticator app or a passkey "
            "to continue.",
            fail_silently=True,
        )
    else:
        local = timezone.localtime(deadline)
        messages.warning(
            request,
            'Your role needs two-factor authentication. Set it up under "Two-factor '
            f'authentication" by {local:%d/%m/%Y}: after that date sendfund asks for it '
            "before anything else.",
            fail_silently=True,
        )


class MfaEnforcementMiddleware:
    """After the grace period, a session signed in without a second factor opens only the
    two-factor set-up pages and sign-out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        session = getattr(request, "session", None)
        if session is None or not session.get(SETUP_REQUIRED):
            return None
        if not request.user.is_authenticated or has_mfa(request.user):
            session.pop(SETUP_REQUIRED, None)
            return None
        match = request.resolver_match
        name = match.url_name if match else ""
        if name and (name.startswith("mfa_") or name in ALLOWED_URL_NAMES):
            return None
        if request.path.startswith(settings.STATIC_URL):
            return None
        return redirect("mfa_index")
