"""Stateful property test (issue 10 item 2): the term-cost summary gives the detail's figures
to the penny after any sequence of writes, on PostgreSQL.

Two schools (one mainstream, one with an SEN unit) each start with roles, rates, a catalogue,
pupils and provision. Hypothesis then applies random writes to either school through the ORM,
the factories, the services and the CSV imports (provision rows added, changed, ended and
deleted; pupils joining late, leaving, added and deleted; staff rates added, changed and
deleted; a provision's costing; the costing basis; term dates; funding and top-ups; SEN
status), several between reads. Checked:

- after every step, for the school just written (else each in turn) and one standard period
  (each in turn: six terms, two academic years and two April-March financial years), what a
  reader would get now from the summary equals the detail (`summaries.detail_only()`): every
  field of compute_gap and every pupil_threshold_rows row, exactly and in pence; on every
  other step also `summaries.differences` (every row and term held) is empty. The check runs
  in a savepoint rolled back afterwards, so the marks the writes left are still there for the
  next write and the next real read;
- a read rule reads for real (its refresh is kept) and also compares headline_series and the
  trust view; a refresh rule calls `summaries.refresh_marked()` and checks every mark is gone
  and every row held is the detail's, with no read in between;
- a write to one school never marks the other nor changes what the other's summary says.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from funding.gap import compute_gap, headline_series, pupil_threshold_rows
from funding.models import FundingSource
from funding.summary_models import PeriodSummary
from pupils import services as pupil_services
from pupils import summaries
from pupils.imports.provision import import_provision
from pupils.imports.staff_rates import import_staff_rates
from pupils.models import (
    Provision,
    ProvisionAssignment,
    Pupil,
    SenStatus,
    StaffRate,
    StaffRole,
)
from pupils.summary_models import ProvisionYearCost, SummaryPending, SummaryYear
from reports.trust import trust_rows
from sendfund.lib.money import to_pennies
from sendfund.lib.periods import academic_year, financial_year, term
from sendfund.schools import term_dates
from sendfund.schools.calendar import calendar_year_refresh
from sendfund.schools.models import School, TermBlock
from tests.factories import (
    FundingSourceFactory,
    NeedFactory,
    ProvisionAssignmentFactory,
    ProvisionFactory,
    PupilFactory,
    SchoolFactory,
    SenStatusFactory,
    StaffRateFactory,
    StaffRoleFactory,
    TrustFactory,
)
from tests.funding.factories import TopUpFactory
from tests.pupils.test_settle import YEAR_COST_FIELDS

pytestmark = pytest.mark.django_db

# Data runs from the summer term of 2024/25 to the end of 2026/27: three academic years.
FIRST_DAY = dt.date(2025, 4, 1)
LAST_DAY = dt.date(2027, 8, 31)
SPAN = (LAST_DAY - FIRST_DAY).days
PERIODS = [
    *(term(year, name) for year in (2025, 2026) for name in ("autumn", "spring", "summer")),
    academic_year(2025),
    academic_year(2026),
    financial_year(2025, academy=False),  # summer 2024/25 + autumn and spring 2025/26
    financial_year(2026, academy=False),
]
# Term blocks a school may add or remove: whole terms (a year with one open block is costed on
# the school's own calendar) and an INSET day inside one.
BLOCKS = [
    (dt.date(2025, 4, 22), dt.date(2025, 7, 23), TermBlock.Kind.OPEN),
    (dt.date(2025, 9, 3), dt.date(2025, 12, 19), TermBlock.Kind.OPEN),
    (dt.date(2026, 1, 5), dt.date(2026, 3, 27), TermBlock.Kind.OPEN),
    (dt.date(2025, 11, 3), dt.date(2025, 11, 3), TermBlock.Kind.CLOSED),
    (dt.date(2026, 9, 2), dt.date(2027, 7, 21), TermBlock.Kind.OPEN),
]

pick = st.integers(0, 1_000)  # an index into the school's rows of a kind, taken modulo
side = st.integers(0, 1)  # which school a write goes to
offset = st.integers(0, SPAN)
maybe_length = st.one_of(st.none(), st.integers(0, 500))
hours = st.integers(0, 100).map(lambda quarters: Decimal(quarters) / 4)
group = st.integers(1, 6)
pennies = st.integers(0, 12_000_00).map(lambda p: Decimal(p) / 100)
rate = st.integers(12_00, 45_00).map(lambda p: Decimal(p) / 100)


def _day(days: int) -> dt.date:
    return FIRST_DAY + dt.timedelta(days=days)


def _end(start: dt.date, length: int | None) -> dt.date | None:
    return None if length is None else min(start + dt.timedelta(days=length), LAST_DAY)


def _nth(qs, index: int):
    rows = list(qs.order_by("pk"))
    return rows[index % len(rows)] if rows else None


def assert_same(summary, detail, where: str = "") -> None:
    """Equal field by field, recursively; every Decimal exactly (unrounded) and in pence."""
    if isinstance(summary, str):
        # A choice read back from the stored summary is its plain value (the detail's may be
        # the TextChoices member): equal as text, which is how every caller uses it.
        assert isinstance(detail, str), where
        assert str(summary) == str(detail), f"{where}: summary {summary!r} != {detail!r}"
        return
    assert type(summary) is type(detail), where
    if dataclasses.is_dataclass(summary):
        for f in dataclasses.fields(summary):
            assert_same(getattr(summary, f.name), getattr(detail, f.name), f"{where}.{f.name}")
    elif isinstance(summary, list | tuple):
        assert len(summary) == len(detail), f"{where}: {summary!r} != {detail!r}"
        for i, (a, b) in enumerate(zip(summary, detail, strict=True)):
            assert_same(a, b, f"{where}[{i}]")
    elif isinstance(summary, dict):
        assert summary.keys() == detail.keys(), where
        for key in summary:
            assert_same(summary[key], detail[key], f"{where}[{key!r}]")
    elif isinstance(summary, Decimal):
        assert summary == detail, f"{where}: summary {summary} != detail {detail}"
        assert to_pennies(summary) == to_pennies(detail), where
    else:
        assert summary == detail, f"{where}: summary {summary!r} != detail {detail!r}"


def compare(school: School, period, *, every_row: bool = True) -> None:
    """The summary's answer (read now, refreshing as any reader does) is the detail's; with
    `every_row`, so is every row and term the summary holds for the school."""
    where = f"{school.name} {period}"
    summary_gap = compute_gap(school=school, period=period)
    summary_rows = pupil_threshold_rows(school=school, period=period)
    assert not SummaryPending.objects.filter(school=school).exists(), "read left marks"
    with summaries.detail_only():
        detail_gap = compute_gap(school=school, period=period)
        detail_rows = pupil_threshold_rows(school=school, period=period)
    assert_same(summary_gap, detail_gap, f"{where} compute_gap")
    assert_same(summary_rows, detail_rows, f"{where} pupil_threshold_rows")
    # The stored gap's funding columns, which the trust view reads instead of its figures.
    for stored in PeriodSummary.objects.filter(
        school=school, kind=PeriodSummary.Kind.GAP, start=period.start, end=period.end
    ):
        assert (stored.funded_pupils, stored.funding_school_level) == (
            detail_gap.funded_pupils,
            detail_gap.funding_school_level,
        ), f"{where} stored funding columns"
    if every_row:
        assert summaries.differences(school.pk) == []


def marks(school: School) -> set:
    return set(
        SummaryPending.objects.filter(school=school).values_list(
            "assignment_id", "pupil_id", "provision_id", "academic_year"
        )
    )


def held(school: School) -> tuple:
    """The school's summary once its own marks are re-costed (in a savepoint rolled back, so
    its marks stay): the held years and each row's daily cost and school days per term."""
    sid = transaction.savepoint()
    try:
        summaries.refresh(school.pk)
        return (
            sorted(
                SummaryYear.objects.filter(school=school).values_list("academic_year", flat=True)
            ),
            sorted(ProvisionYearCost.objects.filter(school=school).values_list(*YEAR_COST_FIELDS)),
        )
    finally:
        transaction.savepoint_rollback(sid)


