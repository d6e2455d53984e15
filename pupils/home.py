"""This app's panel on the role home pages: context for templates/pupils/includes/_home.html."""

import datetime as dt

from django.db.models import Count, Q
from django.http import HttpRequest

from pupils.models import WEEK_20, AnnualReview, AssessmentRequest, Pupil, SenStatus
from sendfund.schools.access import can


def home_context(request: HttpRequest) -> dict:
    """Register counts and overdue clocks for roles that may see pupils (three queries)."""
    if request.school is None or not can(request, "pupils.view"):
        return {}
    today = dt.date.today()
    on_roll = Pupil.objects.for_school(request.school).on_roll(today)
    counts = (
        SenStatus.objects.for_school(request.school)
        .open_on(today)
        .filter(pupil__in=on_roll)
        .aggregate(
            ehc=Count("pk", filter=Q(code="E")),
            support=Count("pk", filter=Q(code="K")),
        )
    )
    overdue_assessments = (
        AssessmentRequest.objects.for_school(request.school)
        .open()
        .filter(exception="", final_plan_date__isnull=True, received_date__lt=today - WEEK_20)
        .count()
    )
    overdue_reviews = AnnualReview.objects.for_school(request.school).overdue(today).count()
    return {
        "pupils_panel": {
            **counts,
            "overdue_assessments": overdue_assessments,
            "overdue_reviews": overdue_reviews,
        }
    }
