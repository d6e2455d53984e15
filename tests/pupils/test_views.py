"""Register, pupil page, provision map and edit journeys through the web."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pupils.models import Need, ProvisionAssignment, Pupil, SenStatus, StaffRate
from tests.factories import (
    NeedFactory,
    ProvisionAssignmentFactory,
    ProvisionFactory,
    PupilFactory,
    SenStatusFactory,
    StaffRateFactory,
    StaffRoleFactory,
    current_summaries,
)
from tests.pupils.factories import AnnualReviewFactory, AssessmentRequestFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()
YEAR_START = dt.date(TODAY.year if TODAY.month >= 9 else TODAY.year - 1, 9, 1)


def _add_pupils(school, count: int) -> None:
    role = StaffRoleFactory(school=school, name="Teaching assistant")
    if not StaffRate.objects.filter(staff_role=role).exists():
        StaffRateFactory(staff_role=role, academic_year=YEAR_START.year)
    provision = ProvisionFactory(school=school, staff_role=role)
    for _ in range(count):
        pupil = PupilFactory(school=school)
        SenStatusFactory(pupil=pupil, code="K", start_date=YEAR_START)
        NeedFactory(pupil=pupil, code="SLCN", start_date=YEAR_START)
        ProvisionAssignmentFactory(pupil=pupil, provision=provision, start_date=YEAR_START)
        AssessmentRequestFactory(pupil=pupil, received_date=YEAR_START)
        AnnualReviewFactory(pupil=pupil, due_date=TODAY)


def _queries(client, url) -> int:
    client.get(url)  # the first request of a session also loads and saves the session
    current_summaries()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx)


@pytest.mark.parametrize(
    "name", ["pupils:register", "pupils:provision_map", "pupils:due", "pupils:catalogue"]
)
def test_list_pages_use_the_same_number_of_queries_for_3_and_30_pupils(senco_client, school, name):
    url = reverse(name)
    _add_pupils(school, 3)
    small = _queries(senco_client, url)
    _add_pupils(school, 27)
    assert _queries(senco_client, url) == small


def test_the_pupil_page_query_count_does_not_grow_with_provision(senco_client, school):
    pupil = PupilFactory(school=school)
    url = reverse("pupils:detail", kwargs={"public_id": pupil.public_id})
    ProvisionAssignmentFactory(pupil=pupil, start_date=YEAR_START)
    small = _queries(senco_client, url)
    for _ in range(10):
        ProvisionAssignmentFactory(pupil=pupil, start_date=YEAR_START)
        NeedFactory(pupil=pupil, rank=3 + _, code="PD")
    assert _queries(senco_client, url) == small


def test_the_register_filters_searches_and_sorts(senco_client, school):
    ada = PupilFactory(school=school, forename="Ada", surname="Byron", upn="A111111111111")
    SenStatusFactory(pupil=ada, code="E", start_date=YEAR_START)
    NeedFactory(pupil=ada, code="ASD", start_date=YEAR_START)
    bob = PupilFactory(school=school, forename="Bob", surname="Adams", year_group="6")
    SenStatusFactory(pupil=bob, code="K", start_date=YEAR_START)
    NeedFactory(pupil=bob, code="MLD", start_date=YEAR_START)
    PupilFactory(school=school, forename="Cy", surname="Left", left_date=YEAR_START)

    def names(**params):
        response = senco_client.get(reverse("pupils:register"), params)
        return [p.forename for p in response.context["page"]]

    assert names() == ["Bob", "Ada"]
    assert names(sort="-name") == ["Ada", "Bob"]
    assert names(status="E") == ["Ada"]
    assert names(status="EK", sort="-name") == ["Ada", "Bob"]
    assert names(need="MLD") == ["Bob"]
    assert names(area="CI") == ["Ada"]
    assert names(year_group="6") == ["Bob"]
    assert names(q="byr") == ["Ada"]
    assert names(q="a111111111111") == ["Ada"]
    assert names(include_left="on") == ["Bob", "Ada", "Cy"]
    assert names(status="bogus") == ["Bob", "Ada"]  # a bad filter is ignored, never a 500


def test_the_register_keeps_the_chosen_filters_selected_and_shows_year_groups(senco_client, school):
    PupilFactory(school=school, year_group="6")
    params = {"status": "K", "year_group": "6", "need": "MLD", "area": "CI"}
    body = senco_client.get(reverse("pupils:register"), params).content.decode()
    for value in params.values():
        assert f'<option value="{value}" selected>' in body
    assert body.count(" selected>") == 4  # one option chosen in each of the four drop-downs
    body = senco_client.get(reverse("pupils:register")).content.decode()
    assert '<option value="" selected>Any</option>' in body
    assert "<td>Year 6</td>" in body
    assert PupilFactory.build(year_group="R").get_year_group_display() == "Reception"
    assert PupilFactory.build(year_group="99").get_year_group_display() == "99"


def test_the_register_paginates_50_a_page(senco_client, school):
    PupilFactory.create_batch(55, school=school)
    response = senco_client.get(reverse("pupils:register"), {"page": 2})
    assert len(response.context["page"].object_list) == 5
    assert "Page 2 of 2" in response.content.decode()


@pytest.mark.parametrize("sort", ["name", "-name", "year", "status", "cost", "-cost"])
def test_pupils_who_share_a_name_keep_one_order_across_pages(senco_client, school, sort):
    # 60 pupils all called "Sam Smith", in year 3, with no SEN status and no cost: every sort
    # key ties, so only the final tiebreak decides the order. Two pages must hold 60 different
    # pupils, whatever order PostgreSQL happens to read the rows in.
    pupils = PupilFactory.create_batch(
        60, school=school, forename="Sam", surname="Smith", year_group="3"
    )
    # Rewrite every other row: PostgreSQL stores the new versions after the rest, so the rows
    # are no longer read in the order they were added.
    Pupil.objects.filter(pk__in=[p.pk for p in pupils[::2]]).update(forename="Sam")
    seen = []
    for page in (1, 2):
        response = senco_client.get(reverse("pupils:register"), {"sort": sort, "page": page})
        seen += [p.pk for p in response.context["page"]]
    assert sorted(seen) == sorted(p.pk for p in pupils)
    assert seen == sorted(seen, reverse=sort.startswith("-") and sort.endswith("name"))


def test_an_empty_register_tells_the_senco_what_to_do_first(senco_client):
    body = senco_client.get(reverse("pupils:register")).content.decode()
    assert "The register is empty" in body
    body = senco_client.get(reverse("pupils:provision_map")).content.decode()
    assert "Add staff roles and their hourly rates" in body


@pytest.mark.parametrize("who", ["senco_client", "head_client"])
def test_senco_and_head_add_a_pupil_then_a_need_and_provision(request, school, who):
    client = request.getfixturevalue(who)
    response = client.post(
        reverse("pupils:add"),
        {
            "forename": "Ada",
            "surname": "Lovelace",
            "date_of_birth": "2016-03-14",
            "year_group": "4",
            "sen_code": "K",
            "primary_need": "SLCN",
            "start_date": YEAR_START.isoformat(),
        },
    )
    pupil = Pupil.objects.get(school=school, surname="Lovelace")
    assert response.status_code == 302
    client.post(
        reverse("pupils:need_add", kwargs={"public_id": pupil.public_id}),
        {"code": "SEMH", "rank": 2, "start_date": YEAR_START.isoformat()},
    )
    assert list(Need.objects.filter(pupil=pupil).values_list("code", flat=True)) == [
        "SLCN",
        "SEMH",
    ]
    role = StaffRoleFactory(school=school)
    StaffRateFactory(
        staff_role=role, academic_year=YEAR_START.year, actual_hourly_rate=Decimal("20.00")
    )
    provision = ProvisionFactory(school=school, staff_role=role)
    client.post(
        reverse("pupils:assignment_add", kwargs={"public_id": pupil.public_id}),
        {
            "provision": provision.pk,
            "status": "in_place",
            "start_date": YEAR_START.isoformat(),
            "hours_per_week": "5",
            "weeks": "38",
        },
    )
    page = client.get(reverse("pupils:detail", kwargs={"public_id": pupil.public_id}))
    assert page.context["total"].quantize(Decimal("0.01")) == Decimal("3800.00")  # 20x5x38
    assert "£3,800.00" in page.content.decode()


def test_a_governor_cannot_open_the_register_or_a_pupil(governor_client, school):
    pupil = PupilFactory(school=school)
    assert governor_client.get(reverse("pupils:register")).status_code == 403
    url = reverse("pupils:detail", kwargs={"public_id": pupil.public_id})
    assert governor_client.get(url).status_code == 403


def test_another_schools_pupil_is_not_found(head_client, other_school):
    pupil = PupilFactory(school=other_school)
    url = reverse("pupils:status", kwargs={"public_id": pupil.public_id})
    response = head_client.post(url, {"code": "N", "start_date": "2026-01-05"})
    assert response.status_code == 404
    assert not SenStatus.objects.filter(pupil=pupil).exists()


def test_a_rejected_status_change_shows_the_reason_and_writes_nothing(senco_client, school):
    pupil = PupilFactory(school=school)
    SenStatusFactory(pupil=pupil, code="N", start_date=YEAR_START)
    url = reverse("pupils:status", kwargs={"public_id": pupil.public_id})
    response = senco_client.post(url, {"code": "E", "start_date": TODAY.isoformat()})
    assert response.status_code == 200
    assert "needs a primary need" in response.content.decode()
    assert SenStatus.objects.filter(pupil=pupil).count() == 1


def test_ending_provision_keeps_it_on_the_map_for_the_days_it_ran(senco_client, school):
    row = ProvisionAssignmentFactory(pupil__school=school, start_date=YEAR_START)
    url = reverse("pupils:assignment_end", kwargs={"public_id": row.public_id})
    senco_client.post(url, {"end_date": YEAR_START.isoformat(), "outcome": "Targets met"})
    row.refresh_from_db()
    assert (row.status, row.end_date, row.outcome) == ("ended", YEAR_START, "Targets met")
    assert ProvisionAssignment.objects.filter(pk=row.pk).exists()


def test_a_used_provision_is_kept_in_the_catalogue_with_a_message(senco_client, school):
    row = ProvisionAssignmentFactory(pupil__school=school)
    url = reverse("pupils:provision_delete", kwargs={"public_id": row.provision.public_id})
    response = senco_client.post(url, follow=True)
    assert "stays in the catalogue" in response.content.decode()


def test_the_costing_basis_is_set_on_the_staff_page(senco_client, school_admin_client, school):
    senco_client.post(reverse("pupils:costing_basis"), {"costing_basis": "la_standard"})
    school.refresh_from_db()
    assert school.costing_basis == "la_standard"
    school_admin_client.post(reverse("pupils:costing_basis"), {"costing_basis": "actual"})
    school.refresh_from_db()
    assert school.costing_basis == "actual"


def test_a_review_due_date_defaults_to_12_months_or_6_for_an_under_five(senco_client, school):
    older = PupilFactory(school=school, date_of_birth=dt.date(2016, 1, 1))
    young = PupilFactory(school=school, date_of_birth=dt.date(2022, 6, 1), year_group="N2")
    for pupil in (older, young):
        senco_client.post(
            reverse("pupils:review_add", kwargs={"public_id": pupil.public_id}),
            {"previous_date": "2025-10-15"},
        )
    assert older.annual_reviews.get().due_date == dt.date(2026, 10, 15)
    assert young.annual_reviews.get().due_date == dt.date(2026, 4, 15)


def test_the_home_panel_counts_the_register_for_the_senco_only(
    senco_client, governor_client, school
):
    _add_pupils(school, 2)
    body = senco_client.get(reverse("home")).content.decode()
    assert "2</strong> on SEN support" in body
    assert "SEN register" not in governor_client.get(reverse("home")).content.decode()


def test_the_pupil_page_compares_the_cost_with_the_threshold_in_force(senco_client, school):
    from funding.models import HighNeedsThreshold

    HighNeedsThreshold.objects.update_or_create(
        effective_from=YEAR_START - dt.timedelta(days=1), defaults={"amount": Decimal("1000")}
    )
    role = StaffRoleFactory(school=school)
    StaffRateFactory(
        staff_role=role, academic_year=YEAR_START.year, actual_hourly_rate=Decimal("20.00")
    )
    row = ProvisionAssignmentFactory(
        pupil__school=school,
        provision=ProvisionFactory(school=school, staff_role=role),
        hours_per_week=Decimal("2"),
        start_date=YEAR_START,
    )
    url = reverse("pupils:detail", kwargs={"public_id": row.pupil.public_id})
    response = senco_client.get(url)
    assert response.context["threshold"] == Decimal("1000")
    assert response.context["excess"].quantize(Decimal("0.01")) == Decimal("520.00")  # 1520-1000
    assert "Above threshold" in response.content.decode()


def test_an_assessment_request_entered_by_mistake_can_be_deleted(senco_client, school):
    req = AssessmentRequestFactory(pupil__school=school)
    edit = senco_client.get(reverse("pupils:assessment_edit", kwargs={"public_id": req.public_id}))
    assert "Delete this record" in edit.content.decode()
    senco_client.post(reverse("pupils:assessment_delete", kwargs={"public_id": req.public_id}))
    assert not type(req).objects.filter(pk=req.pk).exists()


def test_the_assessment_page_shows_its_week_6_16_and_20_deadlines(senco_client, school):
    req = AssessmentRequestFactory(pupil__school=school, received_date=dt.date(2026, 1, 5))
    url = reverse("pupils:assessment_edit", kwargs={"public_id": req.public_id})
    body = senco_client.get(url).content.decode()
    assert "decision by <strong>16/02/2026</strong>" in body
    assert "final plan by <strong>25/05/2026</strong>" in body


def test_the_pupil_page_reads_its_costs_from_the_summary_and_they_match_the_detail(
    senco_client, school
):
    """The page's rows come from the stored term costs (one compiled query); each row's cost,
    school days, rate and working equal the costing from the detail."""
    from pupils import queries

    pupil = PupilFactory(school=school)
    ta = StaffRoleFactory(school=school, name="Teaching assistant")
    StaffRateFactory(staff_role=ta, academic_year=YEAR_START.year, actual_hourly_rate=Decimal("20"))
    tutor = StaffRoleFactory(school=school, name="Tutor")
    StaffRateFactory(
        staff_role=tutor, academic_year=YEAR_START.year - 1, actual_hourly_rate=Decimal("15")
    )
    staffed = ProvisionAssignmentFactory(
        pupil=pupil,
        provision=ProvisionFactory(school=school, staff_role=ta, name="Reading"),
        hours_per_week=Decimal("2"),
        start_date=YEAR_START,
    )
    old_rate = ProvisionAssignmentFactory(
        pupil=pupil,
        provision=ProvisionFactory(school=school, staff_role=tutor, name="Maths"),
        group_size=2,
        start_date=YEAR_START - dt.timedelta(days=30),
    )
    service = ProvisionAssignmentFactory(
        pupil=pupil,
        provision=ProvisionFactory(
            school=school,
            staff_role=None,
            name="Speech therapy",
            service_annual_cost=Decimal("1900"),
            resource_cost_per_pupil=Decimal("95"),
        ),
        start_date=YEAR_START,
    )
    late = ProvisionAssignmentFactory(
        pupil=pupil,
        provision=ProvisionFactory(school=school, staff_role=ta, name="Social skills"),
        start_date=YEAR_START + dt.timedelta(days=45),
        end_date=YEAR_START + dt.timedelta(days=120),
    )
    url = reverse("pupils:detail", kwargs={"public_id": pupil.public_id})
    response = senco_client.get(url)
    rows = {row.pk: row for row in response.context["assignments"]}
    year = queries.cost_year(TODAY)
    detail = {row.pk: row for row in queries.assignments_in(school, year).filter(pupil=pupil)}
    assert set(rows) == set(detail) == {staffed.pk, old_rate.pk, service.pk, late.pk}
    fields = ("period_cost", "school_days", "hourly_rate", "rate_year", "year_days")
    for pk, row in rows.items():
        assert [getattr(row, f) for f in fields] == [getattr(detail[pk], f) for f in fields]
        assert row.working == queries.working(detail[pk])
    # By hand, on the default calendar's 190 school days in the year:
    #   Reading: £20.00 × 2 h ÷ 5 × 190 days ÷ 1 = £1,520.00
    #   Maths: last year's £15.00 (no rate entered for this year) × 1 h ÷ 5 × 190 ÷ 2 = £285.00
    #   Speech therapy: £1,900 ÷ 190 × 190 + £95 ÷ 190 × 190 = £1,995.00
    money = {pk: row.period_cost.quantize(Decimal("0.01")) for pk, row in rows.items()}
    assert money[staffed.pk] == Decimal("1520.00")
    assert money[old_rate.pk] == Decimal("285.00")
    assert money[service.pk] == Decimal("1995.00")
    assert rows[old_rate.pk].rate_year == YEAR_START.year - 1
    assert response.context["total"] == sum(row.period_cost for row in detail.values())
    body = response.content.decode()
    assert "× 2 h ÷ 5 × 190 school days ÷ 1 = £1,520.00" in body
    assert "£1,900.00 a year ÷ 190 school days × 190" in body
    # Newest first, as before.
    assert [row.pk for row in response.context["assignments"]][0] == late.pk


def test_the_pupil_page_of_another_school_is_a_404_and_shows_only_its_own_rows(
    senco_client, school, other_school
):
    mine = ProvisionAssignmentFactory(pupil__school=school, start_date=YEAR_START)
    theirs = ProvisionAssignmentFactory(pupil__school=other_school, start_date=YEAR_START)
    url = reverse("pupils:detail", kwargs={"public_id": theirs.pupil.public_id})
    assert senco_client.get(url).status_code == 404
    url = reverse("pupils:detail", kwargs={"public_id": mine.pupil.public_id})
    response = senco_client.get(url)
    assert [row.pk for row in response.context["assignments"]] == [mine.pk]


@pytest.mark.parametrize("include_left", [False, True])
@pytest.mark.parametrize("sort", ["name", "-name", "year", "-year", "status", "-cost", "bogus"])
def test_the_compiled_register_pages_are_the_querysets_pages(
    school, other_school, sort, include_left
):
    """register_list (the register as first opened, compiled once) gives, page by page, the
    pupils, statuses, needs and costs `register` gives."""
    from django.core.paginator import Paginator

    from pupils import queries
    from sendfund.lib.sql import CompiledList

    _add_pupils(school, 5)
    _add_pupils(other_school, 2)
    PupilFactory(school=school, surname="Gone", left_date=YEAR_START)
    NeedFactory(pupil=PupilFactory(school=school, year_group="R"), code="ASD")
    filters = {"sort": sort, "include_left": include_left, "status": "", "q": ""}
    compiled = queries.register_list(school, filters=filters)
    assert isinstance(compiled, CompiledList)
    orm = queries.register(school, filters=filters)
    fields = ("pk", "sen_status", "primary_need", "annual_cost", "year_order", "left_date")
    pages = Paginator(compiled, 3), Paginator(orm, 3)
    # Five on roll with provision, one in Reception, one who left.
    assert pages[0].count == pages[1].count == (7 if include_left else 6)
    for number in pages[1].page_range:
        mine, theirs = (list(p.page(number)) for p in pages)
        assert [[getattr(p, f) for f in fields] for p in mine] == [
            [getattr(p, f) for f in fields] for p in theirs
        ]
    # A filter beyond the sort is the queryset's own.
    assert not isinstance(queries.register_list(school, filters={"status": "E"}), CompiledList)
