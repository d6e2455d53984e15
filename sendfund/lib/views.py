"""The one shape of an add or edit page's POST: the form validates, a service writes.

`form_saved` is what funding's and advocacy's add and edit views share (the pupil views call
their services with arguments of their own, the same way, inline).
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
    request: HttpRequest, form: Any, save: Callable[[Any], object], *, message: str, to: str
) -> HttpResponse | None:
    """For a valid POST, hand the form's unsaved instance to the service `save`, then say
    `message` and redirect to `to`. A service's refusal goes on the form (a stale edit shows
    the other person's values); then, as for a GET or an invalid form, None: show the form."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        save(form.save(commit=False))
    except StaleEdit:
        form.refuse_stale()  # someone saved first: the form shows their values
        return None
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    messages.success(request, message)
    return redirect(to)
