from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from funding.models import FundingSource
from sendfund.schools.access import require_capability


@require_capability("funding.view")
def dashboard(request: HttpRequest) -> HttpResponse:
    total = FundingSource.objects.for_school(request.school).aggregate(total=Sum("amount"))
    return render(request, "funding/dashboard.html", {"total": total["total"]})
