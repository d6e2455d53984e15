"""The SEN support plan services the plan pages call: all or nothing, this school's rows only."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from pupils import plan_services
from pupils.plan_models import PlanOutcome, ProfessionalInvolvement, SupportPlan
from sendfund.lib.versions import StaleEdit
from tests.factories import ProvisionAssignmentFactory, PupilFactory
from tests.pupils.factories import PlanOutcomeFactory, ProfessionalFactory, SupportPlanFactory

pytestmark = pytest.mark.django_db
D = dt.date


def _new_plan(pupil) -> SupportPlan:
    return SupportPlan(pupil=pupil, start_date=D(2026, 1, 5), review_date=D(2026, 3, 27))


def test_a_plan_is_saved_with_its_outcomes_in_order_and_its_provision(school, senco):
    pupil = PupilFactory(school=school)
    row = ProvisionAssignmentFactory(pupil=pupil)
    plan = plan_services.plan_save(
        school=school,
        plan=_new_plan(pupil),
        outcomes=["Reads", "Writes"],
        provision=[row],
        user=senco,
    )
    assert (plan.school, plan.created_by) == (school, senco)
    assert list(plan.outcomes.values_list("text", "position")) == [("Reads", 1), ("Writes", 2)]
    assert list(plan.provision.all()) == [row]


def test_a_plan_for_another_schools_pupil_is_refused_and_nothing_written(school, other_school):
    with pytest.raises(ValidationError):
        plan_services.plan_save(
            school=school, plan=_new_plan(PupilFactory(school=other_school)), outcomes=["Reads"]
        )
    assert not SupportPlan.objects.exists() and not PlanOutcome.objects.exists()


def test_another_pupils_provision_is_refused_and_nothing_written(school):
    pupil = PupilFactory(school=school)
    theirs = ProvisionAssignmentFactory(pupil=PupilFactory(school=school))
    with pytest.raises(ValidationError) as refused:
        plan_services.plan_save(
            school=school, plan=_new_plan(pupil), outcomes=["Reads"], provision=[theirs]
        )
    assert "provision" in refused.value.error_dict
    assert not SupportPlan.objects.exists()


def test_a_second_cycle_awaiting_review_is_refused_by_the_database_and_nothing_written(school):
    pupil = PupilFactory(school=school)
    SupportPlanFactory(pupil=pupil)  # passed the form's check in another session
    with pytest.raises(ValidationError, match="already has a plan awaiting review"):
        plan_services.plan_save(school=school, plan=_new_plan(pupil), outcomes=["Reads"])
    assert SupportPlan.objects.filter(pupil=pupil).count() == 1
    assert not PlanOutcome.objects.exists()


def test_a_stale_plan_edit_writes_neither_the_plan_nor_its_outcomes(school):
    plan = SupportPlanFactory(pupil__school=school)
    PlanOutcomeFactory(plan=plan, text="Reads")
    version = plan.updated
    SupportPlan.objects.filter(pk=plan.pk).update(updated=version + dt.timedelta(seconds=1))
    plan.next_steps = "Mine"
    with pytest.raises(StaleEdit):
        plan_services.plan_save(school=school, plan=plan, outcomes=["Writes"], version=version)
    assert [o.text for o in PlanOutcome.objects.filter(plan=plan)] == ["Reads"]
    assert SupportPlan.objects.get(pk=plan.pk).next_steps == ""


def test_a_review_records_progress_and_next_steps(school):
    plan = SupportPlanFactory(pupil__school=school)
    outcome = PlanOutcomeFactory(plan=plan)
    plan_services.plan_review_record(
        school=school,
        plan=plan,
        reviewed_on=D(2026, 3, 20),
        next_steps="Next cycle",
        progress={outcome.pk: "achieved"},
    )
    plan.refresh_from_db()
    outcome.refresh_from_db()
    assert (plan.reviewed_on, plan.next_steps, outcome.progress) == (
        D(2026, 3, 20),
        "Next cycle",
        "achieved",
    )


def test_another_schools_plan_is_not_reviewed(school, other_school):
    plan = SupportPlanFactory(pupil__school=other_school)
    outcome = PlanOutcomeFactory(plan=plan)
    with pytest.raises(ValidationError):
        plan_services.plan_review_record(
            school=school,
            plan=plan,
            reviewed_on=D(2026, 3, 20),
            next_steps="Next cycle",
            progress={outcome.pk: "achieved"},
        )
    assert SupportPlan.objects.get(pk=plan.pk).reviewed_on is None
    assert PlanOutcome.objects.get(pk=outcome.pk).progress == ""


def test_another_schools_professional_is_not_deleted(school, other_school):
    theirs = ProfessionalFactory(pupil__school=other_school)
    with pytest.raises(ValidationError):
        plan_services.professional_delete(school=school, record=theirs)
    assert ProfessionalInvolvement.objects.filter(pk=theirs.pk).exists()
    own = ProfessionalFactory(pupil__school=school)
    plan_services.professional_delete(school=school, record=own)
    assert not ProfessionalInvolvement.objects.filter(pk=own.pk).exists()


def test_a_professional_is_recorded_for_this_schools_pupil_only(school, other_school):
    own = ProfessionalFactory.build(pupil=PupilFactory(school=school))
    plan_services.professional_save(school=school, record=own)
    assert ProfessionalInvolvement.objects.filter(pk=own.pk).exists()
    foreign_pupil = PupilFactory(school=other_school)
    theirs = ProfessionalFactory.build(pupil=foreign_pupil, school=school)
    with pytest.raises(ValidationError):
        plan_services.professional_save(school=school, record=theirs)
    assert not ProfessionalInvolvement.objects.filter(pupil=foreign_pupil).exists()


def test_a_stale_professional_edit_writes_nothing(school):
    record = ProfessionalFactory(pupil__school=school, name="County EP service")
    version = record.updated
    ProfessionalInvolvement.objects.filter(pk=record.pk).update(
        name="Theirs", updated=version + dt.timedelta(seconds=1)
    )
    record.name = "Mine"
    with pytest.raises(StaleEdit):
        plan_services.professional_save(school=school, record=record, version=version)
    assert ProfessionalInvolvement.objects.get(pk=record.pk).name == "Theirs"


def test_measures_are_saved_only_on_this_schools_provision(school, other_school):
    from decimal import Decimal

    from pupils.plan_models import InterventionMeasure

    def measure(row):
        return InterventionMeasure(
            school=school,
            assignment=row,
            measure_name="Reading age (months)",
            entry_score=Decimal("74"),
            entry_date=D(2025, 9, 8),
        )

    own = plan_services.measure_save(
        school=school, measure=measure(ProvisionAssignmentFactory(pupil__school=school))
    )
    assert InterventionMeasure.objects.filter(pk=own.pk).exists()
    foreign = ProvisionAssignmentFactory(pupil__school=other_school)
    with pytest.raises(ValidationError):
        plan_services.measure_save(school=school, measure=measure(foreign))
    assert not InterventionMeasure.objects.filter(assignment=foreign).exists()
