"""The SEN register (pupils, SEN status history, ranked needs) and the costed provision map."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    DateField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Coalesce, Greatest, Least, NullIf

from pupils.codes import BroadArea, NeedCode, SenProvision, YearGroup
from sendfund.lib.dates import add_months
from sendfund.lib.money import STORED_MONEY, UNROUNDED, ZERO
from sendfund.lib.periods import Period, by_academic_year
from sendfund.schools.models import School, TenantQuerySet

# Unrounded money in SQL (PostgreSQL numeric): a daily cost, and a sum of them.

# A letter then 12 digits, or a letter, 11 digits and a letter (DfE UPN guidance).
upn_validator = RegexValidator(
    r"^[A-Z]\d{12}$|^[A-Z]\d{11}[A-Z]$",
    "A UPN is a capital letter followed by 12 digits, or by 11 digits and a capital letter.",
)


def money_field(verbose_name=None, **kwargs) -> DecimalField:
    return DecimalField(verbose_name, **STORED_MONEY, **kwargs)


class PupilQuerySet(TenantQuerySet):
    def on_roll(self, on: dt.date | None = None) -> PupilQuerySet:
        """On roll on a date (default today): joined by then and not yet left."""
        on = on or dt.date.today()
        return self.filter(
            Q(on_roll_date__isnull=True) | Q(on_roll_date__lte=on),
            Q(left_date__isnull=True) | Q(left_date__gt=on),
        )

    def with_sen_status(
        self, on: dt.date | None = None, *, name: str = "sen_status"
    ) -> PupilQuerySet:
        """Annotate `sen_status` (or `name`): the census SEN provision code open on a date
        (default today), N when none is. The one answer to "SEN status on a day"."""
        on = on or dt.date.today()
        return self.annotate(**{name: sen_status_on(on, "pk")})

    def with_primary_need(self, on: dt.date | None = None) -> PupilQuerySet:
        """Annotate `primary_need`: the rank-1 need open on a date (None when none is)."""
        on = on or dt.date.today()
        return self.annotate(primary_need=primary_need_on(on, "pk"))

    def with_status_and_need_joined(self, school: School, day: dt.date) -> PupilQuerySet:
        """Annotate `sen_status` and `primary_need` on a day, as with_sen_status and
        with_primary_need do, by joining each pupil's one open row of each (latest_open_ids)
        instead of a subquery per pupil: for counting a whole register (a census day)."""
        statuses = latest_open_ids(SenStatus.objects.for_school(school), day)
        needs = latest_open_ids(Need.objects.for_school(school).filter(rank=1), day)
        return self.alias(
            _status_on=FilteredRelation("sen_statuses", condition=Q(sen_statuses__pk__in=statuses)),
            _need_on=FilteredRelation("needs", condition=Q(needs__pk__in=needs)),
        ).annotate(
            sen_status=Coalesce(F("_status_on__code"), Value(SenProvision.NO_SEN.value)),
            primary_need=F("_need_on__code"),
        )


def sen_status_on(day: dt.date, pupil_ref: str):
    """Correlated subquery: the SEN status of the pupil at `pupil_ref` open on `day`: the
    latest-starting open record (ties to the larger key), else N."""
    return Coalesce(
        Subquery(
            SenStatus.objects.filter(pupil=OuterRef(pupil_ref))
            .open_on(day)
            .order_by("-start_date", "-pk")
            .values("code")[:1]
        ),
        Value(SenProvision.NO_SEN.value),
    )


def primary_need_on(day: dt.date, pupil_ref: str):
    return Subquery(
        Need.objects.filter(pupil=OuterRef(pupil_ref), rank=1)
        .open_on(day)
        .order_by("-start_date", "-pk")
        .values("code")[:1]
    )


def latest_open_ids(qs, day: dt.date) -> Subquery:
    """Primary keys of the rows of `qs` (a dated per-pupil history) that are each pupil's
    latest-starting row open on `day` (ties to the larger key): the rows sen_status_on and
    primary_need_on pick. Uncorrelated, so the database evaluates it once per query."""
    open_rows = qs.open_on(day).order_by()
    later = open_rows.filter(pupil=OuterRef("pupil")).filter(
        Q(start_date__gt=OuterRef("start_date"))
        | Q(start_date=OuterRef("start_date"), pk__gt=OuterRef("pk"))
    )
    return Subquery(open_rows.filter(~Exists(later)).values("pk"))


_YEAR_GROUP_LABELS = {value: str(label) for value, label in YearGroup.choices}


class Pupil(models.Model):
    # No index of its own: the indexes below and the UPN constraint all start with the school
    # (an index PostgreSQL keeps up on every insert, for nothing; issue #10).
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="pupils", db_index=False
    )
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
    in_unit = models.BooleanField(
        "Unit pupil",
        default=False,
        help_text=(
            "In the school's resourced provision or SEN unit: funded by a place plus top-up, "
            "not from the notional SEN budget (docs/domain.md section 1)."
        ),
    )
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

    def get_year_group_display(self) -> str:  # type: ignore[no-redef]  # Django's, made faster
        """ "Year 4", from a dict made once (Django's own builds one on every call, which a
        page of 50 pupils noticed)."""
        return _YEAR_GROUP_LABELS.get(self.year_group, self.year_group)

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

    # Indexed by Meta.indexes, each of which starts with one of them.
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", db_index=False)
    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="sen_statuses", db_index=False
    )
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

    # Indexed by Meta.indexes' (school, code, rank).
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", db_index=False)
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

    # Indexed by the (school, name) constraint.
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="provisions", db_index=False
    )
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
    """Planned, in-place and ended provision all count as identified need for the school days
    it runs (docs/domain.md section 3); an ended row always has an end date.

    `costed(period, school)` is the one answer to "what does provision cost in a period": the
    gap engine, pupil page, provision map, register, dashboard, reports, trust view and
    gap_report all read `period_cost` from it."""

    def running_in(self, period: Period):
        """Rows delivered on at least one day of the period to a pupil on roll then."""
        return self.filter(_runs_in(period))

    def with_sen_status(self, school: School, day: dt.date):
        """Annotate each row with its pupil's `sen_status` on `day` (as sen_status_on) by
        joining each pupil's one current status row, not by a subquery per provision row."""
        statuses = latest_open_ids(SenStatus.objects.for_school(school), day)
        return self.alias(
            _status_now=FilteredRelation(
                "pupil__sen_statuses", condition=Q(pupil__sen_statuses__pk__in=statuses)
            )
        ).annotate(sen_status=Coalesce(F("_status_now__code"), Value(SenProvision.NO_SEN.value)))

    def with_primary_need(self, school: School, day: dt.date):
        """Annotate each row with its pupil's `primary_need` on `day` (as primary_need_on)."""
        needs = latest_open_ids(Need.objects.for_school(school).filter(rank=1), day)
        return self.alias(
            _need_now=FilteredRelation("pupil__needs", condition=Q(pupil__needs__pk__in=needs))
        ).annotate(primary_need=F("_need_now__code"))

    def costed(self, period: Period, school: School):
        """The school's rows running in the period, with `period_cost` (see with_period_cost)."""
        return self.for_school(school).running_in(period).with_period_cost(period, school)

    def summed(self, period: Period, school: School):
        """The school's rows running in the period, with `period_cost` and `school_days`: read
        from the term-cost summary when the period is whole reporting terms (a term, an
        academic year, a financial year), else costed from the detail (`costed`). Both give the
        same figures to the last decimal place (pupils.summary_models)."""
        return self.for_school(school).running_in(period).with_summed_cost(period, school)

    def with_summed_cost(self, period: Period, school):
        """Annotate `period_cost` and `school_days` as with_period_cost does, from the term-cost
        summary where the period is whole reporting terms. `school` is a School or a list."""
        from pupils import summaries

        terms = summaries.summary_terms(period)
        if terms is None:
            return self.with_period_cost(period, school)
        schools = [school] if isinstance(school, School) else list(school)
        ids = sorted(s.pk for s in schools)
        summaries.ready(ids, terms)
        return self.with_stored_cost(ids, terms)

    def with_stored_cost(self, ids: list[int], terms: list[tuple[int, int]]):
        """Annotate `period_cost` and `school_days`: the sums of each row's stored costs in
        `terms` ((academic year, term number) pairs) of the schools `ids`, read from the
        term-cost summary as it stands (with_summed_cost makes it right first). Reads nothing
        while building, so it can be compiled once (sendfund.lib.sql.CompiledQuery).

        One join per academic year: a year's cost is its daily cost × the days of the
        period's terms in it (pupils.summary_models.ProvisionYearCost), zero where the row
        has no costs held for the year."""
        from pupils.summary_models import TERM_DAYS, TermNumber

        days_field: IntegerField = IntegerField()
        by_year: dict[int, list[int]] = {}
        for year, number in terms:
            by_year.setdefault(year, []).append(number)
        qs, costs, days = self, [], []
        for i, (year, numbers) in enumerate(sorted(by_year.items())):
            name = f"_year_{i}"
            qs = qs.alias(
                **{
                    # The school in the join condition too, so that PostgreSQL reads only
                    # these schools' rows of the year through (school, academic_year).
                    name: FilteredRelation(
                        "year_costs",
                        condition=Q(year_costs__school__in=ids, year_costs__academic_year=year),
                    )
                }
            )
            parts = [
                Coalesce(
                    F(f"{name}__{TERM_DAYS[TermNumber(n)]}"), Value(0), output_field=days_field
                )
                for n in numbers
            ]
            summed: Combinable = parts[0]
            for part in parts[1:]:
                summed = summed + part
            year_days = ExpressionWrapper(summed, output_field=days_field)
            year_cost = F(f"{name}__daily_cost") * year_days
            costs.append(
                Coalesce(
                    ExpressionWrapper(year_cost, output_field=UNROUNDED),
                    Value(ZERO),
                    output_field=UNROUNDED,
                )
            )
            days.append(year_days)
        total_cost: Combinable = costs[0]
        total_days: Combinable = days[0]
        for cost, day in zip(costs[1:], days[1:], strict=True):
            total_cost, total_days = total_cost + cost, total_days + day
        return qs.annotate(
            school_days=ExpressionWrapper(total_days, output_field=IntegerField()),
            period_cost=ExpressionWrapper(total_cost, output_field=UNROUNDED),
        )

    def _with_rates(self, years: list[int]):
        """Alias `_rate_<year>`: the staff role's latest rate up to each academic year (for a
        year before any rate was entered, _first_rate reads its earliest).

        Rates are joined (a LEFT JOIN through the provision's staff role to the one rate row
        that is the role's latest up to the year), not looked up by a correlated subquery: the
        set of "latest" rate rows is an uncorrelated subquery evaluated once per query."""
        aliases = {}
        for year in years:
            later = StaffRate.objects.filter(
                staff_role=OuterRef("staff_role"),
                academic_year__gt=OuterRef("academic_year"),
                academic_year__lte=year,
            )
            latest = (
                StaffRate.objects.filter(academic_year__lte=year)
                .filter(~Exists(later))
                .order_by()
                .values("pk")
            )
            aliases[f"_rate_{year}"] = FilteredRelation(
                "provision__staff_role__rates",
                condition=Q(provision__staff_role__rates__pk__in=Subquery(latest)),
            )
        return self.alias(**aliases)

    def with_rate(self, year: int):
        """Annotate `hourly_rate` and `rate_year`: the rate each row is costed at in academic
        year `year` and the year it was entered for, as with_period_cost's working has them."""
        return self._with_rates([year]).annotate(
            hourly_rate=_hourly_rate(year), rate_year=_rate_year(year)
        )

    def with_period_cost(self, period: Period, school):
        """Annotate `period_cost`: the cost of each row over the school days it is delivered
        inside the period (docs/domain.md section 3). `school` is a School or a list
        of schools (the trust view); each row is costed on its own school's calendar and
        costing basis.

        For each academic year Y the period touches (at most three), the row's school days d_Y
        are the school's days in Y inside (the provision's dates ∩ the period ∩ the days the
        pupil is on roll: from on_roll_date, until the day before left_date), and
          staffed provision:  hourly rate of Y × hours a week ÷ 5 ÷ group size  per school day
          bought-in service:  annual cost ÷ N_Y                                  per school day
          plus resources:     resources per pupil per year ÷ N_Y                 per school day
        where N_Y is the school's school days in Y and the rate is the staff role's latest up
        to Y on the school's costing basis (its earliest rate for a year before any was
        entered). period_cost = Σ_Y daily cost_Y × d_Y. The daily cost is divided once and
        then multiplied by whole days, so costs accrued over adjoining periods add up exactly.

        Also `school_days` (Σ d_Y) and, from the period's first academic year, `hourly_rate`,
        `rate_year`, `daily_cost` and `year_days` (N_Y): the working shown on the pupil page
        and provision map, whose periods lie inside one academic year.

        Writes the school days of any year not yet costed first (sendfund.schools.calendar).
        """
        from sendfund.schools.calendar import day_counts

        ids = _school_ids(school)
        parts = by_academic_year(period)
        year_counts, part_counts = day_counts(ids, period)
        qs = self._with_rates([y for y, _ in parts])
        costs: list[Combinable] = []
        days: list[Combinable] = []
        first: dict[str, Combinable] = {}
        for year, part in parts:
            qs = qs.alias(
                **_part_bounds(year, part, f"{year}"),
                **{
                    f"_days_{year}": _part_days(ids, year, part, part_counts, f"{year}"),
                    f"_daily_{year}": _daily_cost(ids, year, year_counts),
                },
            )
            costs.append(F(f"_daily_{year}") * F(f"_days_{year}"))
            days.append(F(f"_days_{year}"))
            if not first:
                first = {
                    "hourly_rate": _hourly_rate(year),
                    "rate_year": _rate_year(year),
                    "daily_cost": F(f"_daily_{year}"),
                    "year_days": Coalesce(
                        _per_school(ids, year_counts, year), Value(0), output_field=IntegerField()
                    ),
                }
        total_cost: Combinable = costs[0]
        for extra in costs[1:]:
            total_cost = total_cost + extra
        total_days: Combinable = days[0]
        for extra in days[1:]:
            total_days = total_days + extra
        return qs.annotate(
            **first,
            school_days=ExpressionWrapper(total_days, output_field=IntegerField()),
            period_cost=ExpressionWrapper(total_cost, output_field=UNROUNDED),
        )

    def with_term_costs(self, year: int, terms: list[Period], school):
        """The rows running in any of `terms` (the reporting terms of academic year `year`,
        each inside it), annotated with `daily`, the row's daily cost in the year, and for
        each term i (from 1) with `days_i` and `runs_i`: with_period_cost's `school_days` for
        that term and whether the row runs in it (running_in). A term's cost is
        daily × days_i, with_period_cost's `period_cost` (docs/domain.md section 3): the
        summary stores the daily cost and each term's days (pupils.summaries._insert_terms)
        and multiplies where it is read (with_stored_cost). The daily cost is worked out once
        for the year rather than once per term: a year's summary comes from one pass over
        the rows."""
        from sendfund.schools.calendar import day_counts

        ids = _school_ids(school)
        counts = []
        for part in terms:
            if [(y, p.start, p.end) for y, p in by_academic_year(part)] != [
                (year, part.start, part.end)
            ]:
                raise ValueError(f"{part} is not inside academic year {year}.")
            counts.append(day_counts(ids, part))  # (the year's days, the term's days)
        span = Period(min(t.start for t in terms), max(t.end for t in terms))
        qs = (
            self.for_school(school)
            .running_in(span)
            ._with_rates([year])
            .alias(**{f"_daily_{year}": _daily_cost(ids, year, counts[0][0])})
        )
        out: dict[str, Combinable] = {}
        for i, (part, (_, part_counts)) in enumerate(zip(terms, counts, strict=True), start=1):
            runs = _runs_in(part)
            days = Case(  # no day lookups for a row that does not run in the term
                When(runs, then=_part_days(ids, year, part, part_counts, f"{year}_{i}")),
                default=Value(0),
                output_field=IntegerField(),
            )
            qs = qs.alias(**_part_bounds(year, part, f"{year}_{i}"), **{f"_days_{i}": days})
            out[f"days_{i}"] = ExpressionWrapper(F(f"_days_{i}"), output_field=IntegerField())
            out[f"runs_{i}"] = ExpressionWrapper(runs, output_field=BooleanField())
        out["daily"] = ExpressionWrapper(F(f"_daily_{year}"), output_field=UNROUNDED)
        return qs.annotate(**out)


