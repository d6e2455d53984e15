"""Writes to memberships: keyword-only, atomic, checked against the school and the actor.

Role rules (issue #12, "roles that cannot escalate"):
- only a head teacher may grant the head role or change or remove a head;
- nobody changes or removes their own role;
- a school always keeps at least one head;
- every grant, change and removal is recorded as a RoleChange (who, whom, from, to, when).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from sendfund.schools.models import (
    Invitation,
    Membership,
    MfaRequirement,
    MfaReset,
    RoleChange,
    School,
)
from sendfund.schools.roles import Role

ONLY_HEAD = "Only a head teacher can give, change or remove the head teacher role."
NOT_YOURSELF = "You cannot change or remove your own role: ask another head teacher."
LAST_HEAD = "A school keeps at least one head teacher in sendfund."

security_log = logging.getLogger("sendfund.security")


def school_settings_save(*, school: School, edited: School) -> School:
    """Save the school's own settings (name, delivery weeks, costing basis, unit, who edits
    funding, single sign-on domains): only the school being worked in."""
    if edited.pk != school.pk:
        raise ValidationError("Only the school you are working in can be changed here.")
    edited.full_clean()
    edited.save()
    return edited


def grantable_roles(actor_role: str | None) -> list[Role]:
    """The roles a person in `actor_role` may give to others at their school."""
    return [r for r in Role if r != Role.TRUST_LEAD and (r != Role.HEAD or actor_role == Role.HEAD)]


def _actor_role(school: School, actor) -> str | None:
    return (
        Membership.objects.filter(school=school, user=actor).values_list("role", flat=True).first()
    )


def _record(*, school: School, actor, user, from_role: str, to_role: str) -> None:
    RoleChange.objects.create(
        school=school,
        actor=actor,
        user=user,
        username=user.get_username(),
        from_role=from_role,
        to_role=to_role,
    )


def _check(*, school: School, membership: Membership, actor) -> str | None:
    if membership.school_id != school.pk:
        raise ValidationError("That person does not belong to this school.")
    if membership.user_id == actor.pk:
        raise ValidationError(NOT_YOURSELF)
    return _actor_role(school, actor)


def _heads_left(school: School, excluding: Membership) -> int:
    return Membership.objects.filter(school=school, role=Role.HEAD).exclude(pk=excluding.pk).count()


@transaction.atomic
def membership_change_role(
    *, school: School, membership: Membership, role: str, actor
) -> Membership:
    # Lock the row so two heads changing the same person cannot both pass the checks.
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    actor_role = _check(school=school, membership=membership, actor=actor)
    if role == membership.role:
        return membership
    if Role.HEAD in (role, membership.role) and actor_role != Role.HEAD:
        raise ValidationError(ONLY_HEAD)
    if membership.role == Role.HEAD and not _heads_left(school, membership):
        raise ValidationError(LAST_HEAD)
    _record(
        school=school, actor=actor, user=membership.user, from_role=membership.role, to_role=role
    )
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, school: School, membership: Membership, actor) -> None:
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    actor_role = _check(school=school, membership=membership, actor=actor)
    if membership.role == Role.HEAD:
        if actor_role != Role.HEAD:
            raise ValidationError(ONLY_HEAD)
        if not _heads_left(school, membership):
            raise ValidationError(LAST_HEAD)
    _record(school=school, actor=actor, user=membership.user, from_role=membership.role, to_role="")
    membership.delete()


# --- Two-factor authentication reset (issue #12 item 2) ---

ONLY_HEAD_RESETS = "Only a head teacher can reset a colleague's two-factor authentication."


@transaction.atomic
def mfa_reset(*, school: School, membership: Membership, actor) -> int:
    """Remove a colleague's second factors (authenticator app, passkeys, recovery codes) so
    they set up new ones at their next sign-in, which asks for it straight away; their other
    sessions are signed out. Recorded as an MfaReset and logged. Returns factors removed."""
    from allauth.mfa.models import Authenticator

    membership = Membership.objects.select_related("user").get(pk=membership.pk)
    if membership.school_id != school.pk:
        raise ValidationError("That person does not belong to this school.")
    if membership.user_id == actor.pk:
        raise ValidationError(
            "You manage your own two-factor authentication from your account menu."
        )
    if _actor_role(school, actor) != Role.HEAD:
        raise ValidationError(ONLY_HEAD_RESETS)
    user = membership.user
    removed, _ = Authenticator.objects.filter(user=user).delete()
    past = timezone.now() - dt.timedelta(days=settings.SENDFUND_MFA_GRACE_DAYS)
    MfaRequirement.objects.update_or_create(user=user, defaults={"required_since": past})
    MfaReset.objects.create(school=school, actor=actor, user=user, username=user.get_username())
    end_sessions(user)
    security_log.warning(
        "Two-factor authentication of %s reset by %s at school URN %s (%s factors removed)",
        user.get_username(),
        actor.get_username(),
        school.urn,
        removed,
    )
    return removed


def end_sessions(user, *, keep_session_key: str | None = None) -> int:
    """Sign the user out of every browser (all sessions but `keep_session_key`)."""
    from allauth.usersessions.models import UserSession

    ended = 0
    for user_session in UserSession.objects.filter(user=user):
        if keep_session_key and user_session.session_key == keep_session_key:
            continue
        user_session.end()
        ended += 1
    return ended


# --- Invitations (issue #12 item 4) ---

INVITATION_DAYS = 7


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _send_invitation(invitation: Invitation, token: str, *, request) -> None:
    link = request.build_absolute_uri(reverse("schools:invitation_accept", args=[token]))
    context = {
        "invitation": invitation,
        "link": link,
        "inviter": invitation.invited_by,
        "expires": timezone.localtime(invitation.expires_at),
    }
    send_mail(
        render_to_string("schools/email/invitation_subject.txt", context).strip(),
        render_to_string("schools/email/invitation_message.txt", context),
        None,
        [invitation.email],
    )


def _fresh_token(invitation: Invitation) -> str:
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _token_hash(token)
    invitation.sent_at = timezone.now()
    invitation.expires_at = invitation.sent_at + dt.timedelta(days=INVITATION_DAYS)
    return token


@transaction.atomic
def invitation_send(*, school: School, email: str, role: str, actor, request) -> Invitation:
    """Invite someone by email to a role at the school. Whether the address belongs to an
    account elsewhere changes nothing here, so the page cannot reveal it."""
    if role not in grantable_roles(_actor_role(school, actor)):
        raise ValidationError(ONLY_HEAD if role == Role.HEAD else "Choose a role from the list.")
    email = email.strip().lower()
    if Membership.objects.filter(school=school, user__email__iexact=email).exists():
        raise ValidationError("Someone with this email address already has a role here.")
    now = timezone.now()
    Invitation.objects.for_school(school).pending().filter(email__iexact=email).update(
        withdrawn_at=now
    )
    invitation = Invitation(school=school, email=email, role=role, invited_by=actor)
    token = _fresh_token(invitation)
    invitation.save()
    _send_invitation(invitation, token, request=request)
    return invitation


@transaction.atomic
def invitation_resend(*, school: School, invitation: Invitation, actor, request) -> Invitation:
    """A new link (the old one stops working), valid for another 7 days."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk, school=school)
    if invitation.accepted_at or invitation.withdrawn_at:
        raise ValidationError("That invitation has already been accepted or withdrawn.")
    if invitation.role == Role.HEAD and _actor_role(school, actor) != Role.HEAD:
        raise ValidationError(ONLY_HEAD)
    token = _fresh_token(invitation)
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
    _send_invitation(invitation, token, request=request)
    return invitation


