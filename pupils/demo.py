"""Demo SEN register: deterministic pupils, SEN statuses and needs with national-like prevalence."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from pupils.codes import NEED_AREA, ON_REGISTER_CODES, SenProvision
from pupils.models import (
    AnnualReview,
    AssessmentDecision,
    AssessmentException,
    AssessmentRequest,
    AssessmentStatus,
    AssignmentStatus,
    Need,
    Provision,
    ProvisionAssignment,
    Pupil,
    SenStatus,
    StaffRate,
    StaffRole,
)
from sendfund.lib.periods import academic_year_start
from sendfund.schools.models import School

FORENAMES = [
    "Oliver",
    "Amelia",
    "George",
    "Isla",
    "Harry",
    "Ava",
    "Noah",
    "Mia",
    "Jack",
    "Ivy",
    "Leo",
    "Freya",
    "Arthur",
    "Lily",
    "Muhammad",
    "Florence",
    "Oscar",
    "Willow",
    "Charlie",
    "Grace",
    "Jacob",
    "Sophia",
    "Thomas",
    "Evie",
    "Henry",
    "Ella",
    "Alfie",
    "Poppy",
    "Theo",
    "Rosie",
    "Freddie",
    "Sienna",
    "Archie",
    "Daisy",
    "Joshua",
    "Harper",
    "Finley",
    "Aisha",
    "Riley",
    "Zara",
    "Ethan",
    "Maya",
    "Isaac",
    "Amara",
    "Lucas",
    "Nia",
    "Mason",
    "Priya",
    "Elijah",
    "Hana",
    "Reuben",
    "Chloe",
    "Kai",
    "Esme",
    "Tomasz",
    "Zofia",
    "Samuel",
    "Layla",
    "Adam",
    "Eliza",
    "Dylan",
    "Olivia",
]
SURNAMES = [
    "Smith",
    "Jones",
    "Williams",
    "Taylor",
    "Brown",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Johnson",
    "Roberts",
    "Robinson",
    "Thompson",
    "Wright",
    "Walker",
    "White",
    "Edwards",
    "Hughes",
    "Green",
    "Hall",
    "Lewis",
    "Harris",
    "Clarke",
    "Patel",
    "Jackson",
    "Wood",
    "Turner",
    "Martin",
    "Cooper",
    "Hill",
    "Ward",
    "Morris",
    "Moore",
    "Clark",
    "Lee",
    "King",
    "Baker",
    "Harrison",
    "Morgan",
    "Allen",
    "James",
    "Scott",
    "Phillips",
    "Watson",
    "Davis",
    "Parker",
    "Price",
    "Bennett",
    "Young",
    "Griffiths",
    "Mitchell",
    "Kelly",
    "Cook",
    "Carter",
    "Richardson",
    "Bailey",
    "Collins",
    "Bell",
    "Shaw",
    "Murphy",
    "Miller",
    "Cox",
    "Richards",
    "Khan",
    "Marshall",
    "Anderson",
    "Simpson",
    "Ellis",
    "Adams",
    "Singh",
    "Begum",
    "Ali",
    "Hussain",
    "Kowalski",
    "Nowak",
    "Okafor",
    "Mensah",
    "Chen",
    "Nguyen",
    "Rahman",
    "Ahmed",
    "Campbell",
    "Fraser",
]

# Primary needs by SEN provision, near England's January 2025 shares (DfE, Special educational
# needs in England 2024/25): ASD leads for EHC plans (33.6%), SLCN for SEN support (25.7%).
NEED_WEIGHTS = {
    "K": {
        "SLCN": 26,
        "SEMH": 20,
        "MLD": 16,
        "SPLD": 12,
        "ASD": 10,
        "OTH": 4,
        "NSA": 4,
        "PD": 3,
        "HI": 2,
        "VI": 1,
        "SLD": 1,
        "MSI": 1,
    },
    "E": {
        "ASD": 34,
        "SEMH": 16,
        "SLCN": 15,
        "SLD": 10,
        "MLD": 8,
        "PD": 5,
        "PMLD": 3,
        "SPLD": 3,
        "HI": 2,
        "OTH": 2,
        "VI": 1,
        "MSI": 1,
    },
}
SECONDARY_NEEDS = ["SLCN", "SEMH", "MLD", "SPLD", "ASD", "PD"]


@dataclass(frozen=True)
class RegisterProfile:
    pupils: int
    year_groups: tuple[str, ...]
    ehc_rate: float
    support_rate: float


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _age_for_year_group(year_group: str) -> int:
    order = {"N1": 3, "N2": 3, "R": 4}
    return order.get(year_group, int(year_group) + 4 if year_group.isdigit() else 5)


def seed_register(
    school: School, *, rng: random.Random, today: dt.date, profile: RegisterProfile
) -> int:
    """Create the school's demo pupils once; a second run finds them and changes nothing."""
    if Pupil.objects.for_school(school).exists():
        return 0
    year = academic_year_start(today)
    year_start = dt.date(year, 9, 1)
    pupils: list[Pupil] = []
    statuses: list[tuple[int, str, dt.date]] = []
    for i in range(profile.pupils):
        year_group = profile.year_groups[i % len(profile.year_groups)]
        age = _age_for_year_group(year_group)
        born = dt.date(year - age - 1, 9, 1) + dt.timedelta(days=rng.randrange(365))
        upn = f"A{school.local_authority.code}{school.urn[-4:]}{year % 10}{i:04d}"
        pupils.append(
            Pupil(
                school=school,
                upn=upn,
                forename=rng.choice(FORENAMES),
                surname=rng.choice(SURNAMES),
                date_of_birth=born,
                year_group=year_group,
                pupil_premium=rng.random() < 0.25,
                looked_after=rng.random() < 0.01,
                on_roll_date=year_start - dt.timedelta(days=365 * rng.randrange(0, 4)),
            )
        )
        draw = rng.random()
        code = (
            "E"
            if draw < profile.ehc_rate
            else "K"
            if draw < profile.ehc_rate + profile.support_rate
            else "N"
        )
        statuses.append((i, code, year_start - dt.timedelta(days=rng.randrange(30, 900))))
    Pupil.objects.bulk_create(pupils, batch_size=500)
    status_rows, need_rows = [], []
    for i, code, start in statuses:
        pupil = pupils[i]
        if code == "N":
            status_rows.append(
                SenStatus(school=school, pupil=pupil, code="N", start_date=pupil.on_roll_date)
            )
            continue
        if code == "E" and rng.random() < 0.6:
            # Many EHC plans follow a period of SEN support: keep that history.
            earlier = start - dt.timedelta(days=rng.randrange(200, 700))
            status_rows.append(
                SenStatus(
                    school=school,
                    pupil=pupil,
                    code="K",
                    start_date=earlier,
                    end_date=start - dt.timedelta(days=1),
                )
            )
        status_rows.append(SenStatus(school=school, pupil=pupil, code=code, start_date=start))
        primary = _pick(rng, NEED_WEIGHTS[code])
        need_rows.append(Need(school=school, pupil=pupil, code=primary, rank=1, start_date=start))
        if primary != "NSA" and rng.random() < 0.35:
            second = rng.choice([n for n in SECONDARY_NEEDS if n != primary])
            need_rows.append(
                Need(school=school, pupil=pupil, code=second, rank=2, start_date=start)
            )
    SenStatus.objects.bulk_create(status_rows, batch_size=1000)
    Need.objects.bulk_create(need_rows, batch_size=1000)
    return len(pupils)