def _runs_in(period: Period) -> Q:
    """A provision row delivered on at least one day of the period to a pupil on roll then."""
    return (
        Q(start_date__lte=period.end)
        & (Q(end_date__isnull=True) | Q(end_date__gte=period.start))
        & (Q(pupil__on_roll_date__isnull=True) | Q(pupil__on_roll_date__lte=period.end))
        & (Q(pupil__left_date__isnull=True) | Q(pupil__left_date__gt=period.start))
    )


def _school_ids(school) -> list[int]:
    """The ids of a School or a list of schools (the trust view costs many at once)."""
    schools = [school] if isinstance(school, School) else list(school)
    return sorted({s.pk for s in schools})


def _per_school(ids: list[int], counts: dict, year: int):
    """A constant per school: the value itself for one school, else a CASE on it."""
    if len(ids) == 1:
        return Value(counts.get((ids[0], year), 0), output_field=IntegerField())
    return Case(
        *[When(school_id=i, then=Value(counts.get((i, year), 0))) for i in ids],
        default=Value(0),
        output_field=IntegerField(),
    )


def _seq_before(year: int, ref: str, lookup: str):
    """School days of `year` on or before (lte) / before (lt) the outer row's date."""
    from sendfund.schools.models import SchoolDay

    return Coalesce(
        Subquery(
            SchoolDay.objects.filter(
                school=OuterRef("school"),
                academic_year=year,
                **{f"day__{lookup}": OuterRef(ref)},
            )
            .order_by("-day")
            .values("seq")[:1]
        ),
        Value(0),
        output_field=IntegerField(),
    )


