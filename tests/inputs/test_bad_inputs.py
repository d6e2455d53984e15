"""Inputs that gave a 500 (issue 11 item 4), each reproduced: now a clear message, no write."""

import pytest
from django.urls import reverse

from advocacy.models import TrainingRecord
from funding.models import FundingSource
from funding.services import FundingImportError, parse_funding_csv
from pupils.models import AnnualReview, AssessmentRequest, Pupil
from sendfund.lib.imports.parsers import CellError, parse_date, parse_decimal
from tests.factories import PupilFactory

pytestmark = pytest.mark.django_db
FAR = "9999-12-31"


def _pupil(school):
    return PupilFactory(school=school)


def test_an_assessment_dated_9999_is_refused_and_the_pupil_page_still_opens(senco_client, school):
    pupil = _pupil(school)
    url = reverse("pupils:assessment_add", kwargs={"public_id": pupil.public_id})
    response = senco_client.post(url, {"received_date": FAR, "status": "open"})
    assert response.status_code == 200
    assert "enter a date between 01/01/1990 and 31/12/2100" in response.content.decode()
    assert not AssessmentRequest.objects.filter(pupil=pupil).exists()
    detail = reverse("pupils:detail", kwargs={"public_id": pupil.public_id})
    assert senco_client.get(detail).status_code == 200


def test_a_review_dated_9999_is_refused(senco_client, school):
    pupil = _pupil(school)
    url = reverse("pupils:review_add", kwargs={"public_id": pupil.public_id})
    response = senco_client.post(url, {"previous_date": "2025-01-10", "due_date": FAR})
    assert response.status_code == 200
    assert "enter a date between" in response.content.decode()
    assert not AnnualReview.objects.filter(pupil=pupil).exists()


def test_a_training_record_dated_9999_is_refused(head_client, school):
    response = head_client.post(
        reverse("advocacy:training_add"),
        {
            "person_name": "A Person",
            "role": "senco",
            "qualification": "npq_senco",
            "appointment_date": FAR,
            "status": "not_started",
        },
    )
    assert response.status_code == 200
    assert "enter a date between" in response.content.decode()
    assert not TrainingRecord.objects.filter(school=school).exists()


@pytest.mark.parametrize("kind", ["fy", "ay"])
def test_a_top_up_by_year_without_a_year_is_refused(head_client, school, kind):
    pupil = _pupil(school)
    response = head_client.post(
        reverse("funding:topup_add"),
        {
            "pupil": pupil.pk,
            "amount": "1000.00",
            "period_kind": kind,
            "year": "",
            "status": "confirmed",
        },
    )
    assert response.status_code in (200, 400)
    assert "Give the year the period starts." in response.content.decode()
    assert not FundingSource.objects.filter(school=school).exists()


@pytest.mark.parametrize(
    "name", ["pupils:register", "funding:sources", "advocacy:actions", "advocacy:opportunities"]
)
def test_a_nul_byte_in_a_search_is_a_clear_400(head_client, name):
    response = head_client.get(reverse(name), {"q": "\x00"})
    assert response.status_code == 400
    assert "cannot contain" in response.content.decode()


def test_a_nul_byte_in_a_form_post_is_refused(senco_client, school):
    response = senco_client.post(reverse("pupils:add"), {"forename": "A\x00", "surname": "B"})
    assert response.status_code == 400
    assert not Pupil.objects.filter(school=school).exists()


@pytest.mark.parametrize("text", ["1e30", "1" * 29, "NaN", "-Infinity", "1e-30"])
def test_huge_or_odd_numbers_in_a_provision_cell_are_a_cell_error(text):
    with pytest.raises(CellError):
        parse_decimal(text)


@pytest.mark.parametrize("text", ["1e30", "1" * 29, "1e-30", "NaN"])
def test_huge_numbers_in_a_funding_csv_are_row_errors(school, text):
    csv = (
        "type,description,amount,period_start,period_end,status\n"
        f"notional_sen,Budget,{text},2025-04-01,2026-03-31,confirmed\n"
    )
    with pytest.raises(FundingImportError) as caught:
        parse_funding_csv(csv, school=school)
    assert "Row 2, column amount" in " ".join(caught.value.errors)


