"""Advocacy writes: the status workflow, recording secured money as funding, training, reforms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from advocacy.models import (
    BAND_TYPES,
    DECIDED,
    PUPIL_TYPES,
    TRANSITIONS,
    WON,
    ActionStatus,
    ActionType,
    AdvocacyAction,
    FundingOpportunity,
    Reform,
    ReformItem,
    TrainingRecord,
)
from funding.models import FundingSource, FundingStatus, FundingType, TopUpBand, TopUpScheme
from sendfund.lib.money import ZERO
from sendfund.lib.versions import StaleEdit, update_if_unchanged
from sendfund.schools.models import School
from sendfund.schools.tenancy import check_school, save_for_school

# Which kind of funding source the money from each kind of action becomes.
FUNDING_TYPE_FOR_ACTION: dict[str, FundingType] = {
    ActionType.TOP_UP: FundingType.TOP_UP,
    ActionType.EHC_ASSESSMENT: FundingType.TOP_UP,
    ActionType.LA_MEETING: FundingType.LA_GRANT,
    ActionType.SCHOOLS_FORUM: FundingType.LA_GRANT,
    ActionType.TRUST: FundingType.TRUST_FUND,
}


@transaction.atomic
def action_save(
    *,
    school: School,
    action: AdvocacyAction,
    pupils=None,
    user=None,
    version: dt.datetime | None = None,
) -> AdvocacyAction:
    """Create or update an action; named pupils only on top-up and EHC assessment requests.

    With `version` (the `updated` the edit started from) the update is written only if nobody
    saved the action since; otherwise StaleEdit and nothing is written."""
    if action.pk is None:
        action.school = school
        action.created_by = user
    check_school(school, action)
    pupils = list(pupils or [])
    check_school(school, *pupils)
    if pupils and action.type not in PUPIL_TYPES:
        raise ValidationError("Only top-up and EHC needs assessment requests can name pupils.")
    action.full_clean(exclude=["pupils", "funding_source"])
    if version is not None and action.pk is not None:
        if not update_if_unchanged(action, version):
            raise StaleEdit(action)
    else:
        action.save()
    if action.type in PUPIL_TYPES:
        action.pupils.set(pupils)
    else:
        action.pupils.clear()
    source = action.funding_source
    if source is not None and action.amount_secured != source.amount:
        FundingSource.objects.filter(pk=source.pk).update(
            amount=action.amount_secured, updated=timezone.now()
        )
        FundingSource.objects.filter(pk=source.pk, type=FundingType.TOP_UP).update(
            band_id=action.band_awarded_id
        )
    return action


@transaction.atomic
def action_set_status(
    *,
    school: School,
    action: AdvocacyAction,
    status: str,
    decision_date: dt.date | None = None,
    amount_secured: Decimal | None = None,
    band_awarded: TopUpBand | None = None,
) -> AdvocacyAction:
    """Move an action along the workflow; refuse steps the workflow does not allow.

    A decision (successful, partly, unsuccessful) needs a decision date; money is secured only
    by a (partly) successful decision, so an unsuccessful one clears it.
    """
    check_school(school, action)
    action = AdvocacyAction.objects.select_for_update().get(pk=action.pk)
    if status not in ActionStatus.values:
        raise ValidationError(f"Unknown status {status!r}.")
    if status != action.status and status not in TRANSITIONS[action.status]:
        raise ValidationError(
            f"An action that is {ActionStatus(action.status).label.lower()} cannot become "
            f"{ActionStatus(status).label.lower()}."
        )
    if status in DECIDED:
        decision_date = decision_date or action.decision_date
        if decision_date is None:
            raise ValidationError("Give the date of the decision.")
        if decision_date < action.date:
            raise ValidationError("The decision cannot come before the action's date.")
        action.decision_date = decision_date
    if band_awarded is not None:
        if action.type not in BAND_TYPES:
            raise ValidationError("Only a top-up or EHC needs assessment request awards a band.")
        if status not in WON:
            raise ValidationError(
                "A band is awarded only by a successful or partly successful decision."
            )
        if not TopUpScheme.objects.for_school(school).filter(pk=band_awarded.scheme_id).exists():
            raise ValidationError("That band is not in a scheme of this school's local authority.")
        action.band_awarded = band_awarded
        if not amount_secured:
            amount_secured = band_awarded.annual_amount
    if amount_secured is not None:
        if amount_secured < ZERO:
            raise ValidationError("The amount secured cannot be negative.")
        if amount_secured > ZERO and status not in WON:
            raise ValidationError(
                "Money is secured only by a successful or partly successful decision."
            )
        action.amount_secured = amount_secured
    if status == ActionStatus.UNSUCCESSFUL:
        action.amount_secured = ZERO
        action.band_awarded = None
    elif status not in WON and status != ActionStatus.CLOSED and action.amount_secured > ZERO:
        raise ValidationError("This action secured money, so it cannot be reopened.")
    action.status = status
    action.save()
    if action.funding_source_id:
        FundingSource.objects.filter(pk=action.funding_source_id).update(
            amount=action.amount_secured, updated=timezone.now()
        )
    return action


@transaction.atomic
def action_record_funding(*, school: School, action: AdvocacyAction, user=None) -> FundingSource:
    """Record the money an action secured as a funding source (once), so the gap moves.

    The money is spread over the school's financial year containing the decision date.
    Calling it again returns the same funding source.
    """
    check_school(school, action)
    action = AdvocacyAction.objects.select_for_update().get(pk=action.pk)
    if (recorded := action.funding_source) is not None:
        return recorded
    if action.status not in WON or action.amount_secured <= ZERO:
        raise ValidationError("Only money secured by a successful decision can be recorded.")
    year = school.financial_year_for(action.decision_date or action.date)
    funding_type = FUNDING_TYPE_FOR_ACTION.get(action.type, FundingType.OTHER_GRANT)
    # A top-up follows its pupil: link it when the request named exactly one child.
    named = list(action.pupils.values_list("pk", flat=True)[:2])
    pupil_id = named[0] if funding_type == FundingType.TOP_UP and len(named) == 1 else None
    source = FundingSource.objects.create(
        school=school,
        type=funding_type,
        description=action.title[:200],
        pupil_id=pupil_id,
        band_id=action.band_awarded_id if funding_type == FundingType.TOP_UP else None,
        amount=action.amount_secured,
        period_start=year.start,
        period_end=year.end,
        status=FundingStatus.CONFIRMED,
        reference=f"Advocacy: {action.title}"[:100],
        created_by=user,
    )
    action.funding_source = source
    action.save(update_fields=["funding_source", "updated"])
    return source


def training_save(*, school: School, record: TrainingRecord) -> TrainingRecord:
    """Save a training record; a SENCO's mandatory course gets its deadline from appointment."""
    if record.pk is None:
        record.school = school
    check_school(school, record)
    computed = record.mandatory_deadline()
    if computed is not None:
        record.deadline = computed
    record.full_clean()
    record.save()
    return record


