"""The SEN information report checklist."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils.html import escape

from reports.models import InformationReportItem
from reports.sen_information import ITEMS

pytestmark = pytest.mark.django_db


def _data(**overrides):
    data = {}
    for code, _ in ITEMS:
        data[f"{code}__done"] = "on"
        data[f"{code}__last_published"] = "2025-09-30"
        data[f"{code}__next_review"] = "2026-09-30"
    data.update(overrides)
    return data


def test_every_statutory_item_is_listed_with_an_empty_state(governor_client):
    body = governor_client.get(reverse("reports:information")).content.decode()
    for _, label in ITEMS:
        assert escape(label) in body
    assert "0 of 18 items" in body
    assert "Update the checklist" not in body  # governors read, they do not edit


def test_the_senco_records_dates_and_governors_read_them(school, senco_client, governor_client):
    response = senco_client.post(reverse("reports:information_edit"), _data())
    assert response.status_code == 302
    item = InformationReportItem.objects.for_school(school).get(code="senco_contact")
    assert item.done and item.next_review == dt.date(2026, 9, 30)
    body = governor_client.get(reverse("reports:information")).content.decode()
    assert "18 of 18 items" in body and "30/09/2026" in body


def test_a_review_before_publication_is_refused_and_nothing_is_saved(school, head_client):
    data = _data(senco_contact__next_review="2025-01-01")
    response = head_client.post(reverse("reports:information_edit"), data)
    assert response.status_code == 200
    assert "must be after publication" in response.content.decode()
    assert not InformationReportItem.objects.for_school(school).exists()


def test_another_schools_checklist_is_not_shown(school, other_school, governor_client):
    InformationReportItem.objects.create(
        school=other_school, code="kinds_of_sen", done=True, last_published=dt.date(2020, 1, 7)
    )
    body = governor_client.get(reverse("reports:information")).content.decode()
    assert "07/01/2020" not in body and "0 of 18 items" in body
