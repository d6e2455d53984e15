"""The summary the money pages read: each provision row's cost in each reporting term.

`ProvisionTermCost` holds, for every provision row running in a reporting term (autumn,
spring, summer) of an academic year the school's summaries cover (`SummaryYear`), the row's
cost and school days in that term, exactly as `ProvisionAssignment.objects.costed` works them
out from the detail (docs/domain.md section 3). Terms are contiguous and a daily cost is
multiplied by whole days, so the sum over a term, an academic year or a financial year equals
the detail's cost of that period exactly.

Database triggers (migration pupils 0007) record in `SummaryPending`, in the transaction of
every write that can change a cost, which rows are out of date: provision rows added or
changed, pupils joining or leaving, a provision's costing, a staff rate, the school's costing
basis, and the school days of a year. The write re-costs them in its own transaction before
it commits (`pupils.summaries.settle`), and a read re-costs anything still marked before it
reads (`pupils.summaries.ready`), so no reader ever sees a stale row. Breakdowns (area, need,
year group, status, wave), per-pupil figures and funding are grouped at read time in SQL over
these rows: a pupil counted in two terms is one pupil of the year, and SEN status is read on
the period's last day.
"""

from __future__ import annotations

from django.db import models

from sendfund.schools.models import School

__all__ = ["ExactDecimalField", "ProvisionTermCost", "SummaryPending", "SummaryYear", "TermNumber"]


class ExactDecimalField(models.DecimalField):
    """PostgreSQL `numeric` with no precision or scale: stores a cost exactly as computed
    (a daily cost to 20 places times whole days), so summed terms equal the period."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 40)
        kwargs.setdefault("decimal_places", 20)
        super().__init__(*args, **kwargs)

    def db_type(self, connection):
        return "numeric"


class TermNumber(models.IntegerChoices):
    AUTUMN = 1, "Autumn"
    SPRING = 2, "Spring"
    SUMMER = 3, "Summer"


class SummaryYear(models.Model):
    """An academic year whose term costs are held for a school (written the first time the
    year is read, or by rebuild_summaries)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    academic_year = models.PositiveSmallIntegerField()
    built = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "academic_year"], name="summaryyear_one_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.school_id}: {self.academic_year}"


class ProvisionTermCost(models.Model):
    """One provision row's cost and school days in one reporting term."""

    # No index of their own: (school, academic_year, term) and the unique (assignment,
    # academic_year, term) lead with them, and a re-costing writes tens of thousands of rows.
    # The school is the assignment's (copied from it by pupils.summaries._insert_terms, the
    # only writer), so the database checks the assignment alone: a foreign-key check on the
    # school too cost a 10,000-row provision import (50,000 term-cost rows) about 0.3 s at
    # commit (its deferred checks took 0.68-0.88 s with it, 0.40-0.48 s without, on the
    # bench trust). The assignment's key is checked, and a school with provision rows cannot
    # be deleted (PROTECT), so no row outlives its school (tests/pupils/test_summaries.py).
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    assignment = models.ForeignKey(
        "pupils.ProvisionAssignment",
        on_delete=models.CASCADE,
        related_name="term_costs",
        db_index=False,
    )
    academic_year = models.PositiveSmallIntegerField()
    term = models.PositiveSmallIntegerField(choices=TermNumber.choices)
    cost = ExactDecimalField()
    school_days = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "academic_year", "term"], name="termcost_one_per_term"
            )
        ]
        indexes = [models.Index(fields=["school", "academic_year", "term"])]

    def __str__(self) -> str:
        return f"{self.assignment_id}: {self.academic_year} term {self.term}"


class SummaryPending(models.Model):
    """Rows of ProvisionTermCost a write has made out of date, written by the triggers.

    The scope is the school's provision rows matching every column set: one row
    (`assignment`), a pupil's rows, a provision's rows, one academic year, or with none set
    the whole school."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    assignment_id = models.BigIntegerField(null=True)
    pupil_id = models.BigIntegerField(null=True)
    provision_id = models.BigIntegerField(null=True)
    academic_year = models.PositiveSmallIntegerField(null=True)

    class Meta:
        indexes = [models.Index(fields=["school"])]

    def __str__(self) -> str:
        return f"{self.school_id}: out of date"
