"""Unit pupils (resourced provision or SEN unit) on the pupil form, pupil page and register,
and special-school pupils measured against their place (docs/domain.md sections 1 and 4)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from pupils.models import Pupil
from sendfund.lib.periods import academic_year_start
from sendfund.schools.models import School
from tests.factories import (
    ProvisionAssignmentFactory,
    ProvisionFactory,
    PupilFactory,
    SenStatusFactory,
)

pytestmark = pytest.mark.django_db
YEAR_START = dt.date(academic_year_start(dt.date.today()), 9, 1)
NEW_PUPIL = {
    "forename": "Ada",
    "surname": "Lovelace",
    "date_of_birth": "2016-03-14",
    "year_group": "4",
    "sen_code": "E",
    "primary_need": "ASD",
    "start_date": YEAR_START.isoformat(),
    "in_unit": "on",
}


def _with_unit(school, unit=School.Unit.RESOURCED):
    school.unit = unit
    school.save()
    return school


def _costing(pupil, annual: str):
    """A bought-in service costing `annual` a year, all this academic year."""
    service = ProvisionFactory(
        school=pupil.school, staff_role=None, service_annual_cost=Decimal(annual)
    )
    ProvisionAssignmentFactory(
        pupil=pupil, provision=service, hours_per_week=Decimal("0"), start_date=YEAR_START
    )


def test_the_pupil_form_offers_the_unit_flag_only_where_the_school_has_a_unit(school, senco_client):
    assert "in_unit" not in senco_client.get(reverse("pupils:add")).context["form"].fields
    senco_client.post(reverse("pupils:add"), NEW_PUPIL)
    assert Pupil.objects.get(surname="Lovelace").in_unit is False  # no unit: ignored

    _with_unit(school)
    form = senco_client.get(reverse("pupils:add")).context["form"]
    assert form.fields["in_unit"].label == "In the resourced provision"
    senco_client.post(reverse("pupils:add"), NEW_PUPIL | {"surname": "Byron"})
    assert Pupil.objects.get(surname="Byron").in_unit is True


def test_a_unit_pupil_page_says_place_plus_top_up_and_measures_against_the_place(
    school, senco_client
):
    _with_unit(school, School.Unit.SEN_UNIT)
    pupil = PupilFactory(school=school, in_unit=True, on_roll_date=dt.date(2020, 9, 1))
    SenStatusFactory(pupil=pupil, code="E", start_date=dt.date(2020, 9, 1))
    _costing(pupil, "7000")  # above the £6,000 unit place by £1,000 over the year

    page = senco_client.get(reverse("pupils:detail", kwargs={"public_id": pupil.public_id}))
    body = page.content.decode()

    assert page.context["place"] is True
    assert "Unit pupil" in body and "in the sen unit" in body
    assert "Funded by a £6,000 place plus element 3 top-up" in body
    assert "Above the place value" in body
    assert "notional SEN budget: the excess" not in body  # not the mainstream wording
    register = senco_client.get(reverse("pupils:register")).content.decode()
    assert 'warning">above place' in register and ">unit</span>" in register


def test_a_special_school_pupil_within_their_place_is_not_above_the_threshold(school, senco_client):
    school.type, school.phase = School.Type.SPECIAL, School.Phase.SPECIAL
    school.save()
    pupil = PupilFactory(school=school, on_roll_date=dt.date(2020, 9, 1))
    SenStatusFactory(pupil=pupil, code="E", start_date=dt.date(2020, 9, 1))
    _costing(pupil, "7600")  # below the £10,000 place: within it, not "above threshold"

    body = senco_client.get(
        reverse("pupils:detail", kwargs={"public_id": pupil.public_id})
    ).content.decode()

    assert "Special school pupil" in body and "Within the place value" in body
    assert "Above threshold" not in body
    register = senco_client.get(reverse("pupils:register")).content.decode()
    assert "Every pupil is funded by a £10,000 place" in register
    assert 'warning">above place' not in register


def test_the_head_sets_a_unit_in_settings_and_a_special_school_is_refused_one(head_client, school):
    data = {"name": school.name, "delivery_weeks": 38, "costing_basis": "actual"}
    response = head_client.post(reverse("schools:settings"), data | {"unit": "sen_unit"})
    assert response.status_code == 302
    school.refresh_from_db()
    assert school.has_unit and school.get_unit_display() == "SEN unit"

    School.objects.filter(pk=school.pk).update(type="special", unit="")
    response = head_client.post(reverse("schools:settings"), data | {"unit": "resourced"})
    assert response.status_code == 200
    assert "only a mainstream school" in response.content.decode()
    school.refresh_from_db()
    assert school.unit == ""


def test_create_school_takes_every_type_and_a_unit(db):
    from django.core.management import CommandError, call_command

    from tests.factories import LocalAuthorityFactory

    LocalAuthorityFactory(code="878", name="Devon")
    base = ["--la", "878", "--name", "X", "--phase", "secondary"]
    call_command("create_school", "--urn", "123401", "--type", "ap_academy", *base)
    call_command(
        "create_school", "--urn", "123402", "--type", "maintained", "--unit", "resourced", *base
    )
    ap, mainstream = School.objects.get(urn="123401"), School.objects.get(urn="123402")
    assert ap.place_funded and ap.is_academy and not ap.has_unit
    assert mainstream.has_unit and not mainstream.place_funded
    with pytest.raises(CommandError, match="only a mainstream school"):
        call_command(
            "create_school", "--urn", "123403", "--type", "special", "--unit", "sen_unit", *base
        )
    assert not School.objects.filter(urn="123403").exists()
