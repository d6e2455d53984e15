"""No lost update: two people open the same record; the second save, started from the old
version, writes nothing, shows what the first person saved and asks again."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from advocacy.models import AdvocacyAction
from funding.models import FundingSource
from pupils.models import AnnualReview, AssessmentRequest, ProvisionAssignment, Pupil
from sendfund.lib.versions import MISSING_MESSAGE
from tests.advocacy.factories import AdvocacyActionFactory
from tests.factories import FundingSourceFactory, ProvisionAssignmentFactory, PupilFactory
from tests.pupils.factories import AnnualReviewFactory, AssessmentRequestFactory

pytestmark = pytest.mark.django_db


def form_data(form) -> dict:
    """What a browser would post back from the form as rendered."""
    data = {}
    for field in form:
        value = field.value()
        if value is None or value is False:
            continue
        if value is True:
            value = "on"
        elif isinstance(value, (list, tuple)):
            value = [str(v) for v in value]
        elif isinstance(value, dt.date):
            value = value.isoformat()
        data[field.html_name] = value if isinstance(value, list) else str(value)
    return data


def _open(client: Client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    return form_data(response.context["form"])


@pytest.fixture
def second_head_client(school):
    """Another session of a head of the same school (a second browser, or a colleague)."""
    from tests.conftest import _member  # noqa: PLC0415

    client = Client()
    client.force_login(_member("henry", school, "head"))
    return client


def _two_sessions(first, second, url, change_first: dict, change_second: dict):
    mine, theirs = _open(first, url), _open(second, url)
    assert mine["version"] == theirs["version"]
    saved = first.post(url, mine | change_first)
    assert saved.status_code == 302
    stale = second.post(url, theirs | change_second)
    return stale, theirs


def _assert_asked_again(stale, theirs, url, client, change_second):
    assert stale.status_code in (200, 400)
    form = stale.context["form"]
    assert form.conflicts, "the other person's change is shown"
    assert "nothing was saved" in stale.content.decode()
    # The form now carries the current version: saving again is a decision and goes through.
    again = form_data(form)
    assert again["version"] != theirs["version"]
    assert client.post(url, again | change_second).status_code == 302


def test_a_stale_funding_source_save_writes_nothing_and_shows_their_change(
    head_client, second_head_client, school
):
    source = FundingSourceFactory(school=school, description="Notional SEN", amount=Decimal("100"))
    url = f"/funding/sources/{source.public_id}/edit/"

    stale, theirs = _two_sessions(
        head_client, second_head_client, url, {"amount": "250.00"}, {"description": "Mine"}
    )

    source.refresh_from_db()
    assert (source.amount, source.description) == (Decimal("250.00"), "Notional SEN")
    conflict = {c.label: (c.theirs, c.yours) for c in stale.context["form"].conflicts}
    assert conflict["Amount"] == ("250.00", "100.00")
    assert "250.00" in stale.content.decode()
    _assert_asked_again(stale, theirs, url, second_head_client, {"description": "Mine"})
    source.refresh_from_db()
    assert source.description == "Mine"
    assert FundingSource.objects.count() == 1


def test_a_stale_pupil_save_writes_nothing(head_client, second_head_client, school):
    pupil = PupilFactory(school=school, surname="Brown", forename="Ann")
    url = f"/pupils/{pupil.public_id}/edit/"

    stale, theirs = _two_sessions(
        head_client, second_head_client, url, {"surname": "Browne"}, {"forename": "Anne"}
    )

    pupil.refresh_from_db()
    assert (pupil.forename, pupil.surname) == ("Ann", "Browne")
    # Every field where the saved record and the form differ: their change and yours.
    conflicts = {c.label: (c.theirs, c.yours) for c in stale.context["form"].conflicts}
    assert conflicts == {"Forename": ("Ann", "Anne"), "Surname": ("Browne", "Brown")}
    _assert_asked_again(stale, theirs, url, second_head_client, {"forename": "Anne"})
    pupil.refresh_from_db()
    # The re-shown form holds the second person's values (the table showed "Browne"): saving
    # again is their informed choice, so their whole form is written.
    assert (pupil.forename, pupil.surname) == ("Anne", "Brown")
    assert Pupil.objects.count() == 1


def test_a_stale_provision_assignment_save_writes_nothing(head_client, second_head_client, school):
    assignment = ProvisionAssignmentFactory(pupil=PupilFactory(school=school), outcome="Start")
    url = f"/pupils/provision/{assignment.public_id}/edit/"

    stale, _ = _two_sessions(
        head_client, second_head_client, url, {"outcome": "First"}, {"outcome": "Second"}
    )

    assignment.refresh_from_db()
    assert assignment.outcome == "First"
    assert stale.context["form"].conflicts
    assert ProvisionAssignment.objects.count() == 1


def test_stale_assessment_and_review_saves_write_nothing(head_client, second_head_client, school):
    pupil = PupilFactory(school=school)
    request = AssessmentRequestFactory(pupil=pupil, school=school, notes="")
    review = AnnualReviewFactory(pupil=pupil, school=school, notes="")
    for model, record, path in [
        (AssessmentRequest, request, "assessments"),
        (AnnualReview, review, "reviews"),
    ]:
        url = f"/pupils/{path}/{record.public_id}/edit/"
        stale, _ = _two_sessions(
            head_client, second_head_client, url, {"notes": "First"}, {"notes": "Second"}
        )
        assert model.objects.get(pk=record.pk).notes == "First"
        assert stale.context["form"].conflicts, path


def test_a_stale_advocacy_action_save_writes_nothing(head_client, second_head_client, school):
    action = AdvocacyActionFactory(school=school, title="Ask the LA")
    url = f"/advocacy/actions/{action.public_id}/edit/"

    stale, theirs = _two_sessions(
        head_client, second_head_client, url, {"title": "Ask the LA again"}, {"notes": "Mine"}
    )

    action.refresh_from_db()
    assert (action.title, action.notes) == ("Ask the LA again", "")
    assert [c.label for c in stale.context["form"].conflicts] == ["Title", "Notes"]
    _assert_asked_again(stale, theirs, url, second_head_client, {"notes": "Mine"})
    assert AdvocacyAction.objects.get(pk=action.pk).notes == "Mine"


def test_an_edit_without_a_version_is_refused_with_a_message(head_client, school):
    source = FundingSourceFactory(school=school, amount=Decimal("100"))
    url = f"/funding/sources/{source.public_id}/edit/"
    data = _open(head_client, url)
    del data["version"]

    response = head_client.post(url, data | {"amount": "5"})

    assert response.status_code == 400
    assert MISSING_MESSAGE in response.content.decode()
    source.refresh_from_db()
    assert source.amount == Decimal("100")
