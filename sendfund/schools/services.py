"""Writes to memberships: keyword-only, atomic, checked against the school and the actor.

Role rules (issue #12, "roles that cannot escalate"):
- only a head teacher may grant the head role or change or remove a head;
- nobody changes or removes their own role;
- a school always keeps at least one head;
- every grant, change and removal is recorded as a RoleChange (who, whom, from, to, when).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from sendfund.schools.models import Membership, RoleChange, School
from sendfund.schools.roles import Role

ONLY_HEAD = "Only a head teacher can give, change or remove the head teacher role."
NOT_YOURSELF = "You cannot change or remove your own role: ask another head teacher."
LAST_HEAD = "A school keeps at least one head teacher in sendfund."


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
def membership_add(*, school: School, username: str, role: str, email: str = "", actor) -> tuple:
    """Give a person a role at the school; a new account gets a random unusable password and
    signs in after a password reset (so no password is ever shown or emailed)."""
    if role == Role.HEAD and _actor_role(school, actor) != Role.HEAD:
        raise ValidationError(ONLY_HEAD)
    User = get_user_model()
    user = User.objects.filter(username__iexact=username).first()
    created = user is None
    if created:
        user = User(username=username, email=email)
        user.set_unusable_password()
        user.save()
    membership = Membership.objects.create(user=user, school=school, role=role)
    _record(school=school, actor=actor, user=user, from_role="", to_role=role)
    return membership, created


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
