from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sendfund.schools.access import require_capability


@require_capability("advocacy.view")
def overview(request: HttpRequest) -> HttpResponse:
    return render(request, "advocacy/overview.html", {})
