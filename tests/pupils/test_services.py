import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from pupils import services
from pupils.models import Need, SenStatus
from tests.factories import NeedFactory, PupilFactory, SenStatusFactory

pytestmark = pytest.mark.django_db
D = dt.date


def test_registering_a_pupil_on_sen_support_records_status_and_needs(school):
    pupil = services.pupil_register(
        school=school,
        forename="Ada",
        surname="Lovelace",
        date_of_birth=D(2015, 12, 10),
        year_group="5",
        upn="a123456789012",
        sen_code="K",
        primary_need="SLCN",
        secondary_need="SEMH",
        start_date=D(2026, 9, 1),
    )
    assert pupil.upn == "A123456789012"
    assert list(SenStatus.objects.filter(pupil=pupil).values_list("code", "end_date")) == [
        ("K", None)
    ]
    assert list(Need.objects.filter(pupil=pupil).values_list("code", "rank")) == [
        ("SLCN", 1),
        ("SEMH", 2),
    ]


def test_nsa_with_an_ehc_plan_is_rejected(school):
    with pytest.raises(ValidationError, match="NSA"):
        services.pupil_register(
            school=school,
            forename="A",
            surname="B",
            date_of_birth=D(2015, 1, 1),
            year_group="5",
            sen_code="E",
            primary_need="NSA",
            start_date=D(2026, 9, 1),
        )


def test_sen_support_without_a_primary_need_is_rejected(school):
    pupil = PupilFactory(school=school)
    with pytest.raises(ValidationError) as err:
        services.sen_status_change(school=school, pupil=pupil, code="K", start_date=D(2026, 9, 1))
    assert "primary_need" in err.value.message_dict


def test_a_status_change_closes_the_old_record_the_day_before(school):
    pupil = PupilFactory(school=school)
    SenStatusFactory(pupil=pupil, code="K", start_date=D(2024, 9, 1))
    NeedFactory(pupil=pupil, code="ASD", start_date=D(2024, 9, 1))
    services.sen_status_change(school=school, pupil=pupil, code="E", start_date=D(2026, 3, 2))
    rows = list(
        SenStatus.objects.filter(pupil=pupil)
        .order_by("start_date")
        .values_list("code", "start_date", "end_date")
    )
    assert rows == [("K", D(2024, 9, 1), D(2026, 3, 1)), ("E", D(2026, 3, 2), None)]


def test_overlapping_status_records_are_rejected(school):
    pupil = PupilFactory(school=school)
    SenStatusFactory(pupil=pupil, code="N", start_date=D(2025, 9, 1))
    with pytest.raises(ValidationError, match="must start after"):
        services.sen_status_change(
            school=school, pupil=pupil, code="K", primary_need="MLD", start_date=D(2025, 6, 1)
        )
    assert SenStatus.objects.filter(pupil=pupil).count() == 1


def test_the_status_on_any_date_is_answered_in_sql(school):
    pupil = PupilFactory(school=school)
    SenStatusFactory(pupil=pupil, code="K", start_date=D(2024, 9, 1), end_date=D(2025, 12, 31))
    SenStatusFactory(pupil=pupil, code="E", start_date=D(2026, 1, 1))
    from pupils.models import Pupil

    def on(day):
        return Pupil.objects.with_sen_status(day).get(pk=pupil.pk).sen_status

    assert (on(D(2024, 8, 31)), on(D(2025, 10, 1)), on(D(2026, 1, 1))) == ("N", "K", "E")


def test_another_schools_pupil_is_refused(school, other_school):
    pupil = PupilFactory(school=other_school)
    with pytest.raises(ValidationError, match="does not belong"):
        services.sen_status_change(school=school, pupil=pupil, code="N", start_date=D(2026, 1, 1))


def test_the_primary_need_of_a_pupil_on_the_register_cannot_simply_end(school):
    pupil = PupilFactory(school=school)
    need = NeedFactory(pupil=pupil, code="SLCN")
    SenStatusFactory(pupil=pupil, code="K")
    with pytest.raises(ValidationError, match="primary"):
        services.need_end(school=school, need=need, end_date=D(2026, 1, 1))
