import pytest
from django.apps import apps

from pupils.models import Pupil
from sendfund.demo.data import seed_demo

pytestmark = pytest.mark.django_db


def _counts():
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in {"schools", "pupils", "funding", "advocacy", "reports", "auth"}
    }


def test_the_demo_has_three_schools_of_each_kind_and_realistic_prevalence():
    schools = seed_demo(log=lambda line: None)
    assert {s.type for s in schools} == {"maintained", "academy", "special"}
    pupils = Pupil.objects.with_sen_status()
    total = pupils.count()
    assert total >= 1500
    ehc = pupils.filter(sen_status="E").count() / total
    support = pupils.filter(sen_status="K").count() / total
    assert 0.04 <= ehc <= 0.08, ehc
    assert 0.12 <= support <= 0.17, support


def test_running_the_demo_twice_changes_nothing():
    seed_demo(log=lambda line: None)
    first = _counts()
    seed_demo(log=lambda line: None)
    assert _counts() == first


def test_the_demo_special_school_is_funded_by_places_plus_top_up():
    import datetime as dt

    from funding.gap import compute_gap
    from funding.models import FundingSource
    from sendfund.lib.periods import academic_year, academic_year_start

    today = dt.date.today()
    schools = {s.type: s for s in seed_demo(log=lambda line: None, today=today)}
    oak = schools["special"]
    types = set(FundingSource.objects.for_school(oak).values_list("type", flat=True))
    assert "place" in types and "notional_sen" not in types
    gap = compute_gap(school=oak, period=academic_year(academic_year_start(today)))
    # Every Oak Tree pupil is measured against the £10,000 place: no notional-budget share.
    assert gap.lines.everyone_placed and gap.lines.place_value == 10000
    assert gap.school_share == 0 and gap.place_pupils > 0 and gap.place_funding > 0
    # The mainstream schools keep their notional SEN budget and have no place funding.
    for kind in ("maintained", "academy"):
        rows = FundingSource.objects.for_school(schools[kind])
        assert rows.filter(type="notional_sen").exists()
        assert not rows.filter(type="place").exists()
