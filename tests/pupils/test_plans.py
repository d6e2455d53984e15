"""SEN support plans (APDR cycles): start, review, history, the due list and the home page."""

import datetime as dt

import pytest
from django.urls import reverse

from pupils import clocks
from pupils.plan_models import PlanOutcome, ProfessionalInvolvement, SupportPlan
from tests.factories import ProvisionAssignmentFactory, PupilFactory, current_summaries
from tests.pupils.factories import PlanOutcomeFactory, SupportPlanFactory

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = dt.date.today()


def _post(client, pupil, **extra):
    data = {
        "start_date": "05/01/2026",
        "review_date": "27/03/2026",
        "assessment": "Reading age 6y 2m against 8y 4m.",
        "outcomes": "Reads 40 words a minute\n\n  Spells 20 common exception words  \n",
        "pupil_views": "I want to read comics.",
        "parent_views": "Reading at home every night.",
        **extra,
    }
    return client.post(reverse("pupils:plan_add", args=[pupil.public_id]), data)


def test_a_cycle_links_provision_and_keeps_its_outcomes_in_order(senco_client, school):
    pupil = PupilFactory(school=school)
    row = ProvisionAssignmentFactory(pupil=pupil, provision__name="Precision teaching")
    response = _post(senco_client, pupil, provision=[row.pk])
    assert response.status_code == 302
    plan = SupportPlan.objects.get(pupil=pupil)
    assert [o.text for o in plan.outcomes.all()] == [
        "Reads 40 words a minute",
        "Spells 20 common exception words",
    ]
    assert list(plan.provision.all()) == [row]
    html = senco_client.get(reverse("pupils:detail", args=[pupil.public_id])).content.decode()
    assert "Reads 40 words a minute" in html
    assert "Precision teaching" in html
    assert "I want to read comics." in html


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"outcomes": "  \n "}, "Outcomes sought: enter at least one outcome."),
        ({"review_date": "05/01/2026"}, "Review date: must be after the day the cycle starts."),
        ({"start_date": "31/02/2026"}, "Cycle starts: enter a real date"),
        ({"outcomes": "x" * 501}, "Outcomes sought: outcome 1 is longer than 500 characters"),
    ],
)
def test_bad_input_gets_a_named_message_and_writes_nothing(senco_client, school, extra, message):
    pupil = PupilFactory(school=school)
    response = _post(senco_client, pupil, **extra)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SupportPlan.objects.exists() and not PlanOutcome.objects.exists()


def test_another_pupils_provision_cannot_be_linked(senco_client, school):
    pupil = PupilFactory(school=school)
    elsewhere = ProvisionAssignmentFactory(pupil__school=school)
    response = _post(senco_client, pupil, provision=[elsewhere.pk])
    assert "Provision: choose rows of this pupil" in response.content.decode()
    assert not SupportPlan.objects.exists()


def test_a_second_cycle_waits_for_the_first_review_then_history_is_kept(senco_client, school):
    pupil = PupilFactory(school=school)
    assert _post(senco_client, pupil).status_code == 302
    refused = _post(senco_client, pupil, start_date="30/03/2026", review_date="10/07/2026")
    assert "already has a plan awaiting review (from 05/01/2026)" in refused.content.decode()
    plan = SupportPlan.objects.get()
    first, second = plan.outcomes.all()

    url = reverse("pupils:plan_review", args=[plan.public_id])
    incomplete = senco_client.post(
        url,
        {"reviewed_on": "27/03/2026", "next_steps": "Continue", f"progress_{first.pk}": "achieved"},
    )
    assert "Outcome 2: choose one of achieved, partly achieved or not yet achieved." in (
        incomplete.content.decode()
    )
    plan.refresh_from_db()
    assert plan.reviewed_on is None
    first.refresh_from_db()
    assert first.progress == ""  # nothing half-written

    done = senco_client.post(
        url,
        {
            "reviewed_on": "27/03/2026",
            "next_steps": "Move to 60 words a minute",
            f"progress_{first.pk}": "achieved",
            f"progress_{second.pk}": "partly",
        },
    )
    assert done.status_code == 302
    again = _post(senco_client, pupil, start_date="30/03/2026", review_date="10/07/2026")
    assert again.status_code == 302
    plans = list(SupportPlan.objects.filter(pupil=pupil))
    assert [p.start_date for p in plans] == [D(2026, 3, 30), D(2026, 1, 5)]
    assert [o.progress for o in plans[1].outcomes.all()] == ["achieved", "partly"]
    html = senco_client.get(reverse("pupils:detail", args=[pupil.public_id])).content.decode()
    assert "Partly achieved" in html and "Move to 60 words a minute" in html


