"""The school-period summary the dashboard, report and pupil lists read (funding.gap_store).

`PeriodSummary` holds the gap engine's whole answer for one school and one standard period (a
term, an academic year, a financial year): need, funding and gap with every breakdown the
pages show, as exact decimals; and next year's projection as made on a day.
`PupilPeriodSummary` holds, for the same school and period, each pupil's cost, line, top-up
and SEN status: the rows of the threshold and shortfall lists.

Database triggers (migration funding 0005) delete a school's summaries in the transaction of
any write to what they are made of: pupils, SEN status, needs, provision rows and catalogue,
staff rates, funding, assessments, the school's type or costing basis, its school days, and
(for every school) the high-needs threshold and place values. They record each summary they
delete in `PeriodSummaryPending` (migrations funding 0007 and 0008), and the write builds
again, before its transaction commits, those the pages open on: the gap of each period under
way that day (this term, academic and financial year) from the term-cost summary
(pupils.summary_models) through the read's own `funding.gap_store.build`, the trust view's
headline of this term and its row for today, and the projection made today
(`pupils.summaries.settle`). What a write does not build again is built by the next read:
past periods' gap summaries, every school's summaries after a threshold or place value
change, and a summary whose lock another write held. Either way no reader ever sees a
figure the detail would not give.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from django.db import models

from pupils.summary_models import ExactDecimalField
from sendfund.schools.models import School

__all__ = [
    "PeriodSummary",
    "PeriodSummaryPending",
    "PupilPeriodSummary",
    "SummaryEncoder",
    "SummaryDecoder",
]


class SummaryEncoder(json.JSONEncoder):
    """Decimals and dates as tagged strings, so they come back exactly."""

    def default(self, o):
        if isinstance(o, Decimal):
            return {"$decimal": str(o)}
        if isinstance(o, dt.date):
            return {"$date": o.isoformat()}
        return super().default(o)


class SummaryDecoder(json.JSONDecoder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, object_hook=self._hook, **kwargs)

    @staticmethod
    def _hook(obj):
        if len(obj) == 1:
            if "$decimal" in obj:
                return Decimal(obj["$decimal"])
            if "$date" in obj:
                return dt.date.fromisoformat(obj["$date"])
        return obj


class PeriodSummary(models.Model):
    class Kind(models.TextChoices):
        GAP = "gap", "Gap for a period"
        PROJECTION = "projection", "Next year's projection, made on `start`"
        DAY = "day", "The roll and overdue assessments on `start` (the trust view)"
        HEADLINE = "headline", "Need and the SEN register for a period (the trust view)"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.GAP)
    start = models.DateField()
    end = models.DateField()
    # Headline columns, for reading many schools at once (the trust view).
    need = ExactDecimalField()
    funding = ExactDecimalField()
    need_pupils = models.PositiveIntegerField()
    sen_pupils = models.PositiveIntegerField(default=0)  # the SEN register at the period's end
    # For the money rule (sendfund.lib.disclosure): the distinct pupils named on counted
    # funding, and whether some of it is tied to no pupil. Null in a summary that holds no
    # funding (a day row or projection, or a headline stored before it held funding). Columns
    # rather than keys of `figures`: a gap's figures are compressed, and reading two keys of
    # them for 200 schools took the trust view 10-18 ms.
    funded_pupils = models.PositiveIntegerField(null=True)
    funding_school_level = models.BooleanField(null=True)
    figures = models.JSONField(encoder=SummaryEncoder, decoder=SummaryDecoder)
    built = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "kind", "start", "end"], name="periodsummary_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.school_id}: {self.start} to {self.end}"


class PupilPeriodSummary(models.Model):
    summary = models.ForeignKey(PeriodSummary, on_delete=models.CASCADE, related_name="pupils")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="+")
    cost = ExactDecimalField()
    line = ExactDecimalField()
    topup = ExactDecimalField()
    place = models.BooleanField()
    sen_status = models.CharField(max_length=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["summary", "pupil"], name="pupilperiodsummary_unique")
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} in {self.summary_id}"


class PeriodSummaryPending(models.Model):
    """A school's summary that a write deleted, to be built again before that write's
    transaction commits (`pupils.summaries.settle`, through `funding.gap_store.settle`).
    Written by the triggers (migrations funding 0007 and 0008) as they delete, one row per
    summary whatever its kind; not when a threshold or place value changes (every school's
    summaries are deleted then and built again on read).

    No foreign key constraint to the school: a row may be written while the school itself
    is being deleted, and settle skips a school that is gone."""

    school = models.ForeignKey(
        School, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    kind = models.CharField(
        max_length=10, choices=PeriodSummary.Kind.choices, default=PeriodSummary.Kind.GAP
    )
    start = models.DateField()
    end = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "kind", "start", "end"], name="periodsummarypending_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.school_id}: {self.kind} {self.start} to {self.end} to rebuild"
