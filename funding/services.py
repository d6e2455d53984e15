"""Funding writes: the edit pages' saves (school-checked, a clash refused with a message) and
importing funding from CSV (all or nothing, idempotent)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from funding.forms import band_amount_for
from funding.models import FundingSource, FundingStatus, FundingType, TopUpBand, TopUpScheme
from pupils.models import Pupil
from sendfund.lib.dates import check_date
from sendfund.lib.money import parse_amount
from sendfund.lib.periods import Period, academic_year_start
from sendfund.lib.versions import StaleEdit, update_if_unchanged
from sendfund.schools.models import School

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


def _date(value: str) -> dt.date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        return check_date(day)
    raise ValueError(f"{value!r} is not a date (use YYYY-MM-DD or DD/MM/YYYY)")


def _words(text: str) -> str:
    """Lower case, every run of punctuation or spaces as one space: "Element 3 top-up" and
    "element_3 top up" read the same."""
    return " ".join(re.sub(r"[^a-z0-9£]+", " ", text.lower()).split())


# The words schools write for each type and status, besides its code and its label.
TYPE_WORDS = {
    FundingType.NOTIONAL_SEN: (
        "notional sen budget",
        "notional sen",
        "notional send budget",
        "notional send",
        "notional budget",
        "element 2",
        "e2",
        "sen budget",
    ),
    FundingType.TOP_UP: (
        "top up",
        "topup",
        "top ups",
        "element 3",
        "e3",
        "element 3 top up",
        "high needs top up",
        "top up funding",
        "ehcp top up",
    ),
    FundingType.PLACE: (
        "place funding",
        "place",
        "places",
        "place funding element 1 and 2",
        "high needs place funding",
        "special school place funding",
        "resourced provision place funding",
        "unit place funding",
    ),
    FundingType.PUPIL_PREMIUM: (
        "pupil premium",
        "pp",
        "ppg",
        "pupil premium grant",
        "pupil premium share",
    ),
    FundingType.DAF: ("disability access fund", "daf"),
    FundingType.LA_GRANT: ("la grant", "local authority grant", "council grant", "la funding"),
    FundingType.TRUST_FUND: ("trust fund", "trust", "trust funding", "central trust fund"),
    FundingType.OTHER_GRANT: ("other grant", "grant", "other", "charity grant"),
}
STATUS_WORDS = {
    FundingStatus.EXPECTED: ("expected", "estimated", "estimate", "forecast", "applied for"),
    FundingStatus.CONFIRMED: ("confirmed", "agreed", "approved", "allocated"),
    FundingStatus.RECEIVED: ("received", "paid", "in the bank"),
}


def _choice(value: str, choices, words: dict) -> str:
    """A code, its label or one of the usual words for it, in any case."""
    wanted = _words(value)
    for key, label in choices:
        if wanted in (_words(key), _words(label), *words.get(key, ())):
            return key
    examples = "; ".join(f"{label} ({key})" for key, label in choices)
    raise ValueError(f"{value!r} is not one of: {examples}")


def _band(school: School, name: str, start: dt.date) -> TopUpBand:
    """The band of that name in the latest scheme (school's own or its LA's shared one) that
    started on or before the top-up's academic year."""
    year = academic_year_start(start)
    schemes = TopUpScheme.objects.for_school(school).filter(year__lte=year)
    band = (
        TopUpBand.objects.filter(scheme__in=schemes, name__iexact=name.strip())
        .order_by("-scheme__year", "-scheme__school")
        .first()
    )
    if band is None:
        raise ValueError(f"no band called {name!r} in a top-up scheme for {school.local_authority}")
    return band


def parse_funding_csv(text: str, *, school: School) -> list[dict]:
    """Validate every row; raise FundingImportError listing every problem (row and column)."""
    if "\x00" in text:
        raise FundingImportError(["The file contains NUL characters: save it as CSV (UTF-8)."])
    try:
        return _parse_funding_rows(csv.DictReader(io.StringIO(text, newline="")), school)
    except csv.Error as exc:
        raise FundingImportError([f"The file is not a readable CSV: {exc}."]) from None


def _parse_funding_rows(reader: csv.DictReader, school: School) -> list[dict]:
    headers = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED + ["amount"] if c not in headers]
    if missing:
        raise FundingImportError([f"Row 1 (header): missing column(s) {', '.join(missing)}"])
    pupils = dict(Pupil.objects.for_school(school).exclude(upn="").values_list("upn", "pk"))
    errors, rows = [], []
    for number, raw in enumerate(reader, start=2):
        data = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        row, problems = {}, []

        def check(column, parse, row=row, data=data, problems=problems, number=number):
            try:
                row[column] = parse(data.get(column, ""))
            except (ValueError, InvalidOperation) as exc:
                problems.append(f"Row {number}, column {column}: {exc}")

        for column in REQUIRED:
            if not data.get(column):
                problems.append(f"Row {number}, column {column}: required")
        if problems:
            errors.extend(problems)
            continue
        check("type", lambda v: _choice(v, FundingType.choices, TYPE_WORDS))
        check("status", lambda v: _choice(v, FundingStatus.choices, STATUS_WORDS))
        check("period_start", _date)
        check("period_end", _date)
        check("amount", lambda v: parse_amount(v) if v else None)
        row["description"] = data["description"][:200]
        row["reference"] = data.get("reference", "")[:100]
        if not problems:
            problems += _check_row(row, data, number, school, pupils)
        errors.extend(problems)
        rows.append(row)
    if errors:
        raise FundingImportError(errors)
    if not rows:
        raise FundingImportError(["The file has no rows after the header."])
    return rows