def test_a_review_cannot_come_before_the_cycle_or_in_the_future(senco_client, school):
    plan = SupportPlanFactory(pupil__school=school, start_date=D(2026, 1, 5))
    outcome = PlanOutcomeFactory(plan=plan)
    url = reverse("pupils:plan_review", args=[plan.public_id])
    for day, message in [
        ("04/01/2026", "a review cannot come before it"),
        ((TODAY + dt.timedelta(days=1)).strftime("%d/%m/%Y"), "once it has happened"),
    ]:
        response = senco_client.post(
            url, {"reviewed_on": day, "next_steps": "x", f"progress_{outcome.pk}": "achieved"}
        )
        assert message in response.content.decode()
    plan.refresh_from_db()
    assert plan.reviewed_on is None


def test_a_reviewed_cycle_is_not_edited_but_its_review_can_be_corrected(senco_client, school):
    plan = SupportPlanFactory(pupil__school=school, reviewed_on=D(2026, 3, 27))
    response = senco_client.get(reverse("pupils:plan_edit", args=[plan.public_id]))
    assert response.status_code == 302
    assert response["Location"] == reverse("pupils:plan_review", args=[plan.public_id])


def test_editing_keeps_the_progress_of_unchanged_outcomes(senco_client, school):
    plan = SupportPlanFactory(pupil__school=school)
    kept = PlanOutcomeFactory(plan=plan, text="Keeps", position=1)
    PlanOutcomeFactory(plan=plan, text="Goes", position=2)
    page = senco_client.get(reverse("pupils:plan_edit", args=[plan.public_id]))
    version = page.context["form"]["version"].value()
    response = senco_client.post(
        reverse("pupils:plan_edit", args=[plan.public_id]),
        {
            "start_date": "05/01/2026",
            "review_date": "27/03/2026",
            "outcomes": "New one\nKeeps",
            "version": version,
        },
    )
    assert response.status_code == 302
    assert [(o.text, o.position, o.pk == kept.pk) for o in plan.outcomes.all()] == [
        ("New one", 1, False),
        ("Keeps", 2, True),
    ]


def test_plan_reviews_are_on_the_due_list_and_the_home_page(senco_client, school):
    overdue = SupportPlanFactory(
        pupil__school=school, start_date=D(2026, 1, 5), review_date=D(2026, 2, 20)
    )
    SupportPlanFactory(pupil__school=school, start_date=D(2026, 1, 5), review_date=D(2026, 5, 1))
    SupportPlanFactory(pupil__school=school, reviewed_on=D(2026, 2, 1), review_date=D(2026, 2, 2))
    SupportPlanFactory(
        pupil__school=school, pupil__left_date=D(2026, 2, 1), review_date=D(2026, 2, 2)
    )
    items = clocks.due_list(school=school, today=D(2026, 3, 1))
    assert [(i.kind, i.due, i.overdue, i.record) for i in items][0] == (
        "plan",
        D(2026, 2, 20),
        True,
        overdue,
    )
    assert [i.due for i in items] == [D(2026, 2, 20), D(2026, 5, 1)]

    due = senco_client.get(reverse("pupils:due") + "?all=1").content.decode()
    assert reverse("pupils:plan_review", args=[overdue.public_id]) in due
    home = senco_client.get("/").content.decode()
    # Today both open plans are past their review date (20/02 and 01/05/2026); the reviewed one
    # and the leaver's are not counted.
    assert "2 SEN support plan reviews" in home


# --- Professionals involved ----------------------------------------------------------------


