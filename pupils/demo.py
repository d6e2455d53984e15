"""Demo SEN register: deterministic pupils, SEN statuses and needs with national-like prevalence."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from pupils.models import Need, Pupil, SenStatus
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


def seed_provision(school: School, *, rng: random.Random, today: dt.date) -> None:
    """Demo costed provision map (filled by the provision-map work)."""
