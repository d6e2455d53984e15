"""An upload stored in the database, its preview, and a confirm that imports it exactly once.

Small files are checked and imported inside the request; files above
SENDFUND_BACKGROUND_IMPORT_ROWS rows are checked and imported by a worker (sendfund/lib/imports/
tasks.py) while the page shows rows done of total. Either way the import itself commits all or
nothing, and the job is marked done in the same transaction as the import's writes, so a task
run again after its worker died can never import twice.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field

import pghistory
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import F
from django.utils import timezone

from sendfund.jobs.models import Job, JobStatus
from sendfund.jobs.services import job_enqueue, prune_expired
from sendfund.lib.imports.kinds import KINDS, ImportKind
from sendfund.lib.imports.report import Report
from sendfund.schools.models import School

KEEP = 500  # errors and changes kept for the page (the counts are always complete)


def kind_of(job: Job) -> ImportKind:
    return KINDS[job.kind.removeprefix("import:")]


def estimate_rows(kind: ImportKind, data: bytes) -> int:
    """Rows (or CTF pupils) in the file, counted without parsing it."""
    if kind.extension == ".xml":
        return data.count(b"<Pupil>") + data.count(b"<Pupil ")
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    return max(0, lines - 1)


def in_background(job: Job) -> bool:
    return job.rows_total > settings.SENDFUND_BACKGROUND_IMPORT_ROWS


@dataclass
class StoredReport:
    """A Report as kept on the job: what the preview and result pages show."""

    kind: str
    unit: str = "Row"
    field_word: str = "column"
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error_count: int = 0
    change_count: int = 0
    errors: list[dict] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    file_error: str = ""
    applied: bool = False

    @classmethod
    def of(cls, report: Report, *, applied: bool | None = None) -> dict:
        return {
            "kind": report.kind,
            "unit": report.unit,
            "field_word": report.field_word,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "error_count": len(report.errors),
            "change_count": len(report.changes),
            "errors": [
                {"row": e.row, "column": e.column, "message": e.message}
                for e in report.errors[:KEEP]
            ],
            "changes": [
                {"row": c.row, "action": c.action, "description": c.description}
                for c in report.changes[:KEEP]
            ],
            "notes": report.notes[:200],
            "file_error": report.file_error,
            "applied": report.applied if applied is None else applied,
        }

    @classmethod
    def load(cls, data: dict | None) -> StoredReport | None:
        return cls(**data) if data else None

    @property
    def ok(self) -> bool:
        return not self.error_count and not self.file_error

    @property
    def has_changes(self) -> bool:
        return bool(self.created or self.updated)

    def summary(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


def upload_create(
    *, school: School, user, kind: ImportKind, data: bytes, options: dict, name: str
) -> Job:
    """Store an upload and preview it (now, or on a worker for a large file)."""
    prune_expired()
    # One upload awaiting confirmation per person and school: a newer upload replaces it.
    Job.objects.for_school(school).filter(
        created_by=user, kind__startswith="import:", status=JobStatus.AWAITING_CONFIRM
    ).delete()
    job = Job.objects.create(
        school=school,
        created_by=user,
        kind=f"import:{kind.key}",
        phase="preview",
        data=data,
        options=options,
        file_name=name[:255],
        rows_total=estimate_rows(kind, data),
    )
    if in_background(job):
        from sendfund.lib.imports.tasks import preview_import

        return job_enqueue(job, preview_import)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    import_preview(job)
    job.refresh_from_db()
    return job


def import_preview(job: Job) -> None:
    """Check every row against the register; nothing is written."""
    report = kind_of(job).execute(
        school=job.school,
        data=bytes(job.data),
        options=job.options,
        dry_run=True,
        user=job.created_by,
    )
    waiting = report.ok and report.has_changes
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.AWAITING_CONFIRM if waiting else JobStatus.DONE,
        result=StoredReport.of(report),
        rows_done=F("rows_total"),
        finished=None if waiting else timezone.now(),
        # Nothing to confirm: the file is not needed any more.
        **({} if waiting else {"data": b""}),
    )


def import_confirm(
    *, school: School, user, public_id, audit: dict | None = None
) -> tuple[Job | None, str]:
    """Confirm an upload once: "started" (or "done" when run here), "already" or "expired".

    `audit` is the confirming request's audit context (AuditMiddleware): a worker writes the
    import under it, so the audit trail names that user and request as for a small import."""
    claimed = (
        Job.objects.for_school(school)
        .filter(
            public_id=public_id,
            created_by=user,
            kind__startswith="import:",
            status=JobStatus.AWAITING_CONFIRM,
        )
        .update(status=JobStatus.CONFIRMED, phase="import", rows_done=0, step="", attempts=0)
    )
    job = (
        Job.objects.for_school(school)
        .filter(public_id=public_id, kind__startswith="import:")
        .select_related("school")
        .first()
    )
    if not claimed:
        already = job is not None and job.phase == "import"
        return job, "already" if already else "expired"
    if in_background(job):
        from sendfund.lib.imports.tasks import confirm_import

        job_enqueue(job, confirm_import, audit)
        return job, "started"
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    import_apply(job)
    job.refresh_from_db()
    return job, "done"


def import_apply(job: Job, audit: dict | None = None) -> None:
    """Check the file again against the register as it is now, then write all or nothing.

    `audit`: on a worker, the pghistory context the writes are recorded with (in a request the
    request's own is already set, and None leaves it as it is)."""
    report = kind_of(job).execute(
        school=job.school,
        data=bytes(job.data),
        options=job.options,
        dry_run=True,
        user=job.created_by,
    )
    result = StoredReport.of(report, applied=True)

    def finish() -> None:
        # In the import's own transaction: the job is done exactly when the rows are written.
        done = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.DONE,
            result=result,
            data=b"",
            rows_done=F("rows_total"),
            finished=timezone.now(),
        )
        if done != 1:
            raise DatabaseError("this import has already been done")

    if report.ok:
        report.writes.append(finish)
        recording = (
            pghistory.context(**audit)
            if audit is not None and connection.vendor == "postgresql"
            else nullcontext()
        )
        with recording:
            report.apply()
    if not report.applied:
        # Errors found now (the register changed since the preview): nothing written.
        Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.DONE,
            result=StoredReport.of(report),
            data=b"",
            finished=timezone.now(),
        )
