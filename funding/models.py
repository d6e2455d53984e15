"""Money allocated to SEND: funding sources (the other half of the gap)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from sendfund.schools.models import School, TenantQuerySet

MONEY = {"max_digits": 12, "decimal_places": 2}


class FundingType(models.TextChoices):
    NOTIONAL_SEN = "notional_sen", "Notional SEN budget (element 2)"
    TOP_UP = "top_up", "Element 3 top-up"
    PUPIL_PREMIUM = "pupil_premium", "Pupil premium share"
    DAF = "daf", "Disability Access Fund"
    LA_GRANT = "la_grant", "LA grant"
    TRUST_FUND = "trust_fund", "Trust fund"
    OTHER_GRANT = "other_grant", "Other grant"


class FundingStatus(models.TextChoices):
    EXPECTED = "expected", "Expected"
    CONFIRMED = "confirmed", "Confirmed"
    RECEIVED = "received", "Received"


class FundingSourceQuerySet(TenantQuerySet):
    def overlapping(self, start, end):
        return self.filter(period_start__lte=end, period_end__gte=start)


class FundingSource(models.Model):
    """An amount of SEND funding spread evenly over its period (pro-rated by day)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="funding_sources")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(max_length=16, choices=FundingType.choices)
    description = models.CharField(max_length=200)
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0"))])
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(
        max_length=10, choices=FundingStatus.choices, default=FundingStatus.EXPECTED
    )
    reference = models.CharField(max_length=100, blank=True)
    pupil = models.ForeignKey(
        "pupils.Pupil",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="funding_sources",
        help_text="Element 3 top-ups follow a pupil.",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = FundingSourceQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start", "type"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="funding_period_valid"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="funding_amount_non_negative"),
        ]
        indexes = [
            models.Index(fields=["school", "type", "period_start", "period_end"]),
            models.Index(fields=["pupil"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()}: {self.description}"
