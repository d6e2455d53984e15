"""The demo step publishes three past terms and is idempotent."""

import datetime as dt
import random

import pytest

from reports import demo
from reports.models import InformationReportItem, TermlyReport
from tests.reports.conftest import add_sen_pupils

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 11, 20)


def _run(school):
    demo.seed(school, rng=random.Random("demo"), today=TODAY)


def test_the_demo_publishes_the_last_three_terms(school, head):
    add_sen_pupils(school, 12)
    _run(school)
    reports = TermlyReport.objects.for_school(school).order_by("academic_year", "term")
    assert {(r.academic_year, r.term) for r in reports} == {
        (2024, "autumn"),
        (2024, "spring"),
        (2024, "summer"),
    }
    assert all(r.is_published and r.published_by == head and r.comment for r in reports)
    assert InformationReportItem.objects.for_school(school).count() == 18


def test_running_the_demo_twice_changes_nothing(school, head):
    add_sen_pupils(school, 12)
    _run(school)
    before = list(
        TermlyReport.objects.for_school(school).values("public_id", "snapshot", "comment")
    )
    items = list(InformationReportItem.objects.for_school(school).values())
    _run(school)
    after = list(TermlyReport.objects.for_school(school).values("public_id", "snapshot", "comment"))
    assert after == before
    assert list(InformationReportItem.objects.for_school(school).values()) == items
