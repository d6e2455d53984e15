"""This app's panel on the role home pages: context for templates/pupils/includes/_home.html."""

import datetime as dt

from django.db.models import Count, Q
from django.http import HttpRequest

from pupils.codes import SenProvision
from pupils.models import AnnualReview, AssessmentRequest, Pupil
from pupils.plan_models import SupportPlan
from sendfund.schools.access import can


def home_context(request: HttpRequest) -> dict:
    """Register counts and overdue clocks for roles that may see pupils (four queries)."""
    if request.school is None or not can(request, "pupils.view"):
        return {}
    today = dt.date.today()
    counts = (
        Pupil.objects.for_school(request.school)
        .on_roll(today)
        .with_sen_status(today)
        .aggregate(
            ehc=Count("pk", filter=Q(sen_status=SenProvision.EHC_PLAN)),
            support=Count("pk", filter=Q(sen_status=SenProvision.SEN_SUPPORT)),
        )
    )
    overdue_assessments = (
        AssessmentRequest.objects.for_school(request.school).overdue(today).count()
    )
    overdue_reviews = AnnualReview.objects.for_school(request.school).overdue(today).count()
    plans = SupportPlan.objects.for_school(request.school).filter(pupil__left_date__isnull=True)
    overdue_plans = plans.overdue(today).count()
    return {
        "pupils_panel": {
            **counts,
            "overdue_assessments": overdue_assessments,
            "overdue_reviews": overdue_reviews,
            "overdue_plan_reviews": overdue_plans,
        }
    }
