"""Idle sign-out for the roles that see pupil-level data (issue #12 item 7).

A session of a SENCO, head teacher or school administrator (at any of their schools) that makes
no request for settings.SENDFUND_IDLE_MINUTES (30 by default) is signed out at its next request.
Pages warn two minutes before (static/js/idle.js, told the timeout by data attributes on <body>)
and offer to stay signed in, which calls schools:keep_alive.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from sendfund.schools.roles import CAPABILITIES

LAST_SEEN = "sendfund_last_seen"
PUPIL_DATA_ROLES = CAPABILITIES["pupils.view"]
WRITE_EVERY = 15  # seconds: spare the session table a write on every request


def idle_applies(request) -> bool:
    choices = getattr(request, "school_choices", [])
    # The middleware's SchoolChoices reads the roles from its rows, building no school.
    roles = choices.roles() if hasattr(choices, "roles") else {s.role for s in choices}
    return any(role in PUPIL_DATA_ROLES for role in roles)


def idle_seconds() -> int:
    return settings.SENDFUND_IDLE_MINUTES * 60


class IdleTimeoutMiddleware:
    """Runs after CurrentSchoolMiddleware, which finds the user's roles."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and idle_applies(request):
            now = time.time()
            last = request.session.get(LAST_SEEN)
            if last is not None and now - last > idle_seconds():
                logout(request)
                messages.info(
                    request,
                    f"You were signed out after {settings.SENDFUND_IDLE_MINUTES} minutes "
                    "without activity, to protect pupils' data. Sign in again to continue.",
                )
                if request.headers.get("HX-Request") or request.path == reverse(
                    "schools:keep_alive"
                ):
                    response = HttpResponse(status=401)
                    response["HX-Redirect"] = reverse("account_login")
                    return response
                return redirect(f"{reverse('account_login')}?next={request.path}")
            if last is None or now - last > WRITE_EVERY:
                request.session[LAST_SEEN] = now
        return self.get_response(request)


def idle_context(request) -> dict:
    """For base.html: the timeout that static/js/idle.js warns about (0 = none)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not idle_applies(request):
        return {"idle_timeout_seconds": 0}
    return {"idle_timeout_seconds": idle_seconds()}
