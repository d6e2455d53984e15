"""Project-level pages: each role's home page and the health check.

The home page composes panels from every app (each app's home.py), so it lives above the apps.
"""

import sys

from django.contrib.auth.decorators import login_required
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views import defaults
from django.views.decorators.cache import never_cache

from advocacy import home as advocacy_home
from funding import home as funding_home
from pupils import home as pupils_home
from reports import home as reports_home
from sendfund import health

HOME_PANELS = (pupils_home, funding_home, advocacy_home, reports_home)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if request.school is None:
        return render(request, "schools/no_school.html", status=403)
    context = {}
    for panel in HOME_PANELS:
        context.update(panel.home_context(request))
    return render(request, f"home/{request.role}.html", context)


def robots_txt(request: HttpRequest) -> HttpResponse:
    """Search engines keep out: nothing here is for the public. (No database: the benchmark
    also uses it as its no-database page.)"""
    return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain")


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 when it does not (for load balancers), within 2 s."""
    body, status = health.database_state()
    return JsonResponse(body, status=status)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: an error that means the database is out of reach (refused, no answer,
    a statement cancelled by DB_STATEMENT_TIMEOUT, a dropped connection) is the 503 page;
    anything else is the 500 page. Neither page touches the database or shows a trace."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        response = HttpResponse(
            loader.get_template("503.html").render(), status=503, content_type="text/html"
        )
        response["Retry-After"] = "60"
        return response
    return defaults.server_error(request)
