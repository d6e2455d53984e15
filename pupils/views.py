from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from pupils.models import Pupil
from sendfund.schools.access import require_capability


@require_capability("pupils.view")
def register(request: HttpRequest) -> HttpResponse:
    pupils = Pupil.objects.for_school(request.school).on_roll().with_sen_status()
    page = Paginator(pupils, 50).get_page(request.GET.get("page"))
    return render(request, "pupils/register.html", {"page": page})
