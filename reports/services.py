"""Writes for termly reports and the SEN information report checklist."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from reports.models import InformationReportItem, ReportStatus, TermlyReport
from reports.sen_information import LABELS
from reports.snapshot import build_figures
from sendfund.lib.periods import TERMS
from sendfund.schools.models import School


@transaction.atomic
def report_create(*, school: School, academic_year: int, term: str, user) -> TermlyReport:
    """A draft report for a term; one report per school and term."""
    if term not in TERMS:
        raise ValidationError(f"Unknown term {term!r}.")
    exists = TermlyReport.objects.for_school(school).filter(academic_year=academic_year, term=term)
    if exists.exists():
        raise ValidationError("There is already a report for that term.")
    return TermlyReport.objects.create(
        school=school, academic_year=academic_year, term=term, created_by=user
    )


@transaction.atomic
def report_comment(*, school: School, report: TermlyReport, comment: str) -> TermlyReport:
    if report.school_id != school.pk:
        raise ValidationError("That report belongs to another school.")
    if report.is_published:
        raise ValidationError("A published report cannot be changed.")
    report.comment = comment.strip()
    report.save(update_fields=["comment", "updated"])
    return report


@transaction.atomic
def report_publish(
    *, school: School, report: TermlyReport, user, today: dt.date | None = None
) -> TermlyReport:
    """Freeze the suppressed figures into the report; later data edits do not change it."""
    report = TermlyReport.objects.for_school(school).select_for_update().get(pk=report.pk)
    if report.is_published:
        raise ValidationError("This report is already published.")
    figures = build_figures(school=school, year=report.academic_year, name=report.term, today=today)
    figures["comment"] = report.comment
    report.snapshot = figures
    report.status = ReportStatus.PUBLISHED
    report.published_by = user
    report.published_at = timezone.now()
    report.save(update_fields=["snapshot", "status", "published_by", "published_at", "updated"])
    return report


@transaction.atomic
def information_items_save(*, school: School, rows: dict[str, dict]) -> int:
    """Save the checklist: {code: {done, last_published, next_review}}; returns rows saved."""
    unknown = set(rows) - set(LABELS)
    if unknown:
        raise ValidationError(f"Unknown items: {', '.join(sorted(unknown))}.")
    for code, values in rows.items():
        last, nxt = values.get("last_published"), values.get("next_review")
        if last and nxt and nxt < last:
            raise ValidationError(f"{LABELS[code]}: the next review must be after publication.")
        InformationReportItem.objects.update_or_create(school=school, code=code, defaults=values)
    return len(rows)
