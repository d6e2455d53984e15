"""Demo data for this app, run by seed_demo for each demo school, in dependency order.

A realistic year of advocacy (top-up requests, an EHC needs assessment request, grant
applications, a Schools Forum submission, a parent carer forum meeting, a letter to the MP),
funding opportunities, training records (a SENCO whose NPQ deadline is a few months away, so the
head's home page warns) and the school's position on the national reforms.

Deterministic (the given `rng`) and idempotent: each part is skipped when the school has it.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction

from advocacy import services
from advocacy.models import (
    AdvocacyAction,
    FundingOpportunity,
    ReformItem,
    ReformStatus,
    TrainingRecord,
)
from pupils.codes import ON_REGISTER_CODES
from pupils.models import Pupil
from sendfund.schools.models import Membership, School
from sendfund.schools.roles import Role

# (days ago, type, title, addressed to, final status, requested, secured, pupils named,
#  next step, next step due in days (negative: overdue))
ACTIONS = [
    (
        300,
        "top_up",
        "Top-up request: band 2 support",
        "{la} SEND team",
        "successful",
        "3100",
        "3100",
        1,
        "",
        None,
    ),
    (
        250,
        "top_up",
        "Top-up request: speech and language package",
        "{la} SEND team",
        "partly",
        "4500",
        "1600",
        1,
        "Ask for a banding review at the annual review",
        40,
    ),
    (
        40,
        "top_up",
        "Top-up request: 1:1 support at lunchtimes",
        "{la} SEND team",
        "awaiting",
        "5200",
        "0",
        1,
        "Chase the panel decision",
        10,
    ),
    (
        70,
        "ehc_assessment",
        "EHC needs assessment request",
        "{la} SEND team",
        "submitted",
        "0",
        "0",
        1,
        "Send the costed provision map as evidence",
        -5,
    ),
    (
        210,
        "grant",
        "Inclusion grant: sensory room equipment",
        "Riverside Community Foundation",
        "successful",
        "2500",
        "2500",
        0,
        "",
        None,
    ),
    (
        160,
        "grant",
        "Local charity bid: nurture group staffing",
        "The Dartmoor Trust",
        "unsuccessful",
        "8000",
        "0",
        0,
        "",
        None,
    ),
    (
        120,
        "schools_forum",
        "Schools Forum: support the 0.5% high needs block transfer",
        "{la} Schools Forum",
        "submitted",
        "0",
        "0",
        0,
        "Attend the January meeting",
        25,
    ),
    (
        190,
        "parent_forum",
        "Parent carer forum: top-up delays",
        "{la} Parent Carer Forum",
        "closed",
        "0",
        "0",
        0,
        "",
        None,
    ),
    (
        90,
        "mp_letter",
        "Letter to our MP on high needs funding",
        "Member of Parliament",
        "awaiting",
        "0",
        "0",
        0,
        "Share the reply with governors",
        -2,
    ),
    (
        30,
        "la_meeting",
        "Meeting with the LA on banding levels",
        "{la} SEND commissioning",
        "in_progress",
        "0",
        "0",
        0,
        "Prepare the evidence pack",
        7,
    ),
    (
        10,
        "trust",
        "Trust central fund request: specialist teacher time",
        "Riverside Learning Trust",
        "planned",
        "6000",
        "0",
        0,
        "Draft the request with the head",
        21,
    ),
]
FORWARD = ["planned", "in_progress", "submitted", "awaiting"]

OPPORTUNITIES = [
    (
        "SEND inclusion capital fund",
        "{la}",
        "15000",
        20,
        "Maintained and academy schools in the LA; equipment and adaptations only.",
    ),
    (
        "Community inclusion grants",
        "Riverside Community Foundation",
        "5000",
        75,
        "Projects that widen participation for pupils with SEND; match funding not needed.",
    ),
    (
        "Trust SEND development fund",
        "Riverside Learning Trust",
        None,
        None,
        "Schools of the trust; bids at any time, decided termly.",
    ),
]

REFORM_STATUSES = {
    "national-standards": (ReformStatus.WATCHING, "Head", "Waiting for the published standards."),
    "local-inclusion-plans": (ReformStatus.PREPARING, "SENCO", "Responded to the LA draft."),
    "digital-ehcp-template": (ReformStatus.WATCHING, "SENCO", ""),
    "national-banding-tariffs": (
        ReformStatus.PREPARING,
        "Head",
        "Comparing LA bands with our costed provision map.",
    ),
    "individual-support-plans": (ReformStatus.NOT_STARTED, "SENCO", "Plan CPD for class teachers."),
    "layered-support": (ReformStatus.PREPARING, "Head", "Mapping waves 1-3 to the new layers."),
}


def _day(today: dt.date, days_ago: int) -> dt.date:
    return today - dt.timedelta(days=days_ago)


def _sen_pupils(school: School, count: int, rng: random.Random) -> list[Pupil]:
    on_register = list(
        Pupil.objects.for_school(school)
        .on_roll()
        .with_sen_status()
        .filter(sen_status__in=ON_REGISTER_CODES)
        .order_by("upn", "pk")[:60]
    )
    return rng.sample(on_register, min(count, len(on_register)))


def _seed_actions(school: School, rng: random.Random, today: dt.date) -> None:
    la = school.local_authority.name
    owners = {
        m.role: m.user for m in Membership.objects.filter(school=school).select_related("user")
    }
    pupils = iter(_sen_pupils(school, sum(a[7] for a in ACTIONS), rng))
    for days, kind, title, to, status, requested, secured, named, step, due in ACTIONS:
        date = _day(today, days + rng.randint(0, 6))
        action = services.action_save(
            school=school,
            action=AdvocacyAction(
                type=kind,
                title=title,
                addressed_to=to.format(la=la),
                date=date,
                owner=owners.get(Role.SENCO if kind in {"top_up", "ehc_assessment"} else Role.HEAD),
                amount_requested=Decimal(requested),
                next_step=step,
                next_step_due=today + dt.timedelta(days=due) if due is not None else None,
                status="planned",
            ),
            pupils=[p for p in (next(pupils, None) for _ in range(named)) if p],
        )
        target = FORWARD[: FORWARD.index(status) + 1] if status in FORWARD else FORWARD[1:]
        for step_status in target[1:]:
            action = services.action_set_status(school=school, action=action, status=step_status)
        if status not in FORWARD:
            decided = min(date + dt.timedelta(days=rng.randint(20, 45)), today)
            action = services.action_set_status(
                school=school,
                action=action,
                status=status,
                decision_date=decided,
                amount_secured=Decimal(secured) if Decimal(secured) else None,
            )
        if action.can_record_funding:
            services.action_record_funding(school=school, action=action)


def _seed_opportunities(school: School, today: dt.date) -> None:
    la = school.local_authority.name
    grant = AdvocacyAction.objects.for_school(school).filter(type="trust").first()
    for name, funder, amount, due, eligibility in OPPORTUNITIES:
        FundingOpportunity.objects.create(
            school=school,
            name=name,
            funder=funder.format(la=la),
            amount_available=Decimal(amount) if amount else None,
            deadline=today + dt.timedelta(days=due) if due is not None else None,
            eligibility=eligibility,
            action=grant if funder.startswith("Riverside Learning") else None,
        )


def _seed_training(school: School, rng: random.Random, today: dt.date) -> None:
    senco = Membership.objects.filter(school=school, role=Role.SENCO).select_related("user").first()
    # About 2.7 years after appointment: the 3-year deadline falls within six months.
    appointed = _day(today, 985 + rng.randint(0, 10))
    qualified = school.phase == School.Phase.SECONDARY
    if qualified:
        # NASENCO counts only when started before 1 September 2024 (docs/domain.md section 7).
        appointed = dt.date(2022, 9, 1)
    services.training_save(
        school=school,
        record=TrainingRecord(
            person_name="Sarah Okafor" if not qualified else "Daniel Hughes",
            user=senco.user if senco else None,
            role="senco",
            qualification="npq_senco" if not qualified else "nasenco",
            course_name="NPQ for SENCOs (Teach First)" if not qualified else "NASENCO, Plymouth",
            appointment_date=appointed,
            start_date=appointed + dt.timedelta(days=130 if qualified else 300),
            completion_date=appointed + dt.timedelta(days=680) if qualified else None,
            status="completed" if qualified else "in_progress",
        ),
    )
    services.training_save(
        school=school,
        record=TrainingRecord(
            person_name="Priya Shah",
            role="ta",
            qualification="other_cpd",
            course_name="ELKLAN speech and language support",
            start_date=_day(today, 200),
            completion_date=_day(today, 60),
            status="completed",
        ),
    )
    services.training_save(
        school=school,
        record=TrainingRecord(
            person_name="Tom Bell",
            role="teacher",
            qualification="other_cpd",
            course_name="Autism Education Trust: making sense of autism",
            start_date=_day(today, 30),
            deadline=today + dt.timedelta(days=120),
            status="in_progress",
        ),
    )


def _seed_reforms(school: School) -> None:
    services.reform_items_sync(school=school)
    for item in ReformItem.objects.for_school(school).select_related("reform"):
        status, owner, notes = REFORM_STATUSES.get(item.reform.key, (item.status, "", ""))
        item.status, item.owner, item.notes = status, owner, notes
        item.save(update_fields=["status", "owner", "notes", "updated"])
    ReformItem.objects.create(
        school=school,
        title="Review our SEN information report against the new standards",
        status=ReformStatus.PREPARING,
        owner="SENCO",
    )


@transaction.atomic
def seed(school: School, *, rng: random.Random, today: dt.date) -> None:
    """A year of advocacy for one demo school; each part only when the school has none."""
    if not AdvocacyAction.objects.for_school(school).exists():
        _seed_actions(school, rng, today)
    if not FundingOpportunity.objects.for_school(school).exists():
        _seed_opportunities(school, today)
    if not TrainingRecord.objects.for_school(school).exists():
        _seed_training(school, rng, today)
    if not ReformItem.objects.for_school(school).exists():
        _seed_reforms(school)
