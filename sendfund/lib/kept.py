"""Whole pages kept as rendered, for the pages every head and trust lead opens most.

A page built only from stored summaries (funding.gap_store) changes when they do: every write
to what they are made of deletes the school's summaries, and a rebuilt one takes a new id. So
a page rendered from summaries with ids S can be served again, as it was, for as long as all
of S still exist and nothing else it shows has changed. `kept_page` keeps such pages in the
process's cache and serves one after a single query checking its summaries (no form, no
template, no summary read); anything else the page shows is in its key (`page_key`):

- the request: path and exact query string (only a query that was answered once with a
  rendered page is ever looked up; a bad one is never kept), the day (the default period);
- the signed-in person: user id and name, school, role, the schools they may switch to, every
  capability the navigation and the page test (a role or school setting change alters it),
  the idle sign-out warning, the language.

A page with a message waiting (a flash after a redirect) is never served kept. The CSRF token
is the one part that differs per request: pages are rendered with `CSRF_SLOT` in its place
and each response gets the request's own token (`fill_csrf`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Sequence

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token

# Rendered in the place of the request's CSRF token; random per process, so no text a user
# typed into a page can match it.
CSRF_SLOT = "csrf-slot-" + secrets.token_hex(16)
KEPT_SECONDS = 3600  # at most; a write ends a kept page's use at once


def page_key(request: HttpRequest, kind: str, *extra) -> str | None:
    """The key of this request's kept page, or None when it must not be served kept. `extra`:
    anything else the page shows that is not in its summaries (e.g. the trust's name)."""
    from sendfund.schools.context_processors import current_school
    from sendfund.schools.idle import idle_context

    user = request.user
    school = getattr(request, "school", None)
    if school is None or not user.is_authenticated or len(get_messages(request)):
        return None
    chrome = current_school(request)
    parts = (
        kind,
        request.path,
        request.META.get("QUERY_STRING", ""),
        dt.date.today(),
        getattr(request, "LANGUAGE_CODE", ""),
        user.pk,
        user.get_username(),
        school.pk,
        school.name,
        getattr(request, "role", None),
        choices_signature(getattr(request, "school_choices", [])),
        tuple(sorted(chrome["can"].items())),
        idle_context(request)["idle_timeout_seconds"],
        extra,
    )
    return f"page:{kind}:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def choices_signature(choices) -> tuple:
    """(pk, public id, name, role) of each school the person may switch to: read from the
    rows when the middleware's SchoolChoices gives them, building no school."""
    if hasattr(choices, "signature"):
        return choices.signature()
    return tuple((s.pk, str(s.public_id), s.name, s.role) for s in choices)


def fill_csrf(html: str, request: HttpRequest) -> str:
    """The page with this request's CSRF token where it was rendered with CSRF_SLOT."""
    if CSRF_SLOT not in html:
        return html
    return html.replace(CSRF_SLOT, get_token(request))


def kept_page(
    request: HttpRequest, key: str | None, current: Callable[[Sequence[int]], bool]
) -> str | None:
    """The kept page under `key`, filled for this request, when `current(ids)` says the
    summaries it was rendered from all still exist; else None."""
    if key is None:
        return None
    kept = cache.get(key)
    if kept is None:
        return None
    ids, html = kept
    if not current(ids):
        cache.delete(key)
        return None
    return fill_csrf(html, request)


def keep_page(key: str | None, ids: Sequence[int] | None, html: str) -> None:
    """Keep `html` (rendered with CSRF_SLOT) under `key`, made from the summaries `ids`."""
    if key is not None and ids:
        cache.set(key, (tuple(ids), html), KEPT_SECONDS)


def render_kept(
    request: HttpRequest,
    key: str | None,
    ids: Sequence[int | None] | None,
    template: str,
    context: dict,
) -> HttpResponse:
    """Render a page with CSRF_SLOT for its token, keep it under `key` as made from the
    summaries `ids` (not kept when there are none), and answer with this request's token."""
    from django.template.loader import render_to_string

    html = render_to_string(template, {**context, "csrf_token": CSRF_SLOT}, request)
    keep_page(key, [i for i in ids or () if i], html)
    return HttpResponse(fill_csrf(html, request))