def _part_bounds(year: int, part: Period, name: str) -> dict:
    """Aliases `_lo_<name>` and `_hi_<name>`: a row's first and last day inside the part."""
    start, end = Value(part.start, DateField()), Value(part.end, DateField())
    return {
        f"_lo_{name}": Greatest(F("start_date"), start, Coalesce(F("pupil__on_roll_date"), start)),
        f"_hi_{name}": Least(Coalesce(F("end_date"), end), end),
    }


def _part_days(ids: list[int], year: int, part: Period, part_counts: dict, name: str):
    """A row's school days inside `part` (within academic year `year`), between the bounds
    aliased by _part_bounds under `name`, and before the pupil's leaving day."""
    until_left = Case(
        When(pupil__left_date__isnull=True, then=Value(9999)),
        default=_seq_before(year, "pupil__left_date", "lt"),
        output_field=IntegerField(),
    )
    # Most rows run through the whole part for a pupil on roll throughout: their school
    # days are the school's days in the part, a constant; only the others look up the
    # day numbers of their own first and last days (two or three index lookups).
    whole = (
        Q(start_date__lte=part.start)
        & (Q(end_date__isnull=True) | Q(end_date__gte=part.end))
        & (Q(pupil__on_roll_date__isnull=True) | Q(pupil__on_roll_date__lte=part.start))
        & (Q(pupil__left_date__isnull=True) | Q(pupil__left_date__gt=part.end))
    )
    return Case(
        When(whole, then=_per_school(ids, part_counts, year)),
        default=Greatest(
            Least(_seq_before(year, f"_hi_{name}", "lte"), until_left, output_field=IntegerField())
            - _seq_before(year, f"_lo_{name}", "lt"),
            Value(0),
            output_field=IntegerField(),
        ),
        output_field=IntegerField(),
    )


