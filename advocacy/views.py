"""Advocacy pages. Governors and trust leads read (advocacy.view); SENCO and head edit."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from advocacy import evidence as evidence_pack
from advocacy import services
from advocacy.forms import (
    ActionForm,
    OpportunityForm,
    ReformItemForm,
    StatusForm,
    TrainingForm,
)
from advocacy.models import (
    PUPIL_TYPES,
    ActionStatus,
    ActionType,
    AdvocacyAction,
    FundingOpportunity,
    Reform,
    ReformItem,
    TrainingRecord,
)
from advocacy.summary import advocacy_summary, last_twelve_months, training_status
from advocacy.tasks import build_evidence_pdf
from sendfund.jobs.services import file_job_start
from sendfund.lib import periods
from sendfund.lib.forms import add_service_errors
from sendfund.lib.views import form_saved
from sendfund.schools.access import can, require_capability, school_object_or_404

PAGE_SIZE = 25
DUE_SOON_DAYS = 14
CLOSING_SOON_DAYS = 28
ACTION_SORTS = {
    "date": "date",
    "-date": "-date",
    "title": "title",
    "status": "status",
    "due": "next_step_due",
    "-requested": "-amount_requested",
    "-secured": "-amount_secured",
}


def _messages_from(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def visible_actions(request: HttpRequest):
    """The school's actions this role may list (AdvocacyActionQuerySet.visible)."""
    actions = AdvocacyAction.objects.for_school(request.school)
    return actions.visible(pupil_requests=can(request, "pupils.view"))


@require_capability("advocacy.view")
def overview(request: HttpRequest) -> HttpResponse:
    today, school = dt.date.today(), request.school
    actions = visible_actions(request).select_related("owner")
    year = last_twelve_months(today)
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    context = {
        "year": year,
        "summary": advocacy_summary(
            school=school, period=year, pupil_requests=can(request, "pupils.view")
        ),
        "pupil_requests_hidden": not can(request, "pupils.view"),
        "training": training_status(school=school, today=today),
        "open_actions": list(actions.open().order_by("-date")[:10]),
        "due": list(actions.due_by(soon).order_by("next_step_due")[:10]),
        "opportunities": list(FundingOpportunity.objects.for_school(school).upcoming(today)[:5]),
        "today": today,
        "closing_soon": today + dt.timedelta(days=CLOSING_SOON_DAYS),
        "can_edit": can(request, "advocacy.edit"),
    }
    return render(request, "advocacy/overview.html", context)


@require_capability("advocacy.view")
def action_list(request: HttpRequest) -> HttpResponse:
    actions = visible_actions(request).select_related("owner")
    q = request.GET.get("q", "").strip()
    if q:
        actions = actions.filter(Q(title__icontains=q) | Q(addressed_to__icontains=q))
    if request.GET.get("status") in ActionStatus.values:
        actions = actions.filter(status=request.GET["status"])
    if request.GET.get("type") in ActionType.values:
        actions = actions.filter(type=request.GET["type"])
    sort = request.GET.get("sort", "-date")
    actions = actions.order_by(ACTION_SORTS.get(sort, "-date"), "-created")
    page = Paginator(actions, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "q": q,
        "sort": sort,
        "statuses": ActionStatus.choices,
        "types": ActionType.choices,
        "today": dt.date.today(),
        "can_edit": can(request, "advocacy.edit"),
    }
    return render(request, "advocacy/action_list.html", context)


def _action_form_view(request: HttpRequest, action: AdvocacyAction) -> HttpResponse:
    show_pupils = can(request, "pupils.view")
    form = ActionForm(
        request.POST or None, instance=action, school=request.school, show_pupils=show_pupils
    )

    def save(edited):
        pupils = form.cleaned_data.get("pupils") if show_pupils else action_pupils(edited)
        return services.action_save(
            school=request.school,
            action=edited,
            pupils=pupils,
            user=request.user,
            version=form.cleaned_data.get("version"),
        )

    if done := form_saved(
        request,
        form,
        save,
        message=lambda saved: f"Saved “{saved.title}”.",
        to=lambda saved: reverse("advocacy:action_detail", kwargs={"public_id": saved.public_id}),
    ):
        return done
    return render(request, "advocacy/action_form.html", {"form": form, "action": action})


