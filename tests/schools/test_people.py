import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from sendfund.schools import services
from sendfund.schools.models import Invitation, Membership, RoleChange
from sendfund.schools.roles import Role

pytestmark = pytest.mark.django_db


def _link(body: str) -> str:
    return re.search(r"https?://[^/\s]+(/schools/invitations/accept/\S+/)", body).group(1)


def _accept_with_new_account(client, body, username, password="a long new passphrase 7"):
    return client.post(
        _link(body), {"username": username, "password1": password, "password2": password}
    )


def test_the_head_invites_a_new_colleague_by_email_and_no_account_exists_yet(head_client, school):
    # Issue #12 item 4: adding by username is gone; an invitation email is sent instead.
    response = head_client.post(
        reverse("schools:people"), {"email": "n@example.org", "role": "senco"}
    )
    assert response.status_code == 302
    assert not get_user_model().objects.filter(email="n@example.org").exists()
    invitation = Invitation.objects.get(school=school)
    assert (invitation.email, invitation.role) == ("n@example.org", Role.SENCO)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["n@example.org"]
    assert "/schools/invitations/accept/" in mail.outbox[0].body


def test_an_invitation_needs_an_email(head_client):
    response = head_client.post(reverse("schools:people"), {"username": "x", "role": "senco"})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not Invitation.objects.exists()


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
        reverse("schools:people"), {"email": "h@example.org", "role": "head"}
    )
    assert response.status_code == 200  # the form comes back with the error
    assert not Invitation.objects.exists()
    assert not get_user_model().objects.filter(email="h@example.org").exists()


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


def test_adding_a_colleague_is_recorded(head_client, head, school, client):
    head_client.post(reverse("schools:people"), {"email": "g@example.org", "role": "governor"})
    _accept_with_new_account(client, mail.outbox[-1].body, "gov2")
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


# --- Invitations (issue #12 item 4) ---


def _invite(client, email, role="senco"):
    response = client.post(reverse("schools:people"), {"email": email, "role": role})
    assert response.status_code == 302
    return mail.outbox[-1].body


def test_an_invited_colleague_creates_an_account_signs_in_and_the_link_is_single_use(
    head_client, school, client
):
    body = _invite(head_client, "newsenco@example.org")
    assert "until" in body  # the expiry is stated
    response = _accept_with_new_account(client, body, "newsenco")
    assert response.status_code == 302 and response["Location"] == reverse("home")
    user = get_user_model().objects.get(username="newsenco")
    assert user.email == "newsenco@example.org" and user.has_usable_password()
    assert Membership.objects.get(user=user, school=school).role == Role.SENCO
    from allauth.account.models import EmailAddress

    assert EmailAddress.objects.get(user=user).verified
    # The link worked once.
    assert Client().get(_link(body)).status_code == 404
    # And the new colleague can sign in with the password they chose.
    signed_in = Client().post(
        reverse("account_login"), {"login": "newsenco", "password": "a long new passphrase 7"}
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == reverse("home")


def test_an_invitation_expires_after_7_days(head_client, client, school):
    import datetime as dt

    from django.utils import timezone

    body = _invite(head_client, "late@example.org")
    invitation = Invitation.objects.get(email="late@example.org")
    assert invitation.expires_at - invitation.sent_at == dt.timedelta(days=7)
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(_link(body)).status_code == 404
    _accept_with_new_account(client, body, "late")
    assert not get_user_model().objects.filter(username="late").exists()


def test_pending_invitations_are_listed_resent_and_withdrawn(head_client, client):
    first = _invite(head_client, "pending@example.org", role="governor")
    page = head_client.get(reverse("schools:people")).content.decode()
    assert 'data-testid="invitation-pending@example.org"' in page
    invitation = Invitation.objects.get(email="pending@example.org")
    url = reverse("schools:invitation", args=[invitation.public_id])
    assert head_client.post(url, {"action": "resend"}).status_code == 302
    second = mail.outbox[-1].body
    assert _link(second) != _link(first)
    assert client.get(_link(first)).status_code == 404  # the old link stopped working
    assert client.get(_link(second)).status_code == 200
    head_client.post(url, {"action": "withdraw"})
    assert client.get(_link(second)).status_code == 404
    page = head_client.get(reverse("schools:people")).content.decode()
    assert 'data-testid="invitation-pending@example.org"' not in page


def test_an_address_used_elsewhere_reveals_nothing(head_client, outsider):
    # oscar is head of another school; his address gets exactly the same answer as a new one.
    known = head_client.post(
        reverse("schools:people"), {"email": "oscar@example.org", "role": "governor"}, follow=True
    )
    unknown = head_client.post(
        reverse("schools:people"), {"email": "nobody@example.org", "role": "governor"}, follow=True
    )
    known_html = known.content.decode()
    assert "oscar" not in known_html.replace("oscar@example.org", "")
    assert known_html.replace("oscar@example.org", "X").count("Invitation sent to X") == 1
    assert unknown.content.decode().count("Invitation sent to nobody@example.org") == 1
    assert not Membership.objects.filter(user=outsider, school__name="Brook Primary").exists()


def test_an_existing_account_accepts_when_signed_in_and_gets_the_role(
    head_client, outsider, outsider_client, school
):
    body = _invite(head_client, "oscar@example.org", role="governor")
    page = outsider_client.get(_link(body)).content.decode()
    assert "Accept as oscar" in page
    response = outsider_client.post(_link(body))
    assert response.status_code == 302
    assert Membership.objects.get(user=outsider, school=school).role == Role.GOVERNOR
    change = RoleChange.objects.get(school=school, user=outsider)
    assert (change.from_role, change.to_role) == ("", Role.GOVERNOR)


def test_signed_out_with_an_existing_account_it_asks_to_sign_in_first(
    head_client, outsider, client, school
):
    body = _invite(head_client, "oscar@example.org", role="governor")
    page = client.get(_link(body)).content.decode()
    assert "Sign in" in page and "Create my account" not in page
    # Trying to create a second account for the address anyway changes nothing.
    _accept_with_new_account(client, body, "oscar2")
    assert not get_user_model().objects.filter(username="oscar2").exists()
    signed_in = client.post(
        reverse("account_login") + f"?next={_link(body)}",
        {"login": "oscar", "password": "correct horse battery", "next": _link(body)},
    )
    assert signed_in["Location"] == _link(body)
    client.post(_link(body))
    assert Membership.objects.get(user=outsider, school=school).role == Role.GOVERNOR


def test_another_schools_invitation_cannot_be_resent_or_withdrawn(head_client, outsider_client):
    _invite(outsider_client, "theirs@example.org", role="governor")
    invitation = Invitation.objects.get(email="theirs@example.org")
    url = reverse("schools:invitation", args=[invitation.public_id])
    assert head_client.post(url, {"action": "withdraw"}).status_code == 404
    invitation.refresh_from_db()
    assert invitation.withdrawn_at is None


def test_an_administrator_cannot_resend_or_withdraw_a_head_invitation(
    head_client, school_admin_client
):
    _invite(head_client, "newhead@example.org", role="head")
    invitation = Invitation.objects.get(email="newhead@example.org")
    url = reverse("schools:invitation", args=[invitation.public_id])
    school_admin_client.post(url, {"action": "withdraw"})
    invitation.refresh_from_db()
    assert invitation.withdrawn_at is None


# --- Two-factor authentication on the people page (issue #12 item 2) ---


def _give_totp(user):
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )


def test_the_head_sees_who_has_two_factor(head_client, senco, governor):
    _give_totp(senco)
    page = head_client.get(reverse("schools:people")).content.decode()
    alice_row = page[page.index('data-testid="member-alice"') :]
    alice_row = alice_row[: alice_row.index("</tr>")]
    assert 'data-testid="mfa-on"' in alice_row and "Reset two-factor" in alice_row
    gordon_row = page[page.index('data-testid="member-gordon"') :]
    gordon_row = gordon_row[: gordon_row.index("</tr>")]
    assert 'data-testid="mfa-off"' in gordon_row


def test_the_head_resets_a_colleagues_two_factor_and_it_is_recorded(
    head_client, head, senco, school
):
    from allauth.mfa.models import Authenticator

    from sendfund.schools.models import MfaRequirement, MfaReset

    _give_totp(senco)
    url = reverse("schools:membership", args=[_membership(senco).public_id])
    assert head_client.post(url, {"action": "reset_mfa"}).status_code == 302
    assert not Authenticator.objects.filter(user=senco).exists()
    reset = MfaReset.objects.get(school=school)
    assert (reset.actor, reset.username) == (head, "alice")
    # The next sign-in asks for a new second factor straight away.
    from django.utils import timezone

    assert MfaRequirement.objects.get(user=senco).required_since < timezone.now()
    page = head_client.get(reverse("schools:people")).content.decode()
    assert "Two-factor resets" in page and "reset was" not in page


def test_only_a_head_resets_two_factor_and_never_their_own(
    school_admin_client, head_client, head, senco
):
    from allauth.mfa.models import Authenticator

    from sendfund.schools.models import MfaReset

    _give_totp(senco)
    _give_totp(head)
    url = reverse("schools:membership", args=[_membership(senco).public_id])
    school_admin_client.post(url, {"action": "reset_mfa"})
    own = reverse("schools:membership", args=[_membership(head).public_id])
    head_client.post(own, {"action": "reset_mfa"})
    assert Authenticator.objects.filter(user__in=[senco, head]).count() == 2
    assert not MfaReset.objects.exists()
