"""One audit log across every event table and the access log, filtered and paged in SQL.

Each source is reduced to the same columns (when, who, what kind, which pupil, a one-line
description, the request) and the parts are joined with UNION ALL, ordered and sliced by
PostgreSQL: a page costs one count, one page query, then one query each for the names of the
people and pupils on it, whatever the size of the log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import (
    BigIntegerField,
    F,
    Func,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Concat

from pupils.models import Pupil
from sendfund.audit import models as audit
from sendfund.schools.models import School

COLUMNS = ("e_at", "e_user", "e_source", "e_action", "e_pupil", "e_what", "e_method", "e_path")
COLUMNS += ("e_request",)


class _UKDate(Func):
    """A date as 28/11/2026, in SQL."""

    template = "to_char(%(expressions)s, 'DD/MM/YYYY')"
    output_field = TextField()


class _Pounds(Func):
    """An amount as £12,345.67 (the app's money format), in SQL."""

    template = "('£' || to_char(%(expressions)s, 'FM999,999,999,990.00'))"
    output_field = TextField()


def _uk_date(name: str) -> Func:
    return _UKDate(F(name))


def _text(*parts) -> Concat:
    return Concat(*parts, output_field=TextField())


@dataclass(frozen=True)
class Source:
    key: str
    label: str
    model: type
    pupil: str | None  # the field holding the pupil's pk, if the record belongs to one
    what: Callable[[], object]


SOURCES = [
    Source(
        "pupil",
        "Pupil details",
        audit.PupilEvent,
        "pgh_obj",
        lambda: _text("forename", Value(" "), "surname", Value(", UPN "), "upn"),
    ),
    Source(
        "sen_status",
        "SEN status",
        audit.SenStatusEvent,
        "pupil",
        lambda: _text(Value("SEN status "), "code", Value(" from "), _uk_date("start_date")),
    ),
    Source(
        "need",
        "Needs",
        audit.NeedEvent,
        "pupil",
        lambda: _text(Value("Need "), "code", Value(", rank "), "rank"),
    ),
    Source(
        "provision",
        "Provision",
        audit.ProvisionAssignmentEvent,
        "pupil",
        lambda: _text(Value("Provision: "), "provision__name", Value(", "), "status"),
    ),
    Source(
        "assessment",
        "EHC needs assessments",
        audit.AssessmentRequestEvent,
        "pupil",
        lambda: _text(Value("EHC needs assessment request of "), _uk_date("received_date")),
    ),
    Source(
        "review",
        "Annual reviews",
        audit.AnnualReviewEvent,
        "pupil",
        lambda: _text(Value("Annual review due "), _uk_date("due_date")),
    ),
    Source(
        "plan",
        "SEN support plans",
        audit.SupportPlanEvent,
        "pupil",
        lambda: _text(
            Value("SEN support plan from "),
            _uk_date("start_date"),
            Value(", review "),
            _uk_date("review_date"),
        ),
    ),
    Source(
        "plan_outcome",
        "Plan outcomes",
        audit.PlanOutcomeEvent,
        "plan__pupil",
        lambda: _text(Value("Outcome: "), "text", Value(" "), "progress"),
    ),
    Source(
        "professional",
        "Professionals involved",
        audit.ProfessionalInvolvementEvent,
        "pupil",
        lambda: _text(Value("Professional: "), "kind", Value(" from "), _uk_date("start_date")),
    ),
    Source(
        "measure",
        "Intervention measures",
        audit.InterventionMeasureEvent,
        "assignment__pupil",
        lambda: _text(Value("Measure: "), "measure_name"),
    ),
    Source(
        "request_pack",
        "Request packs",
        audit.RequestPackEvent,
        "pupil",
        lambda: _text(Value("Request pack: "), "kind"),
    ),
    Source(
        "funding",
        "Funding sources",
        audit.FundingSourceEvent,
        "pupil",
        lambda: _text("description", Value(": "), _Pounds(F("amount")), Value(", "), "status"),
    ),
    Source(
        "advocacy",
        "Advocacy actions",
        audit.AdvocacyActionEvent,
        None,
        lambda: _text("title", Value(", "), "status"),
    ),
    Source(
        "membership",
        "People and roles",
        audit.MembershipEvent,
        None,
        lambda: _text("user__username", Value(" as "), "role"),
    ),
    Source(
        "report",
        "Termly reports",
        audit.TermlyReportEvent,
        None,
        lambda: _text(Value("Report "), "term", Value(" "), "academic_year", Value(", "), "status"),
    ),
]
SOURCE_LABELS = {s.key: s.label for s in SOURCES}
ACTION_LABELS = {"insert": "Added", "update": "Changed", "delete": "Deleted"}
ACTION_LABELS |= {k.value: str(k.label) for k in audit.AccessKind}
KIND_CHOICES = [
    ("Changes", [(s.key, s.label) for s in SOURCES]),
    ("Views, exports and imports", list(audit.AccessKind.choices)),
]
ACCESS_KINDS = set(audit.AccessKind.values)


@dataclass(frozen=True)
class Filters:
    user_id: int | None = None
    pupil_id: int | None = None
    kind: str = ""
    start: dt.date | None = None
    end: dt.date | None = None


def _event_part(source: Source, school: School, f: Filters) -> QuerySet | None:
    qs = source.model.objects.filter(school=school)
    if f.pupil_id is not None:
        if source.pupil is None:
            return None
        qs = qs.filter(**{source.pupil: f.pupil_id})
    if f.user_id is not None:
        qs = qs.filter(pgh_context__user=f.user_id)
    if f.start:
        qs = qs.filter(pgh_created_at__date__gte=f.start)
    if f.end:
        qs = qs.filter(pgh_created_at__date__lte=f.end)
    pupil = F(source.pupil) if source.pupil else Value(None, output_field=BigIntegerField())
    return qs.order_by().annotate(
        e_at=F("pgh_created_at"),
        e_user=Cast(KT("pgh_context__user"), BigIntegerField()),
        e_source=Value(source.key, output_field=TextField()),
        e_action=Cast("pgh_label", TextField()),
        e_pupil=Cast(pupil, BigIntegerField()),
        e_what=source.what(),
        e_method=KT("pgh_context__method"),
        e_path=KT("pgh_context__path"),
        e_request=KT("pgh_context__request_id"),
    )


def _access_part(school: School, f: Filters) -> QuerySet:
    qs = audit.AccessLog.objects.filter(school=school)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.pupil_id is not None:
        qs = qs.filter(pupil_id=f.pupil_id)
    if f.user_id is not None:
        qs = qs.filter(user_id=f.user_id)
    if f.start:
        qs = qs.filter(at__date__gte=f.start)
    if f.end:
        qs = qs.filter(at__date__lte=f.end)
    return qs.order_by().annotate(
        e_at=F("at"),
        e_user=Cast("user_id", BigIntegerField()),
        e_source=Value("access", output_field=TextField()),
        e_action=Cast("kind", TextField()),
        e_pupil=Cast("pupil_id", BigIntegerField()),
        e_what=Cast("detail", TextField()),
        e_method=Cast("method", TextField()),
        e_path=Cast("path", TextField()),
        e_request=Cast("request_id", TextField()),
    )


def audit_log(school: School, filters: Filters = Filters()) -> QuerySet:
    """Every entry of one school's log matching the filters, newest first (rows are dicts)."""
    parts = []
    if not filters.kind or filters.kind in ACCESS_KINDS:
        parts.append(_access_part(school, filters))
    if filters.kind not in ACCESS_KINDS:
        for source in SOURCES:
            if filters.kind and filters.kind != source.key:
                continue
            part = _event_part(source, school, filters)
            if part is not None:
                parts.append(part)
    parts = [p.values(*COLUMNS) for p in parts]
    first, rest = parts[0], parts[1:]
    return first.union(*rest, all=True).order_by("-e_at", "e_source")


@dataclass
class Entry:
    at: dt.datetime
    user_id: int | None
    user: str
    source: str
    action: str
    pupil_id: int | None
    pupil: Pupil | None
    what: str
    method: str
    path: str
    request_id: str

    @property
    def kind_label(self) -> str:
        return "Access" if self.source == "access" else SOURCE_LABELS.get(self.source, "")

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)


def entries(school: School, rows) -> list[Entry]:
    """Rows of a page with the names of their people and pupils: two queries, any page size."""
    rows = list(rows)
    user_ids = {r["e_user"] for r in rows if r["e_user"] is not None}
    pupil_ids = {r["e_pupil"] for r in rows if r["e_pupil"] is not None}
    users = {
        u.pk: u.get_full_name() or u.username
        for u in get_user_model().objects.filter(pk__in=user_ids)
    }
    pupils = {p.pk: p for p in Pupil.objects.for_school(school).filter(pk__in=pupil_ids)}
    return [
        Entry(
            at=r["e_at"],
            user_id=r["e_user"],
            user=users.get(r["e_user"], "–" if r["e_user"] is None else f"user {r['e_user']}"),
            source=r["e_source"],
            action=r["e_action"],
            pupil_id=r["e_pupil"],
            pupil=pupils.get(r["e_pupil"]),
            what=r["e_what"] or "",
            method=r["e_method"] or "",
            path=r["e_path"] or "",
            request_id=r["e_request"] or "",
        )
        for r in rows
    ]