def _check_row(row: dict, data: dict, number: int, school: School, pupils: dict) -> list[str]:
    problems = []
    if row["period_end"] < row["period_start"]:
        problems.append(f"Row {number}, column period_end: before period_start")
    if row["amount"] is not None and row["amount"] < 0:
        problems.append(f"Row {number}, column amount: must be 0 or more")
    if row["amount"] is not None and row["amount"] != row["amount"].quantize(Decimal("0.01")):
        problems.append(f"Row {number}, column amount: pounds and pence only")
    upn, band = data.get("upn", ""), data.get("band", "")
    row["pupil_id"], row["band"] = None, None
    if row["type"] != FundingType.TOP_UP:
        for column, value in (("upn", upn), ("band", band)):
            if value:
                problems.append(f"Row {number}, column {column}: only for top-ups")
    else:
        if not upn:
            problems.append(f"Row {number}, column upn: a top-up needs the pupil's UPN")
        elif upn.upper() not in pupils:
            problems.append(f"Row {number}, column upn: no pupil with UPN {upn} in this school")
        else:
            row["pupil_id"] = pupils[upn.upper()]
        if band:
            try:
                row["band"] = _band(school, band, row["period_start"])
            except ValueError as exc:
                problems.append(f"Row {number}, column band: {exc}")
    if row["amount"] is None:
        if row["band"] is None:
            problems.append(f"Row {number}, column amount: required (or give a band)")
        elif not problems:
            period = Period(row["period_start"], row["period_end"])
            row["amount"] = band_amount_for(row["band"].annual_amount, period)
    return problems


@transaction.atomic
def funding_import(*, school: School, rows: list[dict], user=None) -> ImportResult:
    """Create or update one FundingSource per row. A row is the same record again when type,
    description, dates and pupil match: importing a file twice changes nothing."""
    result = ImportResult(rows=rows)
    for row in rows:
        key = Q(
            type=row["type"],
            description=row["description"],
            period_start=row["period_start"],
            period_end=row["period_end"],
            pupil_id=row["pupil_id"],
        )
        values = {
            "amount": row["amount"],
            "status": row["status"],
            "band": row["band"],
            "reference": row["reference"],
        }
        existing = FundingSource.objects.for_school(school).filter(key).first()
        if existing is None:
            FundingSource.objects.create(
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
        elif any(getattr(existing, k) != v for k, v in values.items()):
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


def _check_school(school: School, *objects) -> None:
    for obj in objects:
        if obj is not None and obj.school_id != school.pk:
            # Never reveal another school's data: treat it as not found.
            raise ValidationError("That record does not belong to this school.")


def _save_or_clash(instance, version: dt.datetime | None = None) -> None:
    """Save (an edit only if unchanged since `version`, else StaleEdit); a unique rule the
    form could not check, or another session getting there first, is refused with CLASH."""
    try:
        with transaction.atomic():
            if version is not None and instance.pk is not None:
                if not update_if_unchanged(instance, version):
                    raise StaleEdit(instance)
            else:
                instance.save()
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
    _check_school(school, source, source.pupil)
    if source.band_id is not None:
        schemes = TopUpScheme.objects.for_school(school)
        if not TopUpBand.objects.filter(pk=source.band_id, scheme__in=schemes).exists():
            raise ValidationError({"band": "That band is not in a scheme of your local authority."})
    _save_or_clash(source, version)
    return source


def funding_source_delete(*, school: School, source: FundingSource) -> None:
    """Delete a funding source: it no longer counts towards the gap."""
    _check_school(school, source)
    source.delete()


def topup_scheme_save(*, school: School, scheme: TopUpScheme) -> TopUpScheme:
    """Add or edit one of the school's own top-up schemes (shared LA schemes are read-only)."""
    if scheme.pk is None:
        scheme.school, scheme.local_authority_id = school, school.local_authority_id
    _check_school(school, scheme)
    _save_or_clash(scheme)
    return scheme


def topup_band_save(*, school: School, band: TopUpBand) -> TopUpBand:
    """Add or edit a band of one of the school's own top-up schemes."""
    _check_school(school, band.scheme)
    _save_or_clash(band)
    return band
