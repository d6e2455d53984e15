"""SEN register, pupil pages, the costed provision map and the statutory clocks (/pupils/)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Exists
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from pupils import clocks, forms, queries, services
from pupils.models import (
    AnnualReview,
    AssessmentRequest,
    Need,
    Provision,
    ProvisionAssignment,
    Pupil,
    StaffRate,
    StaffRole,
)
from pupils.provision_table import provision_rows_html
from pupils.register_table import register_rows_html
from sendfund.lib import kept
from sendfund.lib.forms import add_service_errors
from sendfund.lib.sql import CompiledQuery
from sendfund.lib.versions import StaleEdit
from sendfund.lib.views import form_saved, versioned
from sendfund.schools.access import (
    can,
    compiled_object_or_404,
    require_capability,
    school_object_or_404,
)
from sendfund.schools.calendar import calendar_note
from sendfund.schools.models import School

PER_PAGE = 50
DUE_HORIZON_DAYS = 90


_SETUP_STATE = CompiledQuery(
    "rows",
    lambda school_id: School.objects.filter(pk=school_id).values(
        has_roles=Exists(StaffRole.objects.filter(school_id=school_id)),
        has_catalogue=Exists(Provision.objects.filter(school_id=school_id)),
    ),
)


def _setup_state(school) -> dict:
    """What a new SENCO has done so far: staff roles and rates, and a provision catalogue (one
    query, compiled once)."""
    return _SETUP_STATE.run(school_id=school.pk)[0]


@require_capability("pupils.view")
def register(request: HttpRequest) -> HttpResponse:
    # The page as last rendered for this person, query and day, while the school's newest
    # stored summary still exists: every write to pupils, statuses, needs, provision, rates,
    # the school or its days deletes it (funding.gap_store.latest_id, sendfund.lib.kept).
    from funding import gap_store  # funding depends on pupils, not the reverse

    key = kept.page_key(request, "register")
    if (html := kept.kept_page(request, key, gap_store.still_stored)) is not None:
        return HttpResponse(html)
    latest = gap_store.latest_id(request.school)  # read before anything the page shows
    filter_form = forms.RegisterFilterForm(request.GET or None)
    filters = filter_form.filters() if request.GET else {}
    pupils = queries.register_list(request.school, filters=filters)
    page = Paginator(pupils, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    threshold = queries.high_needs_threshold(request.school, dt.date.today())
    place_value = queries.place_value(request.school, dt.date.today())
    rows_html = register_rows_html(
        page, school=request.school, threshold=threshold, place_value=place_value
    )
    return kept.render_kept(
        request,
        key,
        [latest],
        "pupils/register.html",
        {
            "page": page,
            "filter_form": filter_form,
            "filtered": any(v for k, v in filters.items() if k != "sort"),
            "sort": filters.get("sort") or "name",
            "query": query.urlencode(),
            "sort_query": sort_query.urlencode(),
            "year": queries.cost_year(),
            "calendar": calendar_note(request.school, queries.cost_year()),
            "threshold": threshold,
            "place_value": place_value,
            "rows_html": rows_html,
            "export_url": reverse("pupil_imports:export_register"),
            "upload_url": reverse("pupil_imports:upload"),
        },
    )


# The pupil with their SEN status and primary need on a day, compiled once.
_PUPIL = CompiledQuery(
    "models",
    lambda school_id, public_id, today: (
        Pupil.objects.filter(school_id=school_id, public_id=public_id)
        .with_sen_status(today)
        .with_primary_need(today)
    ),
)


@require_capability("pupils.view")
def detail(request: HttpRequest, public_id) -> HttpResponse:
    today = dt.date.today()
    pupil = compiled_object_or_404(_PUPIL, request, public_id=public_id, today=today)
    context = queries.pupil_page(request.school, pupil, today)
    rows = provision_rows_html(context["assignments"], can_edit=can(request, "provision.edit"))
    return render(
        request,
        "pupils/detail.html",
        {
            "pupil": pupil,
            "today": today,
            "assignment_rows": rows,
            **context,
            **_setup_state(request.school),
        },
    )


def _form_page(request, form, template: str, **context) -> HttpResponse:
    return render(request, template, {"form": form, **context})


def _register(school, data: dict) -> Pupil:
    """The add form's cleaned data, as pupil_register takes it."""
    return services.pupil_register(
        school=school,
        forename=data["forename"],
        surname=data["surname"],
        date_of_birth=data["date_of_birth"],
        year_group=data["year_group"],
        upn=data["upn"],
        pupil_premium=data["pupil_premium"],
        looked_after=data["looked_after"],
        on_roll_date=data["on_roll_date"],
        sen_code=data["sen_code"],
        primary_need=data["primary_need"] or None,
        secondary_need=data["secondary_need"] or None,
        start_date=data["start_date"] or dt.date.today(),
        in_unit=bool(data.get("in_unit")),
    )


