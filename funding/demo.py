"""Demo funding for each demo school: notional SEN budgets, top-ups, pupil premium and a grant,
sized from the school's own costed provision so that need exceeds funding by about 10-30%.
A special school or AP (the demo's Oak Tree School) has place funding for its places instead
of a notional SEN budget, and top-ups for pupils costing more than their place.

Deterministic (uses `rng`) and idempotent (does nothing when the school has any funding).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction

from funding.forms import band_amount_for
from funding.gap import (
    OVER_THRESHOLD,
    compute_gap,
    pupil_threshold_queryset,
    school_place_kind,
    threshold_figures,
    threshold_on,
)
from funding.models import FundingSource, FundingType, PlaceValue, TopUpBand, TopUpScheme
from pupils.codes import ON_REGISTER_CODES
from pupils.models import Pupil
from sendfund.lib.money import to_pennies
from sendfund.lib.periods import academic_year, academic_year_start, term, term_for_date
from sendfund.schools.models import School

# Pupil premium 2025-26 (docs/domain.md section 1): primary £1,515, secondary £1,075 per Ever-6 FSM
# pupil. The demo assigns a third of each SEN pupil's premium to SEND provision.
PUPIL_PREMIUM = {"primary": Decimal("1515"), "secondary": Decimal("1075")}
PP_SHARE = Decimal("0.33")
DEMO_BANDS = [("Band A", "2000"), ("Band B", "4000"), ("Band C", "7000"), ("Band D", "11000")]


def _bands(school: School, year: int) -> list[TopUpBand]:
    """The LA's shipped bands if any (Devon), else a demo scheme of the school's own."""
    shared = TopUpScheme.objects.for_school(school).filter(year__lte=year).order_by("-year")
    scheme = shared.first()
    if scheme is None:
        scheme = TopUpScheme.objects.create(
            school=school,
            local_authority=school.local_authority,
            year=year,
            name=f"{school.local_authority.name} top-up bands (demo figures)",
            source="Demo data: illustrative bands, not the LA's published scheme.",
        )
        TopUpBand.objects.bulk_create(
            TopUpBand(scheme=scheme, name=name, annual_amount=Decimal(amount))
            for name, amount in DEMO_BANDS
        )
    return list(scheme.bands.order_by("annual_amount"))


def _top_ups(school, *, rng, year: int, bands, today) -> list[FundingSource]:
    """Most pupils above the threshold get the band nearest their excess; some have none."""
    period = academic_year(year)
    threshold = threshold_on(period.start)
    rows = pupil_threshold_queryset(school=school, period=period, threshold=threshold)
    rows = rows.filter(OVER_THRESHOLD).order_by("pupil")
    out = []
    for pupil in threshold_figures(rows):
        draw = rng.random()
        if draw < 0.2:
            continue  # no top-up agreed yet: a shortfall and a candidate for a request
        band = next((b for b in bands if b.annual_amount >= pupil.excess), bands[-1])
        if draw < 0.3 and len(bands) > 1:
            band = bands[max(bands.index(band) - 1, 0)]  # banded below need
        status = "received" if period.end < today else rng.choice(["confirmed", "received"])
        if draw > 0.93:
            status = "expected"
        out.append(
            FundingSource(
                school=school,
                type=FundingType.TOP_UP,
                description=f"Element 3 top-up: {band.name}",
                amount=band_amount_for(band.annual_amount, period),
                period_start=period.start,
                period_end=period.end,
                status=status,
                pupil_id=pupil.pupil,
                band=band,
                reference=f"TU-{year}-{pupil.pupil:05d}",
            )
        )
    return out


def _pupil_premium(school: School, fy, on: dt.date) -> FundingSource | None:
    rate = PUPIL_PREMIUM["primary" if school.phase == "primary" else "secondary"]
    count = (
        Pupil.objects.for_school(school)
        .on_roll(on)
        .with_sen_status(on)
        .filter(pupil_premium=True, sen_status__in=ON_REGISTER_CODES)
        .count()
    )
    if not count:
        return None
    return FundingSource(
        school=school,
        type=FundingType.PUPIL_PREMIUM,
        description=f"Pupil premium share for SEN pupils ({count} pupils)",
        amount=to_pennies(rate * count * PP_SHARE),
        period_start=fy.start,
        period_end=fy.end,
        status="confirmed",
    )


def _place_funding(school: School, fy, today: dt.date) -> FundingSource:
    """Place funding for a financial year: one place per pupil on roll (on the year's first
    day, or today for the current year) × the value of a place (funding.PlaceValue)."""
    kind = school_place_kind(school)
    places = Pupil.objects.for_school(school).on_roll(min(fy.start, today)).count()
    value = PlaceValue.objects.amount_on(kind, fy.start)
    return FundingSource(
        school=school,
        type=FundingType.PLACE,
        description=f"Place funding {fy.label}: {places} places × £{value:,.0f}",
        amount=value * places,
        period_start=fy.start,
        period_end=fy.end,
        status="received" if fy.end < today else "confirmed",
        reference="Place funding statement",
    )


@transaction.atomic
def seed(school: School, *, rng: random.Random, today: dt.date) -> None:
    """Budgets for this and the two previous financial years (the dashboard's trend covers six
    terms), top-ups, pupil premium share and a grant."""
    if FundingSource.objects.for_school(school).exists():
        return
    year = academic_year_start(today)
    bands = _bands(school, year)
    rows: list[FundingSource] = []
    for y in (year - 2, year - 1, year):
        rows += _top_ups(school, rng=rng, year=y, bands=bands, today=today)
    this_fy = school.financial_year_for(today)
    last_fy = school.financial_year(this_fy.start.year - 1)
    earlier_fy = school.financial_year(this_fy.start.year - 2)
    for fy in (earlier_fy, last_fy, this_fy):
        if (pp := _pupil_premium(school, fy, min(fy.end, today))) is not None:
            rows.append(pp)
    this_ay = academic_year(year)
    rows.append(
        FundingSource(
            school=school,
            type=FundingType.LA_GRANT,
            description="LA inclusion grant (one-off)",
            amount=Decimal(rng.randrange(20, 60) * 250),
            period_start=this_ay.start,
            period_end=this_ay.end,
            status="confirmed",
            reference=f"INC-{year}",
        )
    )
    rows.append(
        FundingSource(
            school=school,
            type=FundingType.TRUST_FUND,
            description="Trust SEND fund bid",
            amount=Decimal("5000.00"),
            period_start=this_ay.start,
            period_end=this_ay.end,
            status="expected",
        )
    )
    if school.place_funded:
        # A special school or AP is funded by its commissioned places plus top-up, with no
        # notional SEN budget (docs/domain.md sections 1 and 4): a place for every pupil on
        # roll, at the place value in force, for each financial year.
        for fy in (earlier_fy, last_fy, this_fy):
            rows.append(_place_funding(school, fy, today))
        FundingSource.objects.bulk_create(rows)
        return
    FundingSource.objects.bulk_create(rows)
    # The notional SEN budget tops funding up to need / (1.10-1.30): a realistic shortfall.
    # Past years' are sized on the whole financial year; this year's on the current term (what
    # the dashboard opens on), spread over the financial year.
    current = term(*term_for_date(today))
    for fy, target_period in ((earlier_fy, earlier_fy), (last_fy, last_fy), (this_fy, current)):
        gap = compute_gap(school=school, period=target_period)
        ratio = Decimal(str(round(rng.uniform(1.10, 1.30), 3)))
        share = Decimal(fy.days) / Decimal(max(fy.overlap_days(target_period), 1))
        amount = max(gap.need / ratio - gap.funding, gap.need * Decimal("0.25")) * share
        FundingSource.objects.create(
            school=school,
            type=FundingType.NOTIONAL_SEN,
            description=f"Notional SEN budget {fy.label}",
            amount=(amount / 100).quantize(Decimal("1")) * 100,
            period_start=fy.start,
            period_end=fy.end,
            status="received" if fy.end < today else "confirmed",
            reference="LA budget share statement",
        )