def _first_rate(column: str) -> Subquery:
    """A column of the staff role's earliest rate row: read only for a row whose role has
    no rate up to the year (it stands after the year's rate in a COALESCE, which PostgreSQL
    evaluates no further than the first value that is not null; rates are never null).
    A subquery rather than a join: joined, it was looked up for every row, about 90 ms of
    writing the term costs of a 10,000-row provision file."""
    return Subquery(
        StaffRate.objects.filter(staff_role=OuterRef("provision__staff_role"))
        .order_by("academic_year")
        .values(column)[:1]
    )


def _rate_year(year: int):
    """The academic year of the rate row _hourly_rate reads for `year`."""
    return Coalesce(
        F(f"_rate_{year}__academic_year"),
        _first_rate("academic_year"),
        output_field=IntegerField(),
    )


def _hourly_rate(year: int):
    """The row's hourly rate for `year` on its school's costing basis (aliases of
    ProvisionAssignmentQuerySet._with_rates)."""
    la = Q(school__costing_basis=School.CostingBasis.LA_STANDARD)
    rate_row = f"_rate_{year}"
    return Case(
        When(
            la,
            then=Coalesce(
                F(f"{rate_row}__la_standard_hourly_rate"),
                _first_rate("la_standard_hourly_rate"),
                Value(ZERO),
            ),
        ),
        default=Coalesce(
            F(f"{rate_row}__actual_hourly_rate"),
            _first_rate("actual_hourly_rate"),
            Value(ZERO),
        ),
        output_field=UNROUNDED,
    )