# Staff roles with (LA standard, actual) hourly rates, on-costs included, for the current
# academic year; last year's are about 3% lower. Examples, not defaults (docs/domain.md section 3).
DEMO_ROLES = {
    "Teaching assistant": (Decimal("17.20"), Decimal("18.40")),
    "Higher level teaching assistant": (Decimal("20.10"), Decimal("21.60")),
    "Teacher": (Decimal("38.50"), Decimal("41.20")),
}
TA, HLTA, TEACHER = DEMO_ROLES

# name: (area, wave, role or None, hours, group, service cost, resources per pupil)
DEMO_CATALOGUE = {
    "Phonics catch-up group": ("CL", 2, TA, "1.50", 4, None, "15.00"),
    "Precision teaching": ("CL", 2, TA, "1.00", 1, None, "0"),
    "Maths intervention group": ("CL", 2, HLTA, "1.00", 4, None, "25.00"),
    "Social skills group": ("SEMH", 2, TA, "1.00", 6, None, "10.00"),
    "ELSA sessions": ("SEMH", 2, HLTA, "0.50", 1, None, "0"),
    "Lego therapy": ("CI", 2, TA, "1.00", 3, None, "20.00"),
    "Language group (Talk Boost)": ("CI", 2, TA, "1.50", 4, None, "30.00"),
    "Fine motor skills group": ("SP", 2, TA, "1.00", 5, None, "12.00"),
    "One-to-one TA support": ("CI", 3, TA, "15.00", 1, None, "0"),
    "Specialist teacher sessions": ("CL", 3, TEACHER, "1.00", 1, None, "0"),
    "Speech and language therapy (SLA)": ("CI", 3, None, "1.00", 1, "1450.00", "0"),
    "Occupational therapy": ("SP", 3, None, "1.00", 1, "950.00", "40.00"),
    "Counselling (bought in)": ("SEMH", 3, None, "1.00", 1, "780.00", "0"),
}
WAVE2_BY_AREA = {
    "CL": ["Phonics catch-up group", "Precision teaching", "Maths intervention group"],
    "SEMH": ["Social skills group", "ELSA sessions"],
    "CI": ["Lego therapy", "Language group (Talk Boost)"],
    "SP": ["Fine motor skills group", "Precision teaching"],
    "OTH": ["Precision teaching", "Social skills group"],
}
THERAPY_BY_AREA = {
    "CI": "Speech and language therapy (SLA)",
    "SP": "Occupational therapy",
    "SEMH": "Counselling (bought in)",
    "CL": "Specialist teacher sessions",
    "OTH": "Specialist teacher sessions",
}


