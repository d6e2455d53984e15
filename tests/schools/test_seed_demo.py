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
