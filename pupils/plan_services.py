"""Writes for SEN support plans (APDR cycles): a cycle with its outcomes and its links to the
provision map, and its review. Keyword-only, atomic, school-checked, as in pupils.services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from pupils.models import ProvisionAssignment
from pupils.plan_models import (
    ONE_AWAITING,
    InterventionMeasure,
    PlanOutcome,
    ProfessionalInvolvement,
    SupportPlan,
)
from sendfund.lib.versions import save_unless_stale
from sendfund.schools.models import School
from sendfund.schools.tenancy import check_school

NOT_THIS_PUPILS = "Provision: choose rows of this pupil's provision map."


@transaction.atomic
def plan_save(
    *,
    school: School,
    plan: SupportPlan,
    outcomes: list[str],
    provision: Iterable[ProvisionAssignment] = (),
    user=None,
    version: dt.datetime | None = None,
) -> SupportPlan:
    """Start or edit a cycle: the plan, its outcomes (one a line) and the provision map rows
    that deliver it, all or nothing. With `version` (the `updated` the edit started from) an
    edit is written only if nobody saved the plan since; otherwise StaleEdit, nothing written."""
    if plan.pk is None:
        plan.school, plan.created_by = school, user
    rows = list(provision)
    check_school(school, plan, plan.pupil, *rows)
    if any(row.pupil_id != plan.pupil_id for row in rows):
        raise ValidationError(
            {"provision": "Provision: choose rows of this pupil's provision map."}
        )
    try:
        with transaction.atomic():
            save_unless_stale(plan, version)
    except IntegrityError:
        # Two people starting a cycle at once: the database keeps one awaiting review.
        raise ValidationError(
            ONE_AWAITING.format(pupil=plan.pupil, start=dt.date.today())
        ) from None
    plan.provision.set(rows)
    _save_outcomes(school, plan, outcomes)
    return plan


def _save_outcomes(school: School, plan: SupportPlan, lines: list[str]) -> None:
    """Keep outcomes whose text is unchanged (and their progress), add the new ones."""
    existing = {o.text: o for o in plan.outcomes.all()}
    keep = []
    for position, text in enumerate(lines, 1):
        outcome = existing.pop(text, None)
        if outcome is None:
            outcome = PlanOutcome(school=school, plan=plan, text=text)
        outcome.position = position
        outcome.save()
        keep.append(outcome.pk)
    plan.outcomes.exclude(pk__in=keep).delete()


@transaction.atomic
def plan_review_record(
    *,
    school: School,
    plan: SupportPlan,
    reviewed_on: dt.date,
    next_steps: str,
    progress: dict[int, str],
) -> SupportPlan:
    """Record the review of a cycle: progress on each of its outcomes (by outcome id) and the
    next steps."""
    check_school(school, plan)
    for outcome in plan.outcomes.all():
        if outcome.pk in progress:
            outcome.progress = progress[outcome.pk]
            outcome.save(update_fields=["progress"])
    plan.reviewed_on, plan.next_steps = reviewed_on, next_steps
    plan.save(update_fields=["reviewed_on", "next_steps", "updated"])
    return plan


@transaction.atomic
def professional_save(
    *, school: School, record: ProfessionalInvolvement, version: dt.datetime | None = None
) -> ProfessionalInvolvement:
    """Record or edit a professional's involvement with a pupil and their advice. With
    `version` an edit is written only if nobody saved it since, else StaleEdit."""
    check_school(school, record, record.pupil)
    record.full_clean()
    save_unless_stale(record, version)
    return record


@transaction.atomic
def measure_save(
    *, school: School, measure: InterventionMeasure, version: dt.datetime | None = None
) -> InterventionMeasure:
    """Record the entry and exit measures of a provision row. With `version` an edit is written
    only if nobody saved them since, else StaleEdit."""
    check_school(school, measure, measure.assignment)
    measure.full_clean()
    save_unless_stale(measure, version)
    return measure


def professional_delete(*, school: School, record: ProfessionalInvolvement) -> None:
    """Remove a professional's involvement recorded on a pupil's page."""
    check_school(school, record)
    record.delete()
