"""The summary the money pages read: each provision row's cost in each reporting term.

`ProvisionYearCost` holds, for every provision row running in an academic year the school's
summaries cover (`SummaryYear`), the row's daily cost in that year and its school days in each
reporting term (autumn, spring, summer) it runs in, exactly as
`ProvisionAssignment.objects.costed` works them out from the detail (docs/domain.md section 3):
a term's cost is the daily cost × the term's days. Terms are contiguous and a daily cost is
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

from decimal import localcontext

from django.db import models

from sendfund.schools.models import School

__all__ = [
    "TERM_DAYS",
    "ExactDecimalField",
    "ProvisionYearCost",
    "SummaryPending",
    "SummaryYear",
    "TermNumber",
]


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


class ProvisionYearCost(models.Model):
    """One provision row's daily cost in an academic year and its school days in each
    reporting term of that year it runs in (None in a term it does not run in). Its cost in a
    term is `daily_cost` × that term's days (`term_cost`), with_period_cost's formula.

    One row per provision row and year, not one per term: a 10,000-row provision import
    writes about 20,000 of these where it wrote about 50,000 term rows, each with its
    index entries and its deferred foreign-key check at commit."""

    # No index of their own: (school, academic_year) and the unique (assignment,
    # academic_year) lead with them, and a re-costing writes tens of thousands of rows.
    # The school is the assignment's (copied from it by pupils.summaries._insert_terms, the
    # only writer), so the database checks the assignment alone: a foreign-key check on the
    # school too cost a 10,000-row provision import about 0.3 s at commit on the bench
    # trust. The assignment's key is checked, and a school with provision rows cannot be
    # deleted (PROTECT), so no row outlives its school (tests/pupils/test_summaries.py).
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    assignment = models.ForeignKey(
        "pupils.ProvisionAssignment",
        on_delete=models.CASCADE,
        related_name="year_costs",
        db_index=False,
    )
    academic_year = models.PositiveSmallIntegerField()
    daily_cost = ExactDecimalField()
    autumn_days = models.PositiveSmallIntegerField(null=True)
    spring_days = models.PositiveSmallIntegerField(null=True)
    summer_days = models.PositiveSmallIntegerField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "academic_year"], name="yearcost_one_per_year"
            )
        ]
        indexes = [models.Index(fields=["school", "academic_year"])]

    def __str__(self) -> str:
        return f"{self.assignment_id}: {self.academic_year}"

    def term_days(self, term: int) -> int | None:
        """School days in the term (a TermNumber), None when the row does not run in it."""
        return getattr(self, TERM_DAYS[term])

    def term_cost(self, term: int):
        """Cost in the term (a TermNumber), None when the row does not run in it."""
        days = self.term_days(term)
        if days is None:
            return None
        with localcontext(prec=80):  # exact, as the database's numeric product
            return self.daily_cost * days


# The column of ProvisionYearCost holding each term's school days.
TERM_DAYS: dict[int, str] = {
    TermNumber.AUTUMN: "autumn_days",
    TermNumber.SPRING: "spring_days",
    TermNumber.SUMMER: "summer_days",
}


class SummaryPending(models.Model):
    """Rows of ProvisionYearCost a write has made out of date, written by the triggers.

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
