"""Tenancy core: trusts, schools, local authorities and who may see which school in which role."""

from __future__ import annotations

import difflib
import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from sendfund.lib import periods
from sendfund.schools.roles import Role

urn_validator = RegexValidator(r"^\d{6}$", "A URN is 6 digits, for example 113456.")


class TenantQuerySet(models.QuerySet):
    """Base for every tenant-owned model: the first call in any view is for_school()."""

    def for_school(self, school: School):
        return self.filter(school=school)


def _la_key(name: str) -> str:
    """A name reduced for matching: "Bristol, City of", "City of Bristol" and "bristol" agree."""
    words = re.sub(r"[^a-z0-9]+", " ", name.lower()).split()
    return " ".join(w for w in words if w not in {"city", "of", "county", "the", "council"})


class LocalAuthorityQuerySet(models.QuerySet):
    def find(self, text: str) -> tuple[LocalAuthority | None, list[str]]:
        """The LA with this DfE code or name (any case; "City of Bristol" finds "Bristol,
        City of"), else None and up to five close names to suggest."""
        text = text.strip()
        if not text:
            return None, []
        found = self.filter(Q(code=text) | Q(name__iexact=text)).first()
        if found is not None:
            return found, []
        authorities = list(self.all())
        key = _la_key(text)
        same = [la for la in authorities if key and _la_key(la.name) == key]
        if len(same) == 1:
            return same[0], []
        names = [la.name for la in authorities]
        by_lower = {n.lower(): n for n in names}
        close = difflib.get_close_matches(text.lower(), list(by_lower), n=5, cutoff=0.6)
        close += [n.lower() for n in names if key and key in _la_key(n) and n.lower() not in close]
        return None, [by_lower[n] for n in close[:5]]


class LocalAuthority(models.Model):
    """An English local authority: commissions top-up and sets the notional SEN formula.
    All 153 ship as data with their DfE codes (migration 0004)."""

    code = models.CharField(
        max_length=3,
        unique=True,
        validators=[RegexValidator(r"^\d{3}$", "An LA code is 3 digits, for example 878.")],
        help_text="The DfE's 3-digit LA number, e.g. 878 for Devon.",
    )
    name = models.CharField(max_length=120, unique=True)

    objects = LocalAuthorityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "local authorities"

    def __str__(self) -> str:
        return self.name


