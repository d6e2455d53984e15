"""This app's panel on the role home pages: context for templates/funding/includes/_home.html."""

from django.http import HttpRequest

from funding import dashboard as dash
from funding.gap import headline_series
from sendfund.lib.periods import term, term_for_date
from sendfund.schools.access import can
from sendfund.schools.calendar import calendar_note


def home_context(request: HttpRequest) -> dict:
    """The current term's need, funding and gap: two queries, for roles that see funding."""
    if not can(request, "funding.view"):
        return {}
    period = term(*term_for_date(dash.today()))
    (headline,) = headline_series(school=request.school, periods=[period])
    return {"funding_headline": headline, "funding_calendar": calendar_note(request.school, period)}
