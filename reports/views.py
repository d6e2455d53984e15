from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sendfund.schools.access import require_capability


@require_capability("reports.view")
def report_list(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/list.html", {})


@require_capability("trust.view")
def trust(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/trust.html", {})
