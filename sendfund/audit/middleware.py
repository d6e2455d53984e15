"""Who and which request: pghistory's context for every database change, and the access log.

Every request runs inside `pghistory.context(user, school, method, path, request_id)`, so each
event row the triggers write carries them. After the response, views of a pupil's page,
exports and imports are written to `AccessLog` (one prepared INSERT; the pupil is looked up
inside it).
"""

from __future__ import annotations

import uuid
from contextlib import nullcontext

import pghistory
from django.db import connection
from django.utils import timezone

from advocacy.models import RequestPack
from pupils.models import Pupil
from sendfund.audit.models import AccessKind, AccessLog
from sendfund.lib.sql import Prepared

# URL name -> (kind, methods, logged statuses). An import is logged whether it was applied
# (a redirect) or refused (the preview again); the status says which.
LOGGED = {
    "pupils:detail": (AccessKind.PUPIL_VIEW, {"GET"}, {200}),
    "pupil_imports:export_register": (AccessKind.REGISTER_EXPORT, {"GET"}, {200}),
    "pupil_imports:confirm": (AccessKind.IMPORT, {"POST"}, {200, 302, 400}),
    "audit:export": (AccessKind.AUDIT_EXPORT, {"GET"}, {200}),
    # A pupil's request pack: built (the form's POST), opened as HTML, sent to be a PDF.
    "advocacy:request_pack_add": (AccessKind.REQUEST_PACK, {"POST"}, {302}),
    "advocacy:request_pack": (AccessKind.REQUEST_PACK, {"GET"}, {200}),
    "advocacy:request_pack_pdf": (AccessKind.REQUEST_PACK, {"POST"}, {302}),
}
# URL name -> how its `public_id` names the pupil: the pupil's own id, or a request pack's.
PUPIL_BY = {
    "pupils:detail": "pupil",
    "advocacy:request_pack_add": "pupil",
    "advocacy:request_pack": "pack",
    "advocacy:request_pack_pdf": "pack",
}
HEADER = "X-Request-ID"


def _table_export(request) -> bool:
    return request.GET.get("format") == "csv"


class AuditMiddleware:
    """After CurrentSchoolMiddleware: the user and school are known."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = uuid.uuid4()
        user = request.user.pk if request.user.is_authenticated else None
        school = getattr(request, "school", None)
        context = {
            "user": user,
            "school": school.pk if school else None,
            "method": request.method,
            "path": request.path[:500],
            "request_id": str(request.request_id),
        }
        # Kept for work done after the response on this request's behalf (an import confirmed
        # here and written by a worker records the same context).
        request.audit_context = context
        # pghistory prefixes writes with PostgreSQL's set_config; elsewhere there are no triggers.
        tracking = (
            pghistory.context(**context) if connection.vendor == "postgresql" else nullcontext()
        )
        with tracking:
            response = self.get_response(request)
            self._log_access(request, response)
        response[HEADER] = str(request.request_id)
        return response

    def _log_access(self, request, response) -> None:
        match = getattr(request, "resolver_match", None)
        school = getattr(request, "school", None)
        if match is None or school is None or not request.user.is_authenticated:
            return
        kind, methods, statuses = LOGGED.get(match.view_name, (None, set(), set()))
        detail = ""
        if match.view_name == "funding:dashboard" and _table_export(request):
            kind, methods, statuses = AccessKind.TABLE_EXPORT, {"GET"}, {200}
            detail = request.GET.get("table", "")[:200]
        if kind is None or request.method not in methods or response.status_code not in statuses:
            return
        by = PUPIL_BY.get(match.view_name) if "public_id" in match.kwargs else None
        _INSERT.fetch(
            [
                school.pk,
                request.user.pk,
                by,
                match.kwargs.get("public_id"),
                str(kind),
                timezone.now(),
                request.method,
                request.path[:500],
                request.request_id,
                response.status_code,
                detail,
            ]
        )


def _insert_sql() -> str:
    log, pupil, pack = (m._meta.db_table for m in (AccessLog, Pupil, RequestPack))
    return (
        f"INSERT INTO {log} (school_id, user_id, pupil_id, kind, at, method, path, request_id,"  # noqa: S608
        " status_code, detail) VALUES ($1, $2, CASE $3::text"
        f" WHEN 'pupil' THEN (SELECT id FROM {pupil} WHERE school_id = $1 AND public_id = $4)"
        f" WHEN 'pack' THEN (SELECT pupil_id FROM {pack} WHERE school_id = $1 AND public_id = $4)"
        " END, $5, $6, $7, $8, $9, $10, $11) RETURNING id"
    )


# One row per logged request, written with the school's own pupil (or request pack's pupil)
# looked up inside it: a public id from another school names no one. Planned once per
# connection (the ORM's create cost more to build than the INSERT takes to run).
_INSERT = Prepared("access_log_insert", _insert_sql)
