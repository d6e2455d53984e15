"""The audit trail: what changed (written by PostgreSQL triggers) and who looked (by the app).

Changes: each tracked model has an event table filled by django-pghistory's triggers on INSERT,
UPDATE and DELETE, so no code path (a view, a service, a bulk `update()`, an import, raw SQL)
can change a pupil's record without a row here. Each event copies the whole row, including its
`school`, and the request's context (user id, method, path, request id) as JSON in the same row.

The triggers are statement-level: one INSERT ... SELECT per statement from its transition table
(the rows it inserted, updated or deleted), so an import's COPY of 10,000 rows writes its 10,000
events in one statement rather than running a trigger 10,000 times. There is still one event
per row changed: an UPDATE pairs each old row with its new one by primary key and records those
whose tracked fields changed, as the row triggers did.

Views, exports and imports: `AccessLog`, written by `AuditMiddleware`.

Both are append-only: a pgtrigger `Protect` trigger refuses UPDATE and DELETE on every table
here. The one way round it is `prune_audit`, which drops rows older than the retention period
inside its own transaction with `pgtrigger.ignore` (sendfund/audit/management/commands).
"""

from __future__ import annotations

import uuid

import pghistory
import pghistory.trigger
import pgtrigger
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from advocacy.models import AdvocacyAction, RequestPack
from funding.models import FundingSource
from pupils.models import (
    AnnualReview,
    AssessmentRequest,
    InterventionMeasure,
    Need,
    PlanOutcome,
    ProfessionalInvolvement,
    ProvisionAssignment,
    Pupil,
    SenStatus,
    SupportPlan,
)
from reports.models import TermlyReport
from sendfund.schools.models import Membership, School

APPEND_ONLY = pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)

# pghistory's statement-level trigger also calls _pgh_attach_context() once per statement, which
# upserts the context into pghistory's own, updatable `pghistory_context` table, a copy that
# prune_audit would never remove. The context is already copied into each event row here (the
# ContextJSONField reads the same setting), so that call is taken out of the function.
_ATTACH = "WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) "
_ATTACHED = ", _pgh_attached_context;"


class _StatementEventTrigger(pghistory.trigger.Event):
    def get_func(self, model):
        sql = super().get_func(model).func
        if sql.count(_ATTACH) != 1 or sql.count(_ATTACHED) != 1:
            raise ImproperlyConfigured(
                "django-pghistory's statement-level event SQL has changed: review "
                "sendfund/audit/models.py before upgrading."
            )
        return pgtrigger.Func(sql.replace(_ATTACH, "").replace(_ATTACHED, ";"))


class _StatementLevel(pghistory.RowEvent):
    """A pghistory tracker whose trigger is statement-level, without the context table."""

    level: pgtrigger.Level | None = pghistory.Statement

    def add_event_trigger(self, event_model):
        pgtrigger.register(
            _StatementEventTrigger(
                event_model=event_model,
                label=self.label,
                name=self.trigger_name,
                row=self.row,
                operation=self.operation,
                condition=self.condition,
                level=self.level,
            )
        )(event_model.pgh_tracked_model)


class InsertEvent(_StatementLevel, pghistory.InsertEvent):
    pass


class UpdateEvent(_StatementLevel, pghistory.UpdateEvent):
    pass


class DeleteEvent(_StatementLevel, pghistory.DeleteEvent):
    pass


def _event_model(tracked: type[models.Model], name: str) -> type[models.Model]:
    return pghistory.create_event_model(
        tracked,
        InsertEvent(),
        UpdateEvent(),
        DeleteEvent(),
        # The context is copied into the event row (not a shared, updatable context table), so
        # who and which request are covered by the same append-only trigger as the change.
        context_field=pghistory.ContextJSONField(),
        context_id_field=pghistory.ContextUUIDField(),
        obj_field=pghistory.ObjForeignKey(related_name="+", related_query_name="+"),
        append_only=True,
        model_name=name,
        app_label="audit",
        abstract=False,
        meta={"indexes": [models.Index(fields=["school", "pgh_created_at"])]},
    )


PupilEvent = _event_model(Pupil, "PupilEvent")
SenStatusEvent = _event_model(SenStatus, "SenStatusEvent")
NeedEvent = _event_model(Need, "NeedEvent")
ProvisionAssignmentEvent = _event_model(ProvisionAssignment, "ProvisionAssignmentEvent")
AssessmentRequestEvent = _event_model(AssessmentRequest, "AssessmentRequestEvent")
AnnualReviewEvent = _event_model(AnnualReview, "AnnualReviewEvent")
FundingSourceEvent = _event_model(FundingSource, "FundingSourceEvent")
MembershipEvent = _event_model(Membership, "MembershipEvent")
TermlyReportEvent = _event_model(TermlyReport, "TermlyReportEvent")
AdvocacyActionEvent = _event_model(AdvocacyAction, "AdvocacyActionEvent")
SupportPlanEvent = _event_model(SupportPlan, "SupportPlanEvent")
PlanOutcomeEvent = _event_model(PlanOutcome, "PlanOutcomeEvent")
ProfessionalInvolvementEvent = _event_model(ProfessionalInvolvement, "ProfessionalEvent")
InterventionMeasureEvent = _event_model(InterventionMeasure, "InterventionMeasureEvent")
RequestPackEvent = _event_model(RequestPack, "RequestPackEvent")


class AccessKind(models.TextChoices):
    PUPIL_VIEW = "pupil_view", "Viewed a pupil's page"
    REGISTER_EXPORT = "register_export", "Exported the SEN register"
    TABLE_EXPORT = "table_export", "Downloaded a dashboard table"
    IMPORT = "import", "Confirmed an import"
    AUDIT_EXPORT = "audit_export", "Exported the audit log"
    REQUEST_PACK = "request_pack", "Built or opened a pupil's request pack"


class AccessLog(models.Model):
    """One view of a pupil's page, one export or one import, by one user in one school."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    # No database constraints to users and pupils: deleting either must not touch (UPDATE or
    # DELETE) the log, which the append-only trigger would refuse.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    pupil = models.ForeignKey(
        Pupil, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=AccessKind.choices)
    at = models.DateTimeField(auto_now_add=True)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    request_id = models.UUIDField(default=uuid.uuid4)
    status_code = models.PositiveSmallIntegerField()
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["school", "at"]),
            models.Index(fields=["pupil", "at"]),
        ]
        triggers = [APPEND_ONLY]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%d/%m/%Y %H:%M}"