def action_pupils(action: AdvocacyAction) -> list:
    """Keep the pupils already named when someone who cannot see pupils edits the action."""
    return list(action.pupils.all()) if action.pk else []


@require_capability("advocacy.edit")
def action_add(request: HttpRequest) -> HttpResponse:
    return _action_form_view(request, AdvocacyAction(school=request.school, date=dt.date.today()))


@require_capability("advocacy.edit")
def action_edit(request: HttpRequest, public_id) -> HttpResponse:
    action = school_object_or_404(AdvocacyAction, request, public_id=public_id)
    return _action_form_view(request, action)


@require_capability("advocacy.view")
def action_detail(request: HttpRequest, public_id) -> HttpResponse:
    return _action_page(request, public_id)


def _action_page(request: HttpRequest, public_id, status_form=None) -> HttpResponse:
    """The action's page; after a refused status change, with that form and its errors."""
    action = school_object_or_404(
        visible_actions(request).select_related("owner", "funding_source"),
        request,
        public_id=public_id,
    )
    if status_form is None:
        status_form = StatusForm(
            action=action,
            initial={
                "decision_date": action.decision_date or dt.date.today(),
                "amount_secured": action.amount_secured if action.amount_secured else None,
            },
        )
    show_pupils = can(request, "pupils.view") and action.type in PUPIL_TYPES
    context = {
        "action": action,
        "pupils": list(action.pupils.order_by("surname", "forename", "pk"))
        if show_pupils
        else None,
        "show_pupils": show_pupils,
        "status_form": status_form,
        "can_edit": can(request, "advocacy.edit"),
        "opportunities": list(action.opportunities.all()),
    }
    return render(request, "advocacy/action_detail.html", context)