def test_a_professional_and_their_advice_show_on_the_pupil_page(senco_client, school):
    pupil = PupilFactory(school=school)
    response = senco_client.post(
        reverse("pupils:professional_add", args=[pupil.public_id]),
        {
            "kind": "salt",
            "name": "NHS children's SaLT",
            "start_date": "02/02/2026",
            "advice_date": "16/03/2026",
            "advice": "Colourful semantics twice a week.",
        },
    )
    assert response.status_code == 302
    (record,) = ProfessionalInvolvement.objects.filter(pupil=pupil)
    assert (record.kind, record.school) == ("salt", school)
    html = senco_client.get(reverse("pupils:detail", args=[pupil.public_id])).content.decode()
    assert "Speech and language therapist" in html
    assert "16/03/2026: Colourful semantics twice a week." in html


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"kind": "wizard"}, "Professional: choose one of the list"),
        ({"kind": "other", "name": ""}, "Name or service: say who it is"),
        ({"end_date": "01/01/2026"}, "Involved until: cannot be before the involvement began."),
        ({"advice_date": "01/01/2026"}, "Advice received on: cannot be before the involvement"),
        ({"start_date": ""}, "Involved from: enter a date."),
    ],
)
def test_professional_bad_input_is_named_and_nothing_written(senco_client, school, extra, message):
    pupil = PupilFactory(school=school)
    data = {"kind": "ep", "name": "", "start_date": "02/02/2026", **extra}
    response = senco_client.post(reverse("pupils:professional_add", args=[pupil.public_id]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ProfessionalInvolvement.objects.exists()


def test_plan_changes_are_in_the_pupils_audit_trail_with_the_user(senco_client, senco, school):
    from sendfund.audit.queries import Filters, audit_log

    pupil = PupilFactory(school=school)
    assert _post(senco_client, pupil).status_code == 302
    entries = list(audit_log(school, Filters(pupil_id=pupil.pk)))
    plan = [e for e in entries if e["e_source"] == "plan"]
    outcomes = [e for e in entries if e["e_source"] == "plan_outcome"]
    assert [(e["e_action"], e["e_user"]) for e in plan] == [("insert", senco.pk)]
    assert plan[0]["e_what"] == "SEN support plan from 05/01/2026, review 27/03/2026"
    assert len(outcomes) == 2 and {e["e_user"] for e in outcomes} == {senco.pk}


def test_a_stale_plan_edit_writes_nothing_and_shows_their_change(senco_client, head_client, school):
    from tests.test_lost_updates import _assert_asked_again, _two_sessions

    plan = SupportPlanFactory(pupil__school=school)
    PlanOutcomeFactory(plan=plan, text="Reads 40 words a minute")
    url = reverse("pupils:plan_edit", args=[plan.public_id])
    stale, theirs = _two_sessions(
        senco_client,
        head_client,
        url,
        {"review_date": "2026-04-24"},
        {"outcomes": "Reads 60 words a minute"},
    )
    plan.refresh_from_db()
    assert plan.review_date == D(2026, 4, 24)
    assert [o.text for o in plan.outcomes.all()] == ["Reads 40 words a minute"]  # not theirs
    conflict = {c.label: (c.theirs, c.yours) for c in stale.context["form"].conflicts}
    assert conflict["Review date"] == ("24/04/2026", "27/03/2026")
    _assert_asked_again(stale, theirs, url, head_client, {"outcomes": "Reads 60 words a minute"})
    assert [o.text for o in plan.outcomes.all()] == ["Reads 60 words a minute"]


def _plans_world(school, pupils: int) -> None:
    """`pupils` pupils, each with an open cycle (two outcomes) and a reviewed one, a
    professional, and a provision row with entry and exit measures this academic year."""
    from decimal import Decimal

    from pupils.plan_models import InterventionMeasure
    from tests.factories import ProvisionFactory
    from tests.pupils.factories import ProfessionalFactory

    start = D(TODAY.year if TODAY.month >= 9 else TODAY.year - 1, 9, 1)
    provision = ProvisionFactory(school=school, staff_role=None, service_annual_cost=Decimal("900"))
    for _ in range(pupils):
        pupil = PupilFactory(school=school)
        old = SupportPlanFactory(pupil=pupil, start_date=start - dt.timedelta(days=200))
        old.review_date = old.reviewed_on = start - dt.timedelta(days=100)
        old.save()
        plan = SupportPlanFactory(pupil=pupil, start_date=start, review_date=TODAY)
        PlanOutcomeFactory.create_batch(2, plan=plan)
        ProfessionalFactory(pupil=pupil)
        row = ProvisionAssignmentFactory(pupil=pupil, provision=provision, start_date=start)
        InterventionMeasure.objects.create(
            school=school,
            assignment=row,
            measure_name="Reading age (months)",
            entry_score=Decimal("74"),
            entry_date=start,
            exit_score=Decimal("80"),
            exit_date=start + dt.timedelta(days=30),
        )


def test_plan_pages_take_the_same_number_of_queries_for_2_and_12_pupils_with_plans(
    senco_client, school
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(url) -> int:
        senco_client.get(url)  # the first request may write the session
        current_summaries()
        with CaptureQueriesContext(connection) as ctx:
            assert senco_client.get(url).status_code == 200
        return len(ctx)

    _plans_world(school, 2)
    pupil = SupportPlan.objects.for_school(school).first().pupil
    urls = [
        reverse("home"),
        reverse("pupils:due"),
        reverse("pupils:provision_map"),
        reverse("pupils:detail", args=[pupil.public_id]),
    ]
    small = {url: count(url) for url in urls}
    _plans_world(school, 10)
    # The same pupil gains nothing; the school gains 10 pupils with plans, measures and
    # professionals: no page may spend a query per pupil, plan or measure.
    assert {url: count(url) for url in urls} == small
