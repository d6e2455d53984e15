"""Demo data for this app, run by seed_demo for each demo school, after the other apps' steps.

Publishes the last three completed terms' reports (the term containing `today` stays open) and
fills in the SEN information report checklist. Deterministic (uses `rng`) and idempotent: a
term that already has a report is left alone.
"""

import datetime as dt
import random

from django.contrib.auth import get_user_model

from reports import services
from reports.models import InformationReportItem, TermlyReport
from reports.sen_information import ITEMS
from sendfund.lib.periods import previous_term, term_for_date
from sendfund.schools.models import School
from sendfund.schools.roles import Role

COMMENTS = [
    "Identified need continues to grow faster than funding; we have asked the LA to review "
    "banding for pupils above the threshold.",
    "Staff training in speech and language support is complete; the gap narrowed this term.",
    "Assessment requests are up on last year. We are tracking the 20-week deadlines closely.",
    "We have moved two TA hours a week into small-group literacy, funded from the notional budget.",
]


def seed(school: School, *, rng: random.Random, today: dt.date) -> None:
    """Publish three past terms' reports and the information report checklist."""
    users = get_user_model().objects
    head = users.filter(memberships__school=school, memberships__role=Role.HEAD).first()
    year, name = term_for_date(today)
    terms = []
    for _ in range(3):
        year, name = previous_term(year, name)
        terms.append((year, name))
    existing = set(TermlyReport.objects.for_school(school).values_list("academic_year", "term"))
    for year, name in reversed(terms):
        comment = rng.choice(COMMENTS)  # drawn every run so later draws stay the same
        if (year, name) in existing:
            continue
        report = services.report_create(school=school, academic_year=year, term=name, user=head)
        services.report_comment(school=school, report=report, comment=comment)
        services.report_publish(school=school, report=report, user=head, today=today)
    if not InformationReportItem.objects.for_school(school).exists():
        published = dt.date(today.year if today.month >= 10 else today.year - 1, 9, 30)
        rows = {
            code: {
                "done": rng.random() < 0.85,
                "last_published": published,
                "next_review": published.replace(year=published.year + 1),
            }
            for code, _ in ITEMS
        }
        services.information_items_save(school=school, rows=rows)
