import datetime as dt
from decimal import Decimal

import pytest

from pupils import clocks
from pupils.models import AnnualReview, AssessmentRequest
from sendfund.lib.periods import Period, academic_year
from tests.factories import PupilFactory
from tests.pupils.factories import AnnualReviewFactory, AssessmentRequestFactory

pytestmark = pytest.mark.django_db
D = dt.date


def test_assessment_deadlines_are_weeks_6_16_and_20_from_the_received_date():
    req = AssessmentRequest(received_date=D(2026, 1, 5))
    assert (req.decision_due, req.draft_due, req.final_due) == (
        D(2026, 2, 16),
        D(2026, 4, 27),
        D(2026, 5, 25),
    )


def test_the_sql_deadlines_match_the_model_properties(school):
    AssessmentRequestFactory(pupil__school=school, received_date=D(2026, 1, 5))
    row = AssessmentRequest.objects.for_school(school).with_deadlines().get()
    assert (row.decision_deadline, row.draft_deadline, row.final_deadline) == (
        D(2026, 2, 16),
        D(2026, 4, 27),
        D(2026, 5, 25),
    )


def test_a_final_plan_on_day_140_is_on_time_and_day_141_is_late():
    on_time = AssessmentRequest(received_date=D(2026, 1, 5), final_plan_date=D(2026, 5, 25))
    late = AssessmentRequest(received_date=D(2026, 1, 5), final_plan_date=D(2026, 5, 26))
    assert on_time.final_within_20_weeks is True
    assert late.final_within_20_weeks is False


def test_an_open_request_is_overdue_only_after_week_20_and_without_an_exception():
    req = AssessmentRequest(received_date=D(2026, 1, 5))
    assert not req.final_overdue(D(2026, 5, 25))
    assert req.final_overdue(D(2026, 5, 26))
    req.exception = "school_closed"
    assert not req.final_overdue(D(2026, 5, 26))


def test_review_due_dates_are_12_months_or_6_for_under_fives():
    assert AnnualReview.due_after(D(2025, 8, 31), under_five=False) == D(2026, 8, 31)
    assert AnnualReview.due_after(D(2025, 8, 31), under_five=True) == D(2026, 2, 28)


def test_review_clocks_run_from_the_meeting_date():
    review = AnnualReview(
        previous_date=D(2025, 3, 1),
        due_date=D(2026, 3, 1),
        meeting_date=D(2026, 2, 10),
        la_decision="amend",
        la_decision_date=D(2026, 3, 5),
    )
    assert review.papers_due == D(2026, 1, 27)
    assert review.report_due == D(2026, 2, 24)
    assert review.la_decision_due == D(2026, 3, 10)
    assert review.amended_plan_due == D(2026, 4, 30)


def test_timeliness_counts_a_year_of_requests_and_reviews(school, other_school):
    year = academic_year(2025)  # 1/9/2025 - 31/8/2026
    pupil = PupilFactory(school=school)
    make = AssessmentRequestFactory
    make(
        pupil=pupil,
        received_date=D(2025, 9, 1),
        decision="assess",
        decision_date=D(2025, 10, 10),
        final_plan_date=D(2026, 1, 19),
        status="plan_issued",
    )
    make(
        pupil=pupil,
        received_date=D(2025, 9, 1),
        decision="assess",
        decision_date=D(2025, 10, 13),
        final_plan_date=D(2026, 1, 20),
        status="plan_issued",
    )
    make(pupil=pupil, received_date=D(2025, 10, 1))  # open, past week 20 on 1/6/2026
    make(pupil=pupil, received_date=D(2025, 10, 1), exception="child_away")  # excused
    make(pupil=pupil, received_date=D(2026, 5, 1))  # open, not yet due
    make(pupil=PupilFactory(school=other_school), received_date=D(2025, 10, 1))
    AnnualReviewFactory(pupil=pupil, due_date=D(2026, 3, 1))  # overdue on 1/6/2026
    AnnualReviewFactory(pupil=pupil, due_date=D(2026, 3, 1), meeting_date=D(2026, 2, 20))
    AnnualReviewFactory(pupil=pupil, due_date=D(2026, 9, 1))  # after the year

    result = clocks.assessment_timeliness(school=school, period=year, today=D(2026, 6, 1))

    assert result == {
        "requests_received": 5,
        "decisions_made": 2,
        "final_plans_issued": 2,
        "final_within_20_weeks": 1,
        "final_within_20_weeks_pct": Decimal(50),
        "open_overdue": 1,
        "reviews_due": 2,
        "reviews_overdue": 1,
    }


def test_timeliness_with_no_plans_has_no_percentage(school, django_assert_num_queries):
    with django_assert_num_queries(2):
        result = clocks.assessment_timeliness(
            school=school, period=Period(D(2026, 1, 1), D(2026, 3, 31)), today=D(2026, 6, 1)
        )
    assert result["final_plans_issued"] == 0
    assert result["final_within_20_weeks_pct"] is None