def _daily_cost(ids: list[int], year: int, year_counts: dict):
    """A row's cost per school day in academic year `year` (with_period_cost's formula)."""
    year_days = _per_school(ids, year_counts, year)
    per_year = ExpressionWrapper(
        Cast(
            Coalesce(
                F("provision__resource_cost_per_pupil")
                + Case(
                    When(
                        provision__staff_role__isnull=True,
                        then=Coalesce(F("provision__service_annual_cost"), Value(ZERO)),
                    ),
                    default=Value(ZERO),
                ),
                Value(ZERO),
                output_field=UNROUNDED,
            ),
            UNROUNDED,
        )
        / NullIf(year_days, 0),
        output_field=UNROUNDED,
    )
    # Cast first so that PostgreSQL divides to 20 decimal places (its default is 16
    # significant digits).
    staffed = ExpressionWrapper(
        Cast(_hourly_rate(year), UNROUNDED)
        * F("hours_per_week")
        / ExpressionWrapper(Value(5) * F("group_size"), output_field=IntegerField()),
        output_field=UNROUNDED,
    )
    return ExpressionWrapper(
        Case(When(provision__staff_role__isnull=True, then=Value(ZERO)), default=staffed)
        + Coalesce(per_year, Value(ZERO)),
        output_field=UNROUNDED,
    )


