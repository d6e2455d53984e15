"""The term-cost summary (pupils.summary_models, pupils.summaries): which periods read it, the
triggers that mark it out of date in the writing transaction, the refresh before a read and at
the end of an import, and rebuild_summaries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F
from django.db.models.deletion import ProtectedError
from django.test.utils import CaptureQueriesContext

from funding.gap import compute_gap
from pupils import summaries
from pupils.models import (
    ProvisionAssignment,
    ProvisionYearCost,
    StaffRate,
    SummaryPending,
    SummaryYear,
)
from pupils.summaries import standard_terms
from pupils.summary_models import TermNumber
from sendfund.lib.money import to_pennies
from sendfund.lib.periods import Period, academic_year, financial_year, term
from sendfund.schools.calendar import calendar_year_refresh
from sendfund.schools.models import TermBlock
from tests.factories import (
    ProvisionAssignmentFactory,
    ProvisionFactory,
    PupilFactory,
    SchoolFactory,
    StaffRateFactory,
    StaffRoleFactory,
)
from tests.funding.factories import pupil_with_provision

AUTUMN_2025 = term(2025, "autumn")
YEAR_2025 = academic_year(2025)


def test_whole_terms_read_the_summary_and_other_ranges_the_detail():
    assert standard_terms(AUTUMN_2025) == [(2025, 1)]
    assert standard_terms(YEAR_2025) == [(2025, 1), (2025, 2), (2025, 3)]
    # A maintained school's financial year: summer 2024/25, autumn and spring 2025/26.
    assert standard_terms(financial_year(2025, academy=False)) == [(2024, 3), (2025, 1), (2025, 2)]
    assert standard_terms(Period(dt.date(2025, 9, 2), dt.date(2025, 12, 31))) is None
    assert standard_terms(Period(dt.date(2025, 9, 1), dt.date(2025, 12, 30))) is None
    assert standard_terms(Period(dt.date(2020, 9, 1), dt.date(2025, 8, 31))) is None  # 15 terms


def _marks(school) -> int:
    return SummaryPending.objects.filter(school=school).count()


def _need(school, period) -> Decimal:
    return compute_gap(school=school, period=period).need


def test_a_year_is_written_on_first_read_and_equals_the_detail(school):
    # 3,800 a year bought in over the 190-day default calendar: 20 a school day; autumn 2025
    # has 72 school days (1 Sep-31 Dec on the default calendar), so 1,440.00.
    pupil_with_provision(school, annual_cost=Decimal("3800"))
    assert not SummaryYear.objects.filter(school=school).exists()
    autumn = _need(school, AUTUMN_2025)
    assert SummaryYear.objects.filter(school=school, academic_year=2025).exists()
    # One row for the year, with the days of each of its three terms.
    held = ProvisionYearCost.objects.get(school=school, academic_year=2025)
    assert held.autumn_days == 72
    assert held.autumn_days + held.spring_days + held.summer_days == 190
    assert to_pennies(held.term_cost(TermNumber.AUTUMN)) == Decimal("1440.00")
    with summaries.detail_only():
        assert _need(school, AUTUMN_2025) == autumn
        detail_year = _need(school, YEAR_2025)
    assert _need(school, YEAR_2025) == detail_year
    assert to_pennies(detail_year) == Decimal("3800.00")


def test_each_write_marks_its_rows_in_its_own_transaction_and_the_next_read_recosts(school):
    pupil = pupil_with_provision(school, annual_cost=Decimal("3800"))
    before = _need(school, YEAR_2025)
    assert _marks(school) == 0
    row = pupil.provision.get()

    # A provision row's dates: marked; the next read re-costs it and agrees with the detail.
    row.end_date = dt.date(2025, 12, 31)
    row.save()
    assert _marks(school) == 1
    after = _need(school, YEAR_2025)
    assert _marks(school) == 0
    assert after < before
    with summaries.detail_only():
        assert _need(school, YEAR_2025) == after
    # Its outcome text is not a cost input: no mark.
    row.outcome = "Made progress"
    row.save()
    assert _marks(school) == 0

    # A pupil leaving.
    pupil.left_date = dt.date(2025, 10, 1)
    pupil.save()
    assert _marks(school) == 1
    left = _need(school, YEAR_2025)
    with summaries.detail_only():
        assert _need(school, YEAR_2025) == left
    assert left < after

    # The provision's annual cost.
    provision = row.provision
    provision.service_annual_cost = Decimal("7600")
    provision.save()
    assert _marks(school) == 1
    dearer = _need(school, YEAR_2025)
    assert dearer == left * 2


def test_rates_costing_basis_and_term_dates_mark_what_they_change(school):
    role = StaffRoleFactory(school=school)
    StaffRateFactory(
        school=school,
        staff_role=role,
        academic_year=2025,
        actual_hourly_rate=Decimal("20.00"),
        la_standard_hourly_rate=Decimal("18.00"),
    )
    provision = ProvisionFactory(school=school, staff_role=role, service_annual_cost=None)
    pupil = PupilFactory(school=school)
    ProvisionAssignmentFactory(
        pupil=pupil, provision=provision, start_date=dt.date(2025, 9, 1), hours_per_week=5
    )
    first = _need(school, YEAR_2025)

    def agrees():
        held = _need(school, YEAR_2025)
        with summaries.detail_only():
            assert _need(school, YEAR_2025) == held
        return held

    StaffRate.objects.filter(staff_role=role).update(actual_hourly_rate=Decimal("30.00"))
    assert _marks(school) == 1
    # 5 hours a week / 5 = 1 hour a school day: 190 days x 30 = 5,700 (was 190 x 20 = 3,800).
    assert to_pennies(agrees()) == Decimal("5700.00")
    assert to_pennies(first) == Decimal("3800.00")

    school.costing_basis = school.CostingBasis.LA_STANDARD
    school.save()
    assert _marks(school) == 1
    assert to_pennies(agrees()) == Decimal("3420.00")  # 190 x 18

    # The school's own term dates for 2025/26: one 10-day block (1-12 Sep 2025, weekdays).
    TermBlock.objects.create(
        school=school,
        academic_year=2025,
        start_date=dt.date(2025, 9, 1),
        end_date=dt.date(2025, 9, 12),
        kind="open",
    )
    calendar_year_refresh(school=school, year=2025)
    assert _marks(school) >= 1
    # 10 school days x 1 hour x 18 = 180.
    assert to_pennies(agrees()) == Decimal("180.00")


def test_one_schools_writes_leave_another_schools_summary_alone(school):
    other = SchoolFactory()
    pupil_with_provision(school, annual_cost=Decimal("3800"))
    theirs = pupil_with_provision(other, annual_cost=Decimal("1900"))
    _need(school, YEAR_2025), _need(other, YEAR_2025)
    row = theirs.provision.get()
    row.end_date = dt.date(2025, 9, 30)
    row.save()
    assert _marks(school) == 0
    assert _marks(other) == 1


def test_a_read_with_nothing_to_do_costs_one_query(school):
    pupil_with_provision(school, annual_cost=Decimal("3800"))
    summaries.ready([school.pk], [(2025, 1)])
    with CaptureQueriesContext(connection) as ctx:
        summaries.ready([school.pk], [(2025, 1)])
    assert len(ctx.captured_queries) == 1


def test_rebuild_check_finds_a_tampered_row_and_rebuild_mends_it(school):
    pupil_with_provision(school, annual_cost=Decimal("3800"))
    _need(school, YEAR_2025)
    out = StringIO()
    call_command("rebuild_summaries", "--check", stdout=out)
    assert "0 difference(s) found" in out.getvalue()

    ProvisionYearCost.objects.filter(school=school).update(autumn_days=1)
    with pytest.raises(CommandError, match="differs from the detail in 1 place"):
        call_command("rebuild_summaries", "--check", "--school", school.urn, stdout=StringIO())
    assert ProvisionYearCost.objects.get(school=school).autumn_days == 1  # unwritten

    out = StringIO()
    call_command("rebuild_summaries", "--school", school.urn, stdout=out)
    assert "1 difference(s) found and rebuilt" in out.getvalue()
    call_command("rebuild_summaries", "--check", stdout=StringIO())
    assert ProvisionYearCost.objects.get(school=school).autumn_days == 72


def test_a_rebuild_builds_again_the_period_summaries_built_from_the_mended_term_costs(school):
    # 3,800 a year over the 190-day default calendar is 20 a school day: the year costs
    # 3,800.00, its autumn term (72 school days, 1 Sep to 31 Dec 2025) 1,440.00.
    from funding.summary_models import PeriodSummary

    pupil_with_provision(school, annual_cost=Decimal("3800"))
    assert to_pennies(_need(school, YEAR_2025)) == Decimal("3800.00")
    # Tampered: one school day in autumn, not 72, so autumn costs 20 x 1 = 20.00, not 1,440.
    ProvisionYearCost.objects.filter(school=school).update(autumn_days=1)
    PeriodSummary.objects.filter(school=school).delete()
    # The year built from the tampered row: 3,800 - 1,440 + 20 = 2,380.00, and kept.
    assert to_pennies(_need(school, YEAR_2025)) == Decimal("2380.00")
    assert PeriodSummary.objects.filter(school=school).exists()

    call_command("rebuild_summaries", "--school", school.urn, stdout=StringIO())

    # The tampered summary is gone: the rebuild built the year again from the mended term
    # costs (pupils.summaries.settle), before any read: 3,800.00 again.
    rebuilt = PeriodSummary.objects.get(school=school)
    assert (rebuilt.start, rebuilt.end) == (YEAR_2025.start, YEAR_2025.end)
    assert to_pennies(rebuilt.need) == Decimal("3800.00")
    assert to_pennies(_need(school, YEAR_2025)) == Decimal("3800.00")


def test_an_import_recosts_its_rows_inside_its_own_transaction(school):
    from pupils.imports.provision import import_provision

    pupil = pupil_with_provision(school, annual_cost=Decimal("3800"))
    pupil.upn = "A123456789012"
    pupil.save()
    _need(school, YEAR_2025)  # hold 2025/26
    data = (
        b"upn,provision,area,staff_role,hourly_rate,hours_per_week,group_size,start_date\n"
        b"A123456789012,Reading catch-up,CL,Teaching assistant,19.00,5,1,2025-09-01\n"
    )
    report = import_provision(school=school, data=data)
    assert report.applied, report.lines()
    assert _marks(school) == 0  # re-costed before the import's transaction ended
    held = ProvisionYearCost.objects.filter(school=school, academic_year=2025).count()
    assert held == 2  # two rows, each with its three terms' days
    assert summaries.differences(school.pk) == []


def test_after_a_post_the_middleware_recosts_the_schools_marks_and_a_get_leaves_them(school, rf):
    from django.http import HttpResponse

    pupil = pupil_with_provision(school, annual_cost=Decimal("3800"))
    _need(school, YEAR_2025)
    row = pupil.provision.get()
    row.hours_per_week = 2
    row.save()
    assert _marks(school) == 1
    middleware = summaries.SummaryMiddleware(lambda request: HttpResponse("ok"))
    for method, left in (("get", 1), ("post", 0)):
        request = getattr(rf, method)("/")
        request.school = school
        middleware(request)
        assert _marks(school) == left
    assert summaries.differences(school.pk) == []


def test_rebuild_ahead_holds_this_academic_year_and_the_next(school):
    from sendfund.lib.periods import academic_year_start

    pupil_with_provision(school, annual_cost=Decimal("3800"))
    year = academic_year_start(dt.date.today())
    assert not SummaryYear.objects.filter(school=school).exists()
    call_command("rebuild_summaries", "--ahead", stdout=StringIO())
    held = set(SummaryYear.objects.filter(school=school).values_list("academic_year", flat=True))
    assert held == {year, year + 1}
    assert summaries.differences(school.pk) == []
    with pytest.raises(CommandError, match="without --check"):
        call_command("rebuild_summaries", "--ahead", "--check", stdout=StringIO())


def test_a_row_moved_to_another_year_leaves_the_old_year_and_is_costed_in_the_new(school):
    """A re-costing writes only the years its rows can reach, but first removes every held
    year's old costs of those rows: a row moved out of a year is gone from it."""
    pupil = pupil_with_provision(
        school, annual_cost=Decimal("3800"), start=dt.date(2025, 9, 1), end=dt.date(2026, 7, 20)
    )
    _need(school, YEAR_2025)
    _need(school, academic_year(2026))  # hold 2025/26 and 2026/27
    row = pupil.provision.get()
    assert ProvisionYearCost.objects.filter(assignment=row, academic_year=2025).count() == 1
    assert not ProvisionYearCost.objects.filter(assignment=row, academic_year=2026).exists()

    row.start_date, row.end_date = dt.date(2026, 9, 1), dt.date(2026, 12, 18)
    row.save()
    with CaptureQueriesContext(connection) as ctx:
        summaries.refresh(school.pk)

    held = ProvisionYearCost.objects.filter(assignment=row)
    # 2026/27's autumn term only: 2025/26 gone, no days in spring or summer.
    assert list(held.values_list("academic_year", "spring_days", "summer_days")) == [
        (2026, None, None)
    ]
    assert held.get().autumn_days > 0
    assert summaries.differences(school.pk) == []
    inserts = [q for q in ctx.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1  # 2026/27 only, its three terms in one statement


def test_a_years_term_costs_in_one_pass_equal_each_terms_own_costing(school):
    """The term costs a year's one pass writes (with_term_costs, then _insert_terms's daily ×
    days) against costed(term) (the detail), term by term, for rows that run whole terms,
    start or end inside one, belong to a pupil who joins or leaves during the year, or run in
    no term of the year at all."""
    from pupils.models import ProvisionAssignment

    role = StaffRoleFactory(school=school)
    StaffRateFactory(staff_role=role, academic_year=2025, actual_hourly_rate=Decimal("18.50"))
    provision = ProvisionFactory(school=school, staff_role=role)
    whole = ProvisionAssignmentFactory(
        pupil=PupilFactory(school=school), provision=provision, hours_per_week=Decimal("2.00")
    )
    ProvisionAssignmentFactory(  # starts in spring, ends in summer
        pupil=PupilFactory(school=school),
        provision=provision,
        start_date=dt.date(2026, 2, 11),
        end_date=dt.date(2026, 6, 3),
    )
    ProvisionAssignmentFactory(  # a pupil who joins in October and leaves in March
        pupil=PupilFactory(
            school=school, on_roll_date=dt.date(2025, 10, 6), left_date=dt.date(2026, 3, 11)
        ),
        provision=provision,
        group_size=3,
    )
    ProvisionAssignmentFactory(  # ended before the year: in no term of it
        pupil=PupilFactory(school=school), provision=provision, end_date=dt.date(2025, 7, 18)
    )
    ProvisionYearCost.objects.filter(school=school).delete()
    with CaptureQueriesContext(connection) as ctx:
        summaries._insert_terms(school.pk, 2025, None)
    assert sum("INSERT INTO pupils_provisionyearcost" in q["sql"] for q in ctx) == 1
    terms = [term(2025, name) for name in summaries.TERMS]
    for i, period in enumerate(terms, start=1):
        detail = {
            pk: (cost, days)
            for pk, cost, days in ProvisionAssignment.objects.costed(period, school).values_list(
                "pk", "period_cost", "school_days"
            )
        }
        held = {
            row.assignment_id: (row.term_cost(i), row.term_days(i))
            for row in ProvisionYearCost.objects.filter(school=school, academic_year=2025)
            if row.term_days(i) is not None
        }
        assert held == detail, period
        assert len(detail) == [2, 3, 2][i - 1], period
    # By hand, autumn 2025 (72 school days on the default calendar): 18.50 × 2 h ÷ 5 ÷ 1 =
    # 7.40 a school day × 72 = 532.80.
    year = ProvisionYearCost.objects.get(assignment=whole, academic_year=2025)
    assert year.daily_cost == Decimal("7.40")
    assert year.autumn_days == 72
    assert to_pennies(year.term_cost(TermNumber.AUTUMN)) == Decimal("532.80")


def test_term_costs_carry_their_rows_school_and_cannot_outlive_it(school):
    # The school column is copied from the provision row and not checked by a foreign key
    # of its own (pupils.summary_models): it must match the row's, and no term cost may stay
    # behind its school: a school with provision rows cannot be deleted, and deleting the
    # rows (their foreign key is checked) takes their term costs with them.
    other = SchoolFactory()
    for s in (school, other):
        pupil_with_provision(s, annual_cost=Decimal("3800"))
        _need(s, YEAR_2025)
    costs = ProvisionYearCost.objects.all()
    assert costs.filter(school=school).count() == 1
    assert costs.filter(school=other).count() == 1
    assert not costs.exclude(school_id=F("assignment__school_id")).exists()
    with pytest.raises(ProtectedError):
        school.delete()
    ProvisionAssignment.objects.filter(school=school).delete()
    assert not costs.filter(school=school).exists()
    assert costs.filter(school=other).count() == 1


def test_a_recosting_scope_selects_the_marked_rows_by_array_or_by_join(school, monkeypatch):
    # A few keys are matched with `= ANY(array)` where the column is read, many with
    # `IN (SELECT unnest(array))`, which PostgreSQL joins (pupils.summaries.ANY_OF_LIMIT);
    # both select the same rows: those marked, and every row of a marked pupil or provision.
    provision = ProvisionFactory(school=school)
    marked, other = ProvisionAssignmentFactory.create_batch(2, school=school)
    of_pupil = ProvisionAssignmentFactory(school=school, pupil=other.pupil)
    of_provision = ProvisionAssignmentFactory(school=school, provision=provision)
    ProvisionAssignmentFactory(school=school)  # not in the scope
    rows = ProvisionAssignment.objects.filter(school=school)
    wanted = {marked.pk, other.pk, of_pupil.pk, of_provision.pk}
    for limit, form in ((5_000, "= ANY("), (0, "unnest(")):
        monkeypatch.setattr(summaries, "ANY_OF_LIMIT", limit)
        scope = summaries._scope({marked.pk}, {other.pupil_id}, {provision.pk})
        selected = rows.filter(scope)
        assert str(selected.query).count(form) == 3, limit
        assert set(selected.values_list("pk", flat=True)) == wanted, limit
