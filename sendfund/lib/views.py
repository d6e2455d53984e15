"""The one shape of an add or edit page's POST: the form validates, a service writes.

`form_saved` is what the add and edit views share; `versioned` gives it a service that takes
the version the form was opened at (an edit someone else saved first is refused).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from sendfund.lib.forms import add_service_errors
from sendfund.lib.versions import StaleEdit


def form_saved(
    request: HttpRequest,
    form: Any,
    save: Callable[[Any], Any],
    *,
    message: str | Callable[[Any], str],
    to: str | Callable[[Any], str],
) -> HttpResponse | None:
    """For a valid POST, hand the form's unsaved instance to the service `save`, then say
    `message` and redirect to `to` (a URL or a URL name; either may be a function of what the
    service returned). A service's refusal goes on the form (a stale edit shows the other
    person's values); then, as for a GET or an invalid form, None: show the form."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        saved = save(form.save(commit=False))
    except StaleEdit:
        form.refuse_stale()  # someone saved first: the form shows their values
        return None
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    messages.success(request, message(saved) if callable(message) else message)
    return redirect(to(saved) if callable(to) else to)


def versioned(form: Any, service: Callable[..., Any], **arguments: Any) -> Callable[[Any], Any]:
    """`save` for form_saved: the service given the record (as `record=`, or the name in
    `as_=`) and the version the form was opened at, for a service that refuses a stale edit."""
    name = arguments.pop("as_", "record")
    return lambda obj: service(**{name: obj}, version=form.cleaned_data.get("version"), **arguments)