class ProvisionAssignment(models.Model):
    """A row of the costed provision map: one pupil receiving one provision."""

    # Indexed by Meta.indexes, each of which starts with one of these three (an index of their
    # own as well was one more for every imported row to keep up; issue #10).
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", db_index=False)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="provision", db_index=False
    )
    provision = models.ForeignKey(
        Provision, on_delete=models.PROTECT, related_name="assignments", db_index=False
    )
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


# --- Statutory clocks (docs/domain.md section 5; SEND Regulations 2014, regs 4-13 and 18-22) ---

WEEK_6 = dt.timedelta(weeks=6)
WEEK_16 = dt.timedelta(weeks=16)
WEEK_20 = dt.timedelta(weeks=20)
TWO_WEEKS = dt.timedelta(weeks=2)
FOUR_WEEKS = dt.timedelta(weeks=4)
EIGHT_WEEKS = dt.timedelta(weeks=8)


class AssessmentDecision(models.TextChoices):
    ASSESS = "assess", "Agreed to assess"
    REFUSE = "refuse", "Refused to assess"


class AssessmentException(models.TextChoices):
    """The lawful exceptions to the 20-week limit (SEND Regulations 2014, reg 13(3))."""

    CHILD_AWAY = "child_away", "Child away from the area for 4 weeks or more"
    SCHOOL_CLOSED = "school_closed", "School closed for 4 weeks or more"
    PERSONAL = "personal", "Exceptional personal circumstances"


