"""The shared cast: a school and another school, and a signed-in client for each role.

alice (SENCO), harriet (head), gordon (governor), ada (school administrator) work at `school`;
tess leads the trust that `school` belongs to; oscar is the head of `other_school` (an outsider
to `school`).
"""

import os
import time
from dataclasses import dataclass

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

from sendfund.schools.roles import Role
from tests.factories import (
    MembershipFactory,
    SchoolFactory,
    TrustFactory,
    TrustMembershipFactory,
    UserFactory,
)

# Property tests (hypothesis) draw new examples on every developer's run, to find what nobody
# has tried. In CI (CI=true) they draw a fixed set, derived from each test's own code, so a run
# of the same commit tests the same examples and a failure can be reproduced with CI=true.
hypothesis_settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _idle_clock_written_once_a_day(monkeypatch):
    # The idle sign-out writes the session's last-seen time when more than 15 s have passed
    # since the last write. On a busy machine, building data between two requests of a
    # query-count test can take longer, and the extra session write would change the count.
    # Tests of the idle clock itself set it back (tests/schools/test_accounts.py).
    from sendfund.schools import idle

    monkeypatch.setattr(idle, "WRITE_EVERY", 24 * 60 * 60)


@pytest.fixture(autouse=True)
def _no_kept_renderings_between_tests():
    # The dashboard and trust table keep renderings keyed by database ids (funding.views,
    # reports.views). A test that empties the tables and starts the ids again could otherwise
    # meet a rendering an earlier test kept.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def trust(db):
    return TrustFactory(name="Test Trust")


@pytest.fixture
def school(trust):
    return SchoolFactory(name="Brook Primary", urn="100001", trust=trust)


@pytest.fixture
def other_school(db):
    return SchoolFactory(name="Faraway Academy", urn="100002", type="academy")


def _member(username, school, role):
    user = UserFactory(username=username)
    MembershipFactory(user=user, school=school, role=role)
    return user


@pytest.fixture
def senco(school):
    return _member("alice", school, Role.SENCO)


@pytest.fixture
def head(school):
    return _member("harriet", school, Role.HEAD)


@pytest.fixture
def governor(school):
    return _member("gordon", school, Role.GOVERNOR)


@pytest.fixture
def school_admin(school):
    return _member("ada", school, Role.ADMIN)


@pytest.fixture
def trust_lead(trust, school):
    user = UserFactory(username="tess")
    TrustMembershipFactory(user=user, trust=trust)
    return user


@pytest.fixture
def outsider(other_school):
    return _member("oscar", other_school, Role.HEAD)


def _client_for(user) -> Client:
    """Signed in, and having confirmed the password a moment ago: allauth asks for the password
    again before two-factor settings change, and looks for that record in the session."""
    client = Client()
    client.force_login(user)
    session = client.session
    session["account_authentication_methods"] = [
        {
            "method": "password",
            "at": time.time(),
            "username": user.get_username(),
            "reauthenticated": True,
        }
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client


@pytest.fixture
def senco_client(senco):
    return _client_for(senco)


@pytest.fixture
def head_client(head):
    return _client_for(head)


@pytest.fixture
def governor_client(governor):
    return _client_for(governor)


@pytest.fixture
def school_admin_client(school_admin):
    return _client_for(school_admin)


@pytest.fixture
def trust_lead_client(trust_lead):
    return _client_for(trust_lead)


@pytest.fixture
def outsider_client(outsider):
    return _client_for(outsider)


@dataclass
class Cast:
    school: object
    other_school: object
    clients: dict  # role -> Client
    outsider_client: Client


@pytest.fixture
def cast(
    school,
    other_school,
    senco_client,
    head_client,
    governor_client,
    school_admin_client,
    trust_lead_client,
    outsider_client,
):
    return Cast(
        school=school,
        other_school=other_school,
        clients={
            Role.SENCO: senco_client,
            Role.HEAD: head_client,
            Role.GOVERNOR: governor_client,
            Role.ADMIN: school_admin_client,
            Role.TRUST_LEAD: trust_lead_client,
        },
        outsider_client=outsider_client,
    )
