"""The school settings page saves through sendfund.schools.services.school_settings_save."""

import pytest
from django.core.exceptions import ValidationError

from sendfund.schools import services
from sendfund.schools.models import School

pytestmark = pytest.mark.django_db


def test_a_school_saves_its_own_settings(school):
    school.delivery_weeks = 39
    services.school_settings_save(school=school, edited=school)
    assert School.objects.get(pk=school.pk).delivery_weeks == 39


def test_another_schools_settings_are_refused_and_nothing_is_written(school, other_school):
    before = other_school.name
    other_school.name = "Taken over"
    with pytest.raises(ValidationError, match="Only the school you are working in"):
        services.school_settings_save(school=school, edited=other_school)
    assert School.objects.get(pk=other_school.pk).name == before


def test_an_invalid_setting_is_refused_by_the_service_too(school):
    school.delivery_weeks = 0
    with pytest.raises(ValidationError):
        services.school_settings_save(school=school, edited=school)
    assert School.objects.get(pk=school.pk).delivery_weeks != 0
