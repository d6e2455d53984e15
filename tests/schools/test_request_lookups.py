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
from sendfund.schools.middleware import schools_with_roles
from sendfund.schools.models import Membership, School
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
