"""Governors' termly reports (frozen on publication), national figures, SEN information report."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from sendfund.lib.periods import TERM_LABELS, TERMS, academic_year_label
from sendfund.schools.models import School, TenantQuerySet


class NationalFigure(models.Model):
    """An England-wide percentage shown beside a school's (docs/domain.md section 6)."""

    class Measure(models.TextChoices):
        SEN = "sen", "Pupils with SEN"
        EHC_PLAN = "ehc_plan", "EHC plan"
        SEN_SUPPORT = "sen_support", "SEN support"
        EHC_ASD = "ehc_asd", "EHC plans with autism (ASD) as primary need"
        SUPPORT_SLCN = "support_slcn", "SEN support with SLCN as primary need"

    measure = models.CharField(max_length=16, choices=Measure.choices)
    year = models.PositiveSmallIntegerField(help_text="January census year.")
    percentage = models.DecimalField(max_digits=5, decimal_places=2)
    source = models.CharField(max_length=300)

    class Meta:
        ordering = ["measure", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "year"], name="nationalfigure_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_measure_display()} {self.year}: {self.percentage}%"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class TermlyReportQuerySet(TenantQuerySet):
    def published(self):
        return self.filter(status=ReportStatus.PUBLISHED)

    def visible_to(self, *, can_draft: bool):
        """Governors and trust leads see published reports only."""
        return self if can_draft else self.published()


class TermlyReport(models.Model):
    """One school's report to governors for one term; `snapshot` is frozen on publication."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    academic_year = models.PositiveSmallIntegerField(help_text="Year the academic year starts.")
    term = models.CharField(max_length=6, choices=[(t, TERM_LABELS[t]) for t in TERMS])
    status = models.CharField(max_length=9, choices=ReportStatus.choices, default="draft")
    comment = models.TextField(blank=True, help_text="The head's or SENCO's comment.")
    # The already-suppressed figures as JSON (Decimals as strings); set once, on publication.
    snapshot = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = TermlyReportQuerySet.as_manager()

    class Meta:
        ordering = ["-academic_year", "-term"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "academic_year", "term"], name="termlyreport_one_per_term"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(snapshot__isnull=False, published_at__isnull=False),
                name="termlyreport_published_has_snapshot",
            ),
        ]
        indexes = [models.Index(fields=["school", "status", "academic_year"])]

    def __str__(self) -> str:
        return f"{self.term_label} report"

    @property
    def term_label(self) -> str:
        return f"{TERM_LABELS[self.term]} {academic_year_label(self.academic_year)}"

    @property
    def sort_key(self) -> int:
        return self.academic_year * 10 + TERMS.index(self.term)

    @property
    def is_published(self) -> bool:
        return self.status == ReportStatus.PUBLISHED


class InformationReportItem(models.Model):
    """One statutory item of the SEN information report, with its publication dates."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=32)
    done = models.BooleanField("Covered in the published report", default=False)
    last_published = models.DateField(null=True, blank=True)
    next_review = models.DateField(null=True, blank=True)
    updated = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["school", "code"], name="inforeportitem_unique"),
            models.CheckConstraint(
                condition=Q(next_review__isnull=True)
                | Q(last_published__isnull=True)
                | Q(next_review__gte=models.F("last_published")),
                name="inforeportitem_review_after_published",
            ),
        ]

    def __str__(self) -> str:
        return self.code