class Trust(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200, unique=True)
    companies_house_number = models.CharField(max_length=8, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SchoolQuerySet(models.QuerySet):
    def for_user(self, user) -> SchoolQuerySet:
        """Schools the user may open: their own memberships plus every school of a trust
        they lead."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(memberships__user=user) | Q(trust__trust_memberships__user=user)
        ).distinct()


class School(models.Model):
    class Phase(models.TextChoices):
        NURSERY = "nursery", "Nursery"
        PRIMARY = "primary", "Primary"
        SECONDARY = "secondary", "Secondary"
        ALL_THROUGH = "all_through", "All-through"
        SPECIAL = "special", "Special (all ages)"
        SIXTEEN_PLUS = "16_plus", "16 plus"

    class Type(models.TextChoices):
        MAINTAINED = "maintained", "LA-maintained school"
        ACADEMY = "academy", "Academy or free school"
        SPECIAL = "special", "Maintained special school"
        SPECIAL_ACADEMY = "special_academy", "Special academy"
        AP = "ap", "Pupil referral unit (LA-maintained alternative provision)"
        AP_ACADEMY = "ap_academy", "Alternative provision academy or free school"

    class Unit(models.TextChoices):
        """A mainstream school's specialist provision (census school-level indicators)."""

        NONE = "", "None"
        RESOURCED = "resourced", "Resourced provision"
        SEN_UNIT = "sen_unit", "SEN unit"

    class CostingBasis(models.TextChoices):
        ACTUAL = "actual", "The school's actual staff costs"
        LA_STANDARD = "la_standard", "The LA's standard rates"

    ACADEMY_TYPES = {Type.ACADEMY, Type.SPECIAL_ACADEMY, Type.AP_ACADEMY}
    # Funded per place for every pupil (docs/domain.md section 1): special schools and AP.
    SPECIAL_TYPES = {Type.SPECIAL, Type.SPECIAL_ACADEMY}
    AP_TYPES = {Type.AP, Type.AP_ACADEMY}
    MAINSTREAM_TYPES = {Type.MAINTAINED, Type.ACADEMY}

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    urn = models.CharField("URN", max_length=6, unique=True, validators=[urn_validator])
    name = models.CharField(max_length=200)
    trust = models.ForeignKey(
        Trust, null=True, blank=True, on_delete=models.PROTECT, related_name="schools"
    )
    local_authority = models.ForeignKey(
        LocalAuthority, on_delete=models.PROTECT, related_name="schools"
    )
    phase = models.CharField(max_length=16, choices=Phase.choices)
    type = models.CharField(max_length=16, choices=Type.choices)
    # The LA's or school's own figure; 38 weeks is the common default (docs/domain.md section 1).
    delivery_weeks = models.PositiveSmallIntegerField(default=38)
    unit = models.CharField(
        "Resourced provision or SEN unit",
        max_length=9,
        choices=Unit.choices,
        blank=True,
        default=Unit.NONE,
        help_text=(
            "A mainstream school's resourced provision or SEN unit: its pupils are funded by "
            "a place plus top-up, not from the notional SEN budget."
        ),
    )
    costing_basis = models.CharField(
        max_length=12, choices=CostingBasis.choices, default=CostingBasis.ACTUAL
    )
    senco_edits_funding = models.BooleanField(
        "SENCO may edit funding",
        default=False,
        help_text="Let the SENCO add and edit funding sources and top-ups, not only the head.",
    )
    sso_domains = models.CharField(
        "Email domains trusted for single sign-on",
        max_length=500,
        blank=True,
        help_text=(
            "Comma-separated, e.g. meadowlane.devon.sch.uk. Colleagues whose sendfund address is "
            "in one of these domains may sign in with Microsoft 365 or Google Workspace."
        ),
    )

    objects = SchoolQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(delivery_weeks__gte=1) & Q(delivery_weeks__lte=52),
                name="school_delivery_weeks_1_52",
            ),
            models.CheckConstraint(
                condition=Q(unit="") | Q(type__in=["maintained", "academy"]),
                name="school_unit_only_in_mainstream",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_academy(self) -> bool:
        return self.type in self.ACADEMY_TYPES

    @property
    def place_funded(self) -> bool:
        """A special school or AP: every pupil is funded by a place plus top-up."""
        return self.type in self.SPECIAL_TYPES | self.AP_TYPES

    @property
    def has_unit(self) -> bool:
        """A mainstream school with a resourced provision or SEN unit (unit pupils are
        funded by a place plus top-up)."""
        return bool(self.unit) and self.type in self.MAINSTREAM_TYPES

    def clean(self):
        super().clean()
        if self.unit and self.type not in self.MAINSTREAM_TYPES:
            raise ValidationError(
                {
                    "unit": "Resourced provision or SEN unit: only a mainstream school (maintained "
                    "or academy) has one; a special school or AP funds every pupil by place."
                }
            )

    def trusted_domains(self) -> set[str]:
        return {d.strip().lower().lstrip("@") for d in self.sso_domains.split(",") if d.strip()}

    def financial_year(self, start_year: int) -> periods.Period:
        return periods.financial_year(start_year, academy=self.is_academy)

    def financial_year_for(self, day) -> periods.Period:
        return self.financial_year(periods.financial_year_start(day, academy=self.is_academy))


class Membership(models.Model):
    """A user's role in one school. Trust leads hold a TrustMembership instead."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=12, choices=Role.choices)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "user"], name="membership_one_role_per_school"
            )
        ]
        indexes = [models.Index(fields=["user", "school"])]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} at {self.school}"


class RoleChange(models.Model):
    """Who gave or took whose role, from what to what, and when: the people page's history.

    Written by the membership services only, in the same transaction as the change; never
    edited. `from_role` is blank when a role was granted, `to_role` blank when it was removed."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150)  # kept if the account is later deleted
    from_role = models.CharField(max_length=12, choices=Role.choices, blank=True)
    to_role = models.CharField(max_length=12, choices=Role.choices, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["school", "-at"])]

    def __str__(self) -> str:
        return f"{self.username}: {self.from_role or '–'} → {self.to_role or '–'}"


