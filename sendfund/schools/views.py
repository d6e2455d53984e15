from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from sendfund.schools.middleware import SESSION_KEY


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