def _seed_roles_and_catalogue(school: School, year: int) -> dict[str, Provision]:
    roles = StaffRole.objects.bulk_create(
        [StaffRole(school=school, name=name) for name in DEMO_ROLES]
    )
    rates = []
    for role in roles:
        la, actual = DEMO_ROLES[role.name]
        for y, factor in (
            (year, Decimal("1")),
            (year - 1, Decimal("0.97")),
            (year - 2, Decimal("0.94")),
        ):
            rates.append(
                StaffRate(
                    school=school,
                    staff_role=role,
                    academic_year=y,
                    la_standard_hourly_rate=(la * factor).quantize(Decimal("0.01")),
                    actual_hourly_rate=(actual * factor).quantize(Decimal("0.01")),
                )
            )
    StaffRate.objects.bulk_create(rates)
    by_name = {r.name: r for r in roles}
    provisions = Provision.objects.bulk_create(
        [
            Provision(
                school=school,
                name=name,
                area=area,
                wave=wave,
                staff_role=by_name[role] if role else None,
                default_hours_per_week=Decimal(hours),
                default_group_size=group,
                service_annual_cost=Decimal(service) if service else None,
                resource_cost_per_pupil=Decimal(resources),
            )
            for name, (area, wave, role, hours, group, service, resources) in (
                DEMO_CATALOGUE.items()
            )
        ]
    )
    return {p.name: p for p in provisions}


def _assignment(school, pupil, provision, *, rng, year_start, today, hours=None):
    """Mostly in place, some for two years (so the six-term trend has history); some planned
    from next half-term; some ended."""
    draw = rng.random()
    start = year_start - dt.timedelta(days=rng.choice([0, 0, 120, 240, 365, 485, 600, 730]))
    end, status = None, AssignmentStatus.IN_PLACE
    if draw < 0.12:
        start, status = today + dt.timedelta(days=rng.randrange(7, 60)), AssignmentStatus.PLANNED
    elif draw < 0.22:
        start = year_start - dt.timedelta(days=240)
        end, status = year_start + dt.timedelta(days=rng.randrange(20, 60)), AssignmentStatus.ENDED
        end = min(end, today)
    return ProvisionAssignment(
        school=school,
        pupil=pupil,
        provision=provision,
        start_date=start,
        end_date=end,
        status=status,
        hours_per_week=hours if hours is not None else provision.default_hours_per_week,
        group_size=provision.default_group_size,
        weeks=provision.default_weeks,
        review_date=today + dt.timedelta(days=rng.randrange(14, 120)),
        outcome="Targets partly met; continue." if status == AssignmentStatus.ENDED else "",
    )


