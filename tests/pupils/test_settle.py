"""A write's own transaction leaves the summaries current (pupils.summaries.settle).

Every request that may write runs in one transaction ending with `settle`
(SummaryMiddleware): the term-cost rows the triggers marked are re-costed and the gap
summaries the triggers deleted are built again (with the trust view's rows and the
projection), before the write commits. So straight after
a POST, with no read in between, the term costs are the detail's and the term's summary is
there with the new figure; a view that raises after writing leaves detail and summaries as
they were; an import settles in its own transaction.

The figures, by hand: a teaching assistant at 19.00 an hour, 5 hours a week, alone, costs
19.00 x 5 / 5 / 1 = 19.00 a school day; the autumn term of 2025/26 on the default calendar
has 72 school days (3 September to 19 December 2025), so the row costs 72 x 19.00 =
1,368.00 in the term.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from funding.gap import compute_gap, pupil_threshold_rows
from funding.summary_models import PeriodSummary, PeriodSummaryPending, PupilPeriodSummary
from pupils import summaries
from pupils.models import ProvisionAssignment, Pupil, StaffRate
from pupils.summary_models import ProvisionYearCost, SummaryPending, TermNumber
from sendfund.lib.money import to_pennies
from sendfund.lib.periods import Period, term
from tests.clock import frozen_on
from tests.factories import (
    ProvisionAssignmentFactory,
    ProvisionFactory,
    PupilFactory,
    SenStatusFactory,
    StaffRateFactory,
    StaffRoleFactory,
)
from tests.test_lost_updates import form_data

pytestmark = pytest.mark.django_db

AUTUMN = term(2025, "autumn")
TODAY = dt.date(2025, 10, 15)  # a Wednesday in the autumn term: the dashboard's current term


_in_autumn_2025 = frozen_on(TODAY, tick=False)


def _pupil_with_ta(school, *, upn: str = "") -> Pupil:
    """A pupil on SEN support with 5 hours a week of a TA alone: 19.00 a school day."""
    role = StaffRoleFactory(school=school, name="Teaching assistant")
    if not StaffRate.objects.filter(staff_role=role, academic_year=2025).exists():
        StaffRateFactory(
            staff_role=role,
            academic_year=2025,
            la_standard_hourly_rate=Decimal("19.00"),
            actual_hourly_rate=Decimal("19.00"),
        )
    provision = ProvisionFactory(school=school, staff_role=role, area="CL", wave=2)
    pupil = PupilFactory(school=school, **({"upn": upn} if upn else {}))
    SenStatusFactory(pupil=pupil, code="K", start_date=dt.date(2020, 9, 1))
    ProvisionAssignmentFactory(
        pupil=pupil,
        provision=provision,
        start_date=dt.date(2024, 9, 1),
        hours_per_week=Decimal("5.00"),
        group_size=1,
    )
    return pupil


def _gaps(school) -> dict:
    """The school's stored gap summaries: (start, end) -> (id, need)."""
    return {
        (s.start, s.end): (s.pk, s.need)
        for s in PeriodSummary.objects.filter(school=school, kind=PeriodSummary.Kind.GAP)
    }


# A held year cost, column by column (also read by tests/funding/test_summary_state.py).
YEAR_COST_FIELDS = (
    "assignment_id",
    "academic_year",
    "daily_cost",
    "autumn_days",
    "spring_days",
    "summer_days",
)


def _autumn_cost(row: ProvisionAssignment) -> Decimal:
    cost = ProvisionYearCost.objects.get(assignment=row, academic_year=2025)
    return cost.term_cost(TermNumber.AUTUMN)


def _read_the_dashboard(client, school) -> dict:
    """A GET of the dashboard stores the current term's summary (and any other it reads)."""
    assert client.get(reverse("funding:dashboard")).status_code == 200
    held = _gaps(school)
    assert (AUTUMN.start, AUTUMN.end) in held
    return held


