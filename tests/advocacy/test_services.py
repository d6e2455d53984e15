"""The advocacy workflow, recording secured money as funding, training deadlines, reforms."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from advocacy import services
from advocacy.models import AdvocacyAction, Reform, ReformItem, TrainingRecord
from funding.gap import compute_gap
from funding.models import FundingSource
from sendfund.lib.periods import financial_year, prorate, term
from tests.advocacy.factories import AdvocacyActionFactory
from tests.factories import FundingSourceFactory, PupilFactory
from tests.funding.factories import TopUpBandFactory, TopUpSchemeFactory

pytestmark = pytest.mark.django_db
DAY = dt.date(2024, 10, 1)


def test_planned_cannot_jump_to_successful_without_a_decision_date(school):
    action = AdvocacyActionFactory(school=school, date=DAY)
    with pytest.raises(ValidationError, match="date of the decision"):
        services.action_set_status(school=school, action=action, status="successful")
    action.refresh_from_db()
    assert action.status == "planned"
    assert action.decision_date is None


def test_planned_can_become_successful_when_the_decision_date_is_given(school):
    action = AdvocacyActionFactory(school=school, date=DAY)
    action = services.action_set_status(
        school=school,
        action=action,
        status="successful",
        decision_date=dt.date(2024, 11, 5),
        amount_secured=Decimal("2500.00"),
    )
    action.refresh_from_db()
    assert (action.status, action.decision_date) == ("successful", dt.date(2024, 11, 5))
    assert action.amount_secured == Decimal("2500.00")


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("successful", "planned"),
        ("successful", "unsuccessful"),
        ("unsuccessful", "successful"),
        ("unsuccessful", "awaiting"),
        ("closed", "successful"),
        ("closed", "submitted"),
        ("partly", "in_progress"),
    ],
)
def test_transitions_the_workflow_does_not_allow_are_refused(school, start, target):
    decided = start in {"successful", "partly", "unsuccessful"}
    action = AdvocacyActionFactory(
        school=school, date=DAY, status=start, decision_date=DAY if decided else None
    )
    with pytest.raises(ValidationError, match="cannot become"):
        services.action_set_status(school=school, action=action, status=target, decision_date=DAY)
    action.refresh_from_db()
    assert action.status == start


def test_the_workflow_moves_forward_step_by_step(school):
    action = AdvocacyActionFactory(school=school, date=DAY)
    for status in ("in_progress", "submitted", "awaiting"):
        action = services.action_set_status(school=school, action=action, status=status)
        assert action.status == status
    action = services.action_set_status(
        school=school, action=action, status="partly", decision_date=DAY
    )
    action = services.action_set_status(school=school, action=action, status="closed")
    assert action.status == "closed"


def test_an_unknown_status_is_refused(school):
    action = AdvocacyActionFactory(school=school)
    with pytest.raises(ValidationError, match="Unknown status"):
        services.action_set_status(school=school, action=action, status="won")


def test_a_decision_cannot_come_before_the_action(school):
    action = AdvocacyActionFactory(school=school, date=DAY, status="submitted")
    with pytest.raises(ValidationError, match="before the action"):
        services.action_set_status(
            school=school, action=action, status="successful", decision_date=dt.date(2024, 9, 1)
        )


def test_money_is_secured_only_by_a_successful_decision(school):
    action = AdvocacyActionFactory(school=school, date=DAY, status="submitted")
    with pytest.raises(ValidationError, match="only by a successful"):
        services.action_set_status(
            school=school, action=action, status="awaiting", amount_secured=Decimal("10.00")
        )
    action.refresh_from_db()
    assert action.amount_secured == Decimal("0.00")


def test_an_unsuccessful_decision_secures_nothing(school):
    action = AdvocacyActionFactory(school=school, date=DAY, status="submitted")
    action = services.action_set_status(
        school=school, action=action, status="unsuccessful", decision_date=DAY
    )
    assert action.amount_secured == Decimal("0")


def test_an_action_that_secured_money_cannot_be_reopened(school):
    action = AdvocacyActionFactory(
        school=school, status="successful", decision_date=DAY, amount_secured=Decimal("5.00")
    )
    action = services.action_set_status(school=school, action=action, status="closed")
    with pytest.raises(ValidationError, match="cannot be reopened"):
        services.action_set_status(school=school, action=action, status="planned")


def test_another_schools_action_is_refused(school, other_school):
    action = AdvocacyActionFactory(school=other_school)
    with pytest.raises(ValidationError, match="another school"):
        services.action_set_status(school=school, action=action, status="in_progress")


def test_only_top_up_and_assessment_requests_name_pupils(school):
    pupil = PupilFactory(school=school)
    grant = AdvocacyAction(type="grant", title="Grant", date=DAY)
    with pytest.raises(ValidationError, match="can name pupils"):
        services.action_save(school=school, action=grant, pupils=[pupil])
    assert not AdvocacyAction.objects.exists()
    request = AdvocacyAction(type="top_up", title="Top-up for one child", date=DAY)
    services.action_save(school=school, action=request, pupils=[pupil])
    assert list(request.pupils.all()) == [pupil]


def test_another_schools_pupil_cannot_be_named(school, other_school):
    stranger = PupilFactory(school=other_school)
    request = AdvocacyAction(type="ehc_assessment", title="EHC needs assessment", date=DAY)
    with pytest.raises(ValidationError, match="another school"):
        services.action_save(school=school, action=request, pupils=[stranger])
    assert not AdvocacyAction.objects.exists()


def _won(school, amount, **kwargs):
    return AdvocacyActionFactory(
        school=school,
        date=dt.date(2024, 6, 1),
        status="successful",
        decision_date=dt.date(2024, 7, 1),
        amount_requested=amount,
        amount_secured=amount,
        **kwargs,
    )


def test_secured_money_raises_the_gaps_funding_by_the_exact_prorated_amount(school):
    FundingSourceFactory(school=school, amount=Decimal("36500.00"))
    fy = financial_year(2024, academy=False)
    autumn = term(2024, "autumn")
    before_year = compute_gap(school=school, period=fy).funding
    before_term = compute_gap(school=school, period=autumn).funding

    source = services.action_record_funding(school=school, action=_won(school, Decimal("7300.00")))

    assert (source.period_start, source.period_end) == (fy.start, fy.end)
    assert source.status == "confirmed"
    assert source.type == "other_grant"
    assert compute_gap(school=school, period=fy).funding - before_year == Decimal("7300.00")
    # 7,300 spread over 365 days; autumn 2024 has 122 of them: exactly 2,440.
    rise = compute_gap(school=school, period=autumn).funding - before_term
    assert rise == prorate(Decimal("7300.00"), fy, autumn) == Decimal("2440")


def test_an_academy_records_the_money_in_its_september_financial_year(other_school):
    source = services.action_record_funding(
        school=other_school, action=_won(other_school, Decimal("100.00"))
    )
    assert (source.period_start, source.period_end) == (dt.date(2023, 9, 1), dt.date(2024, 8, 31))


def test_recording_funding_twice_creates_one_funding_source(school):
    action = _won(school, Decimal("1200.00"))
    first = services.action_record_funding(school=school, action=action)
    second = services.action_record_funding(school=school, action=action)
    assert first.pk == second.pk
    assert FundingSource.objects.for_school(school).count() == 1
    action.refresh_from_db()
    assert action.funding_source_id == first.pk


def test_a_top_up_for_one_named_pupil_follows_the_pupil(school):
    pupil = PupilFactory(school=school)
    action = _won(school, Decimal("3100.00"), type="top_up")
    action.pupils.set([pupil])
    source = services.action_record_funding(school=school, action=action)
    assert (source.type, source.pupil_id) == ("top_up", pupil.pk)


def test_the_band_awarded_closes_the_loop_into_the_pupils_top_up(school):
    # A top-up request for one pupil is decided at the LA's band "B3" (£4,500 a year) with no
    # amount typed: the band's annual amount is the money secured, and the funding recorded
    # is the pupil's top-up at that band.
    band = TopUpBandFactory(
        scheme=TopUpSchemeFactory(school=school), name="B3", annual_amount=Decimal("4500.00")
    )
    pupil = PupilFactory(school=school)
    action = AdvocacyActionFactory(school=school, type="top_up", date=DAY, status="submitted")
    action.pupils.set([pupil])
    services.action_set_status(
        school=school,
        action=action,
        status="successful",
        decision_date=dt.date(2024, 11, 5),
        band_awarded=band,
    )
    action.refresh_from_db()
    assert (action.band_awarded_id, action.amount_secured) == (band.pk, Decimal("4500.00"))
    source = services.action_record_funding(school=school, action=action)
    assert (source.type, source.pupil_id, source.band_id) == ("top_up", pupil.pk, band.pk)
    assert source.amount == Decimal("4500.00")


def test_a_band_of_another_authority_or_a_refusal_awards_nothing(school, other_school):
    elsewhere = TopUpBandFactory(scheme=TopUpSchemeFactory(school=other_school))
    action = AdvocacyActionFactory(school=school, type="top_up", date=DAY, status="submitted")
    if other_school.local_authority_id != school.local_authority_id:
        with pytest.raises(ValidationError, match="not in a scheme of this school"):
            services.action_set_status(
                school=school,
                action=action,
                status="successful",
                decision_date=DAY,
                band_awarded=elsewhere,
            )
    own = TopUpBandFactory(scheme=TopUpSchemeFactory(school=school))
    with pytest.raises(ValidationError, match="only by a successful"):
        services.action_set_status(
            school=school, action=action, status="unsuccessful", decision_date=DAY, band_awarded=own
        )
    grant = AdvocacyActionFactory(school=school, type="grant", date=DAY, status="submitted")
    with pytest.raises(ValidationError, match="Only a top-up or EHC"):
        services.action_set_status(
            school=school, action=grant, status="successful", decision_date=DAY, band_awarded=own
        )
    action.refresh_from_db()
    assert action.band_awarded_id is None and action.status == "submitted"


def test_money_not_secured_cannot_be_recorded(school):
    action = AdvocacyActionFactory(school=school, status="submitted")
    with pytest.raises(ValidationError, match="Only money secured"):
        services.action_record_funding(school=school, action=action)
    assert not FundingSource.objects.exists()


def test_correcting_the_amount_secured_updates_the_recorded_funding(school):
    action = _won(school, Decimal("1000.00"))
    source = services.action_record_funding(school=school, action=action)
    services.action_set_status(
        school=school, action=action, status="partly", amount_secured=Decimal("600.00")
    )
    source.refresh_from_db()
    assert source.amount == Decimal("600.00")


def test_a_sencos_mandatory_deadline_is_three_years_from_appointment(school):
    record = services.training_save(
        school=school,
        record=TrainingRecord(
            person_name="Sam Patel",
            role="senco",
            qualification="npq_senco",
            appointment_date=dt.date(2024, 2, 29),
            deadline=dt.date(2030, 1, 1),
            status="in_progress",
        ),
    )
    assert record.deadline == dt.date(2027, 2, 28)


def test_other_training_keeps_the_deadline_given(school):
    record = services.training_save(
        school=school,
        record=TrainingRecord(
            person_name="Ann Lee",
            role="ta",
            qualification="other_cpd",
            appointment_date=dt.date(2024, 9, 1),
            deadline=dt.date(2025, 7, 1),
        ),
    )
    assert record.deadline == dt.date(2025, 7, 1)


def test_every_school_gets_each_national_reform_once(school, other_school):
    national = Reform.objects.count()
    assert national >= 7
    assert services.reform_items_sync(school=school) == national
    assert services.reform_items_sync(school=school) == 0
    assert ReformItem.objects.for_school(school).count() == national
    assert ReformItem.objects.for_school(other_school).count() == 0
    titles = set(ReformItem.objects.for_school(school).values_list("title", flat=True))
    assert {"Individual Support Plans", "Local inclusion plans"} <= titles


# --- Opportunities and reform items save through services (issue 14 item 1) ----------------


def test_an_opportunity_is_saved_for_this_school_and_linked_to_its_own_action(school):
    from advocacy.models import FundingOpportunity

    action = AdvocacyActionFactory(school=school)
    opportunity = services.opportunity_save(
        school=school,
        opportunity=FundingOpportunity(name="Inclusion grant", funder="Trust", action=action),
    )
    assert FundingOpportunity.objects.for_school(school).get() == opportunity
    assert opportunity.action == action


def test_an_opportunity_linked_to_another_schools_action_is_refused_and_not_saved(
    school, other_school
):
    from advocacy.models import FundingOpportunity

    with pytest.raises(ValidationError):
        services.opportunity_save(
            school=school,
            opportunity=FundingOpportunity(
                name="Inclusion grant",
                funder="Trust",
                action=AdvocacyActionFactory(school=other_school),
            ),
        )
    assert not FundingOpportunity.objects.exists()


def test_another_schools_opportunity_is_not_changed(school, other_school):
    from advocacy.models import FundingOpportunity
    from tests.advocacy.factories import FundingOpportunityFactory

    theirs = FundingOpportunityFactory(school=other_school, name="Theirs")
    theirs.name = "Mine"
    with pytest.raises(ValidationError):
        services.opportunity_save(school=school, opportunity=theirs)
    assert FundingOpportunity.objects.get(pk=theirs.pk).name == "Theirs"


def test_an_opportunity_that_fails_validation_writes_nothing(school):
    from advocacy.models import FundingOpportunity

    with pytest.raises(ValidationError) as refused:
        services.opportunity_save(
            school=school, opportunity=FundingOpportunity(name="", funder="Trust")
        )
    assert "name" in refused.value.error_dict
    assert not FundingOpportunity.objects.exists()


def test_a_reform_item_is_saved_for_this_school_only(school, other_school):
    from tests.advocacy.factories import ReformItemFactory

    item = services.reform_item_save(
        school=school, item=ReformItem(title="Local offer review", status="preparing")
    )
    assert ReformItem.objects.for_school(school).filter(title="Local offer review").get() == item
    theirs = ReformItemFactory(school=other_school, title="Theirs")
    theirs.title = "Mine"
    with pytest.raises(ValidationError):
        services.reform_item_save(school=school, item=theirs)
    assert ReformItem.objects.get(pk=theirs.pk).title == "Theirs"
    with pytest.raises(ValidationError):
        services.reform_item_save(school=school, item=ReformItem(title="", status="preparing"))
    assert not ReformItem.objects.filter(title="").exists()