def opportunity_save(*, school: School, opportunity: FundingOpportunity) -> FundingOpportunity:
    """Save a funding opportunity the school may bid for, linked to one of its own actions."""
    return save_for_school(school, opportunity, opportunity.action)


def reform_item_save(*, school: School, item: ReformItem) -> ReformItem:
    """Save the school's position on a reform: a national one or one of its own."""
    return save_for_school(school, item)


def reform_item_for(*, school: School, reform: Reform) -> ReformItem:
    """The school's item for a national reform before it records a position: unsaved, not
    started, with the reform's title, agenda and place in the list."""
    return ReformItem(
        school=school, reform=reform, agenda=reform.agenda, title=reform.title, order=reform.order
    )


def reform_items_sync(*, school: School) -> int:
    """Give the school an item for every national reform it does not track yet (the demo)."""
    missing = Reform.objects.exclude(items__school=school)
    items = [reform_item_for(school=school, reform=reform) for reform in missing]
    ReformItem.objects.bulk_create(items, ignore_conflicts=True)
    return len(items)


@transaction.atomic
def action_delete(*, school: School, action: AdvocacyAction) -> None:
    """Delete an action, unless its money is already counted as funding."""
    check_school(school, action)
    if action.funding_source_id:
        raise ValidationError(
            "This action's money is recorded as funding: delete that funding source first, "
            "or close the action instead."
        )
    action.opportunities.update(action=None)
    action.delete()


def opportunity_delete(*, school: School, opportunity: FundingOpportunity) -> None:
    check_school(school, opportunity)
    opportunity.delete()


def training_delete(*, school: School, training: TrainingRecord) -> None:
    check_school(school, training)
    training.delete()


def reform_item_delete(*, school: School, item: ReformItem) -> None:
    """Delete one of the school's own items; national reforms stay (mark them not applicable)."""
    check_school(school, item)
    if item.reform_id:
        raise ValidationError(
            "National reforms stay on the tracker: set the status to not applicable instead."
        )
    item.delete()
