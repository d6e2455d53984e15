"""A termly report as PDF (WeasyPrint), for the download view and the worker's task."""

from __future__ import annotations

from django.template.loader import render_to_string

from reports.models import TermlyReport
from reports.snapshot import build_figures
from sendfund.pdf import html_to_pdf


def figures_for(report: TermlyReport) -> dict:
    if report.is_published:
        return report.snapshot
    figures = build_figures(school=report.school, year=report.academic_year, name=report.term)
    return {**figures, "comment": report.comment}


def report_pdf_name(report: TermlyReport) -> str:
    return f"send-report-{report.academic_year}-{report.term}.pdf"


def report_pdf_bytes(report: TermlyReport) -> bytes:
    """The report as PDF: inline CSS; WeasyPrint may read only sendfund's static files."""
    html = render_to_string("reports/pdf.html", {"report": report, "figures": figures_for(report)})
    return html_to_pdf(html)
