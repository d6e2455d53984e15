"""Failed sign-in lockout that an attacker cannot turn against the head (issue #12 item 6).

- Failures are counted per username *and* real client address: five wrong passwords for
  `head` from one address lock only that address out of `head` (AXES_FAILURE_LIMIT).
- A username-wide lockout applies only at SENDFUND_USERNAME_FAILURE_LIMIT failures (50 by
  default) from all addresses together within the hour.
- The client address is REMOTE_ADDR, or behind SENDFUND_TRUSTED_PROXIES reverse proxies the
  address the outermost trusted proxy saw (counted from the right of X-Forwarded-For), so a
  client cannot choose its own address by sending the header.
- An email address typed instead of the username counts against the same account.
- A completed password reset clears every lockout of that account (see `unlock_on_reset`).
"""

from __future__ import annotations

import logging

from allauth.account.signals import password_reset
from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.dispatch import receiver

log = logging.getLogger(__name__)


def client_ip(request) -> str | None:
    """The real client address: REMOTE_ADDR, or the address the outermost of the
    SENDFUND_TRUSTED_PROXIES proxies recorded in X-Forwarded-For."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.SENDFUND_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    chain = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chain = [a for a in chain if a]
    # Each trusted proxy appends the address it saw; the last `proxies` entries were written
    # by our proxies, and the first of those is the client as the outermost proxy saw it.
    if len(chain) >= proxies:
        return chain[-proxies]
    return chain[0] if chain else remote


def username_for_lockout(request, credentials: dict | None) -> str | None:
    """The account's username, whether its username or its email address was typed."""
    typed = None
    if credentials:
        typed = credentials.get("username") or credentials.get("email")
    if typed is None and request is not None:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        typed = data.get("login") or data.get("username")
    if not typed:
        return None
    typed = typed.strip()
    User = get_user_model()
    if "@" in typed:
        match = User.objects.filter(email__iexact=typed).values_list("username", flat=True)
        found = list(match[:2])
        if len(found) == 1:
            return found[0]
    else:
        found = list(
            User.objects.filter(username__iexact=typed).values_list("username", flat=True)[:2]
        )
        if len(found) == 1:
            return found[0]
    return typed.lower()


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler plus the much higher username-wide limit."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        failures = super().get_failures(request, credentials)
        username = get_client_username(request, credentials)
        if username:
            total = (
                AccessAttempt.objects.filter(
                    username=username, attempt_time__gte=get_cool_off_threshold(request)
                ).aggregate(total=Sum("failures_since_start"))["total"]
                or 0
            )
            if total >= settings.SENDFUND_USERNAME_FAILURE_LIMIT:
                # Locked everywhere: report at least the per-address limit.
                return max(failures, total, settings.AXES_FAILURE_LIMIT)
        return failures


@receiver(password_reset)
def unlock_on_reset(sender, request, user, **kwargs) -> None:
    """Proving control of the account's email address unlocks it from every address."""
    removed = axes_reset(username=user.get_username())
    if removed:
        log.info("Lockout cleared for %s by a password reset", user.get_username())
