"""Factories for the pupils app's clocks (the shared ones live in tests/factories.py)."""

import datetime as dt

import factory

from pupils.models import AnnualReview, AssessmentRequest
from tests.factories import PupilFactory


class AssessmentRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessmentRequest

    pupil = factory.SubFactory(PupilFactory)
    school = factory.SelfAttribute("pupil.school")
    received_date = dt.date(2026, 1, 5)


class AnnualReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnnualReview

    pupil = factory.SubFactory(PupilFactory)
    school = factory.SelfAttribute("pupil.school")
    previous_date = dt.date(2025, 10, 1)
    due_date = dt.date(2026, 10, 1)
