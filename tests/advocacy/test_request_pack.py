"""The request pack: build, review, PDF, advocacy action, audit log, and a worked example."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from advocacy import request_pack
from advocacy.models import AdvocacyAction, RequestPack
from pupils.models import ProvisionAssignment
from pupils.plan_models import InterventionMeasure
from sendfund.audit.models import AccessKind, AccessLog
from sendfund.jobs.models import Job
from sendfund.lib.periods import Period
from tests.factories import (
    NeedFactory,
    ProvisionAssignmentFactory,
    ProvisionFactory,
    PupilFactory,
    StaffRateFactory,
    StaffRoleFactory,
)
from tests.pupils.factories import PlanOutcomeFactory, ProfessionalFactory, SupportPlanFactory

pytestmark = pytest.mark.django_db
D = dt.date
P = Decimal
TODAY = D(2026, 7, 15)  # summer term of 2025/26


def _pack(school, pupil, *, start, end, more="", more_cost="0", kind="top_up"):
    return RequestPack.objects.create(
        school=school,
        pupil=pupil,
        kind=kind,
        span_start=start,
        span_end=end,
        more_needed=more,
        more_needed_cost=P(more_cost),
    )


@pytest.fixture
def worked(school):
    """A pupil with two complete APDR cycles and provision over four terms, on the default
    calendar (190 pupil days a year) and the school's actual costs:

      TA rate (actual): 2024/25 £18.00 an hour, 2025/26 £18.90.
      A  Reading group, TA, 3 h a week in a group of 3, from 28/04/2025, ongoing:
           2024/25: £18.00 × 3 ÷ 5 ÷ 3 = £3.60 a school day; 2025/26: £18.90 × 3 ÷ 5 ÷ 3 = £3.78
      B  Speech and language therapy, bought-in, £1,900 a year, 01/09/2025 to 31/03/2026:
           £1,900 ÷ 190 school days = £10.00 a school day
      C  1:1 support, TA, 5 h a week, alone, from 05/01/2026, ongoing:
           £18.90 × 5 ÷ 5 ÷ 1 = £18.90 a school day
    """
    school.costing_basis = "actual"
    school.save(update_fields=["costing_basis"])
    role = StaffRoleFactory(school=school, name="Teaching assistant")
    StaffRateFactory(staff_role=role, academic_year=2024, actual_hourly_rate=P("18.00"))
    StaffRateFactory(staff_role=role, academic_year=2025, actual_hourly_rate=P("18.90"))
    pupil = PupilFactory(
        school=school, forename="Ishaan", surname="Okonkwo-Baptiste", on_roll_date=D(2019, 9, 1)
    )
    NeedFactory(pupil=pupil, code="SLCN", start_date=D(2024, 9, 1))
    reading = ProvisionFactory(school=school, name="Reading group", staff_role=role)
    salt = ProvisionFactory(
        school=school,
        name="Speech and language therapy",
        staff_role=None,
        service_annual_cost=P("1900.00"),
    )
    one_to_one = ProvisionFactory(school=school, name="1:1 support", staff_role=role)
    a = ProvisionAssignmentFactory(
        pupil=pupil,
        provision=reading,
        start_date=D(2025, 4, 28),
        hours_per_week=P("3"),
        group_size=3,
    )
    b = ProvisionAssignmentFactory(
        pupil=pupil,
        provision=salt,
        start_date=D(2025, 9, 1),
        end_date=D(2026, 3, 31),
        status="ended",
    )
    ProvisionAssignmentFactory(
        pupil=pupil, provision=one_to_one, start_date=D(2026, 1, 5), hours_per_week=P("5")
    )
    first = SupportPlanFactory(
        pupil=pupil,
        start_date=D(2025, 4, 28),
        review_date=D(2025, 7, 14),
        reviewed_on=D(2025, 7, 14),
        next_steps="Add speech and language therapy",
    )
    first.provision.set([a])
    PlanOutcomeFactory(plan=first, text="Reads CVC words", progress="partly")
    second = SupportPlanFactory(
        pupil=pupil,
        start_date=D(2025, 9, 1),
        review_date=D(2026, 3, 27),
        reviewed_on=D(2026, 3, 27),
        next_steps="Ask the LA for top-up",
    )
    second.provision.set([a, b])
    PlanOutcomeFactory(plan=second, text="Follows two-step instructions", progress="not_yet")
    InterventionMeasure.objects.create(
        school=school,
        assignment=a,
        measure_name="Salford reading",
        standardised=True,
        entry_score=P("72"),
        entry_date=D(2025, 4, 28),
        exit_score=P("75"),
        exit_date=D(2026, 3, 20),
    )
    ProfessionalFactory(pupil=pupil, kind="salt", advice="Colourful semantics")
    return pupil


def test_the_worked_example_matches_the_money_model_to_the_penny(worked, school):
    pack = _pack(
        school,
        worked,
        start=D(2025, 4, 1),
        end=D(2026, 8, 31),
        more="Specialist teacher 2 h a week",
        more_cost="3200.00",
    )
    p = request_pack.build(pack, today=TODAY)

    # School days on the default calendar (sendfund/lib/schooldays.py):
    #   summer 2024/25 from 28/04/2025 (an INSET day, so from 29/04): 54
    #   autumn 2025: 72, spring 2026: 54 (from 05/01, INSET, as C's start), summer 2026: 64
    #   72 + 54 + 64 = 190, the whole year.
    assert [t.term.label for t in p.terms] == [
        "Summer 2024/25",
        "Autumn 2025/26",
        "Spring 2025/26",
        "Summer 2025/26",
    ]
    by_term = [{r.provision.name: (r.school_days, r.period_cost) for r in t.rows} for t in p.terms]
    assert [{k: d for k, (d, _) in t.items()} for t in by_term] == [
        {"Reading group": 54},
        {"Reading group": 72, "Speech and language therapy": 72},
        {"Reading group": 54, "Speech and language therapy": 54, "1:1 support": 54},
        {"Reading group": 64, "1:1 support": 64},
    ]
    # Summer 2024/25: A 54 × £3.60 = £194.40
    # Autumn 2025:    A 72 × £3.78 = £272.16; B 72 × £10.00 = £720.00;        total £992.16
    # Spring 2026:    A 54 × £3.78 = £204.12; B 54 × £10.00 = £540.00;
    #                 C 54 × £18.90 = £1,020.60;                              total £1,764.72
    # Summer 2026:    A 64 × £3.78 = £241.92; C 64 × £18.90 = £1,209.60;      total £1,451.52
    pennies = [{k: c.quantize(P("0.01")) for k, (_, c) in t.items()} for t in by_term]
    assert pennies == [
        {"Reading group": P("194.40")},
        {"Reading group": P("272.16"), "Speech and language therapy": P("720.00")},
        {
            "Reading group": P("204.12"),
            "Speech and language therapy": P("540.00"),
            "1:1 support": P("1020.60"),
        },
        {"Reading group": P("241.92"), "1:1 support": P("1209.60")},
    ]
    assert [t.total.quantize(P("0.01")) for t in p.terms] == [
        P("194.40"),
        P("992.16"),
        P("1764.72"),
        P("1451.52"),
    ]
    # Span: 194.40 + 992.16 + 1,764.72 + 1,451.52 = £4,402.80
    assert p.span_total.quantize(P("0.01")) == P("4402.80")
    # This year (2025/26): A 190 × 3.78 = 718.20; B 126 × 10.00 = 1,260.00;
    # C 118 × 18.90 = 2,230.20; total £4,208.40 (= autumn + spring + summer 2026 above).
    assert p.year_total.quantize(P("0.01")) == P("4208.40")
    # Threshold £6,000 over the whole year: the line is £6,000.00, nothing above it yet;
    # with £3,200 more: 4,208.40 + 3,200.00 = £7,408.40, so £1,408.40 above the threshold.
    assert (p.threshold, p.threshold_line.quantize(P("0.01"))) == (P("6000.00"), P("6000.00"))
    assert p.excess == 0 and p.topup == 0 and p.shortfall == 0 and not p.place
    assert p.with_more.quantize(P("0.01")) == P("7408.40")
    assert p.requested.quantize(P("0.01")) == P("1408.40")

    # Each figure is the money model's own answer, not a re-derivation.
    def model(period):
        rows = ProvisionAssignment.objects.costed(period, school).filter(pupil=worked)
        return sum((r.period_cost for r in rows), P(0))

    assert p.span_total == model(Period(D(2025, 4, 1), D(2026, 8, 31)))
    assert p.year_total == model(Period(D(2025, 9, 1), D(2026, 8, 31)))
    assert p.span_total == sum((t.total for t in p.terms), P(0))  # whole days add up exactly
    assert p.reviewed_cycles == 2 and not any("cycle" in w for w in p.warnings)

    html = request_pack.render_to_string("advocacy/includes/_request_pack_body.html", {"p": p})
    for shown in ["£194.40", "£992.16", "£1,764.72", "£1,451.52", "£4,402.80", "£4,208.40"]:
        assert shown in html
    for shown in ["£6,000.00", "£3,200.00", "£7,408.40", "£1,408.40", "Colourful semantics"]:
        assert shown in html
    assert "Reads CVC words" in html and "Partly achieved" in html and "+3" in html


def test_the_pack_is_built_from_the_pupil_page_and_opens_the_advocacy_action(
    senco_client, governor_client, worked, school
):
    page = senco_client.get(reverse("pupils:detail", args=[worked.public_id])).content.decode()
    assert reverse("advocacy:request_pack_add", args=[worked.public_id]) in page
    form = senco_client.get(reverse("advocacy:request_pack_add", args=[worked.public_id]))
    assert form.status_code == 200
    data = {
        "kind": "top_up",
        "span_start": "01/04/2025",
        "span_end": "31/08/2026",
        "more_needed": "Specialist teacher 2 h a week",
        "more_needed_cost": "3200.00",
    }
    url = reverse("advocacy:request_pack_add", args=[worked.public_id])
    response = senco_client.post(url, data)
    pack = RequestPack.objects.get()
    assert response.url == reverse("advocacy:request_pack", args=[pack.public_id])
    action = pack.action
    assert (action.type, action.status, list(action.pupils.all())) == (
        "top_up",
        "in_progress",
        [worked],
    )
    assert "Okonkwo" not in action.title  # governors read titles; the pupil is linked instead
    # Building again updates the same open action rather than opening another.
    senco_client.post(url, {**data, "more_needed_cost": "4000.00"})
    assert AdvocacyAction.objects.count() == 1
    action.refresh_from_db()
    assert action.amount_requested == max(P("0"), action.amount_requested)
    assert RequestPack.objects.count() == 2

    page = senco_client.get(reverse("pupils:detail", args=[worked.public_id])).content.decode()
    assert reverse("advocacy:request_pack", args=[pack.public_id]) in page
    review = senco_client.get(response.url)
    assert review.status_code == 200 and "Ishaan Okonkwo-Baptiste" in review.content.decode()
    pdf = senco_client.post(reverse("advocacy:request_pack_pdf", args=[pack.public_id]))
    job = Job.objects.get(kind="pdf:request_pack")
    assert pdf.url == reverse("jobs:detail", args=[job.public_id])
    assert "Okonkwo" not in request_pack.pdf_name(pack)

    logged = AccessLog.objects.filter(kind=AccessKind.REQUEST_PACK).order_by("pk")
    assert [(e.method, e.status_code, e.pupil_id) for e in logged] == [
        ("POST", 302, worked.pk),
        ("POST", 302, worked.pk),
        ("GET", 200, worked.pk),
        ("POST", 302, worked.pk),
    ]
    # Governors: no pack page, no job, and a request about one child is not listed to them
    # (its action is a 404; the evidence pack gives such requests' totals, suppressed).
    assert governor_client.get(response.url).status_code == 403
    assert governor_client.get(reverse("jobs:detail", args=[job.public_id])).status_code == 403
    listing = governor_client.get(reverse("advocacy:actions")).content.decode()
    assert "Top-up request (request pack)" not in listing and "Okonkwo" not in listing
    assert (
        "Top-up request (request pack)"
        in senco_client.get(reverse("advocacy:actions")).content.decode()
    )
    action = AdvocacyAction.objects.get(title="Top-up request (request pack)")
    detail = reverse("advocacy:action_detail", args=[action.public_id])
    assert governor_client.get(detail).status_code == 404


def test_the_pack_pdf_carries_the_figures(worked, school):
    pack = _pack(school, worked, start=D(2025, 4, 1), end=D(2026, 8, 31))
    pdf = request_pack.pdf_bytes(request_pack.build(pack, today=TODAY))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "£4,402.80" in text and "£4,208.40" in text and "Top-up request" in text


def test_the_default_span_is_the_last_three_terms():
    # On 15/07/2026: summer 2025/26 and the two terms before it.
    assert request_pack.default_span(TODAY) == Period(D(2025, 9, 1), D(2026, 8, 31))
    assert request_pack.default_span(D(2026, 11, 30)) == Period(D(2026, 1, 1), D(2026, 12, 31))


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"span_end": "01/01/2025"}, "Costed provision to: cannot be before the start."),
        ({"span_end": "01/04/2029"}, "a span of at most three years"),
        ({"kind": "grant"}, "Request: choose a top-up or an EHC needs assessment request."),
        ({"more_needed_cost": "-5"}, "Its cost a year: cannot be negative."),
        ({"more_needed_cost": "lots"}, "Its cost a year: enter an amount in pounds"),
        ({"more_needed": ""}, "What more is needed: describe what the cost buys."),
        ({"span_start": "32/01/2025"}, "Costed provision from: enter a real date"),
        (
            {"span_start": "01/01/9999", "span_end": "31/12/9999"},
            "Costed provision from: enter a date between 01/01/1990 and 31/12/2100.",
        ),
    ],
)
def test_bad_input_is_named_and_nothing_is_written(senco_client, school, extra, message):
    pupil = PupilFactory(school=school)
    data = {
        "kind": "top_up",
        "span_start": "01/04/2025",
        "span_end": "31/03/2026",
        "more_needed": "More",
        "more_needed_cost": "100",
        **extra,
    }
    response = senco_client.post(reverse("advocacy:request_pack_add", args=[pupil.public_id]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not RequestPack.objects.exists() and not AdvocacyAction.objects.exists()


def test_a_decided_request_is_not_reopened_a_new_action_is_made(senco_client, school):
    pupil = PupilFactory(school=school)
    old = AdvocacyAction.objects.create(
        school=school,
        type="top_up",
        title="Earlier",
        date=D(2025, 1, 1),
        status="unsuccessful",
        decision_date=D(2025, 3, 1),
    )
    old.pupils.set([pupil])
    data = {"kind": "top_up", "span_start": "01/04/2025", "span_end": "31/03/2026"}
    senco_client.post(reverse("advocacy:request_pack_add", args=[pupil.public_id]), data)
    assert AdvocacyAction.objects.count() == 2
    assert RequestPack.objects.get().action != old


def test_a_place_funded_pupil_is_told_the_threshold_is_for_reference(school):
    school.type = "special"
    school.save(update_fields=["type"])
    pupil = PupilFactory(school=school)
    pack = _pack(school, pupil, start=D(2025, 9, 1), end=D(2026, 8, 31))
    p = request_pack.build(pack, today=TODAY)
    assert p.place and any("funded by a place plus top-up" in w for w in p.warnings)
    # Measured against the place, as the gap engine measures special-school pupils: a whole
    # year of a £10,000 special place is £10,000.00.
    assert p.threshold_line.quantize(P("0.01")) == P("10000.00")


def test_a_top_up_already_confirmed_reduces_what_is_requested(worked, school):
    from tests.funding.factories import TopUpFactory

    TopUpFactory(
        school=school,
        pupil=worked,
        amount=P("1000.00"),
        period_start=D(2025, 9, 1),
        period_end=D(2026, 8, 31),
    )
    pack = _pack(
        school, worked, start=D(2025, 4, 1), end=D(2026, 8, 31), more="More", more_cost="3200.00"
    )
    p = request_pack.build(pack, today=TODAY)
    # This year £4,208.40 + £3,200.00 more = £7,408.40; less the £6,000 threshold and the
    # £1,000 top-up confirmed for the whole year: £408.40 requested.
    assert p.topup.quantize(P("0.01")) == P("1000.00")  # unrounded: the gap engine's figure
    assert p.requested.quantize(P("0.01")) == P("408.40")


@pytest.mark.django_db(transaction=True)
def test_the_pdf_is_built_by_a_worker_for_the_senco_only(senco_client, governor_client, school):
    from tests.jobs.helpers import run_worker_batch

    pupil = PupilFactory(school=school, surname="Quennell-Ashdown")
    pack = _pack(school, pupil, start=D(2025, 9, 1), end=D(2026, 8, 31))
    response = senco_client.post(reverse("advocacy:request_pack_pdf", args=[pack.public_id]))
    run_worker_batch()
    job = Job.objects.get()
    assert response.url == reverse("jobs:detail", args=[job.public_id])
    download = senco_client.get(reverse("jobs:download", args=[job.public_id]))
    assert download["Content-Type"] == "application/pdf"
    assert "Quennell-Ashdown" not in download["Content-Disposition"]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(download.content)).pages)
    assert "Top-up request" in text and "Quennell-Ashdown" in text  # the request names the pupil
    assert governor_client.get(reverse("jobs:download", args=[job.public_id])).status_code == 403
