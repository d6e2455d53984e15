import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from sendfund.schools.models import Membership
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
