"""Writes to memberships: keyword-only, atomic, checked against the school."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from sendfund.schools.models import Membership, School
from sendfund.schools.roles import Role


@transaction.atomic
def membership_add(*, school: School, username: str, role: str, email: str = "") -> tuple:
    """Give a person a role at the school; a new account gets a random unusable password and
    signs in after a password reset (so no password is ever shown or emailed)."""
    User = get_user_model()
    user = User.objects.filter(username__iexact=username).first()
    created = user is None
    if created:
        user = User(username=username, email=email)
        user.set_unusable_password()
        user.save()
    membership = Membership.objects.create(user=user, school=school, role=role)
    return membership, created


def _heads_left(school: School, excluding: Membership) -> int:
    return Membership.objects.filter(school=school, role=Role.HEAD).exclude(pk=excluding.pk).count()


@transaction.atomic
def membership_change_role(*, school: School, membership: Membership, role: str) -> Membership:
    if membership.school_id != school.pk:
        raise ValidationError("That person does not belong to this school.")
    if membership.role == Role.HEAD and role != Role.HEAD and not _heads_left(school, membership):
        raise ValidationError("A school keeps at least one head teacher in sendfund.")
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, school: School, membership: Membership) -> None:
    if membership.school_id != school.pk:
        raise ValidationError("That person does not belong to this school.")
    if membership.role == Role.HEAD and not _heads_left(school, membership):
        raise ValidationError("A school keeps at least one head teacher in sendfund.")
    membership.delete()
