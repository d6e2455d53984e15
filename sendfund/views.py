"""Project-level pages: each role's home page and the health check.

The home page composes panels from every app (each app's home.py), so it lives above the apps.
"""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from advocacy import home as advocacy_home
from funding import home as funding_home
from pupils import home as pupils_home
from reports import home as reports_home
from sendfund.jobs.workers import queue_state

HOME_PANELS = (pupils_home, funding_home, advocacy_home, reports_home)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if request.school is None:
        return render(request, "schools/no_school.html", status=403)
    context = {}
    for panel in HOME_PANELS:
        context.update(panel.home_context(request))
    return render(request, f"home/{request.role}.html", context)


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 when it does not (for load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        # The task queue: how long the oldest waiting task has waited (no worker, or too few).
        tasks = queue_state()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up", "tasks": tasks})
