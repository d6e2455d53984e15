import datetime as dt

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from sendfund.lib import periods
from sendfund.lib.views import form_saved
from sendfund.schools import calendar, services, term_dates
from sendfund.schools.access import require_capability, school_object_or_404
from sendfund.schools.forms import (
    AcceptInvitationForm,
    ChangeRoleForm,
    InviteForm,
    SchoolSettingsForm,
    TermBlockForm,
    TermDatesUploadForm,
    role_choices,
)
from sendfund.schools.mfa import MFA_ROLES
from sendfund.schools.middleware import SESSION_KEY
from sendfund.schools.models import Invitation, Membership, MfaReset, RoleChange, TermBlock
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

    def save(edited):
        return services.school_settings_save(school=request.school, edited=edited)

    if done := form_saved(
        request, form, save, message="School settings saved.", to="schools:settings"
    ):
        return done
    return render(request, "schools/settings.html", {"form": form})


def _sso_enabled() -> bool:
    return bool(getattr(settings, "SOCIALACCOUNT_PROVIDERS", None))


@require_capability("school.manage")
def people(request: HttpRequest) -> HttpResponse:
    members = list(
        Membership.objects.filter(school=request.school)
        .select_related("user")
        .order_by("role", "user__username")
    )
    with_mfa = set(
        Authenticator.objects.filter(
            user__in=[m.user_id for m in members],
            type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN],
        ).values_list("user_id", flat=True)
    )
    is_head = request.role == Role.HEAD
    for member in members:
        # The same rules the services enforce, so the page offers only what will work.
        member.is_self = member.user_id == request.user.pk
        member.can_change = not member.is_self and (
            member.role != Role.HEAD or request.role == Role.HEAD
        )
        member.has_mfa = member.user_id in with_mfa
        member.mfa_required = member.role in MFA_ROLES
        member.can_reset_mfa = is_head and not member.is_self
    form = InviteForm(request.POST or None, actor_role=request.role)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_send(
                school=request.school, actor=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                f"Invitation sent to {invitation.email} as {invitation.get_role_display()}. "
                "The link works once, for 7 days.",
            )
            return redirect("schools:people")
    return render(
        request,
        "schools/people.html",
        {
            "members": members,
            "form": form,
            "is_head": is_head,
            "role_choices": role_choices(request.role),
            "invitations": Invitation.objects.for_school(request.school)
            .pending()
            .select_related("invited_by")
            .order_by("email"),
            "now": timezone.now(),
            "history": RoleChange.objects.filter(school=request.school).select_related("actor")[
                :20
            ],
            "mfa_resets": MfaReset.objects.filter(school=request.school).select_related("actor")[
                :20
            ],
            "grace_days": settings.SENDFUND_MFA_GRACE_DAYS,
        },
    )


@require_capability("school.manage")
@require_POST
def membership_edit(request: HttpRequest, public_id) -> HttpResponse:
    membership = school_object_or_404(
        Membership.objects.select_related("user"), request, public_id=public_id
    )
    action = request.POST.get("action")
    try:
        if action == "remove":
            services.membership_remove(
                school=request.school, membership=membership, actor=request.user
            )
            messages.success(request, f"{membership.user.username} no longer has a role here.")
        elif action == "reset_mfa":
            services.mfa_reset(school=request.school, membership=membership, actor=request.user)
            messages.success(
                request,
                f"{membership.user.username}'s two-factor authentication was reset: they set up "
                "a new authenticator at their next sign-in.",
            )
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


