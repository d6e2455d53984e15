import pytest
from django.core.management import CommandError, call_command

from sendfund.schools.models import LocalAuthority, School
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


def _create(la: str, urn: str = "123457"):
    call_command(
        "create_school",
        "--urn",
        urn,
        "--name",
        "Uppingham Road Primary",
        "--la",
        la,
        "--phase",
        "primary",
        "--type",
        "maintained",
    )
    return School.objects.get(urn=urn)


def test_every_english_local_authority_ships_with_its_dfe_code():
    assert LocalAuthority.objects.filter(code__regex=r"^\d{3}$").count() >= 153
    assert LocalAuthority.objects.get(code="857").name == "Rutland"
    assert LocalAuthority.objects.get(code="878").name == "Devon"
    assert LocalAuthority.objects.get(code="201").name == "City of London"


@pytest.mark.parametrize("la", ["Rutland", "rutland", "RUTLAND", "857", " Rutland "])
def test_create_school_finds_any_english_la_by_name_or_code_in_any_case(la):
    assert _create(la).local_authority.code == "857"


def test_create_school_finds_a_city_whatever_the_order_of_its_name():
    assert _create("City of Bristol").local_authority.name == "Bristol, City of"
    assert _create("Kingston upon Hull", urn="123458").local_authority.code == "810"


def test_an_unknown_la_name_is_refused_with_close_matches_and_nothing_created():
    with pytest.raises(CommandError, match=r"Unknown local authority 'Rutlnd'.*Rutland"):
        _create("Rutlnd")
    assert not School.objects.exists()