@require_capability("pupils.edit")
def pupil_add(request: HttpRequest) -> HttpResponse:
    form = forms.PupilAddForm(request.POST or None, school=request.school)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                pupil = _register(request.school, form.cleaned_data)
        except IntegrityError:
            # Another session added the same UPN between the form's check and our insert: the
            # database's unique constraint refused the second one.
            form.add_error("upn", "UPN: another pupil in this school already has this UPN.")
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{pupil.full_name} added to the register.")
            return redirect("pupils:detail", public_id=pupil.public_id)
    return _form_page(request, form, "pupils/form.html", title="Add a pupil")


@require_capability("pupils.edit")
def pupil_edit(request: HttpRequest, public_id) -> HttpResponse:
    pupil = school_object_or_404(Pupil, request, public_id=public_id)
    form = forms.PupilForm(request.POST or None, instance=pupil, school=request.school)
    if request.method == "POST" and form.is_valid():
        try:
            services.pupil_edit(
                school=request.school, pupil=pupil, version=form.cleaned_data.get("version")
            )
        except StaleEdit:
            form.refuse_stale()
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{pupil.full_name}'s details saved.")
            return redirect("pupils:detail", public_id=pupil.public_id)
    return _form_page(
        request, form, "pupils/form.html", title=f"Edit {pupil.full_name}", pupil=pupil
    )


@require_capability("pupils.edit")
def status_change(request: HttpRequest, public_id) -> HttpResponse:
    pupil = school_object_or_404(Pupil, request, public_id=public_id)
    form = forms.StatusForm(request.POST or None, school=request.school, pupil=pupil)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.sen_status_change(
                school=request.school,
                pupil=pupil,
                code=data["code"],
                start_date=data["start_date"],
                primary_need=data["primary_need"] or None,
                note=data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "SEN status recorded.")
            return redirect("pupils:detail", public_id=pupil.public_id)
    return _form_page(
        request, form, "pupils/form.html", title=f"Change SEN status: {pupil}", pupil=pupil
    )


