"""The lookups every signed-in request makes, written as SQL and prepared once per connection
(the session, the user, their schools): the same answers as Django's and the ORM's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sendfund.lib.sql import Prepared, fetch_instance
from sendfund.schools.auth_backends import ModelBackend
from sendfund.schools.middleware import (
    SchoolChoices,
    SchoolListing,
    school_choices,
    schools_with_roles,
    user_and_schools,
)
from sendfund.schools.models import LocalAuthority, Membership, School, Trust
from sendfund.schools.roles import Role
from sendfund.schools.sessions import SessionStore
from tests.factories import (
    MembershipFactory,
    SchoolFactory,
    TrustFactory,
    TrustMembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _orm_schools_with_roles(user) -> list[tuple]:
    """The ORM's answer, as (school, role, trust, LA, URN): the schools the user may open
    (School.objects.for_user), each in the role of its membership, else as trust lead."""
    roles = dict(Membership.objects.filter(user=user).values_list("school_id", "role"))
    schools = (
        School.objects.for_user(user)
        .select_related("trust", "local_authority")
        .order_by("name", "pk")
    )
    return [
        (s.pk, roles.get(s.pk, Role.TRUST_LEAD), s.trust, s.local_authority, s.urn) for s in schools
    ]


def test_schools_with_roles_gives_the_orms_answer_for_every_kind_of_member():
    trust, other_trust = TrustFactory(name="Oak Trust"), TrustFactory(name="Elm Trust")
    a = SchoolFactory(name="Ash Primary", trust=trust)
    b = SchoolFactory(name="Birch Academy", trust=trust, type="academy")
    c = SchoolFactory(name="Cedar School", trust=None)
    d = SchoolFactory(name="Damson Primary", trust=other_trust)
    head = UserFactory()
    MembershipFactory(user=head, school=a, role=Role.HEAD)
    lead = UserFactory()  # leads the trust and is also SENCO in one of its schools
    TrustMembershipFactory(user=lead, trust=trust)
    MembershipFactory(user=lead, school=b, role=Role.SENCO)
    many = UserFactory()  # roles in three schools, one outside any trust
    for school, role in ((d, Role.GOVERNOR), (c, Role.ADMIN), (a, Role.SENCO)):
        MembershipFactory(user=many, school=school, role=role)
    nobody = UserFactory()

    for user in (head, lead, many, nobody):
        got = schools_with_roles(user)
        with CaptureQueriesContext(connection) as ctx:
            rows = [(s.pk, s.role, s.trust, s.local_authority, s.urn) for s in got]
        assert not ctx.captured_queries  # trust and LA came with the schools
        assert rows == _orm_schools_with_roles(user)
    assert [(s.name, s.role) for s in schools_with_roles(lead)] == [
        ("Ash Primary", Role.TRUST_LEAD),
        ("Birch Academy", Role.SENCO),
    ]
    assert schools_with_roles(nobody) == []
    school = schools_with_roles(head)[0]
    assert school == School.objects.get(pk=a.pk)
    assert school.public_id == a.public_id and school.trust.name == "Oak Trust"


def test_the_user_and_their_schools_come_in_one_query_as_the_two_lookups_give_them(client):
    trust = TrustFactory(name="Oak Trust")
    a = SchoolFactory(name="Ash Primary", trust=trust)
    b = SchoolFactory(name="Birch Academy", trust=trust)
    c = SchoolFactory(name="Cedar School", trust=None)
    lead = UserFactory()  # leads the trust, SENCO in one of its schools, governor elsewhere
    TrustMembershipFactory(user=lead, trust=trust)
    MembershipFactory(user=lead, school=b, role=Role.SENCO)
    MembershipFactory(user=lead, school=c, role=Role.GOVERNOR)
    nobody = UserFactory()

    for user in (lead, nobody):
        with CaptureQueriesContext(connection) as ctx:
            got = user_and_schools(user.pk)
        # One statement (prepared on first use, then executed by name).
        assert [q["sql"].split()[0] for q in ctx.captured_queries][-1:] == ["EXECUTE"]
        assert len([q for q in ctx.captured_queries if q["sql"].startswith("EXECUTE")]) == 1
        assert _fields(got) == _fields(get_user_model().objects.get(pk=user.pk))
        # The rows give the schools, roles and order of the middleware's own query.
        prefetched = SchoolChoices(got._sendfund_school_rows)
        assert prefetched.signature() == school_choices(user).signature()
        assert [(s, s.role, s.trust) for s in prefetched] == [
            (s, s.role, s.trust) for s in school_choices(user)
        ]
    assert [s.name for s in SchoolChoices(user_and_schools(lead.pk)._sendfund_school_rows)] == [
        "Ash Primary",
        "Birch Academy",
        "Cedar School",
    ]
    assert user_and_schools(nobody.pk)._sendfund_school_rows == []
    assert user_and_schools(10**9) is None

    # A signed-in page: the session, then the user with their schools, and no second read of
    # the schools; a later call in the same request reads them afresh.
    client.force_login(lead)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/")
    assert response.status_code == 200
    sql = [q["sql"] or "" for q in ctx.captured_queries]
    assert sum("sendfund_user_and_schools" in q for q in sql) == 1
    assert not any("sendfund_schools_with_roles" in q for q in sql)
    assert response.wsgi_request.school == a
    assert [s.pk for s in response.wsgi_request.school_choices] == [a.pk, b.pk, c.pk]
    assert not hasattr(response.wsgi_request.user, "_sendfund_school_rows")


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_each_school_trust_and_authority_has_every_field_as_the_orm_reads_it():
    # UUIDs are read as text and turned back (SchoolChoices._build): same values, same types.
    trust = TrustFactory(name="Oak Trust")
    schools = [SchoolFactory(name=name, trust=trust) for name in ("Ash", "Birch")]
    SchoolFactory(name="Cedar", trust=None)
    lead = UserFactory()
    TrustMembershipFactory(user=lead, trust=trust)
    got = schools_with_roles(lead)
    assert [s.pk for s in got] == [s.pk for s in schools]
    for school in got:
        for mine, orm in (
            (school, School.objects.get(pk=school.pk)),
            (school.trust, Trust.objects.get(pk=trust.pk)),
            (school.local_authority, LocalAuthority.objects.get(pk=school.local_authority_id)),
        ):
            mine_fields, orm_fields = _fields(mine), _fields(orm)
            assert mine_fields == orm_fields
            assert [type(v) for v in mine_fields.values()] == [type(v) for v in orm_fields.values()]


def test_school_choices_builds_only_the_schools_asked_for():
    trust = TrustFactory()
    schools = [SchoolFactory(name=f"School {i}", trust=trust) for i in range(3)]
    lead = UserFactory()
    TrustMembershipFactory(user=lead, trust=trust)
    MembershipFactory(user=lead, school=schools[2], role=Role.SENCO)
    choices = school_choices(lead)
    assert isinstance(choices, SchoolChoices) and len(choices) == 3
    # What the kept pages' key and the idle sign-out read: from the rows, nothing built.
    assert choices.signature() == tuple(
        (s.pk, str(s.public_id), s.name, Role.SENCO if s is schools[2] else Role.TRUST_LEAD)
        for s in schools
    )
    assert choices.roles() == {Role.TRUST_LEAD, Role.SENCO}
    assert choices._built == [None, None, None]
    found = choices.find(str(schools[1].public_id))
    assert found == schools[1] and found.role == Role.TRUST_LEAD
    assert [b is not None for b in choices._built] == [False, True, False]
    assert choices.find("not-a-school") is None and choices.find(None) is None
    # Listing them all keeps the instance already built, and shares the trust.
    listed = list(choices)
    assert listed[1] is found and listed == schools and choices[0:2] == schools[:2]
    assert listed[0].trust is listed[2].trust
    assert listed[2].role == Role.SENCO


def test_the_switcher_and_the_trust_view_list_schools_from_the_rows_building_only_the_chosen(
    client,
):
    """A trust lead's pages list every school (the switcher; the trust view's table) from the
    query's rows (SchoolChoices.listing): the one School built is the request's own."""
    from django.urls import reverse

    trust = TrustFactory()
    schools = [SchoolFactory(name=f"School <{i}>", trust=trust) for i in range(3)]
    SchoolFactory(name="Not in the trust")
    lead = UserFactory()
    TrustMembershipFactory(user=lead, trust=trust)
    choices = school_choices(lead)
    assert choices.listing() == [
        SchoolListing(s.pk, str(s.public_id), s.name, trust.pk) for s in schools
    ]
    assert choices._built == [None, None, None]

    client.force_login(lead)
    response = client.get(reverse("reports:trust"))
    assert response.status_code == 200
    built = response.wsgi_request.school_choices._built
    assert [b is not None for b in built] == [True, False, False]  # the chosen school only
    html = response.content.decode()
    for s in schools:  # each in the switcher and in the table, its name escaped
        assert f'<option value="{s.public_id}"' in html
        assert html.count(f"School &lt;{s.name[-2]}&gt;") >= 2
    assert [r["school"].pk for r in response.context["rows"]] == [s.pk for s in schools]


def test_the_session_store_reads_what_djangos_writes_and_nothing_expired():
    written = DjangoSessionStore()
    written["sendfund_school"] = "abc"
    written.save()
    assert SessionStore(written.session_key).load() == {"sendfund_school": "abc"}

    expired = DjangoSessionStore()
    expired["x"] = 1
    expired.set_expiry(timezone.now() - dt.timedelta(seconds=1))
    expired.save()
    store = SessionStore(expired.session_key)
    assert store.load() == {}
    assert store.session_key is None  # as Django's: a new key on save, never the old one

    missing = SessionStore("no-such-session-key-0123456789ab")
    assert missing.load() == {} and missing.session_key is None


def test_the_backend_gives_the_orms_user_and_refuses_inactive_missing_and_malformed_ids():
    user = UserFactory(first_name="Harriet")
    got = ModelBackend().get_user(user.pk)
    expected = get_user_model().objects.get(pk=user.pk)
    assert got == expected
    assert {f.attname: getattr(got, f.attname) for f in got._meta.concrete_fields} == {
        f.attname: getattr(expected, f.attname) for f in expected._meta.concrete_fields
    }
    assert ModelBackend().get_user(str(user.pk)) == expected  # as the session holds it
    assert ModelBackend().get_user(10**9) is None
    assert ModelBackend().get_user("not a number") is None
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    assert ModelBackend().get_user(user.pk) is None


def test_a_prepared_statement_survives_a_new_connection_and_can_be_turned_off(settings):
    statement = Prepared("test_add", lambda: "SELECT $1::int + $2::int, $1::int")
    assert statement.fetch([2, 3]) == [(5, 2)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE name = %s", [statement.name]
        )
        assert cursor.fetchone()[0] == 1
    settings.SENDFUND_PREPARED_STATEMENTS = False
    assert statement.fetch([4, 5]) == [(9, 4)]
    assert fetch_instance(School, 0) is None


@pytest.mark.django_db(transaction=True)
def test_prepared_statements_are_made_again_on_a_new_connection():
    statement = Prepared("test_reconnect", lambda: "SELECT $1::text")
    assert statement.fetch(["a"]) == [("a",)]
    connection.close()
    assert statement.fetch(["b"]) == [("b",)]  # a new server session: prepared again
