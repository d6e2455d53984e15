"""This app's panel on the role home pages: context for templates/funding/includes/_home.html."""

import datetime as dt

from django.http import HttpRequest

from funding import dashboard as dash
from funding.gap import compute_gap, headline_series
from sendfund.lib.disclosure import publish_gap
from sendfund.lib.periods import term, term_for_date
from sendfund.schools.access import can
from sendfund.schools.calendar import calendar_note


def home_context(request: HttpRequest) -> dict:
    """The current term's need, funding and gap, for roles that see funding: one query when the
    dashboard has stored the term (funding.gap_store), else two."""
    if not can(request, "funding.view"):
        return {}
    period = term(*term_for_date(dt.date.today()))
    calendar = calendar_note(request.school, period)
    if not can(request, "pupils.view"):
        # Governors and trust leads: the figures the dashboard publishes for the term, by the
        # one disclosure rule (sendfund.lib.disclosure), so the panel withholds what it does.
        gap = compute_gap(school=request.school, period=period)
        shown = dash.public_gap(gap, publish_gap(gap))
        return {"funding_headline": shown, "funding_calendar": calendar}
    (headline,) = headline_series(school=request.school, periods=[period], build=False)
    return {"funding_headline": headline, "funding_calendar": calendar}
