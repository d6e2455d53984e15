"""A generated trust for the benchmark (scripts/bench --schools N).

N mainstream primary schools of 500 pupils each with, in all, 10 provision rows per pupil on
average over three academic years (so 200 schools: 100,000 pupils and 1,000,000 provision rows),
plus one 20,000-pupil school where 17,000 pupils have no SEN and no provision. Built once with
COPY (sendfund/bench/copy.py) and kept: a later run with the same N only times the pages.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from funding.models import FundingSource
from pupils.models import (
    Need,
    Provision,
    ProvisionAssignment,
    Pupil,
    SenStatus,
    StaffRate,
    StaffRole,
)
from reports.models import TermlyReport
from sendfund.bench import generate
from sendfund.bench.copy import allocate_ids, copy_models, triggers_off
from sendfund.lib.periods import academic_year_start, term_for_date
from sendfund.schools.calendar import ensure_years
from sendfund.schools.models import LocalAuthority, Membership, School, Trust, TrustMembership
from sendfund.schools.roles import Role

TRUST = "Benchmark Learning Trust (generated)"
PUPILS_PER_SCHOOL = 500
ROWS_PER_PUPIL = 10
BIG_PUPILS, BIG_WITHOUT_SEN = 20_000, 17_000
YEARS = ["R", "1", "2", "3", "4", "5", "6"]
NEEDS = ["ASD", "SLCN", "SEMH", "SPLD", "MLD", "HI", "VI", "PD", "OTH"]


@dataclass
class BenchTrust:
    trust: Trust
    schools: list[School]  # the N schools, then the big one
    big: School
    head: object  # head of schools[0]
    big_head: object
    lead: object  # the trust lead


def _urn(n: int) -> str:
    return f"{900000 + n:06d}"


def get_or_build(n_schools: int, *, log=print) -> BenchTrust:
    today = dt.date.today()
    la, _ = LocalAuthority.objects.get_or_create(code="878", defaults={"name": "Devon"})
    trust, _ = Trust.objects.get_or_create(name=TRUST)
    existing = set(School.objects.filter(trust=trust).values_list("urn", flat=True))
    wanted = [_urn(n) for n in range(1, n_schools + 1)] + [_urn(0)]
    for urn in wanted:
        if urn in existing:
            continue
        big = urn == _urn(0)
        with transaction.atomic():
            school = School.objects.create(
                urn=urn,
                name=f"Benchmark {'Big ' if big else ''}Primary {urn}",
                trust=trust,
                local_authority=la,
                phase=School.Phase.PRIMARY,
                type=School.Type.ACADEMY,
            )
            pupils = BIG_PUPILS if big else PUPILS_PER_SCHOOL
            _build_school(
                school,
                random.Random(urn),
                today,
                pupils=pupils,
                without_sen=BIG_WITHOUT_SEN if big else 0,
                rows=(BIG_PUPILS - BIG_WITHOUT_SEN if big else pupils) * ROWS_PER_PUPIL,
            )
        log(f"  built {school.name}")
    schools = list(School.objects.filter(trust=trust, urn__in=wanted[:-1]).order_by("urn"))
    big = School.objects.get(urn=_urn(0))
    year = academic_year_start(today)
    ensure_years([s.pk for s in [*schools, big]], [year - 2, year - 1, year, year + 1])
    User = get_user_model()
    head, _ = User.objects.get_or_create(username="bench.head")
    Membership.objects.get_or_create(user=head, school=schools[0], defaults={"role": Role.HEAD})
    big_head, _ = User.objects.get_or_create(username="bench.bighead")
    Membership.objects.get_or_create(user=big_head, school=big, defaults={"role": Role.HEAD})
    lead, _ = User.objects.get_or_create(username="bench.lead")
    TrustMembership.objects.get_or_create(user=lead, trust=trust)
    return BenchTrust(trust, schools, big, head, big_head, lead)


def _build_school(school, rng, today, *, pupils: int, without_sen: int, rows: int) -> None:
    triggers_off()
    year = academic_year_start(today)
    roles = [
        StaffRole(school=school, name=n) for n in ("Teaching assistant", "HLTA", "Teacher", "SaLT")
    ]
    allocate_ids(StaffRole, roles)
    copy_models(StaffRole, roles)
    rates = generate.staff_rates(school, roles, year)
    allocate_ids(StaffRate, rates)
    copy_models(StaffRate, rates)
    catalogue = generate.catalogue(school, roles)
    allocate_ids(Provision, catalogue)
    copy_models(Provision, catalogue)
    people = [
        Pupil(
            school=school,
            upn=f"B{school.urn}{i:06d}",
            forename=f"Pupil{i}",
            surname=f"Bench{i:05d}",
            date_of_birth=dt.date(2016, 1, 1) + dt.timedelta(days=i % 2000),
            year_group=YEARS[i % len(YEARS)],
            pupil_premium=i % 4 == 0,
            on_roll_date=dt.date(year - 3, 9, 1),
        )
        for i in range(pupils)
    ]
    allocate_ids(Pupil, people)
    copy_models(Pupil, people)
    start = dt.date(year - 2, 9, 1)

    def code(i: int) -> str:
        if i < without_sen:
            return "N"
        return "E" if i % 12 == 0 else "K" if i % 3 == 0 else "N"

    codes = [code(i) for i in range(pupils)]
    statuses = [
        SenStatus(school=school, pupil=p, code=c, start_date=start)
        for p, c in zip(people, codes, strict=True)
    ]
    allocate_ids(SenStatus, statuses)
    copy_models(SenStatus, statuses)
    sen = [p for p, c in zip(people, codes, strict=True) if c != "N"]
    needs = [
        Need(school=school, pupil=p, code=rng.choice(NEEDS), rank=1, start_date=start) for p in sen
    ]
    allocate_ids(Need, needs)
    copy_models(Need, needs)
    assignments = []
    for n in range(rows):
        begins = dt.date(year - 2, 9, 1) + dt.timedelta(days=rng.randrange(0, 900))
        ends = begins + dt.timedelta(days=rng.randrange(40, 300)) if n % 3 else None
        assignments.append(
            ProvisionAssignment(
                school=school,
                pupil=sen[n % len(sen)],
                provision=catalogue[rng.randrange(len(catalogue))],
                start_date=begins,
                end_date=ends,
                hours_per_week=Decimal(rng.randrange(1, 20)) / 2,
                group_size=1 + rng.randrange(4),
                status="in_place",
            )
        )
    allocate_ids(ProvisionAssignment, assignments)
    copy_models(ProvisionAssignment, assignments)
    funding = generate.funding(school, people, codes, year, Decimal(450 * pupils))
    allocate_ids(FundingSource, funding)
    copy_models(FundingSource, funding)


def draft_report(school: School, user) -> TermlyReport:
    """A draft termly report for the current term (the page renders its figures live)."""
    year, term = term_for_date(dt.date.today())
    report, _ = TermlyReport.objects.get_or_create(
        school=school, academic_year=year, term=term, defaults={"created_by": user}
    )
    return report
