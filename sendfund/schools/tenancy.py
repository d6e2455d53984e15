"""The one tenant check a service makes: every object it is given belongs to the school.

Views fetch through `school_object_or_404` (another school's object is a 404); a service checks
again, because it may be called from elsewhere (an import, a command, a test)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model

from sendfund.schools.models import School

NOT_THIS_SCHOOL = (
    "That record does not belong to this school: another school's records are never shown or "
    "changed here."
)


def check_school(school: School, *objects: Any) -> None:
    """Refuse unless every object given (None is skipped) has `school_id` of this school."""
    for obj in objects:
        if obj is not None and obj.school_id != school.pk:
            # Never reveal another school's data: the same refusal whatever the record.
            raise ValidationError(NOT_THIS_SCHOOL)


M = TypeVar("M", bound=Model)


def save_for_school(school: School, obj: M, *related: Any) -> M:
    """The plain add-or-edit of a school's record: a new one is given the school; it and the
    records it points to (`related`) must be the school's; then validate and save it."""
    if obj.pk is None:
        obj.school = school  # type: ignore[attr-defined]
    check_school(school, obj, *related)
    obj.full_clean()
    obj.save()
    return obj