def _assert_settled(school, before: dict, need: Decimal) -> None:
    """No read since the write: nothing marked or waiting, every term-cost row the detail's,
    every gap summary held before the write whose period is under way today held again
    (built anew), the term's with `need` to the penny and equal to the detail in every field;
    those of past periods deleted (never stale), and built by the next read."""
    assert not SummaryPending.objects.filter(school=school).exists()
    assert not PeriodSummaryPending.objects.filter(school=school).exists()
    assert summaries.differences(school.pk) == []
    after = _gaps(school)
    current = {period for period in before if period[0] <= TODAY <= period[1]}
    assert (AUTUMN.start, AUTUMN.end) in current
    assert after.keys() == current
    for period, (pk, _need) in after.items():
        assert pk != before[period][0], f"{period} was not built again"
    past = sorted(before.keys() - current)
    if past:
        # The latest past period, read now: built from the (current) term costs, as the detail.
        start, end = past[-1]
        with summaries.detail_only():
            detail = compute_gap(school=school, period=Period(start, end))
        assert compute_gap(school=school, period=Period(start, end)) == detail
        assert (start, end) in _gaps(school)
        PeriodSummary.objects.filter(school=school, start=start, end=end).delete()
    assert to_pennies(after[(AUTUMN.start, AUTUMN.end)][1]) == need
    summary = PeriodSummary.objects.get(
        school=school, kind=PeriodSummary.Kind.GAP, start=AUTUMN.start, end=AUTUMN.end
    )
    assert PupilPeriodSummary.objects.filter(summary=summary).exists()
    held_gap = compute_gap(school=school, period=AUTUMN)  # read from the stored summary
    held_rows = pupil_threshold_rows(school=school, period=AUTUMN)
    assert _gaps(school) == after  # the read found them all and built nothing
    with summaries.detail_only():
        assert compute_gap(school=school, period=AUTUMN) == held_gap
        assert pupil_threshold_rows(school=school, period=AUTUMN) == held_rows


def _post_edit(client, url: str, changes: dict):
    """POST an edit page's own form back with `changes`, as a person would."""
    return client.post(url, form_data(client.get(url).context["form"]) | changes)


def test_a_provision_edit_leaves_the_term_costs_and_the_terms_summary_current(school, senco_client):
    pupil = _pupil_with_ta(school)
    row = pupil.provision.get()
    before = _read_the_dashboard(senco_client, school)
    # 72 school days x 19.00 = 1,368.00.
    assert to_pennies(before[(AUTUMN.start, AUTUMN.end)][1]) == Decimal("1368.00")
    url = reverse("pupils:assignment_edit", kwargs={"public_id": row.public_id})

    response = _post_edit(senco_client, url, {"hours_per_week": "10.00"})

    assert response.status_code == 302
    # 10 hours: 19.00 x 10 / 5 / 1 = 38.00 a school day; 72 x 38.00 = 2,736.00.
    assert to_pennies(_autumn_cost(row)) == Decimal("2736.00")
    _assert_settled(school, before, Decimal("2736.00"))


