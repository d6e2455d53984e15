"""This app's panel on the role home pages: context for templates/advocacy/includes/_home.html."""

import datetime as dt

from django.http import HttpRequest

from advocacy.models import PUPIL_TYPES, AdvocacyAction
from advocacy.summary import advocacy_summary, last_twelve_months, training_status
from sendfund.schools.access import can

DUE_SOON_DAYS = 14


def home_context(request: HttpRequest) -> dict:
    """Open actions, what is due, money secured, and the SENCO qualification warning.

    Four queries; only for roles that may see advocacy.
    """
    if not can(request, "advocacy.view"):
        return {}
    today = dt.date.today()
    year = last_twelve_months(today)
    pupil_requests = can(request, "pupils.view")
    actions = AdvocacyAction.objects.for_school(request.school)
    if not pupil_requests:  # as advocacy.views.visible_actions
        actions = actions.exclude(type__in=PUPIL_TYPES)
    due = actions.due_by(today + dt.timedelta(days=DUE_SOON_DAYS)).count()
    return {
        "advocacy_panel": {
            "summary": advocacy_summary(
                school=request.school, period=year, pupil_requests=pupil_requests
            ),
            "training": training_status(school=request.school, today=today),
            "due": due,
        }
    }
