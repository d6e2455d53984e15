"""The audit trail: what changed (written by PostgreSQL triggers) and who looked (by the app).

Changes: each tracked model has an event table filled by django-pghistory's triggers on INSERT,
UPDATE and DELETE, so no code path (a view, a service, a bulk `update()`, an import, raw SQL)
can change a pupil's record without a row here. Each event copies the whole row, including its
`school`, and the request's context (user id, method, path, request id) as JSON in the same row.

Views, exports and imports: `AccessLog`, written by `AuditMiddleware`.

Both are append-only: a pgtrigger `Protect` trigger refuses UPDATE and DELETE on every table
here. The one way round it is `prune_audit`, which drops rows older than the retention period
inside its own transaction with `pgtrigger.ignore` (sendfund/audit/management/commands).
"""

from __future__ import annotations

import uuid

import pghistory
import pgtrigger
from django.conf import settings
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


def _event_model(tracked: type[models.Model], name: str) -> type[models.Model]:
    return pghistory.create_event_model(
        tracked,
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
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
