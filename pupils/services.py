"""Writes to the SEN register that touch several rows. Keyword-only, atomic, school-checked.

The SEN-history rules (docs/domain.md section 2: one open SEN status record per pupil; E or K
needs an open rank-1 need; NSA is valid only with K; a change closes the old record the day
before the new one starts) live in pupils/sen_history.py; the services here check one pupil's
change against them, plan it and write it through `sen_history.apply`, as the imports do for
many pupils at once.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError

from pupils import sen_history
from pupils.codes import NeedCode, SenProvision
from pupils.models import (
    AnnualReview,
    AssessmentRequest,
    AssignmentStatus,
    Need,
    Provision,
    ProvisionAssignment,
    Pupil,
    SenStatus,
    StaffRate,
    StaffRole,
)
from sendfund.lib.versions import save_unless_stale
from sendfund.schools.models import School
from sendfund.schools.tenancy import check_school, save_for_school

ONE_DAY = dt.timedelta(days=1)


def _lock(pupil: Pupil) -> Pupil:
    """Serialise writes to one pupil's history (a PostgreSQL row lock)."""
    return Pupil.objects.select_for_update().get(pk=pupil.pk)


def current_status(pupil: Pupil) -> SenStatus | None:
    return SenStatus.objects.filter(pupil=pupil, end_date__isnull=True).first()


def _open_needs(pupil: Pupil, on: dt.date) -> dict[int, Need]:
    return {n.rank: n for n in Need.objects.filter(pupil=pupil).open_on(on).order_by("rank")}


@transaction.atomic
def need_set(
    *,
    school: School,
    pupil: Pupil,
    code: str,
    rank: int,
    start_date: dt.date,
    description: str = "",
    status_code: str | None = None,
) -> Need:
    """Record a ranked need from `start_date`, closing the open need of that rank if it differs.

    `status_code` is the SEN status the need is checked against (default: the pupil's current).
    """
    check_school(school, pupil)
    pupil = _lock(pupil)
    if code not in NeedCode.values:
        raise ValidationError({"code": f"Unknown need code {code!r}."})
    if rank < 1:
        raise ValidationError({"rank": "Rank is 1 for the primary need, 2 for the secondary…"})
    status = str(status_code or getattr(current_status(pupil), "code", SenProvision.NO_SEN))
    if code == NeedCode.NSA and not sen_history.nsa_allowed(status):
        raise ValidationError(
            {"code": "NSA (no specialist assessment) is valid only with SEN support (K)."}
        )
    existing = Need.objects.filter(pupil=pupil, rank=rank, end_date__isnull=True).first()
    if existing is not None and existing.code == code:
        if description and description != existing.description:
            existing.description = description
            existing.save(update_fields=["description"])
        return existing
    plan = sen_history.HistoryPlan()
    try:
        need = plan.change_need(
            school_id=school.pk,
            pupil_id=pupil.pk,
            current=existing,
            code=code,
            rank=rank,
            start_date=start_date,
            description=description,
        )
    except sen_history.TooEarly as exc:
        raise ValidationError(
            {
                "start_date": f"The current rank-{rank} need started on "
                f"{exc.record.start_date:%d/%m/%Y}; a change must start after that."
            }
        ) from None
    sen_history.apply(plan)
    assert need is not None
    return Need.objects.get(pk=need["id"])


@transaction.atomic
def need_end(*, school: School, need: Need, end_date: dt.date) -> Need:
    """Close a need; a pupil on E or K keeps at least a rank-1 need."""
    check_school(school, need)
    pupil = _lock(need.pupil)
    status = current_status(pupil)
    if need.rank == 1 and status is not None and sen_history.needs_primary(status.code):
        raise ValidationError(
            "A pupil with an EHC plan or SEN support needs a primary (rank 1) need: "
            "record the new primary need instead of ending this one."
        )
    if end_date < need.start_date:
        raise ValidationError({"end_date": "A need cannot end before it starts."})
    need.end_date = end_date
    need.save(update_fields=["end_date"])
    return need


