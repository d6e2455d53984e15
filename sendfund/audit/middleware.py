"""Who and which request: pghistory's context for every database change, and the access log.

Every request runs inside `pghistory.context(user, school, method, path, request_id)`, so each
event row the triggers write carries them. After the response, views of a pupil's page,
exports and imports are written to `AccessLog` (one INSERT; the pupil is looked up inside it).
"""

from __future__ import annotations

import uuid
from contextlib import nullcontext

import pghistory
from django.db import connection
from django.db.models import Subquery

from advocacy.models import RequestPack
from pupils.models import Pupil
from sendfund.audit.models import AccessKind, AccessLog

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
        pupil = None
        by = PUPIL_BY.get(match.view_name)
        if "public_id" in match.kwargs and by == "pupil":
            pupil = Subquery(
                Pupil.objects.for_school(school)
                .filter(public_id=match.kwargs["public_id"])
                .values("pk")[:1]
            )
        elif "public_id" in match.kwargs and by == "pack":
            pupil = Subquery(
                RequestPack.objects.for_school(school)
                .filter(public_id=match.kwargs["public_id"])
                .values("pupil_id")[:1]
            )
        AccessLog.objects.create(
            school=school,
            user=request.user,
            pupil_id=pupil,
            kind=kind,
            method=request.method,
            path=request.path[:500],
            request_id=request.request_id,
            status_code=response.status_code,
            detail=detail,
        )