@pytest.mark.parametrize("text", ["9999-12-31", "0001-01-01", "31/12/9999"])
def test_import_dates_outside_1990_to_2100_are_cell_errors(text):
    with pytest.raises(CellError, match="between 01/01/1990 and 31/12/2100"):
        parse_date(text)


def test_a_funding_csv_date_in_9999_is_a_row_error(school):
    csv = (
        "type,description,amount,period_start,period_end,status\n"
        "notional_sen,Budget,100,2025-04-01,9999-12-31,confirmed\n"
    )
    with pytest.raises(FundingImportError) as caught:
        parse_funding_csv(csv, school=school)
    assert "period_end" in " ".join(caught.value.errors)


def test_the_same_upn_added_twice_at_once_is_a_form_error(senco_client, school, monkeypatch):
    """Two sessions pass the form's uniqueness check together; the second insert meets the
    database constraint. Simulated by adding the twin between validation and save."""
    from pupils import forms

    upn = "A123456789012"
    original = forms.PupilAddForm.is_valid

    def racing_is_valid(self):
        valid = original(self)
        PupilFactory(school=school, upn=upn)  # the other session wins the race
        return valid

    monkeypatch.setattr(forms.PupilAddForm, "is_valid", racing_is_valid)
    response = senco_client.post(
        reverse("pupils:add"),
        {
            "upn": upn,
            "forename": "Ann",
            "surname": "Other",
            "date_of_birth": "2016-03-04",
            "year_group": "4",
            "sen_code": "N",
        },
    )
    assert response.status_code == 200, response.status_code
    assert "UPN" in response.content.decode()
    assert Pupil.objects.filter(school=school, upn=upn).count() == 1


def test_the_same_top_up_scheme_twice_is_a_message_not_a_500(head_client, school):
    """Found by the form fuzzer: the (school, LA, year, name) constraint reached the database."""
    from funding.models import TopUpScheme

    data = {"year": "2025", "name": "Bands", "source": ""}
    assert head_client.post(reverse("funding:scheme_add"), data).status_code == 302
    response = head_client.post(reverse("funding:scheme_add"), data)
    assert response.status_code == 400
    assert "already has a scheme with this name and year" in response.content.decode()
    assert TopUpScheme.objects.filter(school=school).count() == 1


def test_a_band_name_used_twice_in_a_scheme_is_a_message_not_a_500(head_client, school):
    from funding.models import TopUpBand
    from tests.funding.factories import TopUpSchemeFactory

    scheme = TopUpSchemeFactory(school=school)
    url = reverse("funding:band_add", kwargs={"public_id": scheme.public_id})
    data = {"name": "Band A", "annual_amount": "1000.00"}
    assert head_client.post(url, data).status_code == 302
    response = head_client.post(url, data)
    assert response.status_code == 400
    assert TopUpBand.objects.filter(scheme=scheme).count() == 1


@pytest.mark.parametrize("text", ["type,amount\r\x00\n", 'type\n"a\rb\nc'])
def test_a_funding_csv_csv_cannot_read_is_one_clear_error(school, text):
    """Found by the import fuzzer: csv.Error (NUL, a stray carriage return) escaped."""
    with pytest.raises(FundingImportError) as caught:
        parse_funding_csv(text, school=school)
    assert caught.value.errors


@pytest.mark.parametrize("weeks", ["1" * 29, "40000", "0"])
def test_a_band_with_absurd_weeks_is_a_message_not_a_500(head_client, school, weeks):
    """Found by the form fuzzer: hours x rate x a 29-digit number of weeks overflowed rounding."""
    from funding.models import TopUpBand
    from tests.funding.factories import TopUpSchemeFactory

    scheme = TopUpSchemeFactory(school=school)
    url = reverse("funding:band_add", kwargs={"public_id": scheme.public_id})
    data = {"name": "Band A", "hours_per_week": "1", "hourly_rate": "1", "weeks": weeks}
    response = head_client.post(url, data)
    assert response.status_code == 400
    assert "Weeks: a whole number from 1 to 53" in response.content.decode()
    assert not TopUpBand.objects.filter(scheme=scheme).exists()
