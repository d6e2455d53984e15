"""Generated rows shared by both benchmarks (bench_dashboard's one school, bench_trust's trust):
unsaved instances, saved by the caller (bulk_create or COPY)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from funding.models import FundingSource
from pupils.models import Provision, StaffRate

AREAS = ["CL", "SEMH", "CI", "SP", "OTH"]


def staff_rates(school, roles, year: int) -> list[StaffRate]:
    """Each role's rates for the last three academic years (£5 an hour apart by role)."""
    return [
        StaffRate(
            school=school,
            staff_role=r,
            academic_year=y,
            la_standard_hourly_rate=Decimal("17.20") + i * 5,
            actual_hourly_rate=Decimal("18.50") + i * 5,
        )
        for i, r in enumerate(roles)
        for y in (year - 2, year - 1, year)
    ]


def catalogue(school, roles) -> list[Provision]:
    """30 interventions; every seventh is a bought-in service with an annual cost."""
    return [
        Provision(
            school=school,
            name=f"Intervention {i}",
            area=AREAS[i % len(AREAS)],
            wave=2 + (i % 2),
            staff_role=roles[i % len(roles)] if i % 7 else None,
            service_annual_cost=None if i % 7 else Decimal(800 + 100 * i),
            default_group_size=1 + i % 4,
        )
        for i in range(30)
    ]


def funding(school, pupils, codes, year: int, notional: Decimal) -> list[FundingSource]:
    """The notional SEN budget for two financial years and a top-up a year for each EHC pupil."""
    rows = [
        FundingSource(
            school=school,
            type="notional_sen",
            description=f"Notional SEN {fy.label}",
            amount=notional,
            period_start=fy.start,
            period_end=fy.end,
            status="confirmed",
        )
        for fy in (school.financial_year(year - 1), school.financial_year(year))
    ]
    for i, p in enumerate(p for p, c in zip(pupils, codes, strict=True) if c == "E"):
        for y in (year - 1, year):
            rows.append(
                FundingSource(
                    school=school,
                    type="top_up",
                    description="Top-up",
                    pupil=p,
                    amount=Decimal(1600 + 1500 * (i % 3)),
                    period_start=dt.date(y, 9, 1),
                    period_end=dt.date(y + 1, 8, 31),
                    status="received" if i % 5 else "expected",
                )
            )
    return rows
