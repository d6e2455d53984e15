"""The reports panel on the home page."""

import pytest
from django.urls import reverse

from tests.reports.factories import TermlyReportFactory, published_report

pytestmark = pytest.mark.django_db


def test_a_governor_sees_the_latest_published_report_but_no_drafts(school, governor_client):
    published_report(school, academic_year=2023)
    latest = published_report(school, academic_year=2024)
    TermlyReportFactory(school=school, academic_year=2025)
    body = governor_client.get(reverse("home")).content.decode()
    assert reverse("reports:detail", kwargs={"public_id": latest.public_id}) in body
    assert "Drafts in progress" not in body


def test_the_senco_sees_drafts_in_progress(school, senco_client):
    draft = TermlyReportFactory(school=school, academic_year=2025)
    body = senco_client.get(reverse("home")).content.decode()
    assert "No report has been published yet." in body
    assert reverse("reports:detail", kwargs={"public_id": draft.public_id}) in body


def test_the_administrator_has_no_reports_panel(school, school_admin_client):
    TermlyReportFactory(school=school)
    body = school_admin_client.get(reverse("home")).content.decode()
    assert "reports-panel-heading" not in body