def _build_school(trust, *, unit: str) -> School:
    school = SchoolFactory(trust=trust, unit=unit)
    roles = [StaffRoleFactory(school=school, name=n) for n in ("Teaching assistant", "Teacher")]
    for role, actual in zip(roles, (Decimal("19.40"), Decimal("38.75")), strict=True):
        StaffRateFactory(
            staff_role=role,
            academic_year=2025,
            actual_hourly_rate=actual,
            la_standard_hourly_rate=actual - Decimal("1.15"),
        )
    catalogue = [
        ProvisionFactory(school=school, staff_role=roles[0], area="CL", wave=2),
        ProvisionFactory(
            school=school, staff_role=roles[1], area="SE", wave=3, resource_cost_per_pupil=40
        ),
        ProvisionFactory(
            school=school,
            staff_role=None,
            service_annual_cost=Decimal("4750.00"),
            resource_cost_per_pupil=Decimal("99.99"),
            area="SP",
            wave=3,
        ),
    ]
    for n, (code, year_group) in enumerate((("K", "2"), ("E", "4"), ("K", "6"))):
        pupil = PupilFactory(school=school, year_group=year_group, in_unit=bool(unit) and n == 1)
        SenStatusFactory(pupil=pupil, code=code, start_date=dt.date(2024, 9, 1))
        NeedFactory(pupil=pupil, code=("SLCN", "ASD", "SEMH")[n], start_date=dt.date(2024, 9, 1))
        ProvisionAssignmentFactory(
            pupil=pupil,
            provision=catalogue[n],
            start_date=dt.date(2025, 6, 1) + dt.timedelta(days=97 * n),
            hours_per_week=Decimal("12.50"),
            group_size=1 + n,
        )
    return school


class SummaryMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        # Each example starts from the state before it and leaves nothing behind.
        self.savepoint = transaction.savepoint()
        trust = TrustFactory()
        self.ids = [
            _build_school(trust, unit=School.Unit.NONE).pk,
            _build_school(trust, unit=School.Unit.SEN_UNIT).pk,
        ]
        # Every year the periods touch is held from the start, so a missed mark shows in
        # `differences` whichever period is read.
        summaries.ready(self.ids, [t for p in PERIODS for t in summaries.standard_terms(p)])
        self.step = 0
        self.read_last = {}  # school index -> the period its last real read stored
        self.last = None  # the school the last step wrote to

    def teardown(self):
        transaction.savepoint_rollback(self.savepoint)

    def school(self, index: int) -> School:
        return School.objects.get(pk=self.ids[index])

    def write(self, index: int, change) -> None:
        """Apply a write to one school; the other school's summary must not move."""
        self.last = index
        other = self.school(1 - index)
        before, marked = held(other), marks(other)
        change(self.school(index))
        # A writer may re-cost every school's marks (imports call refresh_marked), but never
        # marks the other school nor changes what its summary says.
        assert marks(other) <= marked, f"a write to one school marked {other.name}"
        assert held(other) == before, f"a write to one school changed {other.name}'s summary"

    # --- Reads and refreshes ------------------------------------------------------------

    @invariant()
    def a_reader_now_gets_the_detail(self):
        """The school last written (else each in turn), one period in turn (on odd steps the
        one its last real read stored), in a savepoint rolled back afterwards, so the marks
        left by writes stay for the steps that follow."""
        index = self.last if self.last is not None else self.step % 2
        period = PERIODS[self.step % len(PERIODS)]
        if self.step % 2 and index in self.read_last:
            period = self.read_last[index]  # the stored school-period summary
        self.step += 1
        self.last = None
        sid = transaction.savepoint()
        try:
            # Every row held is compared on every other step (it costs as much as the rest).
            compare(self.school(index), period, every_row=self.step % 2 == 0)
        finally:
            transaction.savepoint_rollback(sid)

    @rule(index=side, which=st.integers(0, len(PERIODS) - 1))
    def read(self, index, which):
        """A real read: its refresh is kept."""
        school, period = self.school(index), PERIODS[which]
        self.read_last[index] = period
        compare(school, period)
        series = [period, academic_year(2025), academic_year(2026)]
        summary = headline_series(school=school, periods=series)
        trust = trust_rows([self.school(0), self.school(1)], today=period.start)
        with summaries.detail_only():
            assert_same(summary, headline_series(school=school, periods=series), "headline")
            assert_same(
                trust,
                trust_rows([self.school(0), self.school(1)], today=period.start),
                "trust_rows",
            )

    @rule()
    def refresh_marked(self):
        """The write side's refresh (imports, the middleware): no read in between."""
        summaries.refresh_marked()
        assert not SummaryPending.objects.exists()
        for index in (0, 1):
            assert summaries.differences(self.ids[index]) == []

    # --- Provision rows -----------------------------------------------------------------

    @rule(
        index=side,
        who=pick,
        what=pick,
        start=offset,
        length=maybe_length,
        hours=hours,
        group=group,
        service=st.booleans(),
    )
    def add_row(self, index, who, what, start, length, hours, group, service):
        def change(school):
            pupil = _nth(Pupil.objects.for_school(school), who)
            provision = _nth(Provision.objects.for_school(school), what)
            if pupil is None:
                return
            begins = _day(start)
            ends = _end(begins, length)
            if service:
                pupil_services.provision_assign(
                    school=school,
                    pupil=pupil,
                    provision=provision,
                    start_date=begins,
                    end_date=ends,
                    hours_per_week=hours,
                    group_size=group,
                    status="in_place",
                )
            else:
                ProvisionAssignmentFactory(
                    pupil=pupil,
                    provision=provision,
                    start_date=begins,
                    end_date=ends,
                    hours_per_week=hours,
                    group_size=group,
                )

        self.write(index, change)

    @rule(
        index=side,
        row=pick,
        what=st.sampled_from(["dates", "hours", "group", "provision", "pupil", "all"]),
        start=offset,
        length=maybe_length,
        hours=hours,
        group=group,
        other=pick,
        bulk=st.booleans(),
    )
    def change_row(self, index, row, what, start, length, hours, group, other, bulk):
        def change(school):
            rows = ProvisionAssignment.objects.for_school(school)
            assignment = _nth(rows, row)
            if assignment is None:
                return
            fields = {}
            if what in ("dates", "all"):
                begins = _day(start)
                fields.update(start_date=begins, end_date=_end(begins, length))
                if fields["end_date"] is None:
                    fields["status"] = "in_place"
            if what in ("hours", "all"):
                fields["hours_per_week"] = hours
            if what in ("group", "all"):
                fields["group_size"] = group
            if what == "provision":
                fields["provision"] = _nth(Provision.objects.for_school(school), other)
            if what == "pupil":
                fields["pupil"] = _nth(Pupil.objects.for_school(school), other)
            if bulk:
                rows.filter(pk=assignment.pk).update(**fields)
            else:
                for name, value in fields.items():
                    setattr(assignment, name, value)
                assignment.save()

        self.write(index, change)

    @rule(index=side, row=pick, days=st.integers(0, 400))
    def end_row(self, index, row, days):
        def change(school):
            assignment = _nth(ProvisionAssignment.objects.for_school(school), row)
            if assignment is not None:
                end = min(assignment.start_date + dt.timedelta(days=days), LAST_DAY)
                end = max(end, assignment.start_date)
                pupil_services.provision_end(school=school, assignment=assignment, end_date=end)

        self.write(index, change)

    @rule(index=side, row=pick, every_row_of_the_pupil=st.booleans())
    def delete_row(self, index, row, every_row_of_the_pupil):
        def change(school):
            rows = ProvisionAssignment.objects.for_school(school)
            assignment = _nth(rows, row)
            if assignment is None:
                return
            if every_row_of_the_pupil:
                rows.filter(pupil=assignment.pupil_id).delete()
            else:
                assignment.delete()

        self.write(index, change)

    # --- Pupils -------------------------------------------------------------------------

    @rule(index=side, who=pick, left=st.one_of(st.none(), offset), bulk=st.booleans())
    def pupil_leaves(self, index, who, left, bulk):
        def change(school):
            pupil = _nth(Pupil.objects.for_school(school), who)
            if pupil is None:
                return
            left_date = None if left is None else _day(left)
            if left_date and pupil.on_roll_date and left_date < pupil.on_roll_date:
                left_date = pupil.on_roll_date
            if bulk:
                Pupil.objects.filter(pk=pupil.pk).update(left_date=left_date)
            else:
                pupil.left_date = left_date
                pupil.save()

        self.write(index, change)

    @rule(index=side, who=pick, joined=st.one_of(st.none(), offset))
    def pupil_joins_late(self, index, who, joined):
        def change(school):
            pupil = _nth(Pupil.objects.for_school(school), who)
            if pupil is None:
                return
            on_roll = None if joined is None else _day(joined)
            if on_roll and pupil.left_date and on_roll > pupil.left_date:
                on_roll = pupil.left_date
            pupil.on_roll_date = on_roll
            pupil.save()

        self.write(index, change)

    @rule(
        index=side,
        sen=st.sampled_from(["E", "K", "N"]),
        year_group=st.sampled_from(["R", "3", "5"]),
        joined=st.one_of(st.none(), offset),
        service=st.booleans(),
    )
    def add_pupil(self, index, sen, year_group, joined, service):
        def change(school):
            on_roll = None if joined is None else _day(joined)
            if service:
                pupil_services.pupil_register(
                    school=school,
                    forename="New",
                    surname="Pupil",
                    date_of_birth=dt.date(2017, 5, 2),
                    year_group=year_group,
                    on_roll_date=on_roll,
                    sen_code=sen,
                    primary_need="MLD" if sen != "N" else None,
                    start_date=dt.date(2024, 9, 1),
                    in_unit=True,
                )
            else:
                pupil = PupilFactory(school=school, year_group=year_group, on_roll_date=on_roll)
                SenStatusFactory(pupil=pupil, code=sen, start_date=dt.date(2024, 9, 1))

        self.write(index, change)

    @rule(index=side, who=pick)
    def delete_pupil(self, index, who):
        def change(school):
            pupil = _nth(Pupil.objects.for_school(school), who)
            if pupil is not None:
                FundingSource.objects.filter(pupil=pupil).delete()
                pupil.delete()

        self.write(index, change)

    @rule(index=side, who=pick, code=st.sampled_from(["E", "K", "N"]), start=offset)
    def sen_status_changes(self, index, who, code, start):
        def change(school):
            pupil = _nth(Pupil.objects.for_school(school), who)
            if pupil is None:
                return
            current = SenStatus.objects.filter(pupil=pupil, end_date__isnull=True).first()
            begins = _day(start)
            if current is not None and begins <= current.start_date:
                begins = current.start_date + dt.timedelta(days=1)
            # A change the service refuses (an overlapping record) writes nothing.
            with contextlib.suppress(ValidationError):
                pupil_services.sen_status_change(
                    school=school,
                    pupil=pupil,
                    code=code,
                    start_date=begins,
                    primary_need="SPLD" if code != "N" else None,
                )

        self.write(index, change)

    @rule(index=side, who=pick, year_group=st.sampled_from(["1", "4", "6"]), unit=st.booleans())
    def pupil_moves_year_group_or_unit(self, index, who, year_group, unit):
        def change(school):
            pupil = _nth(Pupil.objects.for_school(school), who)
            if pupil is not None:
                Pupil.objects.filter(pk=pupil.pk).update(year_group=year_group, in_unit=unit)

        self.write(index, change)

    # --- Staff rates, the catalogue, the school ----------------------------------------

    @rule(index=side, role=pick, year=st.integers(2024, 2027), actual=rate)
    def rate_added(self, index, role, year, actual):
        def change(school):
            staff_role = _nth(StaffRole.objects.for_school(school), role)
            if not StaffRate.objects.filter(staff_role=staff_role, academic_year=year).exists():
                StaffRateFactory(
                    staff_role=staff_role,
                    academic_year=year,
                    actual_hourly_rate=actual,
                    la_standard_hourly_rate=actual - Decimal("2.05"),
                )

        self.write(index, change)

    @rule(index=side, which=pick, actual=rate, la=rate, bulk=st.booleans())
    def rate_changed(self, index, which, actual, la, bulk):
        def change(school):
            staff_rate = _nth(StaffRate.objects.filter(school=school), which)
            if staff_rate is None:
                return
            if bulk:
                StaffRate.objects.filter(pk=staff_rate.pk).update(
                    actual_hourly_rate=actual, la_standard_hourly_rate=la
                )
            else:
                staff_rate.actual_hourly_rate = actual
                staff_rate.la_standard_hourly_rate = la
                staff_rate.save()

        self.write(index, change)

    @rule(index=side, which=pick)
    def rate_deleted(self, index, which):
        def change(school):
            staff_rate = _nth(StaffRate.objects.filter(school=school), which)
            if staff_rate is not None:
                staff_rate.delete()

        self.write(index, change)

    @rule(
        index=side,
        which=pick,
        what=st.sampled_from(["service", "resources", "role", "bought_in"]),
        amount=pennies,
        role=pick,
    )
    def provision_costing_changed(self, index, which, what, amount, role):
        def change(school):
            provision = _nth(Provision.objects.for_school(school), which)
            if what == "service":
                provision.service_annual_cost = amount
            elif what == "resources":
                provision.resource_cost_per_pupil = amount
            elif what == "role":
                provision.staff_role = _nth(StaffRole.objects.for_school(school), role)
            else:
                provision.staff_role = None
                provision.service_annual_cost = amount
            provision.save()

        self.write(index, change)

    @rule(index=side, basis=st.sampled_from(["actual", "la_standard"]), bulk=st.booleans())
    def costing_basis_changed(self, index, basis, bulk):
        def change(school):
            if bulk:
                School.objects.filter(pk=school.pk).update(costing_basis=basis)
            else:
                school.costing_basis = basis
                school.save()

        self.write(index, change)

    @rule(index=side, which=st.integers(0, len(BLOCKS) - 1), service=st.booleans())
    def term_dates_changed(self, index, which, service):
        """Add the block, or remove it if the school has it: by the term-dates service, or
        as it does (the block, then calendar_year_refresh)."""
        start, end, kind = BLOCKS[which]

        def change(school):
            block = TermBlock.objects.filter(
                school=school, start_date=start, end_date=end, kind=kind
            ).first()
            if service:
                if block is None:
                    term_dates.term_block_add(
                        school=school, start_date=start, end_date=end, kind=kind
                    )
                else:
                    term_dates.term_block_delete(school=school, block=block)
                return
            year = start.year if start.month >= 9 else start.year - 1
            if block is None:
                TermBlock.objects.create(
                    school=school, academic_year=year, start_date=start, end_date=end, kind=kind
                )
            else:
                block.delete()
            calendar_year_refresh(school=school, year=year)

        self.write(index, change)

    @rule(
        index=side,
        who=pick,
        what=pick,
        start=offset,
        length=maybe_length,
        hours=hours,
        group=group,
        year=st.integers(2024, 2027),
        actual=rate,
    )
    def files_imported(self, index, who, what, start, length, hours, group, year, actual):
        """A provision map row and a staff rate row, through the CSV imports (all or nothing:
        a file the import refuses writes nothing)."""

        def change(school):
            pupil = _nth(Pupil.objects.for_school(school).exclude(upn=""), who)
            provision = _nth(Provision.objects.for_school(school), what)
            role = _nth(StaffRole.objects.for_school(school), what)
            import_staff_rates(
                school=school,
                data=(
                    "staff_role,academic_year,actual_hourly_rate,la_standard_hourly_rate\n"
                    f"{role.name},{year},{actual},{actual - 1}\n"
                ).encode(),
            )
            if pupil is None:
                return
            begins = _day(start)
            ends = _end(begins, length)
            staffed = provision.staff_role
            import_provision(
                school=school,
                data=(
                    "upn,provision,area,wave,staff_role,hourly_rate,hours_per_week,group_size,"
                    "weeks,start_date,end_date,status,service_annual_cost\n"
                    f"{pupil.upn},{provision.name},{provision.area},{provision.wave},"
                    f"{staffed.name if staffed else ''},{actual if staffed else ''},{hours},"
                    f"{group},38,{begins.isoformat()},{ends.isoformat() if ends else ''},"
                    f"{'ended' if ends else 'in place'},"
                    f"{'' if staffed else provision.service_annual_cost}\n"
                ).encode(),
                on=begins,
            )

        self.write(index, change)

    # --- Funding ------------------------------------------------------------------------

    @rule(
        index=side,
        top_up=st.booleans(),
        who=pick,
        amount=pennies,
        start=offset,
        length=st.integers(0, 500),
        status=st.sampled_from(["expected", "confirmed", "received"]),
    )
    def funding_added(self, index, top_up, who, amount, start, length, status):
        def change(school):
            begins = _day(start)
            fields = {
                "school": school,
                "amount": amount,
                "period_start": begins,
                "period_end": begins + dt.timedelta(days=length),
                "status": status,
            }
            pupil = _nth(Pupil.objects.for_school(school), who)
            if top_up and pupil is not None:
                TopUpFactory(pupil=pupil, **fields)
            else:
                FundingSourceFactory(**fields)

        self.write(index, change)


def test_the_summary_gives_the_detail_to_the_penny_after_any_writes():
    run_state_machine_as_test(
        SummaryMachine,
        settings=settings(
            max_examples=12,
            stateful_step_count=12,
            deadline=None,
            # Each step costs real queries: report a failing run of steps as found (every step
            # is printed) rather than spend many minutes shrinking it.
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
