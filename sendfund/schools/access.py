"""Access helpers: every view states the capability it needs; the school comes from the request.

Another school's object is a 404 (its existence is not revealed); a capability the role lacks is a
403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404, render

from sendfund.lib.sql import CompiledQuery
from sendfund.schools.roles import role_can

M = TypeVar("M", bound=Model)


def can(request: HttpRequest, capability: str) -> bool:
    return role_can(
        getattr(request, "role", None), capability, school=getattr(request, "school", None)
    )


def require_capability(capability: str) -> Callable:
    """Decorator: signed in, a current school, and a role holding `capability`."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if getattr(request, "school", None) is None:
                return render(request, "schools/no_school.html", status=403)
            if not can(request, capability):
                raise PermissionDenied(f"Your role cannot use this page ({capability}).")
            return view(request, *args, **kwargs)

        wrapped.required_capability = capability  # type: ignore[attr-defined]
        return wrapped

    return decorator


def school_object_or_404(
    queryset: QuerySet[M] | type[M], request: HttpRequest, *, via: str = "school", **lookup: object
) -> M:
    """The one way a view fetches an object: through the current school (`via` names the path
    from the object to its school), and anything else, another school's included, is a 404.

    `queryset` is a model or a queryset of it (for select_related or a narrower set); the
    answer is typed as that model. The filter is on the school itself rather than the model's
    for_school(), which for top-up schemes also admits the LA's shared (read-only) ones.
    """
    school = getattr(request, "school", None)
    if school is None:
        raise Http404("No school selected.")
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    return get_object_or_404(qs.filter(**{via: school}), **lookup)


def compiled_object_or_404(compiled: CompiledQuery, request: HttpRequest, **values: object):
    """school_object_or_404 for a query compiled once (sendfund.lib.sql.CompiledQuery, kind
    "models"): its build takes `school_id` and filters on it, and the current school's id is
    passed in here, so another school's object is a 404 in the same way."""
    school = getattr(request, "school", None)
    if school is None:
        raise Http404("No school selected.")
    found = compiled.run(school_id=school.pk, **values)
    if len(found) != 1:
        raise Http404("No such object in this school.")
    return found[0]
