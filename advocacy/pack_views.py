"""The request pack from a pupil's page: build it, review it as HTML, send it as PDF.

SENCO and head only (advocacy.edit); each build is logged by sendfund.audit.middleware."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from advocacy import request_pack
from advocacy.models import RequestPack
from advocacy.tasks import build_request_pack_pdf
from pupils.models import Pupil
from sendfund.jobs.services import file_job_start
from sendfund.schools.access import require_capability, school_object_or_404

CAPABILITY = "advocacy.edit"


def _pack(request: HttpRequest, public_id) -> RequestPack:
    return school_object_or_404(
        RequestPack.objects.select_related("pupil", "school", "action", "school__local_authority"),
        request,
        public_id=public_id,
    )


@require_capability(CAPABILITY)
def pack_add(request: HttpRequest, public_id) -> HttpResponse:
    pupil = school_object_or_404(Pupil, request, public_id=public_id)
    today = dt.date.today()
    form = request_pack.PackForm(
        request.POST or None, school=request.school, pupil=pupil, today=today
    )
    if request.method == "POST" and form.is_valid():
        pack = request_pack.create(form.save(commit=False), user=request.user, today=today)
        messages.success(
            request,
            f"Request pack built; the advocacy action “{pack.action}” records the request.",
        )
        return redirect("advocacy:request_pack", public_id=pack.public_id)
    earlier = RequestPack.objects.for_school(request.school).filter(pupil=pupil)[:10]
    return render(
        request,
        "advocacy/request_pack_new.html",
        {"form": form, "pupil": pupil, "earlier": earlier},
    )


@require_capability(CAPABILITY)
def pack_detail(request: HttpRequest, public_id) -> HttpResponse:
    pack = _pack(request, public_id)
    figures = request_pack.build(pack, today=dt.date.today())
    return render(request, "advocacy/request_pack.html", {"p": figures})


@require_POST
@require_capability(CAPABILITY)
def pack_pdf_build(request: HttpRequest, public_id) -> HttpResponse:
    """Build the pack's PDF on a worker (the same path as the evidence pack's PDF)."""
    pack = _pack(request, public_id)
    job = file_job_start(
        school=request.school,
        user=request.user,
        kind="pdf:request_pack",
        title=f"{pack.get_kind_display()} pack (PDF)",
        capability=CAPABILITY,
        options={"pack": str(pack.public_id), "today": dt.date.today().isoformat()},
        task=build_request_pack_pdf,
        back=reverse("advocacy:request_pack", kwargs={"public_id": pack.public_id}),
    )
    return redirect("jobs:detail", public_id=job.public_id)
