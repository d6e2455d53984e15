"""Factories for the pupils app's clocks (the shared ones live in tests/factories.py)."""

import datetime as dt

import factory

from pupils.models import AnnualReview, AssessmentRequest
from pupils.plan_models import PlanOutcome, ProfessionalInvolvement, SupportPlan
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


class SupportPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportPlan

    pupil = factory.SubFactory(PupilFactory)
    school = factory.SelfAttribute("pupil.school")
    start_date = dt.date(2026, 1, 5)
    review_date = dt.date(2026, 3, 27)
    pupil_views = "I like the reading group."
    parent_views = "We read together at home."


class PlanOutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanOutcome

    plan = factory.SubFactory(SupportPlanFactory)
    school = factory.SelfAttribute("plan.school")
    text = factory.Sequence(lambda n: f"Outcome {n}")


class ProfessionalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProfessionalInvolvement

    pupil = factory.SubFactory(PupilFactory)
    school = factory.SelfAttribute("pupil.school")
    kind = "ep"
    name = "County EP service"
    start_date = dt.date(2025, 11, 3)
    advice_date = dt.date(2026, 1, 12)
    advice = "Short daily precision teaching; visual timetable."
