"""advocacy.summary: the figures other apps read."""

import datetime as dt
from decimal import Decimal

import pytest

from advocacy.summary import add_months, advocacy_summary, training_status
from sendfund.lib.periods import academic_year
from tests.advocacy.factories import AdvocacyActionFactory, TrainingRecordFactory

pytestmark = pytest.mark.django_db
YEAR = academic_year(2024)


def test_an_empty_school_has_zero_totals_and_no_success_rate(school):
    summary = advocacy_summary(school=school, period=YEAR)
    assert summary["actions_total"] == 0
    assert summary["requested_total"] == Decimal("0")
    assert summary["secured_total"] == Decimal("0")
    assert summary["success_rate"] is None
    assert summary["by_type"] == []


def test_summary_counts_stages_and_sums_money_for_actions_in_the_period(school, other_school):
    day = dt.date(2024, 11, 1)
    AdvocacyActionFactory(school=school, date=day, status="planned")
    AdvocacyActionFactory(
        school=school,
        date=day,
        status="successful",
        decision_date=day,
        amount_requested=Decimal("5000.00"),
        amount_secured=Decimal("4000.50"),
    )
    AdvocacyActionFactory(
        school=school,
        date=day,
        type="top_up",
        status="partly",
        decision_date=day,
        amount_requested=Decimal("3000.00"),
        amount_secured=Decimal("1000.25"),
    )
    AdvocacyActionFactory(
        school=school,
        date=day,
        type="top_up",
        status="unsuccessful",
        decision_date=day,
        amount_requested=Decimal("2000.00"),
    )
    AdvocacyActionFactory(school=school, date=day, status="awaiting")
    AdvocacyActionFactory(school=school, date=dt.date(2023, 1, 1), amount_requested=Decimal("9"))
    AdvocacyActionFactory(school=other_school, date=day, amount_requested=Decimal("99"))

    summary = advocacy_summary(school=school, period=YEAR)

    assert summary["actions_total"] == 5
    assert summary["actions_open"] == 2
    assert summary["submitted"] == 4
    assert summary["decided"] == 3
    assert summary["successful"] == 2
    assert summary["success_rate"] == Decimal("200") / Decimal("3")
    assert summary["requested_total"] == Decimal("10000.00")
    assert summary["secured_total"] == Decimal("5000.75")
    assert [row["type"] for row in summary["by_type"]] == ["top_up", "grant"]
    top_up = summary["by_type"][0]
    assert top_up["label"] == "Top-up request"
    assert (top_up["count"], top_up["requested"], top_up["secured"]) == (
        2,
        Decimal("5000.00"),
        Decimal("1000.25"),
    )


def test_summary_takes_two_queries_whatever_the_number_of_actions(
    school, django_assert_num_queries
):
    AdvocacyActionFactory.create_batch(3, school=school)
    with django_assert_num_queries(2):
        advocacy_summary(school=school, period=YEAR)
    AdvocacyActionFactory.create_batch(10, school=school, type="mp_letter")
    with django_assert_num_queries(2):
        advocacy_summary(school=school, period=YEAR)


def test_training_status_warns_when_the_senco_deadline_is_within_six_months(school):
    today = dt.date(2026, 5, 1)
    TrainingRecordFactory(school=school, appointment_date=dt.date(2023, 9, 1))
    status = training_status(school=school, today=today)
    assert status["senco_qualified"] is False
    assert status["senco_deadline"] == dt.date(2026, 9, 1)
    assert status["deadline_within_6_months"] is True
    assert status["in_progress"] == 1
    assert status["overdue"] == 0


def test_training_status_does_not_warn_further_than_six_months_out(school):
    TrainingRecordFactory(school=school, appointment_date=dt.date(2024, 9, 1))
    status = training_status(school=school, today=dt.date(2027, 2, 28))
    assert status["senco_deadline"] == dt.date(2027, 9, 1)
    assert status["deadline_within_6_months"] is False
    assert training_status(school=school, today=dt.date(2027, 3, 1))["deadline_within_6_months"]


