"""Cross-school access for people with several schools, POSTs to every object route, and every
people-page action (issue #12 item 9).

`multi` is head of `school` and governor of `other_school` (a head teacher who also governs
elsewhere). Working in one school, the other school's objects are 404 on every route, by GET
and by POST, even though the user has a role at that school: the current school decides.
"""

import time

import pytest
from django.test import Client
from django.urls import reverse

from sendfund.schools.middleware import SESSION_KEY
from sendfund.schools.models import Invitation, Membership, MfaReset, RoleChange
from sendfund.schools.roles import Role, role_can
from tests.factories import MembershipFactory, UserFactory
from tests.url_matrix import all_cases

OBJECT_CASES = [c for c in all_cases() if c.kwargs and not c.public and not c.national]


@pytest.fixture
def multi(school, other_school):
    user = UserFactory(username="mo")
    MembershipFactory(user=user, school=school, role=Role.HEAD)
    MembershipFactory(user=user, school=other_school, role=Role.GOVERNOR)
    return user


def _client_in(user, school) -> Client:
    """Signed in (with a recent password, as tests/conftest.py's clients) and working in
    `school`."""
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = str(school.public_id)
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time(), "reauthenticated": True}
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client


def _url(case, school):
    return reverse(case.name, kwargs=case.kwargs(school))


@pytest.mark.django_db
@pytest.mark.parametrize("case", OBJECT_CASES, ids=[c.name for c in OBJECT_CASES])
def test_working_in_one_school_the_other_schools_objects_are_404(case, multi, school, other_school):
    # Working at `school` as head: `other_school`'s object is 404 (GET and POST alike), though
    # mo is a governor there.
    client = _client_in(multi, school)
    url = _url(case, other_school)
    data = case.data(other_school) if case.data else {}
    allowed = (404,) if case.method == "post" else (404, 405)  # 405: the route takes no POST
    assert client.get(url).status_code in (404, 405), case.name
    assert client.post(url, data).status_code in allowed, case.name


@pytest.mark.django_db
@pytest.mark.parametrize("case", OBJECT_CASES, ids=[c.name for c in OBJECT_CASES])
def test_a_valid_post_to_another_schools_object_is_404_on_every_route(cast, case):
    """The head of `school` POSTs (the route's own valid data where the matrix has it) to an
    object of `other_school`: 404, whatever the route's usual method."""
    client = cast.clients[Role.HEAD]
    if case.capability and not role_can(Role.HEAD, case.capability, school=cast.school):
        client = next(
            c for r, c in cast.clients.items() if role_can(r, case.capability, school=cast.school)
        )
    url = _url(case, cast.other_school)
    data = case.data(cast.other_school) if case.data else {}
    allowed = (404,) if case.method == "post" else (404, 405)  # 405: the route takes no POST
    assert client.post(url, data).status_code in allowed


@pytest.mark.django_db
def test_the_role_follows_the_current_school(multi, school, other_school):
    head_there = _client_in(multi, school)
    assert head_there.get(reverse("schools:people")).status_code == 200
    governing = _client_in(multi, other_school)
    assert governing.get(reverse("schools:people")).status_code == 403
    assert governing.get(reverse("pupils:register")).status_code == 403
    # Switching to a school the user has no role at is refused.
    from tests.factories import SchoolFactory

    stranger = SchoolFactory(name="Elsewhere")
    governing.post(reverse("schools:switch"), {"school": str(stranger.public_id)})
    assert governing.get(reverse("home")).wsgi_request.school == other_school


# Every people-page action, aimed at another school's membership or invitation.
MEMBERSHIP_ACTIONS = [
    {"action": "change", "role": "governor"},
    {"action": "change", "role": "head"},
    {"action": "remove"},
    {"action": "reset_mfa"},
]


@pytest.mark.django_db
@pytest.mark.parametrize("data", MEMBERSHIP_ACTIONS, ids=lambda d: "-".join(d.values()))
def test_every_people_action_on_another_schools_member_is_404(multi, school, other_school, data):
    target = MembershipFactory(school=other_school, role=Role.SENCO)
    client = _client_in(multi, school)
    url = reverse("schools:membership", args=[target.public_id])
    assert client.post(url, data).status_code == 404
    target.refresh_from_db()
    assert target.role == Role.SENCO
    assert not RoleChange.objects.exists() and not MfaReset.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["resend", "withdraw"])
def test_every_invitation_action_on_another_schools_invitation_is_404(
    multi, school, other_school, action, outsider_client
):
    outsider_client.post(
        reverse("schools:people"), {"email": "theirs@example.org", "role": "governor"}
    )
    invitation = Invitation.objects.get(school=other_school)
    client = _client_in(multi, school)
    url = reverse("schools:invitation", args=[invitation.public_id])
    assert client.post(url, {"action": action}).status_code == 404
    invitation.refresh_from_db()
    assert invitation.withdrawn_at is None


@pytest.mark.django_db
def test_inviting_adds_only_to_the_current_school(multi, school, other_school):
    client = _client_in(multi, school)
    client.post(reverse("schools:people"), {"email": "new@example.org", "role": "senco"})
    assert Invitation.objects.get(email="new@example.org").school == school
    # As governor of other_school, mo cannot invite there at all.
    governing = _client_in(multi, other_school)
    response = governing.post(
        reverse("schools:people"), {"email": "x@example.org", "role": "senco"}
    )
    assert response.status_code == 403
    assert not Invitation.objects.filter(school=other_school).exists()
    assert Membership.objects.filter(user=multi).count() == 2


@pytest.mark.django_db
def test_the_school_switcher_lists_the_persons_schools_with_the_current_one_chosen(
    multi, school, other_school
):
    other_school.name = 'St Mary & St John\'s <"Upper">'
    other_school.save()
    body = _client_in(multi, school).get(reverse("home")).content.decode()
    switcher = body[body.index('id="school-switch"') : body.index("</select>")]
    assert f'<option value="{school.public_id}" selected>{school.name}</option>' in switcher
    assert (
        f'<option value="{other_school.public_id}">'
        "St Mary &amp; St John&#x27;s &lt;&quot;Upper&quot;&gt;</option>"
    ) in switcher
    assert switcher.count("<option") == 2
