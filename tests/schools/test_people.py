import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse

from sendfund.schools import services
from sendfund.schools.models import Membership, RoleChange
from sendfund.schools.roles import Role

pytestmark = pytest.mark.django_db


def test_the_head_adds_a_new_colleague_who_has_no_password_yet(head_client, school):
    response = head_client.post(
        reverse("schools:people"),
        {"username": "newsenco", "email": "n@example.org", "role": "senco"},
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(username="newsenco")
    assert not user.has_usable_password()
    assert Membership.objects.get(user=user).role == Role.SENCO


def test_a_new_account_needs_an_email(head_client):
    response = head_client.post(reverse("schools:people"), {"username": "x", "role": "senco"})
    assert response.status_code == 200
    assert "Give an email address" in response.content.decode()
    assert not get_user_model().objects.filter(username="x").exists()


def test_the_last_head_cannot_be_removed_or_demoted(head_client, head, school):
    membership = Membership.objects.get(user=head)
    url = reverse("schools:membership", args=[membership.public_id])
    head_client.post(url, {"action": "remove"})
    head_client.post(url, {"action": "change", "role": "governor"})
    membership.refresh_from_db()
    assert membership.role == Role.HEAD


def test_settings_change_the_costing_basis(head_client, school):
    response = head_client.post(
        reverse("schools:settings"),
        {"name": school.name, "delivery_weeks": 39, "costing_basis": "la_standard"},
    )
    assert response.status_code == 302
    school.refresh_from_db()
    assert (school.delivery_weeks, school.costing_basis) == (39, "la_standard")
    assert school.senco_edits_funding is False


def test_delivery_weeks_outside_1_to_52_are_refused(head_client, school):
    response = head_client.post(
        reverse("schools:settings"),
        {"name": school.name, "delivery_weeks": 60, "costing_basis": "actual"},
    )
    assert response.status_code == 200
    school.refresh_from_db()
    assert school.delivery_weeks == 38


# --- Roles that cannot escalate (issue #12 item 5) ---


def _membership(user):
    return Membership.objects.get(user=user)


def test_an_administrator_cannot_make_themselves_head(school_admin_client, school_admin):
    # The shipped defect: POST change role=head on one's own membership gave 302 and the role.
    url = reverse("schools:membership", args=[_membership(school_admin).public_id])
    response = school_admin_client.post(url, {"action": "change", "role": "head"})
    assert response.status_code == 302
    assert _membership(school_admin).role == Role.ADMIN
    page = school_admin_client.get(reverse("schools:people")).content.decode()
    assert "Only a head teacher" in page or "own role" in page
    assert RoleChange.objects.count() == 0


def test_an_administrator_cannot_make_a_colleague_head(school_admin_client, senco):
    url = reverse("schools:membership", args=[_membership(senco).public_id])
    school_admin_client.post(url, {"action": "change", "role": "head"})
    assert _membership(senco).role == Role.SENCO


def test_an_administrator_cannot_add_a_head(school_admin_client):
    response = school_admin_client.post(
        reverse("schools:people"), {"username": "newhead", "email": "h@example.org", "role": "head"}
    )
    assert response.status_code == 200  # the form comes back with the error
    assert not Membership.objects.filter(user__username="newhead").exists()
    assert not get_user_model().objects.filter(username="newhead").exists()


def test_the_administrator_is_not_offered_the_head_role(school_admin_client):
    page = school_admin_client.get(reverse("schools:people")).content.decode()
    assert 'value="head"' not in page


def test_an_administrator_cannot_demote_or_remove_the_head(school_admin_client, head):
    url = reverse("schools:membership", args=[_membership(head).public_id])
    school_admin_client.post(url, {"action": "change", "role": "governor"})
    school_admin_client.post(url, {"action": "remove"})
    assert _membership(head).role == Role.HEAD


def test_nobody_changes_or_removes_their_own_role(head_client, head, senco_client, senco):
    # A SENCO does not hold school.manage at all: a 403 before any rule is reached.
    own = reverse("schools:membership", args=[_membership(senco).public_id])
    assert senco_client.post(own, {"action": "change", "role": "head"}).status_code == 403
    head_url = reverse("schools:membership", args=[_membership(head).public_id])
    head_client.post(head_url, {"action": "change", "role": "admin"})
    head_client.post(head_url, {"action": "remove"})
    assert _membership(head).role == Role.HEAD
    assert _membership(senco).role == Role.SENCO


def test_a_head_grants_and_removes_head_and_each_change_is_recorded(
    head_client, head, senco, school
):
    url = reverse("schools:membership", args=[_membership(senco).public_id])
    assert head_client.post(url, {"action": "change", "role": "head"}).status_code == 302
    assert _membership(senco).role == Role.HEAD
    head_client.post(url, {"action": "remove"})
    assert not Membership.objects.filter(user=senco).exists()
    changes = list(RoleChange.objects.filter(school=school).order_by("pk"))
    assert [(c.actor, c.username, c.from_role, c.to_role) for c in changes] == [
        (head, "alice", "senco", "head"),
        (head, "alice", "head", ""),
    ]
    page = head_client.get(reverse("schools:people")).content.decode()
    assert "Recent role changes" in page and "removed" in page


def test_adding_a_colleague_is_recorded(head_client, head, school):
    head_client.post(
        reverse("schools:people"),
        {"username": "gov2", "email": "g@example.org", "role": "governor"},
    )
    change = RoleChange.objects.get(school=school)
    assert (change.actor, change.username, change.from_role, change.to_role) == (
        head,
        "gov2",
        "",
        "governor",
    )


def test_the_last_head_rule_holds_in_the_service(head, school, trust):
    # Two heads: one removes the other, leaving a last head nobody can remove.
    from tests.factories import MembershipFactory, UserFactory

    second = UserFactory(username="second")
    MembershipFactory(user=second, school=school, role=Role.HEAD)
    services.membership_remove(school=school, membership=_membership(second), actor=head)
    with pytest.raises(ValidationError):
        services.membership_remove(school=school, membership=_membership(head), actor=head)
    assert _membership(head).role == Role.HEAD