def test_a_completed_senco_qualification_gives_no_warning(school):
    TrainingRecordFactory(
        school=school,
        appointment_date=dt.date(2023, 9, 1),
        status="completed",
        completion_date=dt.date(2025, 7, 1),
    )
    status = training_status(school=school, today=dt.date(2026, 5, 1))
    assert status["senco_qualified"] is True
    assert status["senco_deadline"] is None
    assert status["deadline_within_6_months"] is False


def test_overdue_counts_courses_not_complete_past_their_deadline(school):
    TrainingRecordFactory(school=school, appointment_date=dt.date(2022, 9, 1))
    status = training_status(school=school, today=dt.date(2025, 9, 2))
    assert status["overdue"] == 1
    assert status["deadline_within_6_months"] is True


def test_add_months_clamps_to_the_end_of_a_short_month():
    assert add_months(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2025, 12, 15), 1) == dt.date(2026, 1, 15)


# From 1 September 2024 a new SENCO needs the NPQ for SENCOs; NASENCO counts only when it was
# started before then (docs/domain.md section 7).


def test_nasenco_started_after_1_september_2024_does_not_qualify_a_senco(school):
    TrainingRecordFactory(
        school=school,
        qualification="nasenco",
        appointment_date=dt.date(2025, 1, 6),
        start_date=dt.date(2025, 2, 3),
        completion_date=dt.date(2026, 7, 10),
        status="completed",
        deadline=dt.date(2028, 1, 6),
    )
    status = training_status(school=school, today=dt.date(2027, 9, 1))
    assert status["senco_qualified"] is False
    # The SENCO still has to qualify by 3 years from appointment, and is warned within 6 months.
    assert status["senco_deadline"] == dt.date(2028, 1, 6)
    assert status["deadline_within_6_months"] is True


def test_nasenco_started_before_1_september_2024_still_counts(school):
    TrainingRecordFactory(
        school=school,
        qualification="nasenco",
        appointment_date=dt.date(2024, 1, 8),
        start_date=dt.date(2024, 6, 3),
        completion_date=dt.date(2025, 12, 12),
        status="completed",
    )
    status = training_status(school=school, today=dt.date(2026, 5, 1))
    assert status["senco_qualified"] is True
    assert status["senco_deadline"] is None


@pytest.mark.parametrize(
    ("start", "counts"),
    [(dt.date(2024, 8, 31), True), (dt.date(2024, 9, 1), False), (None, False)],
)
def test_the_nasenco_cut_off_is_the_start_date_31_august_counts_1_september_does_not(
    school, start, counts
):
    record = TrainingRecordFactory(
        school=school,
        qualification="nasenco",
        appointment_date=dt.date(2024, 7, 1),
        start_date=start,
        completion_date=dt.date(2026, 6, 30) if start else None,
        status="completed" if start else "in_progress",
    )
    assert record.counts_as_qualification is counts
    assert record.late_nasenco is (not counts)
    status = training_status(school=school, today=dt.date(2026, 7, 1))
    assert status["senco_qualified"] is (counts and record.status == "completed")


def test_a_nasenco_with_no_start_date_counts_when_completed_before_the_cut_off(school):
    record = TrainingRecordFactory(
        school=school,
        qualification="nasenco",
        appointment_date=dt.date(2019, 9, 1),
        start_date=None,
        completion_date=dt.date(2021, 7, 9),
        status="completed",
    )
    assert record.counts_as_qualification is True
    assert training_status(school=school, today=dt.date(2026, 5, 1))["senco_qualified"] is True


def test_the_npq_for_sencos_counts_whenever_it_starts(school):
    TrainingRecordFactory(
        school=school,
        appointment_date=dt.date(2025, 1, 6),
        start_date=dt.date(2025, 2, 3),
        completion_date=dt.date(2026, 7, 10),
        status="completed",
    )
    assert training_status(school=school, today=dt.date(2026, 9, 1))["senco_qualified"] is True
