"""The school-period summary (funding.summary_models, funding.gap_store): stored on first read,
deleted by the triggers in the transaction of every write to its inputs, never kept when a
write is under way, and always equal to the detail."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from funding import gap_store
from funding.gap import compute_gap, headline_series, pupil_threshold_rows
from funding.models import HighNeedsThreshold, PeriodSummary, PupilPeriodSummary
from pupils import summaries
from pupils.models import AssessmentRequest, Need, SenStatus
from sendfund.lib.money import to_pennies
from sendfund.lib.periods import academic_year, term
from sendfund.schools.models import SchoolDay
from tests.factories import (
    FundingSourceFactory,
    PupilFactory,
    SchoolFactory,
    StaffRateFactory,
    StaffRoleFactory,
)
from tests.funding.factories import TopUpFactory, pupil_with_provision

AUTUMN = term(2025, "autumn")
YEAR = academic_year(2025)


def _stored(school) -> int:
    return PeriodSummary.objects.filter(school=school).count()


def test_the_first_read_stores_the_period_and_the_next_costs_one_query(school):
    pupil = pupil_with_provision(school, annual_cost=Decimal("7600"))
    TopUpFactory(school=school, pupil=pupil)
    first = compute_gap(school=school, period=YEAR)
    assert _stored(school) == 1
    assert PupilPeriodSummary.objects.filter(summary__school=school).count() == 1
    with CaptureQueriesContext(connection) as ctx:
        again = compute_gap(school=school, period=YEAR)
    assert len(ctx.captured_queries) == 1
    assert again == first
    with summaries.detail_only():
        assert compute_gap(school=school, period=YEAR) == first
        detail_rows = pupil_threshold_rows(school=school, period=YEAR)
    assert pupil_threshold_rows(school=school, period=YEAR) == detail_rows
    # 7,600 a year bought in: 7,600.00 of need over the academic year.
    assert to_pennies(first.need) == Decimal("7600.00")


WRITES = {
    "a new pupil": lambda school, pupil: PupilFactory(school=school),
    "a pupil's year group": lambda school, pupil: (
        type(pupil).objects.filter(pk=pupil.pk).update(year_group="6")
    ),
    "a SEN status": lambda school, pupil: SenStatus.objects.filter(pupil=pupil).update(code="K"),
    "a need": lambda school, pupil: Need.objects.filter(pupil=pupil).update(code="SEMH"),
    "a provision row": lambda school, pupil: pupil.provision.update(hours_per_week=3),
    "the provision catalogue": lambda school, pupil: (
        pupil.provision.get().provision.__class__.objects.filter(school=school).update(area="SEMH")
    ),
    "a staff rate": lambda school, pupil: StaffRateFactory(
        school=school, staff_role=StaffRoleFactory(school=school)
    ),
    "funding": lambda school, pupil: FundingSourceFactory(school=school),
    "the school's settings": lambda school, pupil: (
        type(school).objects.filter(pk=school.pk).update(costing_basis="la_standard")
    ),
    "the school's days": lambda school, pupil: SchoolDay.objects.filter(
        pk__in=SchoolDay.objects.filter(school=school, academic_year=2025).values("pk")[:1]
    ).delete(),
    "an EHC needs assessment": lambda school, pupil: AssessmentRequest.objects.create(
        school=school, pupil=pupil, received_date=dt.date(2025, 9, 1)
    ),
}


@pytest.mark.parametrize("write", WRITES, ids=list(WRITES))
def test_every_write_to_an_input_deletes_that_schools_summaries_only(school, write):
    other = SchoolFactory()
    pupil = pupil_with_provision(school, annual_cost=Decimal("3800"))
    pupil_with_provision(other, annual_cost=Decimal("3800"))
    for target in (school, other):
        compute_gap(school=target, period=AUTUMN)
        compute_gap(school=target, period=YEAR)
    assert _stored(school) == 2 and _stored(other) == 2
    WRITES[write](school, pupil)
    assert _stored(school) == 0
    assert _stored(other) == 2
    # The next read stores the period again, equal to the detail.
    held = compute_gap(school=school, period=YEAR)
    with summaries.detail_only():
        assert compute_gap(school=school, period=YEAR) == held


def test_a_new_threshold_deletes_every_schools_summaries(school):
    other = SchoolFactory()
    for target in (school, other):
        pupil_with_provision(target, annual_cost=Decimal("3800"))
        compute_gap(school=target, period=YEAR)
    HighNeedsThreshold.objects.create(effective_from=dt.date(2025, 4, 1), amount=Decimal("7000"))
    assert not PeriodSummary.objects.exists()
    assert compute_gap(school=school, period=YEAR).threshold == Decimal("7000")


def test_a_custom_range_is_computed_from_the_detail_and_not_stored(school):
    from sendfund.lib.periods import Period

    pupil_with_provision(school, annual_cost=Decimal("3800"))
    compute_gap(school=school, period=Period(dt.date(2025, 9, 3), dt.date(2025, 10, 31)))
    assert _stored(school) == 0


@pytest.mark.django_db(transaction=True)
def test_a_read_while_a_write_is_under_way_is_served_but_not_kept(school):
    """A writer in another transaction has changed a provision row and not committed: the
    reader cannot see the change, so what it computes must not be kept, or it would outlive the
    write. The trigger holds the school's lock shared until the writer ends."""
    pupil = pupil_with_provision(school, annual_cost=Decimal("3800"))
    written, release = threading.Event(), threading.Event()

    def writer():
        try:
            with transaction.atomic():
                pupil.provision.update(end_date=dt.date(2025, 9, 30))
                written.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert written.wait(timeout=30)
        during = compute_gap(school=school, period=YEAR)
        assert to_pennies(during.need) == Decimal("3800.00")  # the write is not visible yet
        assert _stored(school) == 0
    finally:
        release.set()
        thread.join(timeout=30)
    after = compute_gap(school=school, period=YEAR)
    assert after.need < during.need
    assert _stored(school) == 1
    with summaries.detail_only():
        assert compute_gap(school=school, period=YEAR) == after


