"""Advocacy figures other apps read (governors' reports, the trust view, the evidence pack).

Each function is a fixed number of SQL aggregates, whatever the number of rows.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Min, Q, Sum

from advocacy.models import (
    DECIDED,
    MANDATORY,
    OPEN,
    SUBMITTED_OR_LATER,
    WON,
    ActionType,
    AdvocacyAction,
    TraineeRole,
    TrainingRecord,
    TrainingStatus,
    counts_as_qualification,
)
from sendfund.lib.dates import add_months
from sendfund.lib.money import ZERO
from sendfund.lib.periods import Period
from sendfund.lib.sql import CompiledQuery
from sendfund.schools.models import School

HUNDRED = Decimal("100")
WARNING_MONTHS = 6


def success_rate(successful: int, decided: int) -> Decimal | None:
    """Successful or partly successful as a % of decided actions; None when none decided."""
    if not decided:
        return None
    return Decimal(successful) * HUNDRED / Decimal(decided)


def _actions(school_id: int, start: dt.date, end: dt.date, pupil_requests: bool):
    actions = AdvocacyAction.objects.filter(school_id=school_id).in_period(start, end)
    return actions.visible(pupil_requests=pupil_requests)


def _totals(pupil_requests: bool) -> CompiledQuery:
    return CompiledQuery(
        "aggregate",
        lambda school_id, start, end: (
            _actions(school_id, start, end, pupil_requests),
            {
                "actions_total": Count("id"),
                "actions_open": Count("id", filter=Q(status__in=OPEN)),
                "submitted": Count("id", filter=Q(status__in=SUBMITTED_OR_LATER)),
                "decided": Count("id", filter=Q(status__in=DECIDED)),
                "successful": Count("id", filter=Q(status__in=WON)),
                "requested_total": Sum("amount_requested", default=ZERO),
                "secured_total": Sum("amount_secured", default=ZERO),
            },
        ),
    )


def _by_type(pupil_requests: bool) -> CompiledQuery:
    return CompiledQuery(
        "rows",
        lambda school_id, start, end: (
            _actions(school_id, start, end, pupil_requests)
            .order_by()
            .values("type")
            .annotate(
                count=Count("id"),
                requested=Sum("amount_requested", default=ZERO),
                secured=Sum("amount_secured", default=ZERO),
            )
        ),
    )


# With and without pupil-level requests (top-ups, EHC needs assessments).
_TOTALS = {flag: _totals(flag) for flag in (True, False)}
_BY_TYPE = {flag: _by_type(flag) for flag in (True, False)}


def advocacy_summary(*, school: School, period: Period, pupil_requests: bool = True) -> dict:
    """Actions dated inside `period`: counts by stage, money requested and secured, by type.

    Keys: actions_total, actions_open, submitted (submitted or later, closed excluded),
    decided, successful (incl. partly), success_rate (Decimal % or None), requested_total,
    secured_total, by_type [{type, label, count, requested, secured}]. Two queries.
    """
    values = {"school_id": school.pk, "start": period.start, "end": period.end}
    totals = _TOTALS[pupil_requests].run(**values)
    labels = dict(ActionType.choices)
    order = {value: index for index, value in enumerate(labels)}
    rows = _BY_TYPE[pupil_requests].run(**values)
    by_type = sorted(
        ({**row, "label": labels.get(row["type"], row["type"])} for row in rows),
        key=lambda row: order.get(row["type"], len(order)),
    )
    return {
        **totals,
        "success_rate": success_rate(totals["successful"], totals["decided"]),
        "by_type": by_type,
    }


def last_twelve_months(today: dt.date) -> Period:
    """The year up to and including today: what the overview and home panel summarise."""
    start = add_months(today, -12) + dt.timedelta(days=1)
    return Period(start, today, "the last 12 months")


def _training(school_id: int, today: dt.date):
    mandatory = Q(role=TraineeRole.SENCO, qualification__in=MANDATORY)
    not_complete = ~Q(status__in=[TrainingStatus.COMPLETED, TrainingStatus.WITHDRAWN])
    met = Q(status=TrainingStatus.COMPLETED) & counts_as_qualification()
    return (
        TrainingRecord.objects.filter(school_id=school_id),
        {
            "qualified": Count("id", filter=mandatory & met),
            "senco_deadline": Min(
                "deadline", filter=mandatory & ~Q(status=TrainingStatus.WITHDRAWN) & ~met
            ),
            "in_progress": Count("id", filter=Q(status=TrainingStatus.IN_PROGRESS)),
            "overdue": Count("id", filter=not_complete & Q(deadline__lt=today)),
        },
    )


_TRAINING = CompiledQuery("aggregate", _training)


def training_status(*, school: School, today: dt.date) -> dict:
    """The SENCO qualification position and training counts, in one query.

    senco_qualified: some SENCO has completed the mandatory qualification (the NPQ for SENCOs,
    or NASENCO started before 1 September 2024). senco_deadline: the earliest deadline of a
    SENCO's mandatory course that does not yet meet the requirement (not complete, or a NASENCO
    started too late to count). deadline_within_6_months: that deadline falls on or before
    today + 6 months (already passed counts too). in_progress: courses in progress;
    overdue: courses not complete whose deadline has passed.
    """
    figures = _TRAINING.run(school_id=school.pk, today=today)
    deadline = figures["senco_deadline"]
    return {
        "senco_qualified": figures["qualified"] > 0,
        "senco_deadline": deadline,
        "deadline_within_6_months": deadline is not None
        and deadline <= add_months(today, WARNING_MONTHS),
        "in_progress": figures["in_progress"],
        "overdue": figures["overdue"],
    }
