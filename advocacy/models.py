"""Advocacy: actions with outcomes, funding opportunities, staff training and the reform tracker."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from sendfund.lib.dates import add_years
from sendfund.lib.money import STORED_MONEY
from sendfund.schools.models import School, TenantQuerySet

NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class ActionType(models.TextChoices):
    TOP_UP = "top_up", "Top-up request"
    EHC_ASSESSMENT = "ehc_assessment", "EHC needs assessment request"
    GRANT = "grant", "Grant or funding application"
    LA_MEETING = "la_meeting", "LA meeting"
    SCHOOLS_FORUM = "schools_forum", "Schools Forum submission"
    SEND_FORUM = "send_forum", "Local SEND forum"
    PARENT_FORUM = "parent_forum", "Parent carer forum or parent group"
    MP_LETTER = "mp_letter", "Letter to an MP"
    TRUST = "trust", "Trust request"
    OTHER = "other", "Other"


# Only these requests are about named children (docs/domain.md section 7).
PUPIL_TYPES = {ActionType.TOP_UP, ActionType.EHC_ASSESSMENT}
# Decisions on these may award a top-up at one of the LA's bands.
BAND_TYPES = {ActionType.TOP_UP, ActionType.EHC_ASSESSMENT}


class ActionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"
    AWAITING = "awaiting", "Awaiting decision"
    SUCCESSFUL = "successful", "Successful"
    PARTLY = "partly", "Partly successful"
    UNSUCCESSFUL = "unsuccessful", "Unsuccessful"
    CLOSED = "closed", "Closed"


DECIDED = {ActionStatus.SUCCESSFUL, ActionStatus.PARTLY, ActionStatus.UNSUCCESSFUL}
WON = {ActionStatus.SUCCESSFUL, ActionStatus.PARTLY}
FINISHED = DECIDED | {ActionStatus.CLOSED}
OPEN = {
    ActionStatus.PLANNED,
    ActionStatus.IN_PROGRESS,
    ActionStatus.SUBMITTED,
    ActionStatus.AWAITING,
}
SUBMITTED_OR_LATER = {ActionStatus.SUBMITTED, ActionStatus.AWAITING} | DECIDED

# The workflow (enforced by services.action_set_status): forward to any later open stage, or
# back one; a decision from any open stage, but only with a decision date (so logging an old
# application straight as successful is possible, jumping there without a decision is not);
# close from anywhere; a closed action may be reopened; a decision is final except that
# successful and partly successful may be corrected into each other.
TRANSITIONS: dict[str, set[str]] = {
    ActionStatus.PLANNED: {ActionStatus.IN_PROGRESS, ActionStatus.SUBMITTED, ActionStatus.AWAITING}
    | DECIDED
    | {ActionStatus.CLOSED},
    ActionStatus.IN_PROGRESS: {ActionStatus.PLANNED, ActionStatus.SUBMITTED, ActionStatus.AWAITING}
    | DECIDED
    | {ActionStatus.CLOSED},
    ActionStatus.SUBMITTED: {ActionStatus.IN_PROGRESS, ActionStatus.AWAITING, ActionStatus.CLOSED}
    | DECIDED,
    ActionStatus.AWAITING: {ActionStatus.SUBMITTED, ActionStatus.CLOSED} | DECIDED,
    ActionStatus.SUCCESSFUL: {ActionStatus.PARTLY, ActionStatus.CLOSED},
    ActionStatus.PARTLY: {ActionStatus.SUCCESSFUL, ActionStatus.CLOSED},
    ActionStatus.UNSUCCESSFUL: {ActionStatus.CLOSED},
    ActionStatus.CLOSED: {ActionStatus.PLANNED, ActionStatus.IN_PROGRESS},
}


class AdvocacyActionQuerySet(TenantQuerySet):
    def open(self):
        return self.filter(status__in=OPEN)

    def in_period(self, start: dt.date, end: dt.date):
        return self.filter(date__gte=start, date__lte=end)

    def due_by(self, day: dt.date):
        return self.open().filter(next_step_due__isnull=False, next_step_due__lte=day)

    def visible(self, *, pupil_requests: bool):
        """The actions a role may list: without `pupil_requests` (roles that cannot see
        pupils: governors, trust leads), not the top-up and EHC needs assessment requests,
        which are each about one child; those roles meet them only as totals with small
        numbers hidden (docs/domain.md section 8)."""
        return self if pupil_requests else self.exclude(type__in=PUPIL_TYPES)


class AdvocacyAction(models.Model):
    """One piece of advocacy: a request, application, meeting or letter, and what came of it."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="advocacy_actions")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(max_length=16, choices=ActionType.choices)
    title = models.CharField(max_length=200)
    addressed_to = models.CharField(
        "Body or organisation addressed",
        max_length=200,
        blank=True,
        help_text="For example Devon County Council SEND team, the Schools Forum, your MP.",
    )
    date = models.DateField(help_text="When the action was taken or is planned.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="A member of staff with a sendfund account.",
    )
    owner_name = models.CharField(
        "Owner (name)", max_length=120, blank=True, help_text="Or someone without an account."
    )
    status = models.CharField(
        max_length=16, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    decision_date = models.DateField(null=True, blank=True)
    amount_requested = models.DecimalField(
        **STORED_MONEY, default=Decimal("0"), validators=NON_NEGATIVE
    )
    amount_secured = models.DecimalField(
        **STORED_MONEY, default=Decimal("0"), validators=NON_NEGATIVE
    )
    next_step = models.CharField(max_length=200, blank=True)
    next_step_due = models.DateField("Next step due", null=True, blank=True)
    notes = models.TextField(blank=True)
    pupils = models.ManyToManyField(
        "pupils.Pupil",
        blank=True,
        related_name="advocacy_actions",
        help_text="Only for top-up and EHC needs assessment requests.",
    )
    band_awarded = models.ForeignKey(
        "funding.TopUpBand",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For a top-up request: the LA band the decision awarded.",
    )
    funding_source = models.OneToOneField(
        "funding.FundingSource",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="advocacy_action",
        help_text="The funding source recorded from the money secured.",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = AdvocacyActionQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-created"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_requested__gte=0) & Q(amount_secured__gte=0),
                name="advocacy_amounts_non_negative",
            ),
            # Money is only secured by a (partly) successful decision.
            models.CheckConstraint(
                condition=Q(amount_secured=0) | Q(status__in=sorted(WON | {ActionStatus.CLOSED})),
                name="advocacy_secured_needs_success",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=sorted(DECIDED)) | Q(decision_date__isnull=False),
                name="advocacy_decision_needs_date",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "status"]),
            models.Index(fields=["school", "date"]),
            models.Index(fields=["school", "next_step_due"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def can_record_funding(self) -> bool:
        return self.status in WON and self.amount_secured > 0 and self.funding_source_id is None

    def allowed_statuses(self) -> list[tuple[str, str]]:
        return [(s.value, s.label) for s in ActionStatus if s in TRANSITIONS[self.status]]


class OpportunityQuerySet(TenantQuerySet):
    def upcoming(self, today: dt.date):
        return self.filter(Q(deadline__isnull=True) | Q(deadline__gte=today))


class FundingOpportunity(models.Model):
    """A grant or scheme the school could apply for."""

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="funding_opportunities"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    funder = models.CharField(max_length=200)
    amount_available = models.DecimalField(
        **STORED_MONEY, null=True, blank=True, validators=NON_NEGATIVE
    )
    deadline = models.DateField(null=True, blank=True)
    eligibility = models.TextField("Eligibility notes", blank=True)
    link = models.URLField(blank=True)
    action = models.ForeignKey(
        AdvocacyAction,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunities",
        help_text="The advocacy action that pursues this opportunity.",
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        ordering = [F("deadline").asc(nulls_last=True), "name"]
        verbose_name_plural = "funding opportunities"
        indexes = [models.Index(fields=["school", "deadline"])]

    def __str__(self) -> str:
        return self.name


class TraineeRole(models.TextChoices):
    """The job of the person a training record is for (not pupils.StaffRole, a costed rate)."""

    SENCO = "senco", "SENCO"
    TEACHER = "teacher", "Teacher"
    TA = "ta", "Teaching assistant"
    LEADER = "leader", "Senior leader"
    OTHER = "other", "Other"


class Qualification(models.TextChoices):
    NPQ_SENCO = "npq_senco", "NPQ for SENCOs"
    NASENCO = "nasenco", "National Award for SEN Coordination (NASENCO)"
    OTHER_CPD = "other_cpd", "Other CPD"


# The mandatory SENCO qualification must be completed within 3 years of appointment
# (SEND Regulations 2014 reg. 50; docs/domain.md section 7). From 1 September 2024 it is the
# NPQ for SENCOs; NASENCO still counts for those who started it before that date.
MANDATORY = {Qualification.NPQ_SENCO, Qualification.NASENCO}
MANDATORY_YEARS = 3
NPQ_REQUIRED_FROM = dt.date(2024, 9, 1)


def counts_as_qualification() -> Q:
    """Records whose course meets the mandatory requirement once completed: the NPQ for SENCOs,
    or NASENCO started before 1 September 2024. A NASENCO with no start date counts when it was
    completed before then (it must have started earlier still)."""
    before = Q(start_date__lt=NPQ_REQUIRED_FROM) | Q(
        start_date__isnull=True, completion_date__lt=NPQ_REQUIRED_FROM
    )
    return Q(qualification=Qualification.NPQ_SENCO) | (
        Q(qualification=Qualification.NASENCO) & before
    )


class TrainingStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class TrainingQuerySet(TenantQuerySet):
    """Training records of a school (for_school)."""


class TrainingRecord(models.Model):
    """A member of staff's qualification or CPD course."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="training_records")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person_name = models.CharField("Person", max_length=120)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    role = models.CharField(max_length=10, choices=TraineeRole.choices)
    qualification = models.CharField(max_length=10, choices=Qualification.choices)
    course_name = models.CharField(
        max_length=200, blank=True, help_text="Provider or course title (for other CPD)."
    )
    appointment_date = models.DateField(
        null=True, blank=True, help_text="For a SENCO: the date appointed to the role."
    )
    start_date = models.DateField("Start", null=True, blank=True)
    completion_date = models.DateField("Completion", null=True, blank=True)
    deadline = models.DateField(
        null=True,
        blank=True,
        help_text="Worked out for a SENCO's mandatory qualification: 3 years from appointment.",
    )
    status = models.CharField(
        max_length=12, choices=TrainingStatus.choices, default=TrainingStatus.PLANNED
    )
    notes = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)

    objects = TrainingQuerySet.as_manager()

    class Meta:
        ordering = [F("deadline").asc(nulls_last=True), "person_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(completion_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(completion_date__gte=F("start_date")),
                name="training_completed_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(status=TrainingStatus.COMPLETED) | Q(completion_date__isnull=False),
                name="training_completed_has_date",
            ),
        ]
        indexes = [models.Index(fields=["school", "role", "status"])]

    def __str__(self) -> str:
        return f"{self.person_name}: {self.get_qualification_display()}"

    @property
    def is_mandatory(self) -> bool:
        return self.role == TraineeRole.SENCO and self.qualification in MANDATORY

    @property
    def counts_as_qualification(self) -> bool:
        """Same rule as `counts_as_qualification()`, for one record (its own fields only)."""
        if self.qualification == Qualification.NPQ_SENCO:
            return True
        if self.qualification != Qualification.NASENCO:
            return False
        started = self.start_date or self.completion_date
        return started is not None and started < NPQ_REQUIRED_FROM

    @property
    def late_nasenco(self) -> bool:
        """A SENCO's NASENCO that does not meet the requirement (started on or after
        1 September 2024, or with no date to tell)."""
        return self.is_mandatory and not self.counts_as_qualification

    def mandatory_deadline(self) -> dt.date | None:
        """3 years from appointment for a SENCO's mandatory qualification, else None."""
        if self.is_mandatory and self.appointment_date:
            return add_years(self.appointment_date, MANDATORY_YEARS)
        return None


class ReformAgenda(models.TextChoices):
    GREEN_PAPER_2022 = "green_paper_2022", "SEND and AP Green Paper (2022)"
    IMPROVEMENT_PLAN_2023 = "improvement_plan_2023", "SEND and AP Improvement Plan (2023)"
    WHITE_PAPER_2026 = "white_paper_2026", "Schools White Paper (February 2026)"
    LOCAL = "local", "Local or the school's own"


class Reform(models.Model):
    """A national reform to track, shared by every school (seeded by a data migration)."""

    key = models.SlugField(max_length=60, unique=True)
    agenda = models.CharField(max_length=24, choices=ReformAgenda.choices)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "title"]

    def __str__(self) -> str:
        return self.title


class ReformStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    WATCHING = "watching", "Watching"
    PREPARING = "preparing", "Preparing"
    IN_PLACE = "in_place", "In place"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class ReformItemQuerySet(TenantQuerySet):
    pass


class ReformItem(models.Model):
    """The school's position on a reform: a national one (reform set) or its own item."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="reform_items")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reform = models.ForeignKey(
        Reform, null=True, blank=True, on_delete=models.PROTECT, related_name="items"
    )
    agenda = models.CharField(
        max_length=24, choices=ReformAgenda.choices, default=ReformAgenda.LOCAL
    )
    title = models.CharField(max_length=200)
    status = models.CharField(
        max_length=16, choices=ReformStatus.choices, default=ReformStatus.NOT_STARTED
    )
    owner = models.CharField(max_length=120, blank=True)
    notes = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=1000)
    updated = models.DateTimeField(auto_now=True)

    objects = ReformItemQuerySet.as_manager()

    class Meta:
        ordering = ["order", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "reform"],
                condition=Q(reform__isnull=False),
                name="reform_item_once_per_school",
            )
        ]

    def __str__(self) -> str:
        return self.title


class RequestPack(models.Model):
    """A top-up or EHC needs assessment request pack built for one pupil: what was asked for
    and over which span. The figures are built live from the money model each time it is
    shown (advocacy/request_pack.py); creating one creates or updates the advocacy action."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pupil = models.ForeignKey(
        "pupils.Pupil", on_delete=models.CASCADE, related_name="request_packs"
    )
    kind = models.CharField(
        "Request",
        max_length=16,
        choices=[(t.value, t.label) for t in (ActionType.TOP_UP, ActionType.EHC_ASSESSMENT)],
    )
    span_start = models.DateField("Costed provision from")
    span_end = models.DateField("Costed provision to")
    more_needed = models.TextField(
        "What more is needed", blank=True, help_text="The further provision the pupil needs."
    )
    more_needed_cost = models.DecimalField(
        "Its cost a year", **STORED_MONEY, default=Decimal("0"), validators=NON_NEGATIVE
    )
    action = models.ForeignKey(
        AdvocacyAction,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="request_packs",
    )
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(
                condition=Q(span_end__gte=F("span_start")), name="request_pack_span_ordered"
            ),
            models.CheckConstraint(
                condition=Q(more_needed_cost__gte=0), name="request_pack_cost_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} pack, {self.created:%d/%m/%Y}"
