"""Demo SEN support plans, professionals, intervention measures and one request in progress.

Runs after the provision map and the advocacy demo (sendfund/demo/data.py), once per school:
a few SEN support pupils get two or three assess-plan-do-review cycles (one review overdue,
one coming up), professionals with advice, entry and exit measures on one wave 2 intervention
for enough pupils that "what works for the money" has figures to show, and the pupil with the
costliest provision a top-up request pack with its advocacy action in progress.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db.models import Count

from pupils.codes import SenProvision
from pupils.models import ProvisionAssignment, Pupil
from pupils.plan_models import (
    InterventionMeasure,
    PlanOutcome,
    ProfessionalInvolvement,
    ProfessionalKind,
    Progress,
    SupportPlan,
)
from pupils.queries import cost_year, pupil_cost_subquery
from sendfund.schools.models import School

PLAN_PUPILS = 5
MEASURED = 12
OUTCOMES = [
    "Reads a book at the expected level with 95% accuracy",
    "Uses a visual timetable to move between activities without an adult",
    "Takes part in a small-group discussion, taking turns",
    "Writes three connected sentences with capital letters and full stops",
    "Asks an adult for help when stuck, using a help card",
    "Counts reliably to 50 and recalls number bonds to 10",
    "Stays regulated through lunchtime using the calm space",
    "Follows two-step spoken instructions in class",
]
VIEWS = [
    ("I like working with Mrs Patel in the small group.", "We see more confidence at home."),
    ("Reading is still hard but I can do more words.", "Homework is a struggle most evenings."),
    ("I don't like the noisy hall at lunch.", "Mornings are calmer since the new timetable."),
]
ADVICE = {
    ProfessionalKind.EP: "Short daily precision teaching; check understanding with visuals.",
    ProfessionalKind.SALT: "Colourful semantics twice a week; pre-teach topic vocabulary.",
    ProfessionalKind.OT: "Sloping board and pencil grip; movement breaks every 30 minutes.",
    ProfessionalKind.SPECIALIST_TEACHER: "Structured phonics programme, 3 × 20 minutes a week.",
}


def _plans_for(school, pupil, rows, *, rng, today, index: int) -> None:
    cycles = 3 if index == 0 else 2
    start = today - dt.timedelta(weeks=12 * cycles + 2)
    for cycle in range(cycles):
        review = start + dt.timedelta(weeks=12)
        last = cycle == cycles - 1
        # The last cycle of the third pupil is overdue; of the fourth, awaiting review soon.
        awaiting = last and index in (2, 3)
        if awaiting and index == 3:
            review = today + dt.timedelta(days=20)
        pupil_view, parent_view = VIEWS[(index + cycle) % len(VIEWS)]
        plan = SupportPlan.objects.create(
            school=school,
            pupil=pupil,
            start_date=start,
            review_date=review,
            assessment="Teacher assessment and the entry measure on the intervention.",
            pupil_views=pupil_view,
            parent_views=parent_view,
            reviewed_on=None if awaiting else min(review, today),
            next_steps="" if awaiting else "Continue the intervention and raise the target.",
        )
        plan.provision.set(rows)
        for position in range(2):
            text = OUTCOMES[(index * 2 + cycle + position) % len(OUTCOMES)]
            progress = "" if awaiting else rng.choice(list(Progress)).value
            PlanOutcome.objects.create(
                school=school, plan=plan, position=position + 1, text=text, progress=progress
            )
        start = review + dt.timedelta(days=3)


def _measures(school, *, rng, today) -> None:
    """Entry and exit measures for the wave 2 intervention the most pupils have this year."""
    year = cost_year(today)
    running = ProvisionAssignment.objects.for_school(school).running_in(year)
    top = (
        running.filter(provision__wave=2)
        .values("provision")
        .annotate(n=Count("pk"))
        .order_by("-n", "provision")
        .first()
    )
    if top is None:
        return
    rows = list(running.filter(provision=top["provision"]).order_by("pupil__upn", "pk")[:MEASURED])
    measures = []
    for n, row in enumerate(rows):
        entry_date = max(row.start_date, year.start) + dt.timedelta(days=7)
        entry = Decimal(rng.randrange(70, 90))
        finished = n < max(len(rows) - 1, 5)  # the last, when there are 6 or more: entry only
        exit_date = min(entry_date + dt.timedelta(weeks=10), today)
        measures.append(
            InterventionMeasure(
                school=school,
                assignment=row,
                measure_name="Standardised reading test",
                standardised=True,
                entry_score=entry,
                entry_date=entry_date,
                exit_score=entry + rng.randrange(-2, 10) if finished else None,
                exit_date=exit_date if finished and exit_date >= entry_date else None,
            )
        )
    for m in measures:  # an exit needs both score and date
        if m.exit_date is None:
            m.exit_score = None
    InterventionMeasure.objects.bulk_create(measures)


def _request_in_progress(school, pupil, *, today) -> None:
    from advocacy import request_pack
    from advocacy.models import RequestPack

    span = request_pack.default_span(today)
    pack = RequestPack(
        school=school,
        pupil=pupil,
        kind="top_up",
        span_start=span.start,
        span_end=span.end,
        more_needed="A specialist teacher 2 hours a week and a daily TA-led regulation session.",
        more_needed_cost=Decimal("3800.00"),
    )
    request_pack.create(pack, user=None, today=today)


def seed(school: School, *, rng: random.Random, today: dt.date) -> None:
    if SupportPlan.objects.for_school(school).exists():
        return
    year = cost_year(today)
    pupils = list(
        Pupil.objects.for_school(school)
        .on_roll(today)
        .with_sen_status(today)
        .filter(sen_status=SenProvision.SEN_SUPPORT)
        .annotate(annual_cost=pupil_cost_subquery(school, year))
        .filter(annual_cost__gt=0)
        .order_by("-annual_cost", "upn")[:PLAN_PUPILS]
    )
    for index, pupil in enumerate(pupils):
        rows = list(ProvisionAssignment.objects.for_school(school).filter(pupil=pupil))
        _plans_for(school, pupil, rows, rng=rng, today=today, index=index)
        kinds = [ProfessionalKind.EP, ProfessionalKind.SALT, ProfessionalKind.OT]
        kind = kinds[index % len(kinds)]
        ProfessionalInvolvement.objects.create(
            school=school,
            pupil=pupil,
            kind=kind,
            name="Local authority service",
            start_date=today - dt.timedelta(weeks=20),
            advice_date=today - dt.timedelta(weeks=14),
            advice=ADVICE[kind],
        )
    _measures(school, rng=rng, today=today)
    if pupils:
        _request_in_progress(school, pupils[0], today=today)