def test_the_compiled_counts_agree_with_the_querysets_day_by_day(school, other_school):
    # The counts are compiled once with stand-in values: each call must use its own school
    # and days. Received 5/1/2026, week 20 ends 25/5/2026 (5/1 + 140 days): overdue from
    # 26/5. The review is due 1/3/2026: overdue from 2/3.
    AssessmentRequestFactory(pupil__school=school, received_date=D(2026, 1, 5))
    AnnualReviewFactory(pupil=PupilFactory(school=school), due_date=D(2026, 3, 1))
    year = academic_year(2025)
    for today, overdue, review_overdue in [
        (D(2026, 3, 1), 0, 0),
        (D(2026, 3, 2), 0, 1),
        (D(2026, 5, 25), 0, 1),
        (D(2026, 5, 26), 1, 1),
    ]:
        result = clocks.assessment_timeliness(school=school, period=year, today=today)
        assert (result["open_overdue"], result["reviews_overdue"]) == (overdue, review_overdue)
        requests = AssessmentRequest.objects.for_school(school)
        reviews = AnnualReview.objects.for_school(school)
        assert result["open_overdue"] == requests.overdue(today).count()
        assert result["reviews_overdue"] == reviews.overdue(today).count()
        assert result["requests_received"] == 1 and result["reviews_due"] == 1
    elsewhere = clocks.assessment_timeliness(school=other_school, period=year, today=D(2026, 6, 1))
    assert (elsewhere["requests_received"], elsewhere["open_overdue"]) == (0, 0)
    # A period that holds neither the request nor the review counts neither.
    autumn = Period(D(2026, 9, 1), D(2026, 12, 31))
    later = clocks.assessment_timeliness(school=school, period=autumn, today=D(2026, 6, 1))
    assert (later["requests_received"], later["reviews_due"], later["open_overdue"]) == (0, 0, 1)


def test_the_due_list_shows_each_next_step_soonest_first_with_overdue_flags(school):
    pupil = PupilFactory(school=school, surname="Able")
    AssessmentRequestFactory(pupil=pupil, received_date=D(2026, 1, 5))
    AssessmentRequestFactory(
        pupil=pupil, received_date=D(2025, 11, 3), decision="assess", decision_date=D(2025, 12, 1)
    )
    AnnualReviewFactory(pupil=pupil, due_date=D(2026, 4, 1), papers_sent_date=D(2026, 3, 15))
    AssessmentRequestFactory(
        pupil=pupil,
        received_date=D(2025, 1, 6),
        status="plan_issued",
        decision="assess",
        decision_date=D(2025, 2, 1),
        draft_plan_date=D(2025, 4, 1),
        final_plan_date=D(2025, 5, 1),
    )

    items = clocks.due_list(school=school, today=D(2026, 3, 1))

    assert [(i.kind, i.step, i.due, i.overdue) for i in items] == [
        ("assessment", "Decision to assess (week 6)", D(2026, 2, 16), True),
        ("assessment", "Draft plan (week 16)", D(2026, 2, 23), True),
        ("review", "Hold the review meeting", D(2026, 4, 1), False),
    ]
    assert [i.days_left for i in items] == [-13, -6, 31]


def test_the_due_list_uses_three_queries_however_many_records(school, django_assert_num_queries):
    for n in range(5):
        AssessmentRequestFactory(pupil__school=school, received_date=D(2026, 1, n + 1))
        AnnualReviewFactory(pupil__school=school)
    # assessment requests, annual reviews, SEN support plans awaiting review
    with django_assert_num_queries(3):
        assert len(clocks.due_list(school=school, today=D(2026, 3, 1))) == 10


def test_a_lawful_exception_is_shown_on_the_due_list_but_never_overdue(school):
    AssessmentRequestFactory(
        pupil__school=school,
        received_date=D(2025, 9, 1),
        exception="child_away",
        exception_reason="Abroad for six weeks",
    )
    (item,) = clocks.due_list(school=school, today=D(2026, 3, 1))
    assert item.step.startswith("Decision to assess (week 6) – lawful exception: child away")
    assert (item.due, item.overdue, item.days_late) == (D(2025, 10, 13), False, 139)


def test_the_due_list_horizon_keeps_overdue_items_and_drops_far_ones(school):
    AnnualReviewFactory(pupil__school=school, due_date=D(2026, 2, 1))
    AnnualReviewFactory(
        pupil__school=school, due_date=D(2026, 12, 1), papers_sent_date=D(2026, 11, 1)
    )
    items = clocks.due_list(school=school, today=D(2026, 3, 1), horizon_days=90)
    assert [i.due for i in items] == [D(2026, 1, 18)]  # papers due 2 weeks before
