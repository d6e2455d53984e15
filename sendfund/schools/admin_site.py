"""Django's admin site for support staff (issue #12 item 8): superusers only, and only in a
session that passed two-factor authentication. Its sign-in is allauth's (with lockout and the
second factor); README "Support staff and the admin site" says how to create the first
superuser."""

from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from allauth.account.internal.flows.login import get_authentication_records
from django.contrib import admin, messages
from django.shortcuts import redirect

from sendfund.schools.mfa import has_mfa


def passed_mfa(request) -> bool:
    """This session completed a second factor at sign-in."""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


class SuperuserAdminSite(admin.AdminSite):
    site_header = "sendfund support"
    site_title = "sendfund support"
    index_title = "Support"

    def has_permission(self, request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser and has_mfa(user) and passed_mfa(request))

    def login(self, request, extra_context=None):
        user = request.user
        if user.is_authenticated and user.is_superuser and not self.has_permission(request):
            messages.warning(
                request,
                "The admin site needs two-factor authentication: add an authenticator app or a "
                "passkey, then sign out and sign in again with it.",
            )
            return redirect("mfa_index")
        return secure_admin_login(super().login)(request, extra_context)
