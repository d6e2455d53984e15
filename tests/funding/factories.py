"""Factories for funding tests: top-up schemes and bands, and a pupil with costed provision."""

import datetime as dt
from decimal import Decimal

import factory

from funding.models import FundingSource, TopUpBand, TopUpScheme
from tests.factories import (
    FundingSourceFactory,
    NeedFactory,
    ProvisionAssignmentFactory,
    ProvisionFactory,
    PupilFactory,
    SenStatusFactory,
)


class TopUpSchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TopUpScheme

    school = None
    local_authority = factory.LazyAttribute(lambda o: o.school.local_authority)
    year = 2024
    name = factory.Sequence(lambda n: f"Scheme {n}")


class TopUpBandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TopUpBand

    scheme = factory.SubFactory(TopUpSchemeFactory)
    name = factory.Sequence(lambda n: f"Band {n}")
    annual_amount = Decimal("1600.00")


class TopUpFactory(FundingSourceFactory):
    class Meta:
        model = FundingSource

    type = "top_up"
    description = "Element 3 top-up"
    pupil = factory.SubFactory(PupilFactory, school=factory.SelfAttribute("..school"))
    amount = Decimal("1600.00")
    status = "received"


def pupil_with_provision(
    school,
    *,
    annual_cost: Decimal,
    sen: str = "E",
    need: str = "ASD",
    year_group: str = "4",
    area: str = "CI",
    wave: int = 3,
    start: dt.date = dt.date(2020, 9, 1),
    end: dt.date | None = None,
):
    """A pupil on the register with one bought-in provision costing `annual_cost` a year."""
    pupil = PupilFactory(school=school, year_group=year_group)
    SenStatusFactory(pupil=pupil, code=sen, start_date=dt.date(2020, 9, 1))
    if sen != "N":
        NeedFactory(pupil=pupil, code=need, start_date=dt.date(2020, 9, 1))
    provision = ProvisionFactory(
        school=school, staff_role=None, service_annual_cost=annual_cost, area=area, wave=wave
    )
    ProvisionAssignmentFactory(
        pupil=pupil, provision=provision, start_date=start, end_date=end, status="in_place"
    )
    return pupil
