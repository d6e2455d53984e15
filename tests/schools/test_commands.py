import pytest
from django.core.management import CommandError, call_command

from sendfund.schools.models import School
from tests.factories import LocalAuthorityFactory

pytestmark = pytest.mark.django_db


def test_create_school_creates_then_updates_by_urn():
    LocalAuthorityFactory(code="878", name="Devon")
    args = ["--urn", "123456", "--la", "878", "--phase", "primary", "--type", "maintained"]
    call_command("create_school", "--name", "Old Name", *args)
    call_command("create_school", "--name", "New Name", *args)
    school = School.objects.get(urn="123456")
    assert school.name == "New Name"
    assert School.objects.count() == 1
    assert not school.is_academy


def test_create_school_rejects_a_malformed_urn_with_a_message():
    LocalAuthorityFactory(code="878", name="Devon")
    with pytest.raises(CommandError, match="URN is 6 digits"):
        call_command(
            "create_school",
            "--urn",
            "12AB",
            "--name",
            "X",
            "--la",
            "878",
            "--phase",
            "primary",
            "--type",
            "academy",
        )


def test_create_school_explains_an_unknown_local_authority():
    with pytest.raises(CommandError, match="Unknown local authority"):
        call_command(
            "create_school",
            "--urn",
            "123456",
            "--name",
            "X",
            "--la",
            "999",
            "--phase",
            "primary",
            "--type",
            "academy",
        )