def seed_provision(school: School, *, rng: random.Random, today: dt.date) -> None:
    """The costed provision map, EHC assessment requests and annual reviews. Runs once."""
    if StaffRole.objects.for_school(school).exists():
        return
    year = academic_year_start(today)
    year_start = dt.date(year, 9, 1)
    catalogue = _seed_roles_and_catalogue(school, year)
    pupils = list(
        Pupil.objects.for_school(school)
        .on_roll(today)
        .with_sen_status(today)
        .with_primary_need(today)
        .filter(sen_status__in=ON_REGISTER_CODES)
        .order_by("upn")
    )
    rows, requests, reviews = [], [], []
    for pupil in pupils:
        area = NEED_AREA.get(pupil.primary_need or "OTH", "OTH")
        if pupil.sen_status == SenProvision.EHC_PLAN:
            hours = Decimal(rng.randrange(20, 51)) / 2  # 10 to 25 hours a week
            rows.append(
                _assignment(
                    school,
                    pupil,
                    catalogue["One-to-one TA support"],
                    rng=rng,
                    year_start=year_start,
                    today=today,
                    hours=hours,
                )
            )
            rows.append(
                _assignment(
                    school,
                    pupil,
                    catalogue[THERAPY_BY_AREA[area]],
                    rng=rng,
                    year_start=year_start,
                    today=today,
                )
            )
            reviews.append(_review(school, pupil, rng=rng, today=today))
        else:
            names = rng.sample(
                WAVE2_BY_AREA[area], k=min(len(WAVE2_BY_AREA[area]), 1 + (rng.random() < 0.4))
            )
            for name in names:
                rows.append(
                    _assignment(
                        school, pupil, catalogue[name], rng=rng, year_start=year_start, today=today
                    )
                )
            if rng.random() < 0.08:
                rows.append(
                    _assignment(
                        school,
                        pupil,
                        catalogue[THERAPY_BY_AREA[area]],
                        rng=rng,
                        year_start=year_start,
                        today=today,
                    )
                )
            if rng.random() < 0.1 and len(requests) < 8:
                requests.append(_request(school, pupil, rng=rng, today=today, n=len(requests)))
    ProvisionAssignment.objects.bulk_create(rows, batch_size=1000)
    AssessmentRequest.objects.bulk_create(requests)
    AnnualReview.objects.bulk_create(reviews, batch_size=1000)


def _request(school, pupil, *, rng, today, n: int) -> AssessmentRequest:
    """A spread of EHC needs assessment requests: on time, late, open and overdue, excused."""
    weeks_ago = [30, 26, 24, 12, 3, 22, 34, 8][n]
    received = today - dt.timedelta(weeks=weeks_ago, days=rng.randrange(0, 5))
    req = AssessmentRequest(school=school, pupil=pupil, received_date=received)
    if weeks_ago >= 6:
        req.decision = AssessmentDecision.ASSESS
        req.decision_date = received + dt.timedelta(weeks=5, days=rng.randrange(0, 10))
        req.advice_date = req.decision_date + dt.timedelta(weeks=5)
    if n in (0, 6):  # issued on time / late
        req.draft_plan_date = received + dt.timedelta(weeks=15)
        req.final_plan_date = received + dt.timedelta(weeks=19 if n == 0 else 23)
        req.status = AssessmentStatus.PLAN_ISSUED
    elif n == 1:  # open past week 20 with no exception: overdue
        req.draft_plan_date = received + dt.timedelta(weeks=17)
    elif n == 2:  # open past week 20, lawfully excused
        req.exception = AssessmentException.CHILD_AWAY
        req.exception_reason = "Family abroad for six weeks in the spring."
    elif n == 5:
        req.decision, req.status = AssessmentDecision.REFUSE, AssessmentStatus.REFUSED
    return req


def _review(school, pupil, *, rng, today) -> AnnualReview:
    """Annual reviews: most held on time, a few overdue, some coming up."""
    previous = today - dt.timedelta(days=rng.randrange(30, 420))
    due = AnnualReview.due_after(previous, under_five=pupil.year_group in ("N1", "N2", "R"))
    review = AnnualReview(school=school, pupil=pupil, previous_date=previous, due_date=due)
    if due < today and rng.random() < 0.6:
        review.papers_sent_date = due - dt.timedelta(days=16)
        review.meeting_date = due - dt.timedelta(days=rng.randrange(0, 10))
        review.report_sent_date = review.meeting_date + dt.timedelta(days=10)
        if review.meeting_date + dt.timedelta(weeks=4) < today:
            review.la_decision = rng.choice(["maintain", "maintain", "amend"])
            review.la_decision_date = review.meeting_date + dt.timedelta(days=25)
    return review
