"""The funding edit pages' services: this school's rows only, a clash refused with a message
and nothing written, an edit that lost a race written nowhere."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from funding import services
from funding.models import FundingSource, TopUpBand, TopUpScheme
from sendfund.lib.versions import StaleEdit
from tests.factories import FundingSourceFactory, PupilFactory
from tests.funding.factories import TopUpBandFactory, TopUpSchemeFactory

pytestmark = pytest.mark.django_db
D = dt.date


def _source(**fields) -> FundingSource:
    values = {
        "type": "notional_sen",
        "description": "Notional SEN budget",
        "amount": Decimal("36500.00"),
        "period_start": D(2025, 4, 1),
        "period_end": D(2026, 3, 31),
        "status": "confirmed",
    }
    return FundingSource(**(values | fields))


def test_a_new_source_belongs_to_this_school_and_who_added_it(school, head):
    source = services.funding_source_save(school=school, source=_source(), user=head)
    stored = FundingSource.objects.for_school(school).get()
    assert (stored, stored.created_by, stored.amount) == (source, head, Decimal("36500.00"))


def test_another_schools_source_is_not_changed_or_deleted(school, other_school):
    theirs = FundingSourceFactory(school=other_school)
    theirs.amount = Decimal("1.00")
    with pytest.raises(ValidationError):
        services.funding_source_save(school=school, source=theirs)
    with pytest.raises(ValidationError):
        services.funding_source_delete(school=school, source=theirs)
    assert FundingSource.objects.get(pk=theirs.pk).amount == Decimal("36500.00")


def test_a_top_up_for_another_schools_pupil_is_refused_and_not_written(school, other_school):
    top_up = _source(type="top_up", pupil=PupilFactory(school=other_school))
    with pytest.raises(ValidationError):
        services.funding_source_save(school=school, source=top_up)
    assert not FundingSource.objects.exists()


def test_a_top_up_on_another_las_band_is_refused_and_not_written(school, other_school):
    band = TopUpBandFactory(scheme=TopUpSchemeFactory(school=other_school))
    top_up = _source(type="top_up", pupil=PupilFactory(school=school), band=band)
    assert other_school.local_authority_id != school.local_authority_id
    with pytest.raises(ValidationError) as refused:
        services.funding_source_save(school=school, source=top_up)
    assert "band" in refused.value.error_dict
    assert not FundingSource.objects.exists()


def test_a_stale_edit_writes_nothing(school):
    source = FundingSourceFactory(school=school)
    version = source.updated
    FundingSource.objects.filter(pk=source.pk).update(
        amount=Decimal("2.00"), updated=version + dt.timedelta(seconds=1)
    )
    source.amount = Decimal("3.00")
    with pytest.raises(StaleEdit):
        services.funding_source_save(school=school, source=source, version=version)
    assert FundingSource.objects.get(pk=source.pk).amount == Decimal("2.00")


def test_a_scheme_is_the_schools_own_for_its_la_and_a_clash_is_refused(school):
    scheme = services.topup_scheme_save(
        school=school, scheme=TopUpScheme(year=2025, name="Banding 2025")
    )
    assert (scheme.school, scheme.local_authority_id) == (school, school.local_authority_id)
    with pytest.raises(ValidationError, match="clashes with a record already saved"):
        services.topup_scheme_save(
            school=school, scheme=TopUpScheme(year=2025, name="Banding 2025")
        )
    assert TopUpScheme.objects.filter(school=school).count() == 1


def test_shared_and_other_schools_schemes_and_their_bands_are_read_only(school, other_school):
    shared = TopUpSchemeFactory(school=None, local_authority=school.local_authority)
    theirs = TopUpSchemeFactory(school=other_school)
    for scheme in (shared, theirs):
        scheme.name = "Mine"
        with pytest.raises(ValidationError):
            services.topup_scheme_save(school=school, scheme=scheme)
        with pytest.raises(ValidationError):
            services.topup_band_save(
                school=school, band=TopUpBand(scheme=scheme, name="A", annual_amount=1)
            )
    assert not TopUpScheme.objects.filter(name="Mine").exists()
    assert not TopUpBand.objects.filter(name="A").exists()


def test_a_band_is_added_to_the_schools_scheme_and_a_second_of_that_name_refused(school):
    scheme = TopUpSchemeFactory(school=school)
    band = services.topup_band_save(
        school=school, band=TopUpBand(scheme=scheme, name="Band A", annual_amount=Decimal("900"))
    )
    assert list(scheme.bands.all()) == [band]
    with pytest.raises(ValidationError, match="clashes with a record already saved"):
        services.topup_band_save(
            school=school, band=TopUpBand(scheme=scheme, name="Band A", annual_amount=1)
        )
    assert scheme.bands.count() == 1
