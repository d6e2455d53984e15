"""This app's panel on the role home pages: context for templates/reports/includes/_home.html."""

from django.http import HttpRequest

from reports.models import ReportStatus, TermlyReport
from sendfund.schools.access import can


def home_context(request: HttpRequest) -> dict:
    """The latest published report, and (for those who draft) the open drafts. Two queries."""
    if not can(request, "reports.view"):
        return {}
    reports = TermlyReport.objects.for_school(request.school)
    latest = reports.published().order_by("-academic_year", "-published_at").first()
    drafts = []
    if can(request, "reports.draft"):
        drafts = list(reports.filter(status=ReportStatus.DRAFT).order_by("-academic_year")[:3])
    return {"reports_panel": {"latest": latest, "drafts": drafts}}
