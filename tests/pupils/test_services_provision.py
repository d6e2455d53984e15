"""The provision map, catalogue, staff and clock services the pupil pages call: each refuses
another school's record and writes nothing when it refuses."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from pupils import services
from pupils.models import AnnualReview, Provision, ProvisionAssignment, StaffRate, StaffRole
from sendfund.lib.versions import StaleEdit
from tests.factories import (
    ProvisionAssignmentFactory,
    ProvisionFactory,
    PupilFactory,
    StaffRateFactory,
    StaffRoleFactory,
)
from tests.pupils.factories import AnnualReviewFactory

pytestmark = pytest.mark.django_db
D = dt.date
EDIT = {"start_date": D(2024, 9, 1), "status": "in_place"}


def test_editing_an_assignment_takes_blank_figures_from_the_catalogue(school):
    row = ProvisionAssignmentFactory(pupil=PupilFactory(school=school), hours_per_week=3)
    other = ProvisionFactory(school=school, default_hours_per_week=Decimal("2.50"))
    services.provision_assignment_edit(school=school, assignment=row, provision=other, **EDIT)
    row.refresh_from_db()
    assert (row.provision, row.hours_per_week, row.group_size, row.weeks) == (
        other,
        Decimal("2.50"),
        1,
        38,
    )


def test_editing_another_schools_assignment_is_refused(school, other_school):
    row = ProvisionAssignmentFactory(pupil=PupilFactory(school=other_school))
    with pytest.raises(ValidationError):
        services.provision_assignment_edit(
            school=school, assignment=row, provision=row.provision, **EDIT
        )


def test_an_assignment_cannot_be_moved_to_another_schools_provision(school, other_school):
    row = ProvisionAssignmentFactory(pupil=PupilFactory(school=school))
    foreign = ProvisionFactory(school=other_school)
    with pytest.raises(ValidationError):
        services.provision_assignment_edit(school=school, assignment=row, provision=foreign, **EDIT)
    assert ProvisionAssignment.objects.get(pk=row.pk).provision_id != foreign.pk


def test_an_assignment_ended_without_an_end_date_is_refused_and_not_written(school):
    row = ProvisionAssignmentFactory(pupil=PupilFactory(school=school))
    with pytest.raises(ValidationError) as refused:
        services.provision_assignment_edit(
            school=school,
            assignment=row,
            provision=row.provision,
            start_date=D(2024, 9, 1),
            status="ended",
            outcome="Changed",
        )
    assert "end_date" in refused.value.error_dict
    stored = ProvisionAssignment.objects.get(pk=row.pk)
    assert (stored.status, stored.outcome) == ("in_place", "")


def test_a_stale_assignment_edit_writes_nothing(school):
    row = ProvisionAssignmentFactory(pupil=PupilFactory(school=school))
    version = row.updated
    ProvisionAssignment.objects.filter(pk=row.pk).update(outcome="Theirs")  # someone saved
    ProvisionAssignment.objects.filter(pk=row.pk).update(updated=version + dt.timedelta(seconds=1))
    with pytest.raises(StaleEdit):
        services.provision_assignment_edit(
            school=school,
            assignment=row,
            provision=row.provision,
            outcome="Mine",
            version=version,
            **EDIT,
        )
    assert ProvisionAssignment.objects.get(pk=row.pk).outcome == "Theirs"


def test_assigning_another_schools_provision_is_refused(school, other_school):
    pupil = PupilFactory(school=school)
    with pytest.raises(ValidationError):
        services.provision_assign(
            school=school,
            pupil=pupil,
            provision=ProvisionFactory(school=other_school),
            start_date=D(2024, 9, 1),
        )
    assert not ProvisionAssignment.objects.filter(pupil=pupil).exists()


def test_a_provision_is_added_to_this_schools_catalogue(school):
    role = StaffRoleFactory(school=school)
    provision = services.provision_save(
        school=school,
        provision=Provision(name="Lego therapy", area="SEMH", wave=2, staff_role=role),
    )
    assert Provision.objects.for_school(school).get() == provision


def test_a_provision_delivered_by_another_schools_staff_role_is_refused(school, other_school):
    role = StaffRoleFactory(school=other_school)
    with pytest.raises(ValidationError):
        services.provision_save(
            school=school,
            provision=Provision(name="Lego therapy", area="SEMH", wave=2, staff_role=role),
        )
    assert not Provision.objects.exists()


def test_another_schools_provision_is_neither_saved_nor_deleted(school, other_school):
    foreign = ProvisionFactory(school=other_school, name="Theirs")
    foreign.name = "Mine"
    with pytest.raises(ValidationError):
        services.provision_save(school=school, provision=foreign)
    with pytest.raises(ValidationError):
        services.provision_delete(school=school, provision=foreign)
    assert Provision.objects.get(pk=foreign.pk).name == "Theirs"


def test_a_provision_on_a_pupils_map_stays_in_the_catalogue(school):
    row = ProvisionAssignmentFactory(pupil=PupilFactory(school=school))
    with pytest.raises(ValidationError, match="untick “Active”"):
        services.provision_delete(school=school, provision=row.provision)
    assert Provision.objects.filter(pk=row.provision_id).exists()
    unused = ProvisionFactory(school=school)
    services.provision_delete(school=school, provision=unused)
    assert not Provision.objects.filter(pk=unused.pk).exists()


def test_staff_roles_and_rates_are_saved_for_this_school_only(school, other_school):
    role = services.staff_role_save(school=school, role=StaffRole(name="HLTA"))
    assert role.school == school
    rate = services.staff_rate_save(
        school=school,
        rate=StaffRate(
            staff_role=role,
            academic_year=2026,
            la_standard_hourly_rate=Decimal("18.00"),
            actual_hourly_rate=Decimal("19.25"),
        ),
    )
    assert StaffRate.objects.for_school(school).get() == rate
    foreign = StaffRoleFactory(school=other_school, name="Theirs")
    foreign.name = "Mine"
    with pytest.raises(ValidationError):
        services.staff_role_save(school=school, role=foreign)
    with pytest.raises(ValidationError):
        services.staff_rate_save(
            school=school,
            rate=StaffRate(
                staff_role=foreign,
                academic_year=2026,
                la_standard_hourly_rate=Decimal("18.00"),
                actual_hourly_rate=Decimal("19.25"),
            ),
        )
    assert StaffRole.objects.get(pk=foreign.pk).name == "Theirs"
    assert not StaffRate.objects.filter(staff_role=foreign).exists()


def test_a_rate_for_another_schools_row_is_refused(school, other_school):
    rate = StaffRateFactory(staff_role=StaffRoleFactory(school=other_school))
    rate.actual_hourly_rate = Decimal("99.00")
    with pytest.raises(ValidationError):
        services.staff_rate_save(school=school, rate=rate)
    assert StaffRate.objects.get(pk=rate.pk).actual_hourly_rate == Decimal("18.50")


def test_an_unknown_costing_basis_is_refused_and_not_written(school):
    with pytest.raises(ValidationError):
        services.costing_basis_set(school=school, costing_basis="guess")
    school.refresh_from_db()
    assert school.costing_basis == "actual"
    services.costing_basis_set(school=school, costing_basis="la_standard")
    school.refresh_from_db()
    assert school.costing_basis == "la_standard"


def test_another_schools_review_is_not_deleted(school, other_school):
    review = AnnualReviewFactory(pupil=PupilFactory(school=other_school))
    with pytest.raises(ValidationError):
        services.clock_record_delete(school=school, record=review)
    assert AnnualReview.objects.filter(pk=review.pk).exists()
    own = AnnualReviewFactory(pupil=PupilFactory(school=school))
    services.clock_record_delete(school=school, record=own)
    assert not AnnualReview.objects.filter(pk=own.pk).exists()


def test_a_costing_basis_that_is_not_a_choice_is_shown_in_the_staff_pages_error_summary(
    senco_client, school
):
    response = senco_client.post(reverse("pupils:costing_basis"), {"costing_basis": "guess"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Please correct the following" in page
    assert "Costing basis: choose actual costs or the LA&#x27;s standard rates." in page
    school.refresh_from_db()
    assert school.costing_basis == "actual"


# --- Versioned edits: a pupil's details and the statutory clocks ---------------------------


def test_a_pupils_details_are_saved_and_a_stale_edit_writes_nothing(school):
    from pupils.models import Pupil

    pupil = PupilFactory(school=school, forename="Ada")
    version = pupil.updated
    pupil.forename = "Ann"
    services.pupil_edit(school=school, pupil=pupil, version=version)
    assert Pupil.objects.get(pk=pupil.pk).forename == "Ann"
    pupil.forename = "Zoe"
    with pytest.raises(StaleEdit):
        services.pupil_edit(school=school, pupil=pupil, version=version)  # the old version
    assert Pupil.objects.get(pk=pupil.pk).forename == "Ann"


def test_another_schools_pupil_is_not_edited(school, other_school):
    from pupils.models import Pupil

    theirs = PupilFactory(school=other_school, forename="Ada")
    theirs.forename = "Ann"
    with pytest.raises(ValidationError):
        services.pupil_edit(school=school, pupil=theirs)
    assert Pupil.objects.get(pk=theirs.pk).forename == "Ada"


def test_a_review_is_recorded_for_this_schools_pupil_only(school, other_school):
    own = services.clock_record_save(
        school=school,
        record=AnnualReview(
            school=school,
            pupil=PupilFactory(school=school),
            previous_date=D(2025, 10, 1),
            due_date=D(2026, 10, 1),
        ),
    )
    assert AnnualReview.objects.filter(pk=own.pk, school=school).exists()
    with pytest.raises(ValidationError):
        services.clock_record_save(
            school=school,
            record=AnnualReview(
                school=school,
                pupil=PupilFactory(school=other_school),
                previous_date=D(2025, 10, 1),
                due_date=D(2026, 10, 1),
            ),
        )
    assert AnnualReview.objects.count() == 1


def test_a_stale_review_edit_writes_nothing(school):
    review = AnnualReviewFactory(pupil=PupilFactory(school=school))
    version = review.updated
    AnnualReview.objects.filter(pk=review.pk).update(
        notes="Theirs", updated=version + dt.timedelta(seconds=1)
    )
    review.notes = "Mine"
    with pytest.raises(StaleEdit):
        services.clock_record_save(school=school, record=review, version=version)
    assert AnnualReview.objects.get(pk=review.pk).notes == "Theirs"
