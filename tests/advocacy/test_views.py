"""Advocacy pages: editing, the workflow through the web, read-only roles, query counts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from advocacy.models import AdvocacyAction, TrainingRecord
from funding.models import FundingSource
from tests.advocacy.factories import (
    AdvocacyActionFactory,
    FundingOpportunityFactory,
    ReformItemFactory,
    TrainingRecordFactory,
)
from tests.factories import current_summaries

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    current_summaries()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_head_logs_an_action(head_client, school):
    response = head_client.post(
        reverse("advocacy:action_add"),
        {
            "type": "grant",
            "title": "Inclusion fund bid",
            "addressed_to": "Devon County Council",
            "date": "2024-10-01",
            "status": "submitted",
            "amount_requested": "4000.00",
            "next_step": "Chase the decision",
            "next_step_due": "2024-11-01",
        },
    )
    action = AdvocacyAction.objects.for_school(school).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("advocacy:action_detail", args=[action.public_id])
    assert (action.status, action.amount_requested) == ("submitted", Decimal("4000.00"))


def test_a_new_action_cannot_start_as_successful(head_client, school):
    response = head_client.post(
        reverse("advocacy:action_add"),
        {
            "type": "grant",
            "title": "X",
            "date": "2024-10-01",
            "status": "successful",
            "amount_requested": "0",
        },
    )
    assert response.status_code == 200
    assert "status" in response.context["form"].errors
    assert not AdvocacyAction.objects.exists()


def test_a_negative_amount_is_refused_with_a_message(head_client, school):
    response = head_client.post(
        reverse("advocacy:action_add"),
        {
            "type": "grant",
            "title": "X",
            "date": "2024-10-01",
            "status": "planned",
            "amount_requested": "-5",
        },
    )
    assert response.status_code == 200
    assert "amount_requested" in response.context["form"].errors
    assert not AdvocacyAction.objects.exists()


def test_marking_successful_without_a_decision_date_shows_a_message(head_client, school):
    action = AdvocacyActionFactory(school=school, status="submitted")
    url = reverse("advocacy:action_status", args=[action.public_id])
    response = head_client.post(url, {"status": "successful", "amount_secured": "100"}, follow=True)
    assert "Give the date of the decision." in response.content.decode()
    action.refresh_from_db()
    assert action.status == "submitted"


def test_the_head_marks_an_action_successful_and_records_the_funding(head_client, school):
    action = AdvocacyActionFactory(school=school, status="submitted", date=dt.date(2024, 10, 1))
    head_client.post(
        reverse("advocacy:action_status", args=[action.public_id]),
        {"status": "successful", "decision_date": "2024-11-15", "amount_secured": "3250.50"},
    )
    url = reverse("advocacy:action_record_funding", args=[action.public_id])
    head_client.post(url)
    head_client.post(url)
    source = FundingSource.objects.for_school(school).get()
    assert source.amount == Decimal("3250.50")
    action.refresh_from_db()
    assert action.funding_source == source


def test_a_governor_reads_but_cannot_change_anything(governor_client, school):
    action = AdvocacyActionFactory(school=school, status="submitted")
    assert governor_client.get(reverse("advocacy:overview")).status_code == 200
    detail = governor_client.get(reverse("advocacy:action_detail", args=[action.public_id]))
    assert detail.status_code == 200
    assert "Update status" not in detail.content.decode()
    status = governor_client.post(
        reverse("advocacy:action_status", args=[action.public_id]), {"status": "closed"}
    )
    assert status.status_code == 403
    assert governor_client.get(reverse("advocacy:action_add")).status_code == 403
    action.refresh_from_db()
    assert action.status == "submitted"


@pytest.mark.parametrize("role_client", ["governor_client", "trust_lead_client"])
def test_governors_and_trust_leads_never_see_named_pupils(
    request, role_client, school, named_pupil
):
    client = request.getfixturevalue(role_client)
    action = AdvocacyActionFactory(school=school, type="top_up", title="Top-up request")
    action.pupils.set([named_pupil])
    pages = [
        reverse("advocacy:overview"),
        reverse("advocacy:actions"),
        reverse("advocacy:action_detail", args=[action.public_id]),
        reverse("advocacy:evidence"),
        reverse("advocacy:evidence_csv"),
    ]
    for url in pages:
        body = client.get(url).content.decode()
        assert "Quixotefield" not in body, url
        assert "Zebedee" not in body, url


@pytest.mark.parametrize("role_client", ["governor_client", "trust_lead_client"])
def test_requests_about_one_child_are_not_listed_to_governors_and_trust_leads(
    request, role_client, head_client, school
):
    # One top-up request of £3,000 and one grant bid of £5,000, both open. A governor sees
    # the grant bid and its £5,000, never the single child's request or its £3,000 (which
    # would be money about one pupil); the head sees both (£8,000 requested).
    client = request.getfixturevalue(role_client)
    child = AdvocacyActionFactory(
        school=school,
        type="top_up",
        title="Request A",
        amount_requested=Decimal("3000.00"),
        date=dt.date.today(),
    )
    AdvocacyActionFactory(
        school=school,
        type="grant",
        title="Grant bid B",
        amount_requested=Decimal("5000.00"),
        date=dt.date.today(),
    )
    listing = client.get(reverse("advocacy:actions")).content.decode()
    assert "Grant bid B" in listing and "Request A" not in listing
    detail = reverse("advocacy:action_detail", args=[child.public_id])
    assert client.get(detail).status_code == 404
    overview = client.get(reverse("advocacy:overview"))
    assert overview.context["summary"]["requested_total"] == Decimal("5000.00")
    assert 'data-testid="pupil-requests-hidden"' in overview.content.decode()
    home = client.get(reverse("home"))
    if "advocacy_panel" in home.context:
        assert home.context["advocacy_panel"]["summary"]["actions_total"] == 1
    head = head_client.get(reverse("advocacy:overview"))
    assert head.context["summary"]["requested_total"] == Decimal("8000.00")
    assert "Request A" in head_client.get(reverse("advocacy:actions")).content.decode()


def test_the_senco_sees_the_pupils_a_request_names(senco_client, school, named_pupil):
    action = AdvocacyActionFactory(school=school, type="ehc_assessment")
    action.pupils.set([named_pupil])
    body = senco_client.get(reverse("advocacy:action_detail", args=[action.public_id]))
    assert "Zebedee Quixotefield" in body.content.decode()


def test_the_action_form_offers_only_this_schools_pupils(head_client, school, other_school):
    from tests.factories import PupilFactory

    PupilFactory(school=other_school, surname="Elsewhere")
    form = head_client.get(reverse("advocacy:action_add")).context["form"]
    assert all(p.school_id == school.pk for p in form.fields["pupils"].queryset)


def test_a_governors_action_form_never_lists_pupils(head_client, senco_client):
    assert "pupils" in senco_client.get(reverse("advocacy:action_add")).context["form"].fields


def test_saving_a_training_record_works_out_the_senco_deadline(senco_client, school):
    response = senco_client.post(
        reverse("advocacy:training_add"),
        {
            "person_name": "Sam Patel",
            "role": "senco",
            "qualification": "npq_senco",
            "appointment_date": "2024-09-01",
            "start_date": "2024-10-01",
            "status": "in_progress",
        },
    )
    assert response.status_code == 302
    record = TrainingRecord.objects.for_school(school).get()
    assert record.deadline == dt.date(2027, 9, 1)


def test_a_senco_qualification_needs_an_appointment_date(senco_client, school):
    response = senco_client.post(
        reverse("advocacy:training_add"),
        {
            "person_name": "Sam Patel",
            "role": "senco",
            "qualification": "npq_senco",
            "status": "planned",
        },
    )
    assert response.status_code == 200
    assert "appointment_date" in response.context["form"].errors


def test_the_heads_home_page_warns_when_the_senco_deadline_is_near(head_client, school):
    today = dt.date.today()
    TrainingRecordFactory(
        school=school, appointment_date=today.replace(year=today.year - 3) + dt.timedelta(days=60)
    )
    body = head_client.get(reverse("home")).content.decode()
    assert 'data-testid="senco-training-warning"' in body


def test_no_warning_once_the_qualification_is_complete(head_client, school):
    today = dt.date.today()
    TrainingRecordFactory(
        school=school,
        appointment_date=today.replace(year=today.year - 3) + dt.timedelta(days=60),
        start_date=today - dt.timedelta(days=400),
        status="completed",
        completion_date=today - dt.timedelta(days=10),
    )
    body = head_client.get(reverse("home")).content.decode()
    assert "senco-training-warning" not in body


def test_no_warning_when_the_deadline_is_more_than_six_months_away(head_client, school):
    today = dt.date.today()
    TrainingRecordFactory(school=school, appointment_date=today - dt.timedelta(days=365))
    assert "senco-training-warning" not in head_client.get(reverse("home")).content.decode()


def test_the_reform_tracker_lists_the_national_reforms_and_the_schools_own(head_client, school):
    ReformItemFactory(school=school, title="Our own inclusion review")
    body = head_client.get(reverse("advocacy:reforms")).content.decode()
    assert "Individual Support Plans" in body
    assert "National banding and tariffs" in body
    assert "Our own inclusion review" in body


def test_a_national_reform_keeps_its_title_when_edited(head_client, school):
    # The first edit records the school's item; later ones edit that item, from either page.
    first = reverse("advocacy:reform_national_edit", args=["local-inclusion-plans"])
    head_client.post(first, {"title": "Renamed", "status": "watching", "owner": "", "notes": ""})
    item = school.reform_items.get(reform__key="local-inclusion-plans")
    assert head_client.get(first).context["form"].instance == item
    head_client.post(
        reverse("advocacy:reform_edit", args=[item.public_id]),
        {"title": "Renamed", "status": "preparing", "owner": "Head", "notes": ""},
    )
    item.refresh_from_db()
    assert (item.title, item.status) == ("Local inclusion plans", "preparing")
    head_client.post(first, {"title": "", "status": "in_place", "owner": "Head", "notes": ""})
    assert school.reform_items.get(reform__key="local-inclusion-plans").status == "in_place"
    assert school.reform_items.filter(reform__key="local-inclusion-plans").count() == 1


def test_reading_the_reform_tracker_writes_nothing(head_client, school):
    from advocacy.models import Reform, ReformItem

    response = head_client.get(reverse("advocacy:reforms"))

    assert not ReformItem.objects.exists()
    body = response.content.decode()
    assert body.count("Not started") == Reform.objects.count() > 0
    assert reverse("advocacy:reform_national_edit", args=["layered-support"]) in body


def test_an_unknown_national_reform_is_a_404(head_client):
    url = reverse("advocacy:reform_national_edit", args=["no-such-reform"])
    assert head_client.get(url).status_code == 404


def test_opportunities_are_listed_soonest_deadline_first(head_client, school):
    today = dt.date.today()
    FundingOpportunityFactory(school=school, name="Later", deadline=today + dt.timedelta(days=90))
    FundingOpportunityFactory(school=school, name="Sooner", deadline=today + dt.timedelta(days=5))
    FundingOpportunityFactory(school=school, name="Gone", deadline=today - dt.timedelta(days=1))
    response = head_client.get(reverse("advocacy:opportunities"))
    names = [o.name for o in response.context["page"]]
    assert names == ["Sooner", "Later"]
    assert "Closing soon" in response.content.decode()


def test_an_unknown_evidence_period_is_a_clear_400(head_client):
    response = head_client.get(reverse("advocacy:evidence_pdf"), {"period": "term-2024-winter"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def _grow(school, n):
    for i in range(n):
        action = AdvocacyActionFactory(
            school=school, type="top_up", status="submitted", next_step_due=dt.date.today()
        )
        FundingOpportunityFactory(school=school, action=action)
        TrainingRecordFactory(school=school)
        ReformItemFactory(school=school)


@pytest.mark.parametrize(
    "name",
    [
        "advocacy:overview",
        "advocacy:actions",
        "advocacy:opportunities",
        "advocacy:training",
        "advocacy:reforms",
        "advocacy:evidence",
    ],
)
def test_list_pages_take_the_same_number_of_queries_at_two_sizes(head_client, school, name):
    url = reverse(name)
    _grow(school, 2)
    head_client.get(url)  # the first request of a session also saves the session
    small = _queries(head_client, url)
    _grow(school, 12)
    assert _queries(head_client, url) == small


def test_the_home_panel_takes_the_same_number_of_queries_at_two_sizes(
    rf, head, school, django_assert_num_queries
):
    from advocacy.home import home_context

    request = rf.get("/")
    request.user, request.school, request.role = head, school, "head"
    _grow(school, 2)
    with django_assert_num_queries(4):
        small = home_context(request)
    _grow(school, 12)
    with django_assert_num_queries(4):
        large = home_context(request)
    assert (small["advocacy_panel"]["due"], large["advocacy_panel"]["due"]) == (2, 14)


def test_the_home_panel_is_empty_for_a_role_without_advocacy(rf, school_admin, school):
    from advocacy.home import home_context

    request = rf.get("/")
    request.user, request.school, request.role = school_admin, school, "admin"
    assert home_context(request) == {}


def test_the_action_list_searches_filters_sorts_and_pages(head_client, school, other_school):
    AdvocacyActionFactory(school=school, title="Letter to Ms Jones MP", type="mp_letter")
    AdvocacyActionFactory(school=school, title="Band review", status="submitted")
    AdvocacyActionFactory(school=other_school, title="Letter from elsewhere", type="mp_letter")
    url = reverse("advocacy:actions")
    assert [a.title for a in head_client.get(url, {"q": "letter"}).context["page"]] == [
        "Letter to Ms Jones MP"
    ]
    submitted = head_client.get(url, {"status": "submitted"}).context["page"]
    assert [a.title for a in submitted] == ["Band review"]
    by_title = head_client.get(url, {"sort": "title"}).context["page"]
    assert [a.title for a in by_title] == ["Band review", "Letter to Ms Jones MP"]
    AdvocacyActionFactory.create_batch(30, school=school)
    second = head_client.get(url, {"page": 2}).context["page"]
    assert (second.number, len(second.object_list)) == (2, 7)


def test_nonsense_filters_are_ignored_rather_than_failing(head_client, school):
    AdvocacyActionFactory(school=school)
    response = head_client.get(
        reverse("advocacy:actions"), {"status": "x", "type": "y", "sort": "z", "page": "q"}
    )
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 1


def test_the_amount_secured_can_be_corrected_without_changing_the_decision(head_client, school):
    action = AdvocacyActionFactory(
        school=school,
        status="successful",
        decision_date=dt.date(2024, 11, 1),
        amount_secured=Decimal("900.00"),
    )
    head_client.post(
        reverse("advocacy:action_status", args=[action.public_id]),
        {"status": "successful", "decision_date": "2024-11-01", "amount_secured": "950.00"},
    )
    action.refresh_from_db()
    assert (action.status, action.amount_secured) == ("successful", Decimal("950.00"))


def test_deleting_an_action_asks_first_then_deletes(head_client, school):
    action = AdvocacyActionFactory(school=school, title="Old note")
    opportunity = FundingOpportunityFactory(school=school, action=action)
    url = reverse("advocacy:action_delete", args=[action.public_id])
    assert "Delete “Old note”?" in head_client.get(url).content.decode()
    assert AdvocacyAction.objects.filter(pk=action.pk).exists()
    response = head_client.post(url)
    assert response["Location"] == reverse("advocacy:actions")
    assert not AdvocacyAction.objects.filter(pk=action.pk).exists()
    opportunity.refresh_from_db()
    assert opportunity.action is None


def test_an_action_whose_money_is_counted_cannot_be_deleted(head_client, school):
    from advocacy.services import action_record_funding

    action = AdvocacyActionFactory(
        school=school,
        status="successful",
        decision_date=dt.date(2024, 11, 1),
        amount_secured=Decimal("10.00"),
    )
    action_record_funding(school=school, action=action)
    response = head_client.post(
        reverse("advocacy:action_delete", args=[action.public_id]), follow=True
    )
    assert "delete that funding source first" in response.content.decode()
    assert AdvocacyAction.objects.filter(pk=action.pk).exists()


def test_a_national_reform_cannot_be_deleted_but_the_schools_own_can(head_client, school):
    head_client.post(
        reverse("advocacy:reform_national_edit", args=["layered-support"]),
        {"title": "", "status": "watching", "owner": "", "notes": ""},
    )
    national = school.reform_items.get(reform__key="layered-support")
    own = ReformItemFactory(school=school)
    head_client.post(reverse("advocacy:reform_delete", args=[national.public_id]))
    head_client.post(reverse("advocacy:reform_delete", args=[own.public_id]))
    remaining = set(school.reform_items.values_list("pk", flat=True))
    assert national.pk in remaining and own.pk not in remaining


def test_training_and_opportunities_can_be_deleted(senco_client, school):
    record = TrainingRecordFactory(school=school)
    opportunity = FundingOpportunityFactory(school=school)
    senco_client.post(reverse("advocacy:training_delete", args=[record.public_id]))
    senco_client.post(reverse("advocacy:opportunity_delete", args=[opportunity.public_id]))
    assert not TrainingRecord.objects.exists()
    assert not school.funding_opportunities.exists()


def test_the_training_page_says_a_late_nasenco_does_not_count(senco_client, school):
    response = senco_client.post(
        reverse("advocacy:training_add"),
        {
            "person_name": "Sam Patel",
            "role": "senco",
            "qualification": "nasenco",
            "appointment_date": "2025-01-06",
            "start_date": "2025-02-03",
            "completion_date": "2026-07-10",
            "status": "completed",
        },
    )
    assert response.status_code == 302
    page = senco_client.get(reverse("advocacy:training")).content.decode()
    assert 'data-testid="late-nasenco"' in page
    assert "A SENCO holds the mandatory qualification" not in page


def test_a_refused_status_change_is_shown_in_the_status_forms_error_summary(head_client, school):
    action = AdvocacyActionFactory(school=school, status="submitted", date=dt.date(2024, 10, 1))
    url = reverse("advocacy:action_status", args=[action.public_id])
    response = head_client.post(url, {"status": "successful", "decision_date": "2024-09-01"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Please correct the following" in page
    assert "The decision cannot come before the action&#x27;s date." in page
    assert response.context["status_form"].non_field_errors()
    action.refresh_from_db()
    assert (action.status, action.decision_date) == ("submitted", None)


def test_a_status_form_error_is_linked_to_its_field(head_client, school):
    action = AdvocacyActionFactory(school=school, status="submitted")
    url = reverse("advocacy:action_status", args=[action.public_id])
    response = head_client.post(url, {"status": "successful", "amount_secured": "-1"})
    assert response.status_code == 200
    assert 'href="#id_amount_secured"' in response.content.decode()
    action.refresh_from_db()
    assert action.status == "submitted"