@require_capability("school.manage")
@require_POST
def invitation_edit(request: HttpRequest, public_id) -> HttpResponse:
    """Resend (a new link for another 7 days) or withdraw a pending invitation."""
    invitation = school_object_or_404(Invitation.objects.pending(), request, public_id=public_id)
    try:
        if request.POST.get("action") == "withdraw":
            services.invitation_withdraw(
                school=request.school, invitation=invitation, actor=request.user
            )
            messages.success(request, f"Invitation to {invitation.email} withdrawn.")
        else:
            services.invitation_resend(
                school=request.school, invitation=invitation, actor=request.user, request=request
            )
            messages.success(request, f"Invitation sent again to {invitation.email}.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("schools:people")


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an invitation email. Signed in: accept for this account. Signed out: sign
    in to accept with an existing account, or create one."""
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render(request, "schools/invitation_invalid.html", status=404)
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                membership = services.invitation_accept(invitation=invitation, user=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect("home")
            request.session[SESSION_KEY] = str(membership.school.public_id)
            messages.success(
                request,
                f"You now have the role {membership.get_role_display()} at "
                f"{membership.school.name}.",
            )
            return redirect("home")
        return render(request, "schools/invitation_accept.html", {"invitation": invitation})
    sso = _sso_enabled()
    form = AcceptInvitationForm(request.POST or None, email=invitation.email, sso=sso)
    taken = (
        get_user_model().objects.filter(email__iexact=invitation.email).exists()
        or EmailAddress.objects.filter(email__iexact=invitation.email).exists()
    )
    if request.method == "POST" and not taken and form.is_valid():
        user, membership = services.account_create_from_invitation(
            invitation=invitation,
            username=form.cleaned_data["username"],
            password=form.cleaned_data.get("password1") or None,
        )
        if user.has_usable_password():
            auth_login(request, user, backend="sendfund.schools.auth_backends.ModelBackend")
            request.session[SESSION_KEY] = str(membership.school.public_id)
            messages.success(request, f"Welcome to sendfund, {user.username}.")
            return redirect("home")
        messages.success(
            request,
            "Your account is ready: sign in with your school's Microsoft or Google account.",
        )
        return redirect("account_login")
    return render(
        request,
        "schools/invitation_accept.html",
        {"invitation": invitation, "form": form, "taken": taken, "sso": sso, "token": token},
    )


@login_required
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session of this account, in every browser, this one included."""
    user = request.user
    services.end_sessions(user, keep_session_key=request.session.session_key)
    auth_logout(request)
    messages.success(request, "You are signed out everywhere.")
    return redirect("account_login")


@login_required
def keep_alive(request: HttpRequest) -> HttpResponse:
    """Called by static/js/idle.js when the user chooses to stay signed in: any request
    counts as activity (IdleTimeoutMiddleware)."""
    return JsonResponse({"ok": True})


def _year_from(request: HttpRequest) -> int:
    today = dt.date.today()
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or "")
    except ValueError:
        year = periods.academic_year_start(today)
    return min(max(year, 2000), 2100)


@require_capability("school.manage")
def term_dates_view(request: HttpRequest) -> HttpResponse:
    """The school's term dates for one academic year, with school days per term and year;
    add or remove blocks, or upload a CSV (all or nothing)."""
    year = _year_from(request)
    form = TermBlockForm(request.POST or None, prefix="block")
    if request.method == "POST" and request.POST.get("action") == "add" and form.is_valid():
        try:
            term_dates.term_block_add(school=request.school, **form.cleaned_data)
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Block added; school days recounted.")
            year = periods.academic_year_start(form.cleaned_data["start_date"])
            return redirect(f"{reverse('schools:term_dates')}?year={year}")
    upload = TermDatesUploadForm(request.POST or None, request.FILES or None, prefix="file")
    if request.method == "POST" and request.POST.get("action") == "upload" and upload.is_valid():
        result = term_dates.term_dates_import(
            school=request.school, rows=upload.cleaned_data["file"]
        )
        messages.success(request, f"Term dates imported: {result.summary()}")
        return redirect(f"{reverse('schools:term_dates')}?year={year}")
    context = calendar.year_summary(request.school, year) | {
        "form": form,
        "upload": upload,
        "year": year,
        "years": [year - 1, year + 1],
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "schools/term_dates.html", context, status=status)


@require_capability("school.manage")
@require_POST
def term_block_delete(request: HttpRequest, public_id) -> HttpResponse:
    block = school_object_or_404(TermBlock, request, public_id=public_id)
    term_dates.term_block_delete(school=request.school, block=block)
    messages.success(request, "Block removed; school days recounted.")
    return redirect(f"{reverse('schools:term_dates')}?year={block.academic_year}")
