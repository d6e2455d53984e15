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