def test_a_staff_rate_change_leaves_the_term_costs_and_the_terms_summary_current(
    school, senco_client
):
    pupil = _pupil_with_ta(school)
    row = pupil.provision.get()
    rate = StaffRate.objects.get(staff_role=row.provision.staff_role, academic_year=2025)
    before = _read_the_dashboard(senco_client, school)
    url = reverse(
        "pupils:staff_rate_edit",
        kwargs={"public_id": rate.staff_role.public_id, "year": 2025},
    )

    response = _post_edit(
        senco_client, url, {"actual_hourly_rate": "20.00", "la_standard_hourly_rate": "20.00"}
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    # 20.00 x 5 / 5 / 1 = 20.00 a school day; 72 x 20.00 = 1,440.00.
    assert to_pennies(_autumn_cost(row)) == Decimal("1440.00")
    _assert_settled(school, before, Decimal("1440.00"))


def test_a_leaver_leaves_the_term_costs_and_the_terms_summary_current(school, senco_client):
    stays = _pupil_with_ta(school)
    leaves = _pupil_with_ta(school)
    row = leaves.provision.get()
    before = _read_the_dashboard(senco_client, school)
    # Two pupils, 1,368.00 each: 2,736.00.
    assert to_pennies(before[(AUTUMN.start, AUTUMN.end)][1]) == Decimal("2736.00")
    url = reverse("pupils:edit", kwargs={"public_id": leaves.public_id})

    # Leaves on Saturday 11 October 2025: on roll for the school days 3 September to
    # 10 October, 20 in September (3-5, 8-12, 15-19, 22-26, 29-30) and 8 in October (1-3,
    # 6-10): 28 days.
    response = _post_edit(senco_client, url, {"left_date": "2025-10-11"})

    assert response.status_code == 302
    # The leaver's row: 28 x 19.00 = 532.00; the term: 1,368.00 + 532.00 = 1,900.00.
    assert to_pennies(_autumn_cost(row)) == Decimal("532.00")
    assert to_pennies(_autumn_cost(stays.provision.get())) == Decimal("1368.00")
    _assert_settled(school, before, Decimal("1900.00"))


def test_the_trust_views_rows_and_the_projection_are_built_again_by_the_write(school, senco_client):
    """The trust view's headline and day rows and next year's projection, deleted by the
    write, are built again in its transaction: straight after it, with no read, each is held
    (new rows) and equals what the detail gives now; the trust view reads them and computes
    nothing."""
    from funding import gap_store
    from funding.gap import _project_next_year, project_next_year
    from reports.trust import day_figures, term_figures, trust_rows

    pupil = _pupil_with_ta(school)
    row = pupil.provision.get()
    trust_rows([school], today=TODAY)  # stores the term's headline and today's row
    project_next_year(school=school, today=TODAY)  # stores the projection made today
    kinds = (PeriodSummary.Kind.HEADLINE, PeriodSummary.Kind.DAY, PeriodSummary.Kind.PROJECTION)

    def held() -> dict:
        return {s.kind: s for s in PeriodSummary.objects.filter(school=school, kind__in=kinds)}

    before = held()
    assert before.keys() == set(kinds)
    url = reverse("pupils:assignment_edit", kwargs={"public_id": row.public_id})

    assert _post_edit(senco_client, url, {"hours_per_week": "10.00"}).status_code == 302

    after = held()
    assert after.keys() == set(kinds)
    for kind in kinds:
        assert after[kind].pk != before[kind].pk, f"{kind} was not built again"
    # The term's need: 72 school days x 38.00 (10 hours: 19.00 x 10 / 5 / 1) = 2,736.00.
    headline = after[PeriodSummary.Kind.HEADLINE]
    assert (headline.start, headline.end) == (AUTUMN.start, AUTUMN.end)
    assert to_pennies(headline.need) == Decimal("2736.00")
    with summaries.detail_only():
        ((need, pupils, sen, funding),) = term_figures([school], AUTUMN).values()
        assert (
            headline.need,
            headline.need_pupils,
            headline.sen_pupils,
            headline.funding,
            headline.funded_pupils,
            headline.funding_school_level,
        ) == (need, pupils, sen, funding["total"], funding["pupils"], funding["school_level"])
        assert after[PeriodSummary.Kind.DAY].figures == day_figures([school.pk], TODAY)[school.pk]
        detail = _project_next_year(school=school, today=TODAY)
    assert project_next_year(school=school, today=TODAY) == detail

    def refuse(missing):
        raise AssertionError(f"computed again: {missing}")

    gap_store.trust_figures([school], AUTUMN, TODAY, refuse, refuse)


def test_a_view_that_raises_after_writing_rolls_back_detail_and_summaries_together(
    school, senco_client, monkeypatch
):
    pupil = _pupil_with_ta(school)
    row = pupil.provision.get()
    before = _read_the_dashboard(senco_client, school)
    costs = sorted(ProvisionYearCost.objects.filter(school=school).values_list(*YEAR_COST_FIELDS))
    url = reverse("pupils:assignment_edit", kwargs={"public_id": row.public_id})
    data = form_data(senco_client.get(url).context["form"])

    def fail(*args, **kwargs):
        raise RuntimeError("after the write")

    # The service has written the row (and the triggers marked and deleted) when the view
    # calls messages.success: make that raise.
    monkeypatch.setattr("pupils.views.messages.success", fail)
    senco_client.raise_request_exception = False
    response = senco_client.post(url, data | {"hours_per_week": "10.00"})

    assert response.status_code == 500
    row.refresh_from_db()
    assert row.hours_per_week == Decimal("5.00")
    assert _gaps(school) == before  # the same rows, not rebuilt: the deletes rolled back
    assert not SummaryPending.objects.filter(school=school).exists()
    assert not PeriodSummaryPending.objects.filter(school=school).exists()
    assert (
        sorted(ProvisionYearCost.objects.filter(school=school).values_list(*YEAR_COST_FIELDS))
        == costs
    )
    # 1,368.00 still.
    assert to_pennies(_autumn_cost(row)) == Decimal("1368.00")


def test_a_refused_form_writes_nothing_and_keeps_the_summaries(school, senco_client):
    """A POST that writes nothing (the form refused) settles nothing: the summaries stay."""
    pupil = _pupil_with_ta(school)
    row = pupil.provision.get()
    before = _read_the_dashboard(senco_client, school)
    url = reverse("pupils:assignment_edit", kwargs={"public_id": row.public_id})

    response = _post_edit(senco_client, url, {"hours_per_week": "-1"})

    assert response.status_code in (200, 400)
    assert _gaps(school) == before


def test_an_import_settles_in_its_own_transaction(school):
    from pupils.imports.provision import import_provision

    _pupil_with_ta(school, upn="A123456789012")
    compute_gap(school=school, period=AUTUMN)  # the term's summary held: 1,368.00
    compute_gap(school=school, period=term(2024, "summer"))  # and last year's summer term
    before = _gaps(school)
    data = (
        b"upn,provision,area,staff_role,hourly_rate,hours_per_week,group_size,start_date\n"
        b"A123456789012,Speech group,CL,Teaching assistant,19.00,5,1,2025-09-01\n"
    )

    report = import_provision(school=school, data=data)

    assert report.applied, report.lines()
    # A second row, 5 hours of the same TA from 1 September: 72 x 19.00 = 1,368.00 more,
    # 2,736.00 in all.
    _assert_settled(school, before, Decimal("2736.00"))


def test_a_funding_import_builds_the_terms_summary_again(school):
    """The funding import uses the same report, so it settles too: the funding figure."""
    from funding.imports import import_funding

    _pupil_with_ta(school)
    compute_gap(school=school, period=AUTUMN)
    before = _gaps(school)
    data = (
        b"type,description,amount,period_start,period_end,status\n"
        b"notional_sen,Notional SEN budget,3650.00,2025-09-01,2026-08-31,confirmed\n"
    )

    report = import_funding(school=school, data=data)

    assert report.applied, report.lines()
    assert not PeriodSummaryPending.objects.exists()
    summary = PeriodSummary.objects.get(
        school=school, kind=PeriodSummary.Kind.GAP, start=AUTUMN.start, end=AUTUMN.end
    )
    assert summary.pk != before[(AUTUMN.start, AUTUMN.end)][0]
    # 3,650.00 over the 365 calendar days of 1 September 2025 to 31 August 2026 is 10.00 a
    # day; the autumn term (1 September to 31 December) has 122 days: 1,220.00.
    assert to_pennies(summary.funding) == Decimal("1220.00")
    assert to_pennies(summary.need) == Decimal("1368.00")
    with summaries.detail_only():
        detail = compute_gap(school=school, period=AUTUMN)
    assert compute_gap(school=school, period=AUTUMN) == detail


@pytest.mark.django_db(transaction=True)
def test_the_request_commits_the_write_and_the_rebuilt_summary_together(school, senco_client):
    """With real transactions (not the test's savepoints): the request's own transaction
    commits the write with its summaries, and nothing is left for a later read to do."""
    pupil = _pupil_with_ta(school)
    row = pupil.provision.get()
    before = _read_the_dashboard(senco_client, school)
    url = reverse("pupils:assignment_edit", kwargs={"public_id": row.public_id})

    assert _post_edit(senco_client, url, {"hours_per_week": "10.00"}).status_code == 302

    # 72 x 38.00 = 2,736.00, as in the first test, here committed.
    _assert_settled(school, before, Decimal("2736.00"))
