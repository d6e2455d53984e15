"""Factories for the advocacy app."""

import datetime as dt
from decimal import Decimal

import factory

from advocacy.models import AdvocacyAction, FundingOpportunity, ReformItem, TrainingRecord
from tests.factories import SchoolFactory


class AdvocacyActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdvocacyAction

    school = factory.SubFactory(SchoolFactory)
    type = "grant"
    title = factory.Sequence(lambda n: f"Application {n}")
    addressed_to = "Devon County Council"
    date = dt.date(2024, 10, 1)
    status = "planned"
    amount_requested = Decimal("0")
    amount_secured = Decimal("0")


class FundingOpportunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingOpportunity

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Inclusion grant {n}")
    funder = "The Local Foundation"
    amount_available = Decimal("5000.00")
    deadline = dt.date(2025, 1, 31)


class TrainingRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingRecord

    school = factory.SubFactory(SchoolFactory)
    person_name = factory.Sequence(lambda n: f"Teacher {n}")
    role = "senco"
    qualification = "npq_senco"
    appointment_date = dt.date(2023, 9, 1)
    start_date = dt.date(2023, 10, 1)
    deadline = factory.LazyAttribute(
        lambda o: (
            o.appointment_date.replace(year=o.appointment_date.year + 3)
            if o.appointment_date
            else None
        )
    )
    status = "in_progress"


class ReformItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReformItem

    school = factory.SubFactory(SchoolFactory)
    title = factory.Sequence(lambda n: f"Local reform {n}")
