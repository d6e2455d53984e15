"""This app's panel on the role home pages: context for templates/pupils/includes/_home.html."""

import datetime as dt

from django.db.models import Count, Q
from django.http import HttpRequest

from pupils.codes import SenProvision
from pupils.models import AnnualReview, AssessmentRequest, Pupil
from pupils.plan_models import SupportPlan
from sendfund.lib.sql import CompiledQuery
from sendfund.schools.access import can

# The panel's queries, compiled once per process (sendfund.lib.sql.CompiledQuery).
_REGISTER = CompiledQuery(
    "aggregate",
    lambda school_id, today: (
        Pupil.objects.filter(school_id=school_id).on_roll(today).with_sen_status(today),
        {
            "ehc": Count("pk", filter=Q(sen_status=SenProvision.EHC_PLAN)),
            "support": Count("pk", filter=Q(sen_status=SenProvision.SEN_SUPPORT)),
        },
    ),
)
_OVERDUE_REVIEWS = CompiledQuery(
    "count",
    lambda school_id, today: AnnualReview.objects.filter(school_id=school_id).overdue(today),
)
_OVERDUE_PLANS = CompiledQuery(
    "count",
    lambda school_id, today: SupportPlan.objects.filter(
        school_id=school_id, pupil__left_date__isnull=True
    ).overdue(today),
)


def home_context(request: HttpRequest) -> dict:
    """Register counts and overdue clocks for roles that may see pupils (four queries)."""
    if request.school is None or not can(request, "pupils.view"):
        return {}
    today = dt.date.today()
    values = {"school_id": request.school.pk, "today": today}
    counts = _REGISTER.run(**values)
    overdue_assessments = (
        AssessmentRequest.objects.for_school(request.school).overdue(today).count()
    )
    overdue_reviews = _OVERDUE_REVIEWS.run(**values)
    overdue_plans = _OVERDUE_PLANS.run(**values)
    return {
        "pupils_panel": {
            **counts,
            "overdue_assessments": overdue_assessments,
            "overdue_reviews": overdue_reviews,
            "overdue_plan_reviews": overdue_plans,
        }
    }