class TrustMembership(models.Model):
    """A trust lead reads every school of the trust, aggregates only."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trust_memberships"
    )
    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="trust_memberships")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["trust", "user"], name="trust_membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} – trust lead of {self.trust}"


class MfaRequirement(models.Model):
    """When two-factor authentication first became required for a user at sign-in: the grace
    period (settings.SENDFUND_MFA_GRACE_DAYS) runs from here. A reset by a head sets it so
    that the next sign-in asks for a new second factor straight away."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mfa_requirement"
    )
    required_since = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user}: MFA required since {self.required_since:%d/%m/%Y}"


class MfaReset(models.Model):
    """A head removed a colleague's second factors (lost phone, new phone): who, whose, when.
    Written by services.mfa_reset only, never edited."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["school", "-at"])]

    def __str__(self) -> str:
        return f"{self.username}: two-factor reset at {self.at:%d/%m/%Y %H:%M}"


class InvitationQuerySet(TenantQuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True, withdrawn_at__isnull=True)


class Invitation(models.Model):
    """An email inviting someone to a role at a school. The link carries a random token of
    which only a hash is stored; it works once, until `expires_at` (7 days after sending)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=12, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["school", "email"])]

    def __str__(self) -> str:
        return f"{self.email} invited as {self.get_role_display()} at {self.school}"


class TermBlock(models.Model):
    """A run of the school's term dates in one academic year: open (school days: its weekdays
    less bank holidays) or closed (INSET or closure days inside an open block)."""

    class Kind(models.TextChoices):
        OPEN = "open", "Term time (school days)"
        CLOSED = "closed", "Closed to pupils (INSET or closure)"

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="term_blocks")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    academic_year = models.PositiveSmallIntegerField(
        help_text="The year the academic year starts, e.g. 2026 for 2026/27."
    )
    start_date = models.DateField()
    end_date = models.DateField()
    kind = models.CharField(max_length=6, choices=Kind.choices, default=Kind.OPEN)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["start_date", "kind"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="termblock_end_after_start"
            ),
            models.UniqueConstraint(
                fields=["school", "start_date", "end_date", "kind"], name="termblock_unique"
            ),
        ]
        indexes = [models.Index(fields=["school", "academic_year"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start_date:%d/%m/%Y}–{self.end_date:%d/%m/%Y}"


class CalendarYear(models.Model):
    """Which calendar one academic year of a school uses (its own term dates or the default)
    and how many school days it has. Kept by sendfund.schools.calendar, never edited."""

    class Source(models.TextChoices):
        OWN = "own", "the school's own term dates"
        DEFAULT = "default", "the default calendar"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    academic_year = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=7, choices=Source.choices)
    school_days = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "academic_year"], name="calendaryear_one_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.school} {periods.academic_year_label(self.academic_year)}"


class SchoolDay(models.Model):
    """One school day of a school, numbered 1, 2, 3... within its academic year (`seq`), so
    the school days between two dates are two index lookups, not a count."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    academic_year = models.PositiveSmallIntegerField()
    seq = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "day"], name="schoolday_unique"),
        ]
        indexes = [
            models.Index(
                fields=["school", "academic_year", "day"],
                include=["seq"],
                name="schoolday_lookup",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} ({self.seq})"
