"""Money allocated to SEND: funding sources, the high-needs threshold and LA top-up schemes.

Pupil top-ups are FundingSource rows with type=top_up, a pupil and (optionally) a band: one
table for every pound of allocated funding keeps the gap engine to one relation (one Subquery),
and advocacy's `FundingSource.objects.create(...)` keeps working unchanged.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import ExpressionWrapper, F, Q, Value
from django.db.models.functions import Cast, Greatest, Least

from sendfund.lib.money import STORED_MONEY, UNROUNDED
from sendfund.lib.sql import DaysBetween
from sendfund.schools.models import School, TenantQuerySet


class FundingType(models.TextChoices):
    NOTIONAL_SEN = "notional_sen", "Notional SEN budget (element 2)"
    TOP_UP = "top_up", "Element 3 top-up"
    # Special schools, AP and resourced provision/SEN units are funded per place (elements 1
    # and 2 for the place) plus top-up (docs/domain.md section 1).
    PLACE = "place", "Place funding"
    PUPIL_PREMIUM = "pupil_premium", "Pupil premium share"
    DAF = "daf", "Disability Access Fund"
    LA_GRANT = "la_grant", "LA grant"
    TRUST_FUND = "trust_fund", "Trust fund"
    OTHER_GRANT = "other_grant", "Other grant"


class FundingStatus(models.TextChoices):
    EXPECTED = "expected", "Expected"
    CONFIRMED = "confirmed", "Confirmed"
    RECEIVED = "received", "Received"


# Which statuses count as allocated funding in the gap: money agreed in writing or in the bank.
# Expected money is shown separately, never added to the headline (docs/domain.md section 4).
COUNTED_STATUSES = ("confirmed", "received")


# Used only when no threshold row is in force (e.g. a day before April 2013).
FALLBACK_THRESHOLD = Decimal("6000.00")


class HighNeedsThresholdQuerySet(models.QuerySet):
    def in_force_on(self, day):
        return self.filter(effective_from__lte=day).order_by("-effective_from")

    def amount_on(self, day) -> Decimal:
        """The one answer to "which threshold is in force on a day" (one query)."""
        amount = self.in_force_on(day).values_list("amount", flat=True).first()
        return amount if amount is not None else FALLBACK_THRESHOLD


class HighNeedsThreshold(models.Model):
    """The annual cost a mainstream school meets from element 2 before top-up (£6,000 since
    April 2013). Reference data with an effective date, never a constant in code."""

    amount = models.DecimalField(**STORED_MONEY, validators=[MinValueValidator(Decimal("0"))])
    effective_from = models.DateField(unique=True)
    source = models.CharField(max_length=300, blank=True)

    objects = HighNeedsThresholdQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="threshold_non_negative")
        ]

    def __str__(self) -> str:
        return f"£{self.amount:,} from {self.effective_from:%d/%m/%Y}"


class PlaceKind(models.TextChoices):
    SPECIAL = "special", "Special school place"
    AP = "ap", "Alternative provision place"
    UNIT = "unit", "Resourced provision or SEN unit place"


# Used only when no place value row is in force (e.g. a day before the shipped rows).
FALLBACK_PLACE_VALUES = {
    PlaceKind.SPECIAL: Decimal("10000.00"),
    PlaceKind.AP: Decimal("10000.00"),
    PlaceKind.UNIT: Decimal("6000.00"),
}


class PlaceValueQuerySet(models.QuerySet):
    def amount_on(self, kind: str, day) -> Decimal:
        """The one answer to "what is a place worth on a day" for a kind of place (one query):
        the latest row in force, else FALLBACK_PLACE_VALUES."""
        amount = (
            self.filter(kind=kind, effective_from__lte=day)
            .order_by("-effective_from")
            .values_list("amount", flat=True)
            .first()
        )
        return amount if amount is not None else FALLBACK_PLACE_VALUES[PlaceKind(kind)]


class PlaceValue(models.Model):
    """What the high needs block pays a year for one commissioned place (elements 1 and 2 in
    special schools and AP; element 2 in a mainstream resourced provision or SEN unit, whose
    pupils' element 1 comes through the formula). docs/domain.md section 1. Reference data
    with an effective date, never a constant in code."""

    kind = models.CharField(max_length=8, choices=PlaceKind.choices)
    amount = models.DecimalField(**STORED_MONEY, validators=[MinValueValidator(Decimal("0"))])
    effective_from = models.DateField()
    source = models.CharField(max_length=300, blank=True)

    objects = PlaceValueQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "effective_from"], name="placevalue_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="placevalue_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: £{self.amount:,} from {self.effective_from:%d/%m/%Y}"


class TopUpSchemeQuerySet(models.QuerySet):
    def for_school(self, school: School):
        """The school's own schemes plus the shared ones of its local authority."""
        return self.filter(
            Q(school=school) | Q(school__isnull=True, local_authority_id=school.local_authority_id)
        )


class TopUpScheme(models.Model):
    """An LA's element 3 banding for one year. school=None: shared reference data shipped with
    the app; otherwise a scheme the school entered for its own LA."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    local_authority = models.ForeignKey(
        "schools.LocalAuthority", on_delete=models.PROTECT, related_name="topup_schemes"
    )
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="topup_schemes"
    )
    year = models.PositiveSmallIntegerField(
        help_text="The year the scheme starts, e.g. 2023 for 2023/24."
    )
    name = models.CharField(max_length=150)
    source = models.CharField("Source note", max_length=300, blank=True)

    objects = TopUpSchemeQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["local_authority", "year", "name"],
                condition=Q(school__isnull=True),
                name="topupscheme_shared_unique",
            ),
            models.UniqueConstraint(
                fields=["school", "local_authority", "year", "name"],
                condition=Q(school__isnull=False),
                name="topupscheme_school_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.year}/{(self.year + 1) % 100:02d}"


class TopUpBand(models.Model):
    """A named band: an annual amount, or funded hours a week x hourly rate x weeks."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    scheme = models.ForeignKey(TopUpScheme, on_delete=models.CASCADE, related_name="bands")
    name = models.CharField(max_length=100)
    annual_amount = models.DecimalField(
        **STORED_MONEY, validators=[MinValueValidator(Decimal("0"))]
    )
    hours_per_week = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    hourly_rate = models.DecimalField(
        **STORED_MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    weeks = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["annual_amount", "name"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "name"], name="topupband_name_unique"),
            models.CheckConstraint(
                condition=Q(annual_amount__gte=0), name="topupband_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (£{self.annual_amount:,}/year)"


def amount_in(period):
    """A funding source's share of a period: amount ÷ days of its own dates × its days inside
    the period (calendar days, not school days: funding is paid for its dates). Divided once
    and multiplied by whole days, so adjoining periods add up exactly."""
    start = Value(period.start, output_field=models.DateField())
    end = Value(period.end, output_field=models.DateField())
    own_days = DaysBetween(F("period_end"), F("period_start")) + Value(1)
    overlap = Greatest(
        DaysBetween(Least(F("period_end"), end), Greatest(F("period_start"), start)) + Value(1),
        Value(0),
    )
    # Cast first so that PostgreSQL divides to 20 decimal places, not its default 16 digits.
    daily = ExpressionWrapper(Cast("amount", UNROUNDED) / own_days, output_field=UNROUNDED)
    return ExpressionWrapper(daily * overlap, output_field=UNROUNDED)


class FundingSourceQuerySet(TenantQuerySet):
    def overlapping(self, start, end):
        return self.filter(period_start__lte=end, period_end__gte=start)

    def in_period(self, period):
        """The one answer to "funding in a period": rows overlapping it, with
        `period_amount` (amount_in)."""
        return self.overlapping(period.start, period.end).annotate(period_amount=amount_in(period))

    def counted(self):
        return self.filter(status__in=COUNTED_STATUSES)

    def top_ups(self):
        return self.filter(type=FundingType.TOP_UP)


class FundingSource(models.Model):
    """An amount of SEND funding spread evenly over its period (pro-rated by day)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="funding_sources")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(max_length=16, choices=FundingType.choices)
    description = models.CharField(max_length=200)
    amount = models.DecimalField(**STORED_MONEY, validators=[MinValueValidator(Decimal("0"))])
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
    band = models.ForeignKey(
        TopUpBand,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="funding_sources",
        help_text="The LA band a top-up was agreed at, if any.",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = FundingSourceQuerySet.as_manager()
    amount_in = staticmethod(amount_in)

    class Meta:
        ordering = ["-period_start", "type"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="funding_period_valid"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="funding_amount_non_negative"),
            models.CheckConstraint(
                condition=Q(type="top_up") | (Q(pupil__isnull=True) & Q(band__isnull=True)),
                name="funding_pupil_only_for_top_up",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "type", "period_start", "period_end"]),
            models.Index(fields=["pupil", "status", "period_start"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()}: {self.description}"


# The school-period summary (funding.gap_store keeps it); its own module, registered here.
from funding.summary_models import *  # noqa: E402,F403