@transaction.atomic
def sen_status_change(
    *,
    school: School,
    pupil: Pupil,
    code: str,
    start_date: dt.date,
    primary_need: str | None = None,
    note: str = "",
) -> SenStatus:
    """Open a new SEN status record (E/K/N) from `start_date`, closing the current one.

    A primary need given here is recorded with the status; otherwise E and K need an open
    rank-1 need already. Setting the same status again changes nothing.
    """
    check_school(school, pupil)
    pupil = _lock(pupil)
    if not sen_history.is_current_code(code):
        raise ValidationError(
            {"code": f"SEN provision must be E, K or N ({code!r} is a legacy or unknown code)."}
        )
    current = current_status(pupil)
    if current is not None and current.code == code:
        if primary_need:
            need_set(
                school=school,
                pupil=pupil,
                code=primary_need,
                rank=1,
                start_date=max(start_date, current.start_date),
                status_code=code,
            )
        return current
    if current is not None and start_date <= current.start_date:
        raise ValidationError(
            {
                "start_date": f"The current status started on {current.start_date:%d/%m/%Y}; "
                "the new one must start after that (records may not overlap)."
            }
        )
    if SenStatus.objects.filter(pupil=pupil, end_date__gte=start_date).exists():
        raise ValidationError({"start_date": "This date overlaps an earlier status record."})
    if sen_history.needs_primary(code):
        if primary_need:
            need_set(
                school=school,
                pupil=pupil,
                code=primary_need,
                rank=1,
                start_date=start_date,
                status_code=code,
            )
        needs = _open_needs(pupil, start_date)
        if 1 not in needs:
            raise ValidationError(
                {"primary_need": "An EHC plan (E) or SEN support (K) needs a primary need."}
            )
        if needs[1].code == NeedCode.NSA and not sen_history.nsa_allowed(code):
            raise ValidationError(
                {"primary_need": "NSA is valid only with SEN support (K), not an EHC plan."}
            )
    plan = sen_history.HistoryPlan()
    status = plan.change_status(
        school_id=school.pk,
        pupil_id=pupil.pk,
        current=current,
        code=code,
        start_date=start_date,
        note=note,
    )
    sen_history.apply(plan)
    assert status is not None
    return SenStatus.objects.get(pk=status["id"])


# sen_history.add_problems' problems, worded for pupil_register's refusal.
REGISTER_MESSAGES = {
    "primary": ("primary_need", "An EHC plan (E) or SEN support (K) needs a primary need."),
    "nsa": ("primary_need", "NSA is valid only with SEN support (K)."),
    "repeat": ("secondary_need", "The secondary need repeats the primary need."),
}


@transaction.atomic
def pupil_register(
    *,
    school: School,
    forename: str,
    surname: str,
    date_of_birth: dt.date,
    year_group: str,
    upn: str = "",
    pupil_premium: bool = False,
    looked_after: bool = False,
    on_roll_date: dt.date | None = None,
    sen_code: str = SenProvision.NO_SEN,
    primary_need: str | None = None,
    secondary_need: str | None = None,
    start_date: dt.date | None = None,
    in_unit: bool = False,
) -> Pupil:
    """Add a pupil with their SEN status and needs in one step.

    Refuses what sen_history.add_problems finds (as the add form does); with no SEN (N) the
    needs are left out.
    """
    problems = {p for _rank, p in sen_history.add_problems(sen_code, primary_need, secondary_need)}
    if problems:
        refusal: dict[str, list[str]] = {}
        for problem, (field, message) in REGISTER_MESSAGES.items():
            if problem in problems:
                refusal.setdefault(field, []).append(message)
        raise ValidationError(refusal)
    start_date = start_date or dt.date.today()
    pupil = Pupil(
        school=school,
        forename=forename.strip(),
        surname=surname.strip(),
        date_of_birth=date_of_birth,
        year_group=year_group,
        upn=(upn or "").strip().upper(),
        pupil_premium=pupil_premium,
        looked_after=looked_after,
        on_roll_date=on_roll_date,
        in_unit=in_unit and school.has_unit,
    )
    pupil.full_clean()
    pupil.save()
    if primary_need and sen_history.needs_primary(sen_code):
        need_set(
            school=school,
            pupil=pupil,
            code=primary_need,
            rank=1,
            start_date=start_date,
            status_code=sen_code,
        )
    if secondary_need and sen_history.needs_primary(sen_code):
        need_set(
            school=school,
            pupil=pupil,
            code=secondary_need,
            rank=2,
            start_date=start_date,
            status_code=sen_code,
        )
    sen_status_change(school=school, pupil=pupil, code=sen_code, start_date=start_date)
    return pupil


# --- The costed provision map and the statutory clocks -------------------------------------


def _check_assignment_dates(start_date, end_date, status) -> None:
    if end_date is not None and end_date < start_date:
        raise ValidationError({"end_date": "End date: provision cannot end before it starts."})
    if status == AssignmentStatus.ENDED and end_date is None:
        raise ValidationError({"end_date": "End date: ended provision needs the date it ended."})


@transaction.atomic
def provision_assign(
    *,
    school: School,
    pupil: Pupil,
    provision: Provision,
    start_date: dt.date,
    hours_per_week=None,
    group_size: int | None = None,
    weeks: int | None = None,
    status: str = AssignmentStatus.PLANNED,
    end_date: dt.date | None = None,
    review_date: dt.date | None = None,
    outcome: str = "",
    created_by=None,
) -> ProvisionAssignment:
    """Give a pupil a catalogue provision; hours, group size and weeks default from it."""
    check_school(school, pupil, provision)
    _check_assignment_dates(start_date, end_date, status)
    assignment = ProvisionAssignment(
        school=school,
        pupil=pupil,
        provision=provision,
        start_date=start_date,
        end_date=end_date,
        hours_per_week=(
            provision.default_hours_per_week if hours_per_week is None else hours_per_week
        ),
        group_size=group_size or provision.default_group_size,
        weeks=weeks or provision.default_weeks,
        status=status,
        review_date=review_date,
        outcome=outcome,
        created_by=created_by,
    )
    assignment.full_clean()
    assignment.save()
    return assignment


