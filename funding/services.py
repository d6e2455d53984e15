"""Funding writes: the edit pages' saves (school-checked, a clash refused with a message) and
the funding import's write (all or nothing, idempotent). The file is read, checked and
previewed by the funding import on the shared import framework (funding/imports.py);
`funding_import` is the write it plans."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from funding.models import FundingSource, TopUpBand, TopUpScheme
from sendfund.lib.versions import save_unless_stale
from sendfund.schools.models import School
from sendfund.schools.tenancy import check_school

COLUMNS = ["type", "description", "amount", "period_start", "period_end", "status", "upn", "band"]
REQUIRED = ["type", "description", "period_start", "period_end", "status"]


class FundingImportError(ValueError):
    """The file cannot be imported; `errors` name the row and column of each problem."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: list[dict] = field(default_factory=list)


def parse_funding_csv(text: str, *, school: School) -> list[dict]:
    """Validate every row; raise FundingImportError listing every problem (row and column).

    The rows are read by the funding import on the shared framework (funding/imports.py)."""
    from funding.imports import read_funding_rows
    from pupils.imports.report import Report

    report = Report("funding")
    rows = read_funding_rows(text, school=school, report=report)
    if report.file_error:
        raise FundingImportError([report.file_error])
    if report.errors:
        raise FundingImportError([str(e) for e in report.errors])
    return [row for _number, row in rows]


VALUES = ("amount", "status", "band", "reference")


def funding_key(row: dict) -> tuple:
    """What makes a row the same funding record again: type, description, dates and pupil."""
    return (
        row["type"],
        row["description"],
        row["period_start"],
        row["period_end"],
        row["pupil_id"],
    )


def funding_held(school: School) -> dict[tuple, FundingSource]:
    """The school's funding records by `funding_key` (one query for a whole file)."""
    held: dict[tuple, FundingSource] = {}
    for source in FundingSource.objects.for_school(school).order_by("pk"):
        key = (
            source.type,
            source.description,
            source.period_start,
            source.period_end,
            source.pupil_id,
        )
        held.setdefault(key, source)
    return held


def funding_changes(existing: FundingSource, row: dict) -> dict:
    """The values a row changes on the record it matches ({} when none)."""
    changes = {}
    for name in VALUES:
        if name == "band":
            same = existing.band_id == (row["band"].pk if row["band"] is not None else None)
        else:
            same = getattr(existing, name) == row[name]
        if not same:
            changes[name] = row[name]
    return changes


@transaction.atomic
def funding_import(*, school: School, rows: list[dict], user=None) -> ImportResult:
    """Create or update one FundingSource per row. A row is the same record again when type,
    description, dates and pupil match: importing a file twice changes nothing."""
    result = ImportResult(rows=rows)
    held = funding_held(school)
    for row in rows:
        key = funding_key(row)
        values = {name: row[name] for name in VALUES}
        existing = held.get(key)
        if existing is None:
            held[key] = FundingSource.objects.create(
                school=school,
                type=row["type"],
                description=row["description"],
                period_start=row["period_start"],
                period_end=row["period_end"],
                pupil_id=row["pupil_id"],
                created_by=user,
                **values,
            )
            result.created += 1
        elif funding_changes(existing, row):
            for k, v in values.items():
                setattr(existing, k, v)
            existing.save()
            result.updated += 1
        else:
            result.unchanged += 1
    return result


# --- The edit pages: funding sources, pupils' top-ups, top-up schemes and bands -------------

CLASH = (
    "This clashes with a record already saved (the same name and year, or the same band name "
    "in the scheme): change it and save again."
)


def _save_or_clash(instance, version: dt.datetime | None = None) -> None:
    """Save (an edit only if unchanged since `version`, else StaleEdit); a unique rule the
    form could not check, or another session getting there first, is refused with CLASH."""
    try:
        with transaction.atomic():
            save_unless_stale(instance, version)
    except IntegrityError:
        raise ValidationError(CLASH) from None


@transaction.atomic
def funding_source_save(
    *, school: School, source: FundingSource, user=None, version: dt.datetime | None = None
) -> FundingSource:
    """Add or edit a funding source or a pupil's top-up. With `version` (the `updated` the edit
    started from) an edit is written only if nobody saved it since; otherwise StaleEdit."""
    if source.pk is None:
        source.school, source.created_by = school, user
    check_school(school, source, source.pupil)
    if source.band_id is not None:
        schemes = TopUpScheme.objects.for_school(school)
        if not TopUpBand.objects.filter(pk=source.band_id, scheme__in=schemes).exists():
            raise ValidationError({"band": "That band is not in a scheme of your local authority."})
    _save_or_clash(source, version)
    return source


def funding_source_delete(*, school: School, source: FundingSource) -> None:
    """Delete a funding source: it no longer counts towards the gap."""
    check_school(school, source)
    source.delete()


def topup_scheme_save(*, school: School, scheme: TopUpScheme) -> TopUpScheme:
    """Add or edit one of the school's own top-up schemes (shared LA schemes are read-only)."""
    if scheme.pk is None:
        scheme.school, scheme.local_authority_id = school, school.local_authority_id
    check_school(school, scheme)
    _save_or_clash(scheme)
    return scheme


def topup_band_save(*, school: School, band: TopUpBand) -> TopUpBand:
    """Add or edit a band of one of the school's own top-up schemes."""
    check_school(school, band.scheme)
    _save_or_clash(band)
    return band
