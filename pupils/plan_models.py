"""SEN support plans (assess, plan, do, review cycles) and the professionals involved.

A cycle records the outcomes sought, the costed provision that delivers them (linked rows of
the provision map, never retyped), the pupil's and parents' views and a review date; at review,
progress per outcome and the next steps. A reviewed cycle is kept as history and the next cycle
starts as a new row (SEND Code of Practice 2015, chapter 6, the graduated approach; see
docs/domain.md section 3 on the provision map as the school's evidence).

Imported at the end of pupils/models.py so that Django finds these models in the pupils app.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from sendfund.schools.models import School, TenantQuerySet


class Progress(models.TextChoices):
    ACHIEVED = "achieved", "Achieved"
    PARTLY = "partly", "Partly achieved"
    NOT_YET = "not_yet", "Not yet achieved"


def plan_review_overdue(today: dt.date) -> Q:
    """The one answer to "is a plan review overdue": not yet reviewed and past its date."""
    return Q(reviewed_on__isnull=True, review_date__lt=today)


# One cycle at a time (the plan_one_awaiting_review constraint): the form's and the service's words.
ONE_AWAITING = (
    "{pupil} already has a plan awaiting review (from {start:%d/%m/%Y}): review it before "
    "starting the next cycle."
)


class SupportPlanQuerySet(TenantQuerySet):
    def awaiting_review(self):
        return self.filter(reviewed_on__isnull=True)

    def overdue(self, today: dt.date):
        return self.filter(plan_review_overdue(today))


class SupportPlan(models.Model):
    """One assess-plan-do-review cycle of a pupil's SEN support plan."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pupil = models.ForeignKey(
        "pupils.Pupil", on_delete=models.CASCADE, related_name="support_plans"
    )
    start_date = models.DateField("Cycle starts", help_text="The day the plan was agreed.")
    review_date = models.DateField("Review date", help_text="When the plan will be reviewed.")
    assessment = models.TextField(
        "Assess: what we know", blank=True, help_text="The assessment this cycle starts from."
    )
    pupil_views = models.TextField("The pupil's views", blank=True)
    parent_views = models.TextField("Parents' views", blank=True)
    provision = models.ManyToManyField(
        "pupils.ProvisionAssignment",
        blank=True,
        related_name="support_plans",
        help_text="Rows of the pupil's costed provision that deliver this plan.",
    )
    reviewed_on = models.DateField("Reviewed on", null=True, blank=True)
    next_steps = models.TextField("Next steps", blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = SupportPlanQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(review_date__gt=F("start_date")), name="plan_review_after_start"
            ),
            models.CheckConstraint(
                condition=Q(reviewed_on__isnull=True) | Q(reviewed_on__gte=F("start_date")),
                name="plan_reviewed_after_start",
            ),
            models.UniqueConstraint(
                fields=["pupil"],
                condition=Q(reviewed_on__isnull=True),
                name="plan_one_awaiting_review",
            ),
        ]
        indexes = [models.Index(fields=["school", "reviewed_on", "review_date"])]

    def __str__(self) -> str:
        return f"SEN support plan from {self.start_date:%d/%m/%Y}"

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_on is not None


class PlanOutcome(models.Model):
    """An outcome sought in one cycle, and the progress made by its review."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="outcomes")
    position = models.PositiveSmallIntegerField(default=1)
    text = models.CharField("Outcome sought", max_length=500)
    progress = models.CharField(max_length=8, choices=Progress.choices, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "position", "pk"]

    def __str__(self) -> str:
        return self.text


class ProfessionalKind(models.TextChoices):
    EP = "ep", "Educational psychologist"
    SALT = "salt", "Speech and language therapist"
    CAMHS = "camhs", "CAMHS"
    OT = "ot", "Occupational therapist"
    PHYSIO = "physio", "Physiotherapist"
    SPECIALIST_TEACHER = "specialist_teacher", "Specialist teacher"
    PAEDIATRICIAN = "paediatrician", "Paediatrician"
    OTHER = "other", "Other"


class ProfessionalInvolvement(models.Model):
    """A professional from outside the school involved with a pupil, and the advice given."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pupil = models.ForeignKey(
        "pupils.Pupil", on_delete=models.CASCADE, related_name="professionals"
    )
    kind = models.CharField("Professional", max_length=20, choices=ProfessionalKind.choices)
    name = models.CharField(
        "Name or service", max_length=200, blank=True, help_text="For example Devon EP service."
    )
    start_date = models.DateField("Involved from")
    end_date = models.DateField("Involved until", null=True, blank=True)
    advice_date = models.DateField("Advice received on", null=True, blank=True)
    advice = models.TextField("Advice received", blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="professional_end_after_start",
            ),
        ]
        indexes = [models.Index(fields=["school", "pupil"])]

    def __str__(self) -> str:
        return self.get_kind_display()


class InterventionMeasure(models.Model):
    """Entry and exit measures on one row of the provision map: the same measure twice (its
    name, a raw or standardised score, the dates), so the change can be set against the cost."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assignment = models.OneToOneField(
        "pupils.ProvisionAssignment", on_delete=models.CASCADE, related_name="measure"
    )
    measure_name = models.CharField(
        "Measure", max_length=100, help_text="For example “York Assessment of Reading”."
    )
    standardised = models.BooleanField(
        "Standardised score", default=False, help_text="Tick for a standardised score (100 = mean)."
    )
    entry_score = models.DecimalField("Entry score", max_digits=7, decimal_places=2)
    entry_date = models.DateField("Entry measured on")
    exit_score = models.DecimalField(
        "Exit score", max_digits=7, decimal_places=2, null=True, blank=True
    )
    exit_date = models.DateField("Exit measured on", null=True, blank=True)
    updated = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(exit_score__isnull=True) & Q(exit_date__isnull=True))
                | (Q(exit_score__isnull=False) & Q(exit_date__gte=F("entry_date"))),
                name="measure_exit_complete_and_after_entry",
            ),
        ]
        indexes = [models.Index(fields=["school", "measure_name"])]

    def __str__(self) -> str:
        return f"{self.measure_name} for {self.assignment}"

    @staticmethod
    def _score(value) -> str:
        return "" if value is None else f"{value.normalize():f}"

    @property
    def entry_shown(self) -> str:
        return self._score(self.entry_score)

    @property
    def exit_shown(self) -> str:
        return self._score(self.exit_score)

    @property
    def change(self):
        if self.exit_score is None:
            return None
        return self.exit_score - self.entry_score