def test_a_summary_stored_by_another_version_of_the_engine_is_built_again(school):
    pupil_with_provision(school, annual_cost=Decimal("3800"))
    first = compute_gap(school=school, period=YEAR)
    PeriodSummary.objects.filter(school=school).update(figures={"need": "1"})
    assert compute_gap(school=school, period=YEAR) == first
    assert _stored(school) == 1


def test_the_trend_reads_need_and_funding_as_the_stored_gaps_hold_them(school):
    # The dashboard's trend reads the summary's need and funding columns, not its figures:
    # they must be the same numbers, unrounded, and a term not stored is built on the way.
    pupil = pupil_with_provision(school, annual_cost=Decimal("7600"))
    TopUpFactory(school=school, pupil=pupil)
    terms = [term(2025, name) for name in ("autumn", "spring", "summer")]
    compute_gap(school=school, period=terms[0])
    with CaptureQueriesContext(connection) as ctx:
        held = gap_store.stored_headlines(school, terms)
    verbs = [q["sql"].split()[0] for q in ctx]
    assert verbs.count("EXECUTE") == 1 and set(verbs) <= {"PREPARE", "EXECUTE"}
    assert list(held) == [terms[0]]
    series = headline_series(school=school, periods=terms)
    for period, headline in zip(terms, series, strict=True):
        gap = compute_gap(school=school, period=period)  # stored now: read back
        assert (headline.need, headline.funding) == (gap.need, gap.funding)
        assert headline.need == gap_store.stored(school, [period])[period].need
    # By hand: 7,600 a year over 190 school days is 40 a day; autumn 2025 has 72 of them.
    assert to_pennies(series[0].need) == Decimal("2880.00")


def test_a_periods_pupil_rows_are_found_only_for_the_threshold_they_were_drawn_with(school):
    pupil_with_provision(school, annual_cost=Decimal("7600"))
    assert gap_store.pupil_summary_id(school, YEAR, Decimal("6000")) is None  # not stored yet
    gap = compute_gap(school=school, period=YEAR)
    summary = PeriodSummary.objects.get(school=school, start=YEAR.start, end=YEAR.end)
    assert gap.threshold == Decimal("6000.00")
    assert gap_store.pupil_summary_id(school, YEAR, Decimal("6000")) == summary.pk
    assert gap_store.pupil_summary_id(school, YEAR, Decimal("6000.01")) is None
    assert gap_store.pupil_summary_id(school, AUTUMN, Decimal("6000")) is None


def test_a_projection_is_stored_once_read_back_the_same_and_made_again_if_unreadable(school):
    from funding.gap import _project_next_year, project_next_year

    pupil_with_provision(school, annual_cost=Decimal("7600"))
    today = dt.date(2025, 11, 1)
    made = project_next_year(school=school, today=today)
    stored = PeriodSummary.objects.filter(school=school, kind=PeriodSummary.Kind.PROJECTION)
    assert stored.count() == 1
    with CaptureQueriesContext(connection) as ctx:
        again = project_next_year(school=school, today=today)
    assert again == made == _project_next_year(school=school, today=today)
    verbs = [q["sql"].split()[0] for q in ctx]
    assert verbs.count("EXECUTE") == 1 and set(verbs) <= {"PREPARE", "EXECUTE"}
    stored.update(figures={"made by": "another version"})
    assert project_next_year(school=school, today=today) == made
    assert stored.count() == 1 and "made by" not in stored.get().figures