@transaction.atomic
def invitation_withdraw(*, school: School, invitation: Invitation, actor) -> None:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk, school=school)
    if invitation.accepted_at:
        raise ValidationError("That invitation has already been accepted.")
    if invitation.role == Role.HEAD and _actor_role(school, actor) != Role.HEAD:
        raise ValidationError(ONLY_HEAD)
    if not invitation.withdrawn_at:
        invitation.withdrawn_at = timezone.now()
        invitation.save(update_fields=["withdrawn_at"])


def invitation_for_token(token: str) -> Invitation | None:
    """The pending, unexpired invitation this link belongs to, or None."""
    invitation = (
        Invitation.objects.pending()
        .select_related("school", "invited_by")
        .filter(token_hash=_token_hash(token))
        .first()
    )
    if invitation is None or invitation.expires_at <= timezone.now():
        return None
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user) -> Membership:
    """Give `user` the invited role (an existing role at the school is left as it is). The
    link was sent to the invitation's address, so following it proves that address."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at or invitation.withdrawn_at or invitation.expires_at <= timezone.now():
        raise ValidationError("This invitation has expired or was already used.")
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(user=user, email__iexact=invitation.email).update(verified=True)
    membership = Membership.objects.filter(school=invitation.school, user=user).first()
    if membership is None:
        membership = Membership.objects.create(
            user=user, school=invitation.school, role=invitation.role
        )
        _record(
            school=invitation.school,
            actor=invitation.invited_by,
            user=user,
            from_role="",
            to_role=invitation.role,
        )
    return membership


@transaction.atomic
def account_create_from_invitation(
    *, invitation: Invitation, username: str, password: str | None
) -> tuple:
    """A new account for the invitation's address (verified by the link), with a password, or
    none when its owner will sign in with the school's single sign-on."""
    from allauth.account.models import EmailAddress

    User = get_user_model()
    user = User(username=username, email=invitation.email)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    EmailAddress.objects.filter(user=user).delete()
    EmailAddress.objects.create(user=user, email=invitation.email, primary=True, verified=True)
    membership = invitation_accept(invitation=invitation, user=user)
    return user, membership
