"""Sets request.school and request.role from the signed-in user's memberships."""

from __future__ import annotations

from django.db import connection

from sendfund.lib.sql import Prepared, model_columns, model_from_row
from sendfund.schools.models import LocalAuthority, Membership, School, Trust, TrustMembership
from sendfund.schools.roles import Role

SESSION_KEY = "sendfund_school"


def _schools_sql() -> str:
    school, trust, la = (
        connection.ops.quote_name(m._meta.db_table) for m in (School, Trust, LocalAuthority)
    )
    membership = connection.ops.quote_name(Membership._meta.db_table)
    trust_membership = connection.ops.quote_name(TrustMembership._meta.db_table)
    return (
        f"SELECT {model_columns(School, 's')}, {model_columns(Trust, 't')},"  # noqa: S608
        f" {model_columns(LocalAuthority, 'la')}, m.role"
        f" FROM {school} s"
        f" JOIN {la} la ON la.id = s.local_authority_id"
        f" LEFT JOIN {trust} t ON t.id = s.trust_id"
        f" LEFT JOIN {membership} m ON m.school_id = s.id AND m.user_id = $1"
        f" WHERE m.id IS NOT NULL OR EXISTS (SELECT 1 FROM {trust_membership} tm"
        "  WHERE tm.trust_id = s.trust_id AND tm.user_id = $1)"
        " ORDER BY s.name, s.id"
    )


_SCHOOLS = Prepared("schools_with_roles", _schools_sql)


def schools_with_roles(user) -> list[School]:
    """Every school the user may open, each with `.role` set, in one query.

    A direct membership decides the role; a school reached only through a trust the user leads
    is opened as trust lead. Every signed-in request asks this (CurrentSchoolMiddleware checks
    the school in the session against it), so the SQL is written once here and planned once
    per connection (sendfund.lib.sql.Prepared) rather than built by the ORM each time. The
    schools come back as ordinary instances with their trust and local authority loaded (as
    select_related would, but one instance of each trust and authority shared by its
    schools), tested against the ORM's answer.
    """
    rows = _SCHOOLS.fetch([user.pk])
    school_width = len(School._meta.concrete_fields)
    trust_width = len(Trust._meta.concrete_fields)
    trust_field, la_field = (
        School._meta.get_field("trust"),
        School._meta.get_field("local_authority"),
    )
    # A trust lead's 200 schools share one trust and a few LAs: one instance of each.
    trusts: dict = {}
    authorities: dict = {}
    schools = []
    for row in rows:
        school = model_from_row(School, row)
        if school.trust_id not in trusts:
            trusts[school.trust_id] = model_from_row(Trust, row, school_width)
        trust_field.set_cached_value(school, trusts[school.trust_id])
        if school.local_authority_id not in authorities:
            authorities[school.local_authority_id] = model_from_row(
                LocalAuthority, row, school_width + trust_width
            )
        la_field.set_cached_value(school, authorities[school.local_authority_id])
        school.role = row[-1] or Role.TRUST_LEAD
        schools.append(school)
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