@require_capability("pupils.edit")
def need_add(request: HttpRequest, public_id) -> HttpResponse:
    pupil = school_object_or_404(Pupil, request, public_id=public_id)
    form = forms.NeedForm(request.POST or None, school=request.school, pupil=pupil)
    if request.method == "POST" and form.is_valid():
        try:
            services.need_set(school=request.school, pupil=pupil, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Need recorded.")
            return redirect("pupils:detail", public_id=pupil.public_id)
    return _form_page(request, form, "pupils/form.html", title=f"Add a need: {pupil}", pupil=pupil)


@require_capability("pupils.edit")
def need_end(request: HttpRequest, public_id, rank: int) -> HttpResponse:
    pupil = school_object_or_404(Pupil, request, public_id=public_id)
    need = school_object_or_404(Need.objects.current(), request, pupil=pupil, rank=rank)
    form = forms.EndForm(request.POST or None)
    del form.fields["outcome"]
    if request.method == "POST" and form.is_valid():
        try:
            services.need_end(
                school=request.school, need=need, end_date=form.cleaned_data["end_date"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{need.get_code_display()} ended.")
            return redirect("pupils:detail", public_id=pupil.public_id)
    title = f"End need: {need.get_code_display()} (rank {need.rank})"
    return _form_page(request, form, "pupils/form.html", title=title, pupil=pupil)


# --- Provision for a pupil ---------------------------------------------------------------


def _assignment(request: HttpRequest, public_id) -> ProvisionAssignment:
    return school_object_or_404(
        ProvisionAssignment.objects.select_related("pupil"), request, public_id=public_id
    )


@require_capability("provision.edit")
def assignment_add(request: HttpRequest, public_id) -> HttpResponse:
    pupil = school_object_or_404(Pupil, request, public_id=public_id)
    form = forms.AssignmentForm(request.POST or None, school=request.school, pupil=pupil)
    if request.method == "POST" and form.is_valid():
        try:
            assignment = services.provision_assign(
                school=request.school, pupil=pupil, created_by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{assignment.provision} added to {pupil}'s provision.")
            return redirect("pupils:detail", public_id=pupil.public_id)
    return _form_page(
        request,
        form,
        "pupils/form.html",
        title=f"Assign provision: {pupil}",
        pupil=pupil,
        **_setup_state(request.school),
        needs_catalogue=True,
    )


@require_capability("provision.edit")
def assignment_edit(request: HttpRequest, public_id) -> HttpResponse:
    assignment = _assignment(request, public_id)
    pupil = assignment.pupil
    form = forms.AssignmentForm(
        request.POST or None, instance=assignment, school=request.school, pupil=pupil
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.provision_assignment_edit(
                school=request.school, assignment=assignment, **form.cleaned_data
            )
        except StaleEdit:
            form.refuse_stale()
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Provision saved.")
            return redirect("pupils:detail", public_id=pupil.public_id)
    return _form_page(request, form, "pupils/form.html", title=f"Edit {assignment}", pupil=pupil)


@require_capability("provision.edit")
def assignment_end(request: HttpRequest, public_id) -> HttpResponse:
    assignment = _assignment(request, public_id)
    form = forms.EndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.provision_end(
                school=request.school, assignment=assignment, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{assignment.provision} ended.")
            return redirect("pupils:detail", public_id=assignment.pupil.public_id)
    return _form_page(
        request, form, "pupils/form.html", title=f"End {assignment}", pupil=assignment.pupil
    )


# --- Statutory clocks ------------------------------------------------------------------------


def _clock_form(request, form_class, instance, pupil, title: str, success: str):
    form = form_class(request.POST or None, instance=instance, school=request.school, pupil=pupil)
    save = versioned(form, services.clock_record_save, school=request.school)
    to = reverse("pupils:detail", kwargs={"public_id": pupil.public_id})
    if done := form_saved(request, form, save, message=success, to=to):
        return done
    delete_url = None
    if instance is not None:
        name = "assessment_delete" if form_class is forms.AssessmentForm else "review_delete"
        delete_url = reverse(f"pupils:{name}", kwargs={"public_id": instance.public_id})
    assessment = instance if isinstance(instance, AssessmentRequest) else None
    return _form_page(
        request,
        form,
        "pupils/form.html",
        title=title,
        pupil=pupil,
        delete_url=delete_url,
        assessment=assessment,
    )


@require_capability("provision.edit")
def assessment_add(request: HttpRequest, public_id) -> HttpResponse:
    pupil = school_object_or_404(Pupil, request, public_id=public_id)
    title = f"EHC needs assessment request: {pupil}"
    return _clock_form(request, forms.AssessmentForm, None, pupil, title, "Request recorded.")


@require_capability("provision.edit")
def assessment_edit(request: HttpRequest, public_id) -> HttpResponse:
    req = school_object_or_404(
        AssessmentRequest.objects.select_related("pupil"), request, public_id=public_id
    )
    title = f"EHC needs assessment request: {req.pupil}"
    return _clock_form(request, forms.AssessmentForm, req, req.pupil, title, "Request saved.")


@require_capability("provision.edit")
def review_add(request: HttpRequest, public_id) -> HttpResponse:
    pupil = school_object_or_404(Pupil, request, public_id=public_id)
    title = f"Annual review: {pupil}"
    return _clock_form(request, forms.ReviewForm, None, pupil, title, "Review recorded.")


@require_capability("provision.edit")
def review_edit(request: HttpRequest, public_id) -> HttpResponse:
    review = school_object_or_404(
        AnnualReview.objects.select_related("pupil"), request, public_id=public_id
    )
    title = f"Annual review: {review.pupil}"
    return _clock_form(request, forms.ReviewForm, review, review.pupil, title, "Review saved.")


@require_POST
@require_capability("provision.edit")
def clock_delete(request: HttpRequest, kind: str, public_id) -> HttpResponse:
    model = {"assessment": AssessmentRequest, "review": AnnualReview}.get(kind)
    if model is None:
        raise PermissionDenied("Unknown record type.")
    record = school_object_or_404(
        model.objects.select_related("pupil"), request, public_id=public_id
    )
    services.clock_record_delete(school=request.school, record=record)
    messages.success(request, f"{record} deleted.")
    return redirect("pupils:detail", public_id=record.pupil.public_id)


@require_capability("pupils.view")
def due(request: HttpRequest) -> HttpResponse:
    today = dt.date.today()
    show_all = request.GET.get("all") == "1"
    horizon = None if show_all else DUE_HORIZON_DAYS
    items = clocks.due_list(school=request.school, today=today, horizon_days=horizon)
    year = queries.cost_year(today)
    timeliness = clocks.assessment_timeliness(school=request.school, period=year, today=today)
    return render(
        request,
        "pupils/due.html",
        {
            "items": items,
            "overdue_count": sum(1 for i in items if i.overdue),
            "plan_reviews_overdue": sum(1 for i in items if i.kind == "plan" and i.overdue),
            "timeliness": timeliness,
            "year": year,
            "today": today,
            "show_all": show_all,
            "horizon": DUE_HORIZON_DAYS,
        },
    )


# --- Whole-school provision map, catalogue, staff roles and rates -------------------------


@require_capability("pupils.view")
def provision_map(request: HttpRequest) -> HttpResponse:
    year = queries.cost_year()
    context = queries.provision_map(request.school, year)
    return render(
        request,
        "pupils/provision_map.html",
        {
            **context,
            "what_works": queries.what_works(request.school, year),
            "year": year,
            "calendar": calendar_note(request.school, year),
            **_setup_state(request.school),
        },
    )


@require_capability("pupils.view")
def catalogue(request: HttpRequest) -> HttpResponse:
    provisions = Provision.objects.for_school(request.school).select_related("staff_role")
    return render(
        request,
        "pupils/catalogue.html",
        {"provisions": provisions, **_setup_state(request.school)},
    )


@require_capability("provision.edit")
def provision_edit(request: HttpRequest, public_id=None) -> HttpResponse:
    instance = None
    if public_id is not None:
        instance = school_object_or_404(Provision, request, public_id=public_id)
    form = forms.ProvisionForm(request.POST or None, instance=instance, school=request.school)
    if request.method == "POST" and form.is_valid():
        try:
            provision = services.provision_save(
                school=request.school, provision=form.save(commit=False)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{provision} saved in the catalogue.")
            return redirect("pupils:catalogue")
    title = f"Edit {instance}" if instance else "Add a provision to the catalogue"
    return _form_page(request, form, "pupils/form.html", title=title, back="pupils:catalogue")


@require_POST
@require_capability("provision.edit")
def provision_delete(request: HttpRequest, public_id) -> HttpResponse:
    provision = school_object_or_404(Provision, request, public_id=public_id)
    try:
        services.provision_delete(school=request.school, provision=provision)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"{provision} removed from the catalogue.")
    return redirect("pupils:catalogue")


def _may_set_basis(request: HttpRequest) -> bool:
    return can(request, "provision.edit") or can(request, "school.manage")


def _staff_page(request: HttpRequest, basis_form=None) -> HttpResponse:
    if basis_form is None and _may_set_basis(request):
        basis_form = forms.CostingBasisForm(instance=request.school)
    return render(
        request,
        "pupils/staff.html",
        {
            "roles": StaffRole.objects.for_school(request.school),
            "rates": StaffRate.objects.for_school(request.school).select_related("staff_role"),
            "basis_form": basis_form,
            "current_year": queries.cost_year(),
        },
    )


@require_capability("pupils.view")
def staff(request: HttpRequest) -> HttpResponse:
    return _staff_page(request)


@require_POST
@require_capability("pupils.view")
def costing_basis(request: HttpRequest) -> HttpResponse:
    """The school's costing basis: the SENCO (provision.edit) or school managers may set it."""
    if not _may_set_basis(request):
        raise PermissionDenied("Your role cannot change the costing basis.")
    form = forms.CostingBasisForm(request.POST, instance=request.school)
    if form.is_valid():
        try:
            school = services.costing_basis_set(
                school=request.school, costing_basis=form.cleaned_data["costing_basis"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Provision is now costed with {school.get_costing_basis_display().lower()}.",
            )
            return redirect("pupils:staff")
    # The staff page again, the form's error summary saying what to choose.
    return _staff_page(request, basis_form=form)


@require_capability("provision.edit")
def staff_role_edit(request: HttpRequest, public_id=None) -> HttpResponse:
    instance = None
    if public_id is not None:
        instance = school_object_or_404(StaffRole, request, public_id=public_id)
    form = forms.StaffRoleForm(request.POST or None, instance=instance, school=request.school)
    if request.method == "POST" and form.is_valid():
        try:
            role = services.staff_role_save(school=request.school, role=form.save(commit=False))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{role} saved. Add its hourly rates for each year.")
            return redirect("pupils:staff")
    title = f"Edit {instance}" if instance else "Add a staff role"
    return _form_page(request, form, "pupils/form.html", title=title, back="pupils:staff")


@require_capability("provision.edit")
def staff_rate_edit(request: HttpRequest, public_id, year: int | None = None) -> HttpResponse:
    role = school_object_or_404(StaffRole, request, public_id=public_id)
    instance = None
    if year is not None:
        instance = school_object_or_404(StaffRate, request, staff_role=role, academic_year=year)
    initial = {"academic_year": queries.cost_year().start.year}
    form = forms.StaffRateForm(
        request.POST or None,
        instance=instance,
        initial=initial,
        school=request.school,
        staff_role=role,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_rate_save(school=request.school, rate=form.save(commit=False))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Rates for {role} saved.")
            return redirect("pupils:staff")
    title = f"Hourly rates: {role}"
    return _form_page(request, form, "pupils/form.html", title=title, back="pupils:staff")