@require_POST
@require_capability("advocacy.edit")
def action_status(request: HttpRequest, public_id) -> HttpResponse:
    action = school_object_or_404(AdvocacyAction, request, public_id=public_id)
    form = StatusForm(request.POST, action=action)
    if form.is_valid():
        try:
            action = services.action_set_status(
                school=request.school, action=action, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            status = action.get_status_display().lower()
            messages.success(request, f"“{action.title}” is now {status}.")
            return redirect("advocacy:action_detail", public_id=action.public_id)
    # The action's page again, the status form's error summary saying what to fix.
    return _action_page(request, action.public_id, status_form=form)


@require_POST
@require_capability("advocacy.edit")
def action_record_funding(request: HttpRequest, public_id) -> HttpResponse:
    action = school_object_or_404(AdvocacyAction, request, public_id=public_id)
    try:
        source = services.action_record_funding(
            school=request.school, action=action, user=request.user
        )
    except ValidationError as error:
        _messages_from(request, error)
    else:
        messages.success(
            request,
            f"Recorded as funding for {periods.Period(source.period_start, source.period_end)}: "
            "the funding gap now counts it.",
        )
    return redirect("advocacy:action_detail", public_id=action.public_id)


def _confirm_delete(request, *, obj, name: str, back: str, success: str, delete) -> HttpResponse:
    """GET: ask; POST: delete (the service may refuse with a message) and go back to the list."""
    if request.method == "POST":
        try:
            delete(obj)
        except ValidationError as error:
            _messages_from(request, error)
            return redirect(back)
        messages.success(request, f"Deleted “{name}”.")
        return redirect(success)
    context = {"name": name, "back": back}
    return render(request, "confirm_delete.html", context)


@require_capability("advocacy.edit")
def action_delete(request: HttpRequest, public_id) -> HttpResponse:
    action = school_object_or_404(AdvocacyAction, request, public_id=public_id)
    return _confirm_delete(
        request,
        obj=action,
        name=action.title,
        back=reverse("advocacy:action_detail", args=[action.public_id]),
        success="advocacy:actions",
        delete=lambda a: services.action_delete(school=request.school, action=a),
    )


@require_capability("advocacy.view")
def opportunity_list(request: HttpRequest) -> HttpResponse:
    today = dt.date.today()
    opportunities = FundingOpportunity.objects.for_school(request.school).select_related("action")
    if request.GET.get("show") != "all":
        opportunities = opportunities.upcoming(today)
    q = request.GET.get("q", "").strip()
    if q:
        opportunities = opportunities.filter(Q(name__icontains=q) | Q(funder__icontains=q))
    page = Paginator(opportunities, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "q": q,
        "show": request.GET.get("show", ""),
        "today": today,
        "closing_soon": today + dt.timedelta(days=CLOSING_SOON_DAYS),
        "can_edit": can(request, "advocacy.edit"),
    }
    return render(request, "advocacy/opportunity_list.html", context)


def _simple_form_view(request, *, form_class, instance, save, template, title, success):
    form = form_class(request.POST or None, instance=instance, school=request.school)
    if done := form_saved(request, form, save, message="Saved.", to=success):
        return done
    context = {"form": form, "title": title, "object": instance, "cancel": success}
    return render(request, template, context)


def _save_opportunity(request):
    return lambda opportunity: services.opportunity_save(
        school=request.school, opportunity=opportunity
    )


@require_capability("advocacy.edit")
def opportunity_add(request: HttpRequest) -> HttpResponse:
    return _simple_form_view(
        request,
        form_class=OpportunityForm,
        instance=FundingOpportunity(school=request.school),
        save=_save_opportunity(request),
        template="advocacy/form.html",
        title="Add a funding opportunity",
        success="advocacy:opportunities",
    )


@require_capability("advocacy.edit")
def opportunity_edit(request: HttpRequest, public_id) -> HttpResponse:
    opportunity = school_object_or_404(FundingOpportunity, request, public_id=public_id)
    return _simple_form_view(
        request,
        form_class=OpportunityForm,
        instance=opportunity,
        save=_save_opportunity(request),
        template="advocacy/form.html",
        title=f"Edit {opportunity.name}",
        success="advocacy:opportunities",
    )


@require_capability("advocacy.edit")
def opportunity_delete(request: HttpRequest, public_id) -> HttpResponse:
    opportunity = school_object_or_404(FundingOpportunity, request, public_id=public_id)
    return _confirm_delete(
        request,
        obj=opportunity,
        name=opportunity.name,
        back=reverse("advocacy:opportunities"),
        success="advocacy:opportunities",
        delete=lambda obj: services.opportunity_delete(school=request.school, opportunity=obj),
    )


@require_capability("advocacy.view")
def training_list(request: HttpRequest) -> HttpResponse:
    today = dt.date.today()
    records = TrainingRecord.objects.for_school(request.school)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": training_status(school=request.school, today=today),
        "today": today,
        "can_edit": can(request, "advocacy.edit"),
    }
    return render(request, "advocacy/training_list.html", context)


def _save_training(request):
    return lambda record: services.training_save(school=request.school, record=record)


@require_capability("advocacy.edit")
def training_add(request: HttpRequest) -> HttpResponse:
    return _simple_form_view(
        request,
        form_class=TrainingForm,
        instance=TrainingRecord(school=request.school),
        save=_save_training(request),
        template="advocacy/form.html",
        title="Add a training record",
        success="advocacy:training",
    )


@require_capability("advocacy.edit")
def training_edit(request: HttpRequest, public_id) -> HttpResponse:
    record = school_object_or_404(TrainingRecord, request, public_id=public_id)
    return _simple_form_view(
        request,
        form_class=TrainingForm,
        instance=record,
        save=_save_training(request),
        template="advocacy/form.html",
        title=f"Edit training: {record.person_name}",
        success="advocacy:training",
    )


@require_capability("advocacy.edit")
def training_delete(request: HttpRequest, public_id) -> HttpResponse:
    record = school_object_or_404(TrainingRecord, request, public_id=public_id)
    return _confirm_delete(
        request,
        obj=record,
        name=f"{record.person_name}: {record.get_qualification_display()}",
        back=reverse("advocacy:training"),
        success="advocacy:training",
        delete=lambda obj: services.training_delete(school=request.school, training=obj),
    )


