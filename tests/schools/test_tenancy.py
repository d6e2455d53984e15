"""The one tenant check every service makes (sendfund.schools.tenancy.check_school)."""

import pytest
from django.core.exceptions import ValidationError

from sendfund.schools.tenancy import check_school
from tests.factories import PupilFactory

pytestmark = pytest.mark.django_db


def test_this_schools_records_and_none_pass(school):
    check_school(school, PupilFactory(school=school), None)


def test_one_record_of_another_school_refuses_the_lot(school, other_school):
    with pytest.raises(ValidationError, match="does not belong to this school"):
        check_school(school, PupilFactory(school=school), PupilFactory(school=other_school))
