"""Requests carrying a NUL character are refused with a clear 400, before any view runs.

PostgreSQL text cannot hold NUL (0x00): a search for `?q=%00` reached the database and failed
as a 500. No real name, note or search contains one, so every query string and form field
(names and values; uploaded files are checked by their own parsers) is checked here once.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.html import escape

MESSAGE = (
    "The request contained a NUL character (\\0), which text in sendfund cannot contain. "
    "Go back, remove it (it usually comes from pasting out of another program) and try again."
)


def _has_nul(query) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in query.lists())


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        form_post = request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        )
        if (
            "\x00" in request.path
            or _has_nul(request.GET)
            or (form_post and _has_nul(request.POST))
        ):
            body = (
                '<!doctype html><html lang="en-GB"><head><meta charset="utf-8">'
                "<title>Bad request</title></head><body><h1>Bad request</h1>"
                f"<p>{escape(MESSAGE)}</p></body></html>"
            )
            return HttpResponse(body, status=400, content_type="text/html; charset=utf-8")
        return self.get_response(request)
