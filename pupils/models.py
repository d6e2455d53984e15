"""The SEN register (pupils, SEN status history, ranked needs) and the costed provision map."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from pupils.codes import BroadArea, NeedCode, SenProvision, YearGroup
from sendfund.lib.sql import overlap_days
from sendfund.schools.models import School, TenantQuerySet

MONEY = {"max_digits": 12, "decimal_places": 2}
ZERO = Decimal("0")

# A letter then 12 digits, or a letter, 11 digits and a letter (DfE UPN guidance).
upn_validator = RegexValidator(
    r"^[A-Z]\d{12}$|^[A-Z]\d{11}[A-Z]$",
    "A UPN is a capital letter followed by 12 digits, or by 11 digits and a capital letter.",
)


def money_field(verbose_name=None, **kwargs) -> DecimalField:
    return DecimalField(verbose_name, **MONEY, **kwargs)


class PupilQuerySet(TenantQuerySet):
    def on_roll(self, on: dt.date | None = None) -> PupilQuerySet:
        """On roll on a date (default today): joined by then and not yet left."""
        on = on or dt.date.today()
        return self.filter(
            Q(on_roll_date__isnull=True) | Q(on_roll_date__lte=on),
            Q(left_date__isnull=True) | Q(left_date__gt=on),
        )

    def with_sen_status(self, on: dt.date | None = None) -> PupilQuerySet:
        """Annotate `sen_status`: the census SEN provision code open on a date (default today)."""
        on = on or dt.date.today()
        return self.annotate(
            sen_status=Coalesce(
                Subquery(
                    SenStatus.objects.filter(pupil=OuterRef("pk"))
                    .open_on(on)
                    .order_by("-start_date")
                    .values("code")[:1]
                ),
                Value(SenProvision.NO_SEN.value),
            )
        )

    def with_primary_need(self, on: dt.date | None = None) -> PupilQuerySet:
        on = on or dt.date.today()
        return self.annotate(
            primary_need=Subquery(
                Need.objects.filter(pupil=OuterRef("pk"), rank=1)
                .open_on(on)
                .order_by("-start_date")
                .values("code")[:1]
            )
        )


class Pupil(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="pupils")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    upn = models.CharField(
        "UPN",
        max_length=13,
        blank=True,
        validators=[upn_validator],
        help_text="Unique pupil number, e.g. A123456789012. Optional.",
    )
    forename = models.CharField(max_length=100)
    surname = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    year_group = models.CharField(max_length=2, choices=YearGroup.choices)
    pupil_premium = models.BooleanField(default=False)
    looked_after = models.BooleanField(
        "Looked after", default=False, help_text="Looked-after or previously looked-after."
    )
    on_roll_date = models.DateField(null=True, blank=True)
    left_date = models.DateField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = PupilQuerySet.as_manager()

    class Meta:
        ordering = ["surname", "forename"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "upn"], condition=~Q(upn=""), name="pupil_upn_unique_in_school"
            ),
            models.CheckConstraint(
                condition=Q(left_date__isnull=True)
                | Q(on_roll_date__isnull=True)
                | Q(left_date__gte=F("on_roll_date")),
                name="pupil_left_after_joining",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "surname", "forename"]),
            models.Index(fields=["school", "year_group"]),
            models.Index(fields=["school", "date_of_birth"]),
        ]

    def __str__(self) -> str:
        return f"{self.forename} {self.surname}"

    @property
    def full_name(self) -> str:
        return f"{self.forename} {self.surname}"


class DatedQuerySet(TenantQuerySet):
    def open_on(self, on: dt.date):
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=on), start_date__lte=on)

    def current(self):
        return self.filter(end_date__isnull=True)


class SenStatus(models.Model):
    """One census SEN provision record (E/K/N); exactly one open record per pupil."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="sen_statuses")
    code = models.CharField("SEN provision", max_length=1, choices=SenProvision.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    objects = DatedQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date"]
        verbose_name_plural = "SEN statuses"
        constraints = [
            models.UniqueConstraint(
                fields=["pupil"], condition=Q(end_date__isnull=True), name="senstatus_one_open"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="senstatus_end_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "code", "start_date", "end_date"]),
            models.Index(fields=["pupil", "start_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_code_display()} from {self.start_date:%d/%m/%Y}"


class Need(models.Model):
    """A ranked census need type (1 = primary)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="needs")
    code = models.CharField("Need", max_length=4, choices=NeedCode.choices)
    rank = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True, help_text="The SENCO's description of the need.")
    created = models.DateTimeField(auto_now_add=True)

    objects = DatedQuerySet.as_manager()

    class Meta:
        ordering = ["rank", "-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "rank"],
                condition=Q(end_date__isnull=True),
                name="need_one_open_per_rank",
            ),
            models.CheckConstraint(condition=Q(rank__gte=1), name="need_rank_positive"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="need_end_after_start",
            ),
        ]
        indexes = [models.Index(fields=["school", "code", "rank"])]

    def __str__(self) -> str:
        return f"{self.code} (rank {self.rank})"


class StaffRole(models.Model):
    """Who delivers provision (TA, HLTA, teacher, therapist...), with hourly rates by year."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="staff_roles")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="staffrole_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class StaffRate(models.Model):
    """Hourly rates (on-costs included) for one staff role in one academic year."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    staff_role = models.ForeignKey(StaffRole, on_delete=models.CASCADE, related_name="rates")
    academic_year = models.PositiveSmallIntegerField(
        help_text="The year the academic year starts, e.g. 2026 for 2026/27."
    )
    la_standard_hourly_rate = money_field(
        "LA standard hourly rate", validators=[MinValueValidator(ZERO)]
    )
    actual_hourly_rate = money_field("Actual hourly rate", validators=[MinValueValidator(ZERO)])

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-academic_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff_role", "academic_year"], name="staffrate_one_per_year"
            ),
            models.CheckConstraint(
                condition=Q(la_standard_hourly_rate__gte=0) & Q(actual_hourly_rate__gte=0),
                name="staffrate_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff_role} {self.academic_year}/{(self.academic_year + 1) % 100:02d}"


class Wave(models.IntegerChoices):
    TARGETED = 2, "Wave 2 – targeted groups"
    INDIVIDUAL = 3, "Wave 3 – individual or specialist"


class Provision(models.Model):
    """A catalogue entry: an intervention the school offers, and how it is costed."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="provisions")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=150)
    area = models.CharField("Broad area", max_length=4, choices=BroadArea.choices)
    wave = models.PositiveSmallIntegerField(choices=Wave.choices, default=Wave.TARGETED)
    staff_role = models.ForeignKey(
        StaffRole,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="provisions",
        help_text="Who delivers it. Leave empty for a bought-in service.",
    )
    service_annual_cost = money_field(
        "Bought-in service cost per pupil per year",
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
    )
    default_hours_per_week = DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(ZERO)],
    )
    default_group_size = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1)]
    )
    default_weeks = models.PositiveSmallIntegerField(
        "Weeks per year", default=38, validators=[MinValueValidator(1)]
    )
    resource_cost_per_pupil = money_field(
        "Resources per pupil per year", default=ZERO, validators=[MinValueValidator(ZERO)]
    )
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["area", "wave", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="provision_name_unique"),
            models.CheckConstraint(
                condition=Q(staff_role__isnull=False) | Q(service_annual_cost__isnull=False),
                name="provision_has_a_cost_basis",
            ),
            models.CheckConstraint(condition=Q(wave__in=[2, 3]), name="provision_wave_2_or_3"),
            models.CheckConstraint(
                condition=Q(default_group_size__gte=1), name="provision_group_size_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AssignmentStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PLACE = "in_place", "In place"
    ENDED = "ended", "Ended"


class ProvisionAssignmentQuerySet(TenantQuerySet):
    """Planned, in-place and ended provision all count as identified need for the days it runs
    (DOMAIN.md section 4); an ended row always has an end date."""

    def with_hourly_rate(self, academic_year: int, basis: str):
        """Annotate `hourly_rate`: the staff role's latest rate up to `academic_year`, on the
        school's costing basis (actual or LA standard)."""
        field = "la_standard_hourly_rate" if basis == "la_standard" else "actual_hourly_rate"
        rate = (
            StaffRate.objects.filter(
                staff_role=OuterRef("provision__staff_role"), academic_year__lte=academic_year
            )
            .order_by("-academic_year")
            .values(field)[:1]
        )
        return self.annotate(hourly_rate=Coalesce(Subquery(rate), Value(ZERO)))

    def with_annual_cost(self, academic_year: int, basis: str):
        """Annotate `annual_cost` per pupil per year:
        rate x hours per week x weeks / group size + resources, or the bought-in service cost
        + resources (DOMAIN.md section 3). Needs no Python: it is one SQL expression."""
        money = DecimalField(max_digits=18, decimal_places=6)
        staffed = ExpressionWrapper(
            F("hourly_rate") * F("hours_per_week") * F("weeks") / F("group_size"),
            output_field=money,
        )
        return self.with_hourly_rate(academic_year, basis).annotate(
            annual_cost=ExpressionWrapper(
                Case(
                    When(
                        provision__staff_role__isnull=True,
                        then=Coalesce(F("provision__service_annual_cost"), Value(ZERO)),
                    ),
                    default=staffed,
                    output_field=money,
                )
                + F("provision__resource_cost_per_pupil"),
                output_field=money,
            )
        )

    def with_period_cost(self, period, basis: str, *, year_days: int = 365):
        """Annotate `period_cost`: annual cost x days the assignment runs inside the period /
        days in a year (pro-rating by days delivered; DOMAIN.md section 3)."""
        from sendfund.lib.periods import academic_year_start

        money = DecimalField(max_digits=18, decimal_places=6)
        qs = self.with_annual_cost(academic_year_start(period.start), basis)
        return qs.annotate(
            active_days=overlap_days("start_date", "end_date", period.start, period.end),
        ).annotate(
            period_cost=ExpressionWrapper(
                F("annual_cost") * F("active_days") / Value(Decimal(year_days)),
                output_field=money,
            )
        )


class ProvisionAssignment(models.Model):
    """A row of the costed provision map: one pupil receiving one provision."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="provision")
    provision = models.ForeignKey(Provision, on_delete=models.PROTECT, related_name="assignments")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    hours_per_week = DecimalField(
        max_digits=5, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    group_size = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    weeks = models.PositiveSmallIntegerField(
        "Weeks delivered per year", default=38, validators=[MinValueValidator(1)]
    )
    status = models.CharField(
        max_length=10, choices=AssignmentStatus.choices, default=AssignmentStatus.PLANNED
    )
    review_date = models.DateField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ProvisionAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(group_size__gte=1), name="assignment_group_size_positive"
            ),
            models.CheckConstraint(
                condition=Q(weeks__gte=1) & Q(weeks__lte=52), name="assignment_weeks_1_52"
            ),
            models.CheckConstraint(
                condition=Q(hours_per_week__gte=0), name="assignment_hours_non_negative"
            ),
            models.CheckConstraint(
                condition=~Q(status="ended") | Q(end_date__isnull=False),
                name="assignment_ended_has_end_date",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="assignment_end_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "status", "start_date", "end_date"]),
            models.Index(fields=["pupil", "status"]),
            models.Index(fields=["provision"]),
        ]

    def __str__(self) -> str:
        return f"{self.provision} for {self.pupil}"