@require_capability("advocacy.view")
def reform_list(request: HttpRequest) -> HttpResponse:
    """Every national reform (new ones arrive by data migration) and the school's own items.
    A national reform the school has not yet recorded a position on is shown as not started,
    unsaved: reading the page writes nothing, and the item is made when someone edits it."""
    items = list(ReformItem.objects.for_school(request.school).select_related("reform"))
    tracked = {item.reform_id for item in items}
    items += [
        services.reform_item_for(school=request.school, reform=reform)
        for reform in Reform.objects.exclude(pk__in=[pk for pk in tracked if pk])
    ]
    items.sort(key=lambda item: (item.order, item.title))
    context = {"items": items, "can_edit": can(request, "advocacy.edit")}
    return render(request, "advocacy/reform_list.html", context)


@require_capability("advocacy.edit")
def reform_national_edit(request: HttpRequest, key: str) -> HttpResponse:
    """The school's position on a national reform: its item, or a new one on the first save."""
    reform = Reform.objects.filter(key=key).first()  # national: no school to scope it to
    if reform is None:
        raise Http404("No such reform.")
    item = ReformItem.objects.for_school(request.school).filter(reform=reform).first()
    return _simple_form_view(
        request,
        form_class=ReformItemForm,
        instance=item or services.reform_item_for(school=request.school, reform=reform),
        save=_save_reform(request),
        template="advocacy/form.html",
        title=f"Edit {reform.title}",
        success="advocacy:reforms",
    )


def _save_reform(request):
    return lambda item: services.reform_item_save(school=request.school, item=item)


@require_capability("advocacy.edit")
def reform_add(request: HttpRequest) -> HttpResponse:
    return _simple_form_view(
        request,
        form_class=ReformItemForm,
        instance=ReformItem(school=request.school),
        save=_save_reform(request),
        template="advocacy/form.html",
        title="Add a reform to track",
        success="advocacy:reforms",
    )


@require_capability("advocacy.edit")
def reform_edit(request: HttpRequest, public_id) -> HttpResponse:
    item = school_object_or_404(ReformItem, request, public_id=public_id)
    return _simple_form_view(
        request,
        form_class=ReformItemForm,
        instance=item,
        save=_save_reform(request),
        template="advocacy/form.html",
        title=f"Edit {item.title}",
        success="advocacy:reforms",
    )


@require_capability("advocacy.edit")
def reform_delete(request: HttpRequest, public_id) -> HttpResponse:
    item = school_object_or_404(ReformItem, request, public_id=public_id)
    return _confirm_delete(
        request,
        obj=item,
        name=item.title,
        back=reverse("advocacy:reforms"),
        success="advocacy:reforms",
        delete=lambda obj: services.reform_item_delete(school=request.school, item=obj),
    )


def _evidence(request: HttpRequest):
    return evidence_pack.from_request(request, today=dt.date.today())


def _no_pack(request: HttpRequest, form) -> HttpResponse:
    return render(request, "advocacy/evidence.html", {"form": form, "pack": None}, status=400)


@require_capability("advocacy.view")
def evidence(request: HttpRequest) -> HttpResponse:
    form, pack = _evidence(request)
    if pack is None:
        return _no_pack(request, form)
    return render(request, "advocacy/evidence.html", {"form": form, "pack": pack})


@require_capability("advocacy.view")
def evidence_pdf(request: HttpRequest) -> HttpResponse:
    form, pack = _evidence(request)
    return _no_pack(request, form) if pack is None else evidence_pack.pdf_response(request, pack)


@require_POST
@require_capability("advocacy.view")
def evidence_pdf_build(request: HttpRequest) -> HttpResponse:
    """Build the pack's PDF on a worker; the page shows its progress, then a download."""
    today = dt.date.today()
    form = evidence_pack.PeriodForm(request.POST, school=request.school, today=today)
    if not form.is_valid():
        return _no_pack(request, form)
    job = file_job_start(
        school=request.school,
        user=request.user,
        kind="pdf:evidence",
        title="Evidence pack (PDF)",
        capability="advocacy.view",
        options={"period": form.data["period"], "today": today.isoformat()},
        task=build_evidence_pdf,
        back=f"{reverse('advocacy:evidence')}?period={form.data['period']}",
    )
    return redirect("jobs:detail", public_id=job.public_id)


@require_capability("advocacy.view")
def evidence_csv(request: HttpRequest) -> HttpResponse:
    form, pack = _evidence(request)
    return _no_pack(request, form) if pack is None else evidence_pack.csv_response(pack)