class AssessmentStatus(models.TextChoices):
    OPEN = "open", "Open"
    REFUSED = "refused", "Refused"
    PLAN_ISSUED = "plan_issued", "Final plan issued"
    NO_PLAN = "no_plan", "Assessed, no plan issued"
    WITHDRAWN = "withdrawn", "Withdrawn"


def assessment_overdue(today: dt.date) -> Q:
    """The one answer to "is an EHC needs assessment overdue": open, no lawful exception, no
    final plan and past week 20 (received + 140 days). A Q, so counts can filter on it too."""
    return assessment_overdue_if_received_before(today - WEEK_20)


def assessment_overdue_if_received_before(cutoff: dt.date) -> Q:
    """assessment_overdue with its day given as the week-20 cut-off (today − 20 weeks): for a
    query compiled once (sendfund.lib.sql.CompiledQuery), which takes that day as a value."""
    return Q(
        status=AssessmentStatus.OPEN,
        exception="",
        final_plan_date__isnull=True,
        received_date__lt=cutoff,
    )


def review_overdue(today: dt.date) -> Q:
    """The one answer to "is an annual review overdue": no meeting yet and past its due date."""
    return Q(meeting_date__isnull=True, due_date__lt=today)


class AssessmentRequestQuerySet(TenantQuerySet):
    def open(self):
        return self.filter(status=AssessmentStatus.OPEN)

    def overdue(self, today: dt.date):
        """Open, no lawful exception, no final plan and past week 20 (assessment_overdue)."""
        return self.filter(assessment_overdue(today))

    def with_deadlines(self):
        """Annotate `decision_deadline`, `draft_deadline` and `final_deadline` (weeks 6, 16, 20),
        the SQL twins of the `*_due` properties, for filtering and sorting."""
        return self.annotate(
            decision_deadline=Cast(F("received_date") + Value(WEEK_6), models.DateField()),
            draft_deadline=Cast(F("received_date") + Value(WEEK_16), models.DateField()),
            final_deadline=Cast(F("received_date") + Value(WEEK_20), models.DateField()),
        )


