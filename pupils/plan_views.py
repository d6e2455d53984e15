"""SEN support plans (APDR cycles) on a pupil's page: start, edit and review a cycle."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from pupils import plan_forms, plan_services
from pupils.models import ProvisionAssignment, Pupil
from pupils.plan_models import InterventionMeasure, ProfessionalInvolvement, SupportPlan
from sendfund.lib.forms import add_service_errors
from sendfund.lib.views import form_saved, versioned
from sendfund.schools.access import require_capability, school_object_or_404


def _plan(request: HttpRequest, public_id) -> SupportPlan:
    return school_object_or_404(
        SupportPlan.objects.select_related("pupil"), request, public_id=public_id
    )


def _plan_form(request: HttpRequest, pupil: Pupil, plan: SupportPlan | None) -> HttpResponse:
    form = plan_forms.PlanForm(
        request.POST or None, instance=plan, school=request.school, pupil=pupil
    )

    def save(edited):
        return plan_services.plan_save(
            school=request.school,
            plan=edited,
            outcomes=form.cleaned_data["outcomes"],
            provision=form.cleaned_data["provision"],
            user=request.user,
            version=form.cleaned_data.get("version"),
        )

    to = reverse("pupils:detail", kwargs={"public_id": pupil.public_id})
    if done := form_saved(request, form, save, message="SEN support plan saved.", to=to):
        return done
    title = f"SEN support plan: {pupil}" if plan is None else f"Edit {plan}: {pupil}"
    return render(
        request,
        "pupils/form.html",
        {"form": form, "title": title, "pupil": pupil},
    )


@require_capability("provision.edit")
def plan_add(request: HttpRequest, public_id) -> HttpResponse:
    return _plan_form(request, school_object_or_404(Pupil, request, public_id=public_id), None)


@require_capability("provision.edit")
def plan_edit(request: HttpRequest, public_id) -> HttpResponse:
    plan = _plan(request, public_id)
    if plan.is_reviewed:
        messages.info(
            request,
            f"{plan} was reviewed on {plan.reviewed_on:%d/%m/%Y} and is kept as it was; "
            "correct the review here, or start the next cycle.",
        )
        return redirect("pupils:plan_review", public_id=plan.public_id)
    return _plan_form(request, plan.pupil, plan)


@require_capability("provision.edit")
def plan_review(request: HttpRequest, public_id) -> HttpResponse:
    plan = _plan(request, public_id)
    form = plan_forms.PlanReviewForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            plan_services.plan_review_record(
                school=request.school,
                plan=plan,
                reviewed_on=form.cleaned_data["reviewed_on"],
                next_steps=form.cleaned_data["next_steps"],
                progress=form.progress(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Review of {plan} recorded.")
            return redirect("pupils:detail", public_id=plan.pupil.public_id)
    return render(
        request,
        "pupils/form.html",
        {"form": form, "title": f"Review {plan}: {plan.pupil}", "pupil": plan.pupil},
    )


# --- Professionals involved ----------------------------------------------------------------


def _professional_form(request, pupil: Pupil, record) -> HttpResponse:
    form = plan_forms.ProfessionalForm(
        request.POST or None, instance=record, school=request.school, pupil=pupil
    )
    save = versioned(form, plan_services.professional_save, school=request.school)
    to = reverse("pupils:detail", kwargs={"public_id": pupil.public_id})
    if done := form_saved(request, form, save, message=lambda saved: f"{saved} recorded.", to=to):
        return done
    delete_url = (
        reverse("pupils:professional_delete", kwargs={"public_id": record.public_id})
        if record is not None
        else None
    )
    return render(
        request,
        "pupils/form.html",
        {
            "form": form,
            "title": f"Professional involved: {pupil}",
            "pupil": pupil,
            "delete_url": delete_url,
        },
    )


@require_capability("provision.edit")
def professional_add(request: HttpRequest, public_id) -> HttpResponse:
    return _professional_form(
        request, school_object_or_404(Pupil, request, public_id=public_id), None
    )


def _professional(request: HttpRequest, public_id) -> ProfessionalInvolvement:
    return school_object_or_404(
        ProfessionalInvolvement.objects.select_related("pupil"), request, public_id=public_id
    )


@require_capability("provision.edit")
def professional_edit(request: HttpRequest, public_id) -> HttpResponse:
    record = _professional(request, public_id)
    return _professional_form(request, record.pupil, record)


@require_POST
@require_capability("provision.edit")
def professional_delete(request: HttpRequest, public_id) -> HttpResponse:
    record = _professional(request, public_id)
    plan_services.professional_delete(school=request.school, record=record)
    messages.success(request, f"{record} removed from {record.pupil}'s page.")
    return redirect("pupils:detail", public_id=record.pupil.public_id)


# --- Entry and exit measures on a provision row ---------------------------------------------


@require_capability("provision.edit")
def measure_edit(request: HttpRequest, public_id) -> HttpResponse:
    assignment = school_object_or_404(
        ProvisionAssignment.objects.select_related("pupil", "provision"),
        request,
        public_id=public_id,
    )
    measure = InterventionMeasure.objects.filter(assignment=assignment).first()
    form = plan_forms.MeasureForm(request.POST or None, instance=measure, assignment=assignment)
    save = versioned(form, plan_services.measure_save, as_="measure", school=request.school)
    message = f"Measures for {assignment.provision} saved."
    to = reverse("pupils:detail", kwargs={"public_id": assignment.pupil.public_id})
    if done := form_saved(request, form, save, message=message, to=to):
        return done
    return render(
        request,
        "pupils/form.html",
        {
            "form": form,
            "title": f"Entry and exit measures: {assignment}",
            "pupil": assignment.pupil,
        },
    )
