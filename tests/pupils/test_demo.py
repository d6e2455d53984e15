import datetime as dt
import random
from decimal import Decimal

import pytest

from pupils import demo, queries
from pupils.models import AnnualReview, AssessmentRequest, ProvisionAssignment

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 28)


def _seed(school):
    demo.seed_provision(school, rng=random.Random("test"), today=TODAY)
    return (
        ProvisionAssignment.objects.filter(school=school).count(),
        AssessmentRequest.objects.filter(school=school).count(),
        AnnualReview.objects.filter(school=school).count(),
    )


def test_the_demo_provision_map_is_realistic_and_a_second_run_changes_nothing(school):
    profile = demo.RegisterProfile(300, ("7", "8", "9", "10", "11"), 0.05, 0.15)
    demo.seed_register(school, rng=random.Random("test"), today=TODAY, profile=profile)
    first = _seed(school)
    assert _seed(school) == first
    assignments, requests, reviews = first
    assert assignments > 50 and requests > 0 and reviews > 0
    costs = queries.register(school, filters={"status": "E"}, today=TODAY).values_list(
        "annual_cost", flat=True
    )
    assert sum(1 for c in costs if c > Decimal("6000")) >= 3
    statuses = set(
        ProvisionAssignment.objects.filter(school=school).values_list("status", flat=True)
    )
    assert statuses == {"planned", "in_place", "ended"}


def test_the_demo_plans_outcomes_and_request_are_there_and_a_second_run_adds_nothing(school):
    from advocacy import demo as advocacy_demo
    from advocacy.models import AdvocacyAction, RequestPack
    from pupils import clocks, plan_demo
    from pupils.plan_models import InterventionMeasure, ProfessionalInvolvement, SupportPlan

    profile = demo.RegisterProfile(300, ("3", "4", "5", "6"), 0.03, 0.15)
    demo.seed_register(school, rng=random.Random("test"), today=TODAY, profile=profile)
    demo.seed_provision(school, rng=random.Random("test"), today=TODAY)
    advocacy_demo.seed(school, rng=random.Random("test"), today=TODAY)
    actions = AdvocacyAction.objects.filter(school=school).count()

    def counts():
        return (
            SupportPlan.objects.filter(school=school).count(),
            ProfessionalInvolvement.objects.filter(school=school).count(),
            InterventionMeasure.objects.filter(school=school).count(),
            RequestPack.objects.filter(school=school).count(),
        )

    plan_demo.seed(school, rng=random.Random("test"), today=TODAY)
    first = counts()
    plan_demo.seed(school, rng=random.Random("test"), today=TODAY)
    assert counts() == first
    plans, professionals, measures, packs = first
    assert plans >= 10 and professionals == 5 and measures >= 5 and packs == 1
    pack = RequestPack.objects.get(school=school)
    assert pack.action.status == "in_progress" and pack.action.type == "top_up"
    assert AdvocacyAction.objects.filter(school=school).count() == actions + 1
    kinds = [(i.kind, i.overdue) for i in clocks.due_list(school=school, today=TODAY)]
    assert ("plan", True) in kinds and ("plan", False) in kinds
    works = queries.what_works(school, queries.cost_year(TODAY))
    assert works and works[0]["measured"] >= 5