class AssessmentRequest(models.Model):
    """An EHC needs assessment request: the 20-week clock starts when the LA receives it."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="assessment_requests")
    received_date = models.DateField(help_text="The day the local authority received the request.")
    decision = models.CharField(max_length=8, choices=AssessmentDecision.choices, blank=True)
    decision_date = models.DateField("Decision to assess date", null=True, blank=True)
    advice_date = models.DateField("Professional advice date", null=True, blank=True)
    draft_plan_date = models.DateField(null=True, blank=True)
    final_plan_date = models.DateField(null=True, blank=True)
    exception = models.CharField(
        "Lawful exception",
        max_length=16,
        choices=AssessmentException.choices,
        blank=True,
        help_text="Only these exceptions stop the 20-week limit applying.",
    )
    exception_reason = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=12, choices=AssessmentStatus.choices, default=AssessmentStatus.OPEN
    )
    notes = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = AssessmentRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-received_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="") | Q(decision_date__isnull=False),
                name="assessment_decision_has_date",
            ),
            models.CheckConstraint(
                condition=Q(decision_date__isnull=True) | Q(decision_date__gte=F("received_date")),
                name="assessment_decision_after_received",
            ),
            models.CheckConstraint(
                condition=Q(final_plan_date__isnull=True)
                | Q(final_plan_date__gte=F("received_date")),
                name="assessment_final_after_received",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "status", "received_date"]),
            models.Index(fields=["school", "final_plan_date"]),
        ]

    def __str__(self) -> str:
        return f"EHC needs assessment request received {self.received_date:%d/%m/%Y}"

    @property
    def decision_due(self) -> dt.date:
        return self.received_date + WEEK_6

    @property
    def draft_due(self) -> dt.date:
        return self.received_date + WEEK_16

    @property
    def final_due(self) -> dt.date:
        return self.received_date + WEEK_20

    def decision_overdue(self, today: dt.date) -> bool:
        return self.decision_date is None and today > self.decision_due

    def draft_overdue(self, today: dt.date) -> bool:
        return (
            self.status == AssessmentStatus.OPEN
            and self.draft_plan_date is None
            and self.final_plan_date is None
            and today > self.draft_due
        )

    def final_overdue(self, today: dt.date) -> bool:
        return (
            self.status == AssessmentStatus.OPEN
            and not self.exception
            and self.final_plan_date is None
            and today > self.final_due
        )

    @property
    def final_within_20_weeks(self) -> bool | None:
        if self.final_plan_date is None:
            return None
        return self.final_plan_date <= self.final_due


class ReviewDecision(models.TextChoices):
    MAINTAIN = "maintain", "Keep the plan as it is"
    AMEND = "amend", "Amend the plan"
    CEASE = "cease", "Cease the plan"


class AnnualReviewQuerySet(TenantQuerySet):
    def outstanding(self):
        return self.filter(meeting_date__isnull=True)

    def overdue(self, today: dt.date):
        return self.filter(review_overdue(today))


class AnnualReview(models.Model):
    """An EHC plan annual review: at least every 12 months (6 recommended under 5s)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="annual_reviews")
    previous_date = models.DateField(
        "Last review or plan date", help_text="The last review meeting, or the plan's issue date."
    )
    due_date = models.DateField(
        help_text="12 months after the last review (6 months for a child under 5)."
    )
    meeting_date = models.DateField("Review meeting date", null=True, blank=True)
    papers_sent_date = models.DateField(null=True, blank=True)
    report_sent_date = models.DateField(null=True, blank=True)
    la_decision = models.CharField(
        "LA decision", max_length=8, choices=ReviewDecision.choices, blank=True
    )
    la_decision_date = models.DateField("LA decision date", null=True, blank=True)
    amended_plan_date = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = AnnualReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-due_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_date__gt=F("previous_date")), name="review_due_after_previous"
            ),
            models.CheckConstraint(
                condition=Q(la_decision="") | Q(la_decision_date__isnull=False),
                name="review_decision_has_date",
            ),
        ]
        indexes = [models.Index(fields=["school", "due_date", "meeting_date"])]

    def __str__(self) -> str:
        return f"Annual review due {self.due_date:%d/%m/%Y}"

    @staticmethod
    def due_after(previous: dt.date, *, under_five: bool) -> dt.date:
        return add_months(previous, 6 if under_five else 12)

    # Clocks from the meeting (SEND Code of Practice 9.176-9.180): papers 2 weeks before,
    # report 2 weeks after, LA decision within 4 weeks, amended plan within a further 8.
    @property
    def papers_due(self) -> dt.date:
        return (self.meeting_date or self.due_date) - TWO_WEEKS

    @property
    def report_due(self) -> dt.date | None:
        return self.meeting_date + TWO_WEEKS if self.meeting_date else None

    @property
    def la_decision_due(self) -> dt.date | None:
        return self.meeting_date + FOUR_WEEKS if self.meeting_date else None

    @property
    def amended_plan_due(self) -> dt.date | None:
        if self.la_decision != ReviewDecision.AMEND or self.la_decision_date is None:
            return None
        return self.la_decision_date + EIGHT_WEEKS

    def next_step(self) -> tuple[str, dt.date] | None:
        """The next outstanding step and its deadline, or None when the review is complete."""
        if self.meeting_date is None:
            if self.papers_sent_date is None:
                return "Send review papers (2 weeks before the meeting)", self.papers_due
            return "Hold the review meeting", self.due_date
        if self.report_sent_date is None:
            return (
                "Send the review report (2 weeks after the meeting)",
                self.meeting_date + TWO_WEEKS,
            )
        if self.la_decision_date is None:
            return "LA decision (4 weeks after the meeting)", self.meeting_date + FOUR_WEEKS
        if self.amended_plan_due and self.amended_plan_date is None:
            return "Amended plan (8 weeks after the LA decision)", self.amended_plan_due
        return None


# SEN support plans (APDR cycles), professionals involved and intervention measures live in
# their own module; imported here so that Django registers them in the pupils app.
from pupils.plan_models import *  # noqa: E402,F403

# The summary of term costs the money pages read (pupils.summaries keeps it).
from pupils.summary_models import *  # noqa: E402,F403
