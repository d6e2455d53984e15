"""Sets request.school and request.role from the signed-in user's memberships."""

from __future__ import annotations

from django.db.models import OuterRef, Q, Subquery

from sendfund.schools.models import Membership, School
from sendfund.schools.roles import Role

SESSION_KEY = "sendfund_school"


def schools_with_roles(user) -> list[School]:
    """Every school the user may open, each with `.role` set, in one query.

    A direct membership decides the role; a school reached only through a trust the user leads
    is opened as trust lead.
    """
    direct_role = Membership.objects.filter(school=OuterRef("pk"), user=user).values("role")[:1]
    schools = list(
        School.objects.filter(Q(memberships__user=user) | Q(trust__trust_memberships__user=user))
        .annotate(direct_role=Subquery(direct_role))
        .select_related("trust", "local_authority")
        .distinct()
        .order_by("name")
    )
    for school in schools:
        school.role = school.direct_role or Role.TRUST_LEAD
    return schools


class CurrentSchoolMiddleware:
    """The school comes from the session and is checked against the memberships every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.school = None
        request.role = None
        request.school_choices = []
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            choices = schools_with_roles(user)
            request.school_choices = choices
            wanted = request.session.get(SESSION_KEY)
            chosen = next((s for s in choices if str(s.public_id) == wanted), None)
            if chosen is None and choices:
                chosen = choices[0]
                request.session[SESSION_KEY] = str(chosen.public_id)
            if chosen is not None:
                request.school = chosen
                request.role = chosen.role
        return self.get_response(request)
