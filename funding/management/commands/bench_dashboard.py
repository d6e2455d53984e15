"""bench_dashboard: time the funding dashboard on a large generated school (run by `make bench`).

Builds once (URN 999001, 2,000 pupils, 10,000 provision rows, funding) in whatever database
DATABASE_URL names, then GETs /funding/ as the head many times with Django's test Client and
prints the median and p90 server time, the SQL time alone and the query count.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

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
from sendfund.bench import generate
from sendfund.lib.periods import academic_year_start
from sendfund.schools.models import LocalAuthority, Membership, School
from sendfund.schools.roles import Role

URN = "999001"
PUPILS = 2000
PROVISION_ROWS = 10_000
YEARS = ["R", "1", "2", "3", "4", "5", "6"]
NEEDS = ["ASD", "SLCN", "SEMH", "SPLD", "MLD", "HI", "VI", "PD", "OTH"]


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


class Command(BaseCommand):
    help = "Time the funding dashboard on a generated school of 2,000 pupils."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=30)

    def handle(self, *args, runs, **options):
        started = time.perf_counter()
        school, head = self._school()
        self._analyze()
        self.stdout.write(
            f"School ready in {time.perf_counter() - started:.1f}s: "
            f"{Pupil.objects.for_school(school).count():,} pupils, "
            f"{ProvisionAssignment.objects.for_school(school).count():,} provision rows, "
            f"{FundingSource.objects.for_school(school).count():,} funding rows."
        )
        client = Client()
        client.force_login(head)
        assert client.get("/funding/").status_code == 200  # warm up: session, caches
        server, sql, counts = [], [], []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                response = client.get("/funding/")
                server.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
            counts.append(len(ctx.captured_queries))
            sql.append(self._sql_alone([q["sql"] for q in ctx.captured_queries]))
        engine = [q for q in ctx.captured_queries if "pupils_provisionassignment" in q["sql"]]
        engine_times = [self._sql_alone([q["sql"]]) for q in engine]
        self.stdout.write(
            f"GET /funding/ as the head, {runs} runs (Django test Client, {connection.vendor}):\n"
            f"  server time: median {statistics.median(server):.1f} ms, "
            f"p90 {_percentile(server, 90):.1f} ms\n"
            f"  SQL alone (the request's queries re-run back to back): median "
            f"{statistics.median(sql):.1f} ms, p90 {_percentile(sql, 90):.1f} ms\n"
            f"  engine queries touching provision: {len(engine)}, median "
            f"{statistics.median(engine_times):.1f} ms each, slowest {max(engine_times):.1f} ms\n"
            f"  queries per request: {min(counts)}-{max(counts)}"
        )

    def _sql_alone(self, statements: list[str]) -> float:
        """Re-run the captured SQL (PostgreSQL logs the exact text sent) and time it."""
        with connection.cursor() as cursor:
            t0 = time.perf_counter()
            for sql in statements:
                if sql.lstrip().upper().startswith("SELECT"):
                    cursor.execute(sql)
                    cursor.fetchall()
            return (time.perf_counter() - t0) * 1000

    @transaction.atomic
    def _school(self):
        la, _ = LocalAuthority.objects.get_or_create(code="878", defaults={"name": "Devon"})
        school, created = School.objects.get_or_create(
            urn=URN,
            defaults={
                "name": "Benchmark Primary (generated)",
                "local_authority": la,
                "phase": School.Phase.PRIMARY,
                "type": School.Type.MAINTAINED,
            },
        )
        head, _ = get_user_model().objects.get_or_create(username="bench.head")
        Membership.objects.get_or_create(user=head, school=school, defaults={"role": Role.HEAD})
        if created or not Pupil.objects.for_school(school).exists():
            self._build(school, random.Random(URN), dt.date.today())
        return school, head

    def _analyze(self) -> None:
        """Fresh bulk-loaded tables have no planner statistics until autovacuum runs."""
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")

    def _build(self, school: School, rng: random.Random, today: dt.date) -> None:
        year = academic_year_start(today)
        roles = [
            StaffRole.objects.create(school=school, name=n)
            for n in ("Teaching assistant", "HLTA", "Teacher", "Therapist")
        ]
        StaffRate.objects.bulk_create(generate.staff_rates(school, roles, year))
        catalogue = Provision.objects.bulk_create(generate.catalogue(school, roles))
        pupils = Pupil.objects.bulk_create(
            Pupil(
                school=school,
                upn=f"B{i:012d}",
                forename=f"Pupil{i}",
                surname=f"Bench{i:04d}",
                date_of_birth=dt.date(2016, 1, 1) + dt.timedelta(days=i % 2000),
                year_group=YEARS[i % len(YEARS)],
                pupil_premium=i % 4 == 0,
                on_roll_date=dt.date(year - 3, 9, 1),
            )
            for i in range(PUPILS)
        )
        codes = ["E" if i % 12 == 0 else "K" if i % 3 == 0 else "N" for i in range(PUPILS)]
        start = dt.date(year - 2, 9, 1)
        SenStatus.objects.bulk_create(
            SenStatus(school=school, pupil=p, code=c, start_date=start)
            for p, c in zip(pupils, codes, strict=True)
        )
        sen = [p for p, c in zip(pupils, codes, strict=True) if c != "N"]
        Need.objects.bulk_create(
            Need(school=school, pupil=p, code=rng.choice(NEEDS), rank=1, start_date=start)
            for p in sen
        )
        rows = []
        for n in range(PROVISION_ROWS):
            begins = dt.date(year - 1, 9, 1) + dt.timedelta(days=rng.randrange(0, 600))
            ends = begins + dt.timedelta(days=rng.randrange(60, 400)) if n % 3 == 0 else None
            rows.append(
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
        ProvisionAssignment.objects.bulk_create(rows, batch_size=2000)
        funding = generate.funding(school, pupils, codes, year, Decimal("900000"))
        FundingSource.objects.bulk_create(funding)
