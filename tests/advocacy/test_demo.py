"""The advocacy demo step: realistic, deterministic and idempotent."""

import datetime as dt
import random

import pytest

from advocacy import demo
from advocacy.models import AdvocacyAction, FundingOpportunity, ReformItem, TrainingRecord
from advocacy.summary import training_status
from funding.models import FundingSource
from tests.factories import SenStatusFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 2)


def _counts(school):
    return [
        model.objects.for_school(school).count()
        for model in (AdvocacyAction, FundingOpportunity, TrainingRecord, ReformItem, FundingSource)
    ]


def _seed(school):
    demo.seed(school, rng=random.Random("advocacy-test"), today=TODAY)


def test_the_demo_gives_a_year_of_advocacy_and_a_senco_deadline_warning(school):
    for _ in range(6):
        SenStatusFactory(pupil__school=school, code="E", start_date=dt.date(2024, 9, 1))
    _seed(school)
    actions = AdvocacyAction.objects.for_school(school)
    kinds = set(actions.values_list("type", flat=True))
    assert {
        "top_up",
        "ehc_assessment",
        "grant",
        "schools_forum",
        "parent_forum",
        "mp_letter",
    } <= kinds
    assert actions.filter(status="successful", funding_source__isnull=False).count() == 2
    assert actions.filter(type="top_up").exclude(pupils=None).exists()
    assert all(a.date <= TODAY for a in actions)
    status = training_status(school=school, today=TODAY)
    assert status["deadline_within_6_months"] is True
    assert status["senco_qualified"] is False
    assert ReformItem.objects.for_school(school).exclude(status="not_started").exists()


def test_running_the_demo_twice_changes_nothing(school):
    SenStatusFactory(pupil__school=school, code="E", start_date=dt.date(2024, 9, 1))
    _seed(school)
    first = _counts(school)
    _seed(school)
    assert _counts(school) == first