@transaction.atomic
def provision_end(
    *, school: School, assignment: ProvisionAssignment, end_date: dt.date, outcome: str = ""
) -> ProvisionAssignment:
    """End a pupil's provision on a date (it still counts as need for the days it ran)."""
    check_school(school, assignment)
    _check_assignment_dates(assignment.start_date, end_date, AssignmentStatus.ENDED)
    assignment.end_date = end_date
    assignment.status = AssignmentStatus.ENDED
    if outcome:
        assignment.outcome = outcome
    assignment.save(update_fields=["end_date", "status", "outcome", "updated"])
    return assignment


@transaction.atomic
def provision_assignment_edit(
    *,
    school: School,
    assignment: ProvisionAssignment,
    provision: Provision,
    start_date: dt.date,
    hours_per_week=None,
    group_size: int | None = None,
    weeks: int | None = None,
    status: str,
    end_date: dt.date | None = None,
    review_date: dt.date | None = None,
    outcome: str = "",
    version: dt.datetime | None = None,
) -> ProvisionAssignment:
    """Change a row of a pupil's provision map; blank hours, group size and weeks default from
    the catalogue. With `version` (the `updated` the edit started from) the row is written only
    if nobody saved it since; otherwise StaleEdit and nothing is written."""
    check_school(school, assignment, provision)
    _check_assignment_dates(start_date, end_date, status)
    assignment.provision = provision
    assignment.start_date, assignment.end_date = start_date, end_date
    assignment.hours_per_week = (
        provision.default_hours_per_week if hours_per_week is None else hours_per_week
    )
    assignment.group_size = group_size or provision.default_group_size
    assignment.weeks = weeks or provision.default_weeks
    assignment.status, assignment.review_date, assignment.outcome = status, review_date, outcome
    assignment.full_clean()
    save_unless_stale(assignment, version)
    return assignment


@transaction.atomic
def pupil_edit(*, school: School, pupil: Pupil, version: dt.datetime | None = None) -> Pupil:
    """Save a pupil's details (their SEN status and needs change through their own services).
    With `version` the edit is written only if nobody saved the pupil since, else StaleEdit."""
    check_school(school, pupil)
    pupil.full_clean()
    save_unless_stale(pupil, version)
    return pupil


@transaction.atomic
def clock_record_save(
    *,
    school: School,
    record: AssessmentRequest | AnnualReview,
    version: dt.datetime | None = None,
) -> AssessmentRequest | AnnualReview:
    """Record or edit an EHC needs assessment request or an annual review of a pupil's plan.
    With `version` an edit is written only if nobody saved the record since, else StaleEdit."""
    check_school(school, record, record.pupil)
    record.full_clean()
    save_unless_stale(record, version)
    return record


def clock_record_delete(*, school: School, record: AssessmentRequest | AnnualReview) -> None:
    """Delete an EHC needs assessment request or an annual review recorded in error."""
    check_school(school, record)
    record.delete()


# --- The provision catalogue, staff roles and their hourly rates ---------------------------


def provision_save(*, school: School, provision: Provision) -> Provision:
    """Add a provision to the school's catalogue, or save changes to one."""
    return save_for_school(school, provision, provision.staff_role)


def provision_delete(*, school: School, provision: Provision) -> None:
    """Remove a provision from the catalogue, unless pupils' provision maps use it."""
    check_school(school, provision)
    try:
        with transaction.atomic():
            provision.delete()
    except ProtectedError:
        raise ValidationError(
            f"{provision} is on pupils' provision maps, so it stays in the catalogue: "
            "untick “Active” to stop offering it."
        ) from None


def staff_role_save(*, school: School, role: StaffRole) -> StaffRole:
    """Add a staff role who delivers provision, or rename one."""
    return save_for_school(school, role)


def staff_rate_save(*, school: School, rate: StaffRate) -> StaffRate:
    """Record a staff role's hourly rates (actual and the LA's standard) for an academic year."""
    return save_for_school(school, rate, rate.staff_role)


def costing_basis_set(*, school: School, costing_basis: str) -> School:
    """Cost the school's provision map with actual pay or the LA's standard rates."""
    if costing_basis not in School.CostingBasis.values:
        raise ValidationError(
            {"costing_basis": "Costing basis: choose actual costs or the LA's standard rates."}
        )
    school.costing_basis = costing_basis
    school.save(update_fields=["costing_basis"])
    return school
