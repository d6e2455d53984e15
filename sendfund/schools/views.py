from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from sendfund.schools import services
from sendfund.schools.access import require_capability
from sendfund.schools.forms import (
    AddMemberForm,
    ChangeRoleForm,
    SchoolSettingsForm,
    role_choices,
)
from sendfund.schools.middleware import SESSION_KEY
from sendfund.schools.models import Membership, RoleChange
from sendfund.schools.roles import Role


@login_required
@require_POST
def switch_school(request: HttpRequest) -> HttpResponse:
    """Choose the current school among the user's own; anything else is refused."""
    wanted = request.POST.get("school", "")
    chosen = next((s for s in request.school_choices if str(s.public_id) == wanted), None)
    if chosen is None:
        messages.error(request, "You do not have access to that school.")
    else:
        request.session[SESSION_KEY] = str(chosen.public_id)
        messages.success(request, f"You are now working in {chosen.name}.")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "home"
    return redirect(target)


@require_capability("school.manage")
def settings_view(request: HttpRequest) -> HttpResponse:
    form = SchoolSettingsForm(request.POST or None, instance=request.school)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "School settings saved.")
        return redirect("schools:settings")
    return render(request, "schools/settings.html", {"form": form})


@require_capability("school.manage")
def people(request: HttpRequest) -> HttpResponse:
    members = list(
        Membership.objects.filter(school=request.school)
        .select_related("user")
        .order_by("role", "user__username")
    )
    for member in members:
        # The same rules the services enforce, so the page offers only what will work.
        member.is_self = member.user_id == request.user.pk
        member.can_change = not member.is_self and (
            member.role != Role.HEAD or request.role == Role.HEAD
        )
    form = AddMemberForm(request.POST or None, school=request.school, actor_role=request.role)
    if request.method == "POST" and form.is_valid():
        try:
            membership, created = services.membership_add(
                school=request.school, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            note = " They can set a password with 'Forgotten your password?'." if created else ""
            messages.success(
                request,
                f"{membership.user.username} added as {membership.get_role_display()}.{note}",
            )
            return redirect("schools:people")
    return render(
        request,
        "schools/people.html",
        {
            "members": members,
            "form": form,
            "role_choices": role_choices(request.role),
            "history": RoleChange.objects.filter(school=request.school).select_related("actor")[
                :20
            ],
        },
    )


@require_capability("school.manage")
@require_POST
def membership_edit(request: HttpRequest, public_id) -> HttpResponse:
    membership = get_object_or_404(
        Membership.objects.filter(school=request.school).select_related("user"), public_id=public_id
    )
    try:
        if request.POST.get("action") == "remove":
            services.membership_remove(
                school=request.school, membership=membership, actor=request.user
            )
            messages.success(request, f"{membership.user.username} no longer has a role here.")
        else:
            form = ChangeRoleForm(request.POST)
            if not form.is_valid():
                messages.error(request, "Choose a role from the list.")
            else:
                services.membership_change_role(
                    school=request.school,
                    membership=membership,
                    role=form.cleaned_data["role"],
                    actor=request.user,
                )
                messages.success(request, f"{membership.user.username}'s role changed.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("schools:people")
