"""Statutory clocks: EHC needs assessment timeliness and annual reviews (docs/domain.md section 5).

Other apps (dashboards, reports, advocacy evidence) read these two functions; both run a
constant number of queries whatever the number of pupils.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q

from pupils.models import (
    WEEK_20,
    AnnualReview,
    AssessmentRequest,
    Pupil,
    assessment_overdue_if_received_before,
    review_overdue,
)
from pupils.plan_models import SupportPlan
from sendfund.lib.periods import Period
from sendfund.lib.sql import CompiledQuery
from sendfund.schools.models import School


def assessment_timeliness(*, school: School, period: Period, today: dt.date | None = None) -> dict:
    """Counts for a period: requests received, decisions made, final plans issued and how many
    within 20 weeks (with the percentage, None when no plan was issued), open requests past
    week 20 today (lawful exceptions excluded), annual reviews due in the period and overdue."""
    today = today or dt.date.today()
    days = {"start": period.start, "end": period.end}
    a = _ASSESSMENT_COUNTS.run(school_id=school.pk, **days, cutoff=today - WEEK_20)
    r = _REVIEW_COUNTS.run(school_id=school.pk, **days, today=today)
    issued = a["final_plans_issued"]
    pct = Decimal(a["final_within_20_weeks"]) * Decimal(100) / Decimal(issued) if issued else None
    return {**a, "final_within_20_weeks_pct": pct, **r}


# The two counts, each compiled once per process (sendfund.lib.sql.CompiledQuery): building
# the aggregates cost the ORM more than PostgreSQL takes to answer them.
def _assessment_counts(school_id, start, end, cutoff):
    in_period = (start, end)
    return AssessmentRequest.objects.filter(school_id=school_id), {
        "requests_received": Count("pk", filter=Q(received_date__range=in_period)),
        "decisions_made": Count("pk", filter=Q(decision_date__range=in_period)),
        "final_plans_issued": Count("pk", filter=Q(final_plan_date__range=in_period)),
        "final_within_20_weeks": Count(
            "pk",
            filter=Q(final_plan_date__range=in_period)
            & Q(final_plan_date__lte=F("received_date") + WEEK_20),
        ),
        "open_overdue": Count("pk", filter=assessment_overdue_if_received_before(cutoff)),
    }


def _review_counts(school_id, start, end, today):
    return AnnualReview.objects.filter(school_id=school_id), {
        "reviews_due": Count("pk", filter=Q(due_date__range=(start, end))),
        "reviews_overdue": Count("pk", filter=review_overdue(today)),
    }


_ASSESSMENT_COUNTS = CompiledQuery("aggregate", _assessment_counts)
_REVIEW_COUNTS = CompiledQuery("aggregate", _review_counts)


@dataclass(frozen=True)
class DueItem:
    """One thing the SENCO must chase: what, for whom, by when."""

    kind: str  # "assessment", "review" or "plan" (an SEN support plan review)
    pupil: Pupil
    step: str
    due: dt.date
    overdue: bool
    days_left: int
    record: AssessmentRequest | AnnualReview | SupportPlan

    @property
    def days_late(self) -> int:
        return max(-self.days_left, 0)


def _assessment_step(req: AssessmentRequest) -> tuple[str, dt.date] | None:
    if req.decision_date is None:
        return "Decision to assess (week 6)", req.decision_due
    if req.draft_plan_date is None:
        return "Draft plan (week 16)", req.draft_due
    if req.final_plan_date is None:
        return "Final plan (week 20)", req.final_due
    return None


def due_list(
    *, school: School, today: dt.date | None = None, horizon_days: int | None = None
) -> list[DueItem]:
    """Open assessment requests, annual reviews and SEN support plan reviews with their next
    deadline, soonest first.

    Three queries. With `horizon_days`, only items overdue or due within that many days.
    """
    today = today or dt.date.today()
    items: list[DueItem] = []
    requests = (
        AssessmentRequest.objects.for_school(school)
        .open()
        .filter(pupil__left_date__isnull=True)
        .select_related("pupil")
    )
    for req in requests:
        step = _assessment_step(req)
        if step is None:
            continue
        label, due = step
        if req.exception:
            label += f" – lawful exception: {req.get_exception_display().lower()}"
        items.append(_item("assessment", req, label, due, today))
    reviews = (
        AnnualReview.objects.for_school(school)
        .filter(pupil__left_date__isnull=True)
        .filter(
            Q(meeting_date__isnull=True)
            | Q(report_sent_date__isnull=True)
            | Q(la_decision_date__isnull=True)
            | Q(la_decision="amend", amended_plan_date__isnull=True)
        )
        .select_related("pupil")
    )
    for review in reviews:
        step = review.next_step()
        if step is not None:
            items.append(_item("review", review, step[0], step[1], today))
    plans = (
        SupportPlan.objects.for_school(school)
        .awaiting_review()
        .filter(pupil__left_date__isnull=True)
        .select_related("pupil")
    )
    for plan in plans:
        label = f"Review the SEN support plan (cycle from {plan.start_date:%d/%m/%Y})"
        items.append(_item("plan", plan, label, plan.review_date, today))
    if horizon_days is not None:
        limit = today + dt.timedelta(days=horizon_days)
        items = [i for i in items if i.due <= limit]
    return sorted(items, key=lambda i: (i.due, i.pupil.surname, i.pupil.forename))


def _item(kind: str, record, step: str, due: dt.date, today: dt.date) -> DueItem:
    # A lawful exception (reg 13(3)) lifts the time limits: shown, never flagged overdue.
    exempt = kind == "assessment" and bool(record.exception)
    return DueItem(
        kind=kind,
        pupil=record.pupil,
        step=step,
        due=due,
        overdue=due < today and not exempt,
        days_left=(due - today).days,
        record=record,
    )


def _under_five(pupil: Pupil, on: dt.date) -> bool:
    born = pupil.date_of_birth
    fifth = (
        born.replace(year=born.year + 5)
        if not (born.month == 2 and born.day == 29)
        else (dt.date(born.year + 5, 3, 1))
    )
    return on < fifth


def review_due_date(*, pupil: Pupil, previous_date: dt.date) -> dt.date:
    """12 months after the last review, or 6 for a child under 5 then (Code of Practice 9.178)."""
    return AnnualReview.due_after(previous_date, under_five=_under_five(pupil, previous_date))
