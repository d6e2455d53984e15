"""This app's panel on the role home pages: context for templates/advocacy/includes/_home.html."""

import datetime as dt

from django.http import HttpRequest

from advocacy.models import AdvocacyAction
from advocacy.summary import advocacy_summary, last_twelve_months, training_status
from sendfund.lib.sql import CompiledQuery
from sendfund.schools.access import can

DUE_SOON_DAYS = 14


def _due(pupil_requests: bool) -> CompiledQuery:
    def build(school_id: int, day: dt.date):
        actions = AdvocacyAction.objects.filter(school_id=school_id)
        return actions.visible(pupil_requests=pupil_requests).due_by(day)

    return CompiledQuery("count", build)


_DUE = {flag: _due(flag) for flag in (True, False)}


def home_context(request: HttpRequest) -> dict:
    """Open actions, what is due, money secured, and the SENCO qualification warning.

    Four queries; only for roles that may see advocacy.
    """
    if not can(request, "advocacy.view"):
        return {}
    today = dt.date.today()
    year = last_twelve_months(today)
    pupil_requests = can(request, "pupils.view")
    due = _DUE[pupil_requests].run(
        school_id=request.school.pk, day=today + dt.timedelta(days=DUE_SOON_DAYS)
    )
    return {
        "advocacy_panel": {
            "summary": advocacy_summary(
                school=request.school, period=year, pupil_requests=pupil_requests
            ),
            "training": training_status(school=request.school, today=today),
            "due": due,
        }
    }
