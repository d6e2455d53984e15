"""The audit trail: every change is written by the database with who and which request; views,
exports and imports by the app; the log is append-only, pruned only by prune_audit, shown to
the head of the school only."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pghistory
import pgtrigger
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from advocacy.models import RequestPack
from pupils.models import InterventionMeasure, Pupil
from reports.models import TermlyReport
from sendfund.audit import models as audit
from sendfund.audit.queries import SOURCES, audit_log
from sendfund.lib.csv import is_safe
from sendfund.schools.models import Membership
from sendfund.schools.roles import Role
from tests.advocacy.factories import AdvocacyActionFactory
from tests.factories import (
    FundingSourceFactory,
    MembershipFactory,
    NeedFactory,
    ProvisionAssignmentFactory,
    PupilFactory,
    SenStatusFactory,
    UserFactory,
    current_summaries,
)
from tests.funding.factories import TopUpFactory
from tests.pupils.factories import (
    AnnualReviewFactory,
    AssessmentRequestFactory,
    PlanOutcomeFactory,
    ProfessionalFactory,
    SupportPlanFactory,
)

pytestmark = pytest.mark.django_db
LOG = "/audit/"


def _events(model, **lookup):
    return list(model.objects.filter(**lookup).order_by("pgh_id"))


def _post_form(client, url, change):
    from tests.test_lost_updates import form_data

    data = form_data(client.get(url).context["form"]) | change
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def test_a_pupil_edit_on_the_web_is_recorded_with_the_user_and_the_request(
    head_client, head, school
):
    pupil = PupilFactory(school=school, surname="Brown")
    url = f"/pupils/{pupil.public_id}/edit/"

    response = _post_form(head_client, url, {"surname": "Browne"})

    update = _events(audit.PupilEvent, pgh_obj=pupil, pgh_label="update")
    assert len(update) == 1
    assert (update[0].surname, update[0].school_id) == ("Browne", school.pk)
    assert update[0].pgh_context["user"] == head.pk
    assert update[0].pgh_context["method"] == "POST"
    assert update[0].pgh_context["path"] == url
    assert update[0].pgh_context["request_id"] == response["X-Request-ID"]


def _one_of_each(school):
    """A row of every tracked model; returns the funding source and the provision row."""
    pupil = PupilFactory(school=school)
    SenStatusFactory(pupil=pupil, code="K", start_date=dt.date(2025, 9, 1))
    NeedFactory(pupil=pupil, code="ASD", start_date=dt.date(2025, 9, 1))
    assignment = ProvisionAssignmentFactory(pupil=pupil)
    AssessmentRequestFactory(pupil=pupil, school=school)
    AnnualReviewFactory(pupil=pupil, school=school)
    source = FundingSourceFactory(school=school, amount=Decimal("10.00"))
    MembershipFactory(user=UserFactory(), school=school, role=Role.GOVERNOR)
    TermlyReport.objects.create(school=school, academic_year=2025, term="autumn")
    AdvocacyActionFactory(school=school)
    plan = SupportPlanFactory(pupil=pupil)
    PlanOutcomeFactory(plan=plan)
    ProfessionalFactory(pupil=pupil)
    InterventionMeasure.objects.create(
        school=school,
        assignment=assignment,
        measure_name="Salford reading",
        entry_score=Decimal("80"),
        entry_date=dt.date(2025, 9, 10),
    )
    RequestPack.objects.create(
        school=school,
        pupil=pupil,
        kind="top_up",
        span_start=dt.date(2025, 9, 1),
        span_end=dt.date(2026, 8, 31),
    )
    return source, assignment


def test_each_kind_of_change_is_recorded_with_the_acting_user(senco, school):
    """Through the ORM, as a service, an import or a shell would write: the triggers see all."""
    before = {s.key: s.model.objects.count() for s in SOURCES}  # the cast's own memberships
    with pghistory.context(user=senco.pk, method="CLI", path="test"):
        source, assignment = _one_of_each(school)
        # A bulk update and a delete, which no save() or signal would see.
        type(source).objects.filter(pk=source.pk).update(amount=Decimal("20.00"))
        assignment.delete()

    for s in SOURCES:
        events = _events(s.model, school=school)[before[s.key] :]
        assert events, s.key
        assert {e.pgh_context["user"] for e in events} == {senco.pk}, s.key
    funding = _events(audit.FundingSourceEvent, school=school)
    assert [(e.pgh_label, e.amount) for e in funding] == [
        ("insert", Decimal("10.00")),
        ("update", Decimal("20.00")),
    ]
    assert [e.pgh_label for e in _events(audit.ProvisionAssignmentEvent)] == ["insert", "delete"]


def test_a_status_change_and_a_funding_edit_on_the_web_carry_the_user(
    senco_client, senco, head_client, head, school
):
    pupil = PupilFactory(school=school)
    SenStatusFactory(pupil=pupil, code="N", start_date=dt.date(2025, 9, 1))
    senco_client.post(
        f"/pupils/{pupil.public_id}/status/",
        {"code": "K", "start_date": "2026-01-05", "primary_need": "SLCN"},
    )
    source = FundingSourceFactory(school=school, amount=Decimal("100"))
    _post_form(head_client, f"/funding/sources/{source.public_id}/edit/", {"amount": "150.00"})

    status = _events(audit.SenStatusEvent, pupil=pupil)
    assert {e.pgh_label for e in status} == {"insert", "update"}
    assert {e.pgh_context["user"] for e in status if e.pgh_context} == {senco.pk}
    need = _events(audit.NeedEvent, pupil=pupil)
    assert need and need[0].pgh_context["user"] == senco.pk
    edit = _events(audit.FundingSourceEvent, pgh_obj=source, pgh_label="update")
    assert [(e.amount, e.pgh_context["user"]) for e in edit] == [(Decimal("150.00"), head.pk)]


@pytest.mark.parametrize("model", [s.model for s in SOURCES] + [audit.AccessLog])
def test_the_database_refuses_to_update_or_delete_the_log(model, school, head):
    with pghistory.context(user=head.pk):
        _one_of_each(school)
    audit.AccessLog.objects.create(
        school=school, user=head, kind="pupil_view", method="GET", path="/", status_code=200
    )
    assert model.objects.exists()  # row triggers fire only for rows there are
    table = model._meta.db_table
    for sql in (f"UPDATE {table} SET school_id = school_id", f"DELETE FROM {table}"):
        with (
            pytest.raises(DatabaseError, match="Cannot"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    with pytest.raises(DatabaseError), transaction.atomic():
        model.objects.all().delete()


def _backdate(model, field, days):
    """Tests only: make entries old through the same narrow path prune_audit uses."""
    with pgtrigger.ignore(f"{model._meta.label}:append_only"):
        model.objects.update(**{field: timezone.now() - dt.timedelta(days=days)})


def test_prune_removes_only_entries_older_than_the_retention_period(settings, school, head):
    settings.SENDFUND_AUDIT_RETENTION_DAYS = 30
    old = PupilFactory(school=school)
    log = dict(school=school, user=head, method="GET", path="/", status_code=200)
    audit.AccessLog.objects.create(kind="pupil_view", pupil=old, **log)
    _backdate(audit.PupilEvent, "pgh_created_at", 31)
    _backdate(audit.AccessLog, "at", 31)
    recent = PupilFactory(school=school)
    audit.AccessLog.objects.create(kind="pupil_view", pupil=recent, **log)

    out = io.StringIO()
    call_command("prune_audit", "--dry-run", stdout=out)
    assert "would remove 2 audit entries" in out.getvalue()
    assert audit.PupilEvent.objects.count() == 2

    call_command("prune_audit", stdout=out)

    assert list(audit.PupilEvent.objects.values_list("pgh_obj", flat=True)) == [recent.pk]
    assert list(audit.AccessLog.objects.values_list("pupil", flat=True)) == [recent.pk]
    # The protection is back once the command's transaction is over.
    with pytest.raises(DatabaseError), transaction.atomic():
        audit.PupilEvent.objects.all().delete()


def test_viewing_a_pupil_exporting_and_importing_are_logged(senco_client, senco, school):
    pupil = PupilFactory(school=school)
    assert senco_client.get(f"/pupils/{pupil.public_id}/").status_code == 200
    export = senco_client.get(reverse("pupil_imports:export_register"))
    b"".join(export.streaming_content)
    senco_client.get("/funding/", {"format": "csv", "table": "headline"})
    senco_client.post(reverse("pupil_imports:confirm"), {"token": "nothing-pending"})
    senco_client.get(f"/pupils/{PupilFactory().public_id}/")  # another school's: a 404, no row

    rows = list(audit.AccessLog.objects.order_by("pk").values_list("kind", "user", "pupil"))
    assert rows == [
        ("pupil_view", senco.pk, pupil.pk),
        ("register_export", senco.pk, None),
        ("table_export", senco.pk, None),
        ("import", senco.pk, None),
    ]
    assert set(audit.AccessLog.objects.values_list("school", flat=True)) == {school.pk}


def test_the_head_sees_who_looked_at_or_changed_a_pupil(head_client, senco_client, senco, school):
    pupil = PupilFactory(school=school, surname="Zebedee")
    senco_client.get(f"/pupils/{pupil.public_id}/")
    _post_form(senco_client, f"/pupils/{pupil.public_id}/edit/", {"forename": "Zara"})

    page = head_client.get(f"/pupils/{pupil.public_id}/").content.decode()
    assert reverse("audit:pupil", kwargs={"public_id": pupil.public_id}) in page
    panel = head_client.get(reverse("audit:pupil", kwargs={"public_id": pupil.public_id}))

    entries = panel.context["entries"]
    seen = {(e.user, e.action_label, e.kind_label) for e in entries}
    assert ("alice", "Viewed a pupil's page", "Access") in seen
    assert ("alice", "Changed", "Pupil details") in seen
    assert "Zara Zebedee" in panel.content.decode()
    senco_page = senco_client.get(f"/pupils/{pupil.public_id}/").content.decode()
    assert "audit-panel" not in senco_page


def test_the_audit_page_filters_by_person_pupil_kind_and_dates(head_client, senco, head, school):
    pupil, other = PupilFactory(school=school), PupilFactory(school=school)
    with pghistory.context(user=senco.pk):
        pupil.surname = "Changed"
        pupil.save()
    with pghistory.context(user=head.pk):
        FundingSourceFactory(school=school)

    def rows(**params):
        response = head_client.get(LOG, params)
        assert response.status_code == 200
        return response.context["entries"]

    assert {e.source for e in rows(person=senco.pk)} == {"pupil"}
    assert {e.source for e in rows(kind="funding")} == {"funding"}
    assert {e.pupil_id for e in rows(pupil=str(pupil.public_id))} == {pupil.pk}
    assert other.pk not in {e.pupil_id for e in rows(pupil=str(pupil.public_id))}
    today = timezone.localdate()
    assert rows(start=(today + dt.timedelta(days=1)).isoformat()) == []
    assert len(rows(start=today.isoformat(), end=today.isoformat())) >= 3
    bad = head_client.get(LOG, {"start": "2026-05-01", "end": "2026-04-01"})
    assert bad.status_code == 400
    assert "before the start date" in bad.content.decode()


def test_no_entry_of_another_school_is_shown(head_client, outsider_client, school, other_school):
    mine = PupilFactory(school=school, surname="Mine")
    theirs = PupilFactory(school=other_school, surname="Theirs")
    outsider_client.get(f"/pupils/{theirs.public_id}/")

    entries = head_client.get(LOG).context["entries"]
    assert {e.pupil_id for e in entries if e.pupil_id} == {mine.pk}
    csv_text = b"".join(head_client.get(reverse("audit:export")).streaming_content).decode()
    assert "Theirs" not in csv_text and "Mine" in csv_text
    assert head_client.get(LOG, {"pupil": str(theirs.public_id)}).status_code == 404
    assert head_client.get(LOG, {"pupil": "not-a-uuid"}).status_code == 404
    panel = reverse("audit:pupil", kwargs={"public_id": theirs.public_id})
    assert head_client.get(panel).status_code == 404


def test_the_audit_page_is_for_the_head_only(cast):
    for role, client in cast.clients.items():
        expected = 200 if role == Role.HEAD else 403
        assert client.get(LOG).status_code == expected, role
        assert client.get(reverse("audit:export")).status_code == expected, role


def test_the_csv_lists_the_log_with_formulas_neutralised_and_is_itself_logged(
    head_client, head, school
):
    with pghistory.context(user=head.pk):
        PupilFactory(school=school, surname="=HYPERLINK(1)", forename="@x")

    response = head_client.get(reverse("audit:export"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))

    assert rows[0][:4] == ["when", "person", "kind", "action"]
    added = [r for r in rows if r[2] == "Pupil details"]
    assert [r[1:4] for r in added] == [["harriet", "Pupil details", "Added"]]
    assert added[0][6].startswith("'@x =HYPERLINK(1)")
    assert all(is_safe(c) for row in rows for c in row)
    assert audit.AccessLog.objects.filter(kind="audit_export", user=head).exists()


def _count(client, url) -> int:
    client.get(url)
    current_summaries()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _activity(school, user, n):
    with pghistory.context(user=user.pk):
        for _ in range(n):
            pupil = PupilFactory(school=school)
            SenStatusFactory(pupil=pupil, code="K", start_date=dt.date(2025, 9, 1))
            TopUpFactory(school=school, pupil=pupil)
            audit.AccessLog.objects.create(
                school=school,
                user=user,
                pupil=pupil,
                kind="pupil_view",
                method="GET",
                path="/",
                status_code=200,
            )


def test_the_audit_page_query_count_does_not_grow_with_entries(head_client, head, school):
    _activity(school, head, 2)
    small = _count(head_client, LOG)
    _activity(school, UserFactory(), 30)
    assert _count(head_client, LOG) == small
    pupil = Pupil.objects.for_school(school).first()
    panel = reverse("audit:pupil", kwargs={"public_id": pupil.public_id})
    assert _count(head_client, panel) <= small


def test_the_log_is_one_union_query_with_every_source(school):
    sql = str(audit_log(school).query)
    assert sql.count("UNION ALL") == len(SOURCES)


def test_a_membership_change_is_recorded(school, head):
    user = UserFactory()
    with pghistory.context(user=head.pk):
        membership = MembershipFactory(user=user, school=school, role=Role.SENCO)
        Membership.objects.filter(pk=membership.pk).update(role=Role.HEAD)
    events = _events(audit.MembershipEvent, pgh_obj=membership)
    assert [(e.pgh_label, e.role) for e in events] == [("insert", "senco"), ("update", "head")]


def test_funding_amounts_in_the_log_read_as_money(head_client, head, school):
    with pghistory.context(user=head.pk):
        FundingSourceFactory(school=school, description="LA top-up", amount=Decimal("12345.6"))
    body = head_client.get(LOG, {"kind": "funding"}).content.decode()
    assert "LA top-up: £12,345.60" in body
    assert "£12345" not in body


def test_the_imports_bulk_writes_with_copy_are_audited_with_the_acting_user(senco, school):
    """New pupils, statuses, needs and provision rows of an import are written with COPY
    (sendfund/lib/imports/copy.py): the audit triggers fire for every row as for an INSERT."""
    from pupils.imports.provision import import_provision
    from pupils.imports.pupils import import_pupils

    pupils_csv = (
        b"upn,surname,forename,date_of_birth,year_group,sen_provision,primary_need\n"
        b"A123456789012,Lovelace,Ada,2016-12-10,4,K,SLCN\n"
        b"B234567890123,Turing,Alan,2015-06-23,5,N,\n"
    )
    provision_csv = (
        b"upn,provision,area,staff_role,hourly_rate,hours_per_week,group_size,start_date\n"
        b"A123456789012,Talk boost,CL,Teaching assistant,18.50,2,1,2026-09-07\n"
    )
    with pghistory.context(user=senco.pk, method="POST", path="/pupils/import/confirm/"):
        assert import_pupils(school=school, data=pupils_csv, on=dt.date(2026, 9, 1)).applied
        assert import_provision(school=school, data=provision_csv).applied

    pupils = _events(audit.PupilEvent, school=school, pgh_label="insert")
    assert sorted(e.surname for e in pupils) == ["Lovelace", "Turing"]
    statuses = _events(audit.SenStatusEvent, school=school, pgh_label="insert")
    assert sorted(e.code for e in statuses) == ["K", "N"]
    needs = _events(audit.NeedEvent, school=school, pgh_label="insert")
    assert [(e.code, e.rank) for e in needs] == [("SLCN", 1)]
    rows = _events(audit.ProvisionAssignmentEvent, school=school, pgh_label="insert")
    assert [e.hours_per_week for e in rows] == [Decimal("2.00")]
    for event in [*pupils, *statuses, *needs, *rows]:
        assert event.pgh_context["user"] == senco.pk
    # The rows themselves carry their defaults (a public id, the time written).
    ada = Pupil.objects.get(school=school, upn="A123456789012")
    assert ada.public_id and ada.created is not None


@pytest.mark.django_db(transaction=True)  # each request commits on its own, as in production
def test_an_import_confirmed_on_the_web_records_the_request_on_every_event(
    senco_client, senco, school
):
    """The COPY of an import's new rows writes its events in one statement per table: each
    of them carries the confirming request's user, school, method, path and request id, and
    nothing is written to pghistory's own (updatable, never pruned) context table."""
    from pghistory.models import Context

    from tests.pupils.test_imports_views import upload

    pupils_csv = (
        b"upn,surname,forename,date_of_birth,year_group,sen_provision,primary_need\n"
        b"A123456789012,Lovelace,Ada,2016-12-10,4,K,SLCN\n"
        b"B234567890123,Turing,Alan,2015-06-23,5,K,ASD\n"
        b"C345678901234,Hopper,Grace,2015-03-02,5,N,\n"
    )
    provision_csv = (
        b"upn,provision,area,staff_role,hourly_rate,hours_per_week,group_size,start_date\n"
        b"A123456789012,Talk boost,CL,Teaching assistant,18.50,2,1,2026-09-07\n"
        b"B234567890123,Talk boost,CL,Teaching assistant,18.50,3,1,2026-09-07\n"
    )
    confirm = reverse("pupil_imports:confirm")
    requests = []
    for kind, data in (("pupils", pupils_csv), ("provision", provision_csv)):
        token = upload(senco_client, kind, f"{kind}.csv", data, on="2026-09-07").context["token"]
        response = senco_client.post(confirm, {"token": token})
        assert response.status_code == 302
        requests.append(response["X-Request-ID"])

    written = {
        audit.PupilEvent: (3, requests[0]),
        audit.SenStatusEvent: (3, requests[0]),
        audit.NeedEvent: (2, requests[0]),
        audit.ProvisionAssignmentEvent: (2, requests[1]),
    }
    for model, (count, request_id) in written.items():
        events = _events(model, school=school)
        assert len(events) == count, model
        assert {e.pgh_label for e in events} == {"insert"}, model
        assert len({e.pgh_obj_id for e in events}) == count, model
        for event in events:
            assert event.pgh_context == {
                "user": senco.pk,
                "school": school.pk,
                "method": "POST",
                "path": confirm,
                "request_id": request_id,
            }, model
            assert event.pgh_context_id is not None  # the context's id, as before
    assert sorted(e.upn for e in _events(audit.PupilEvent, school=school)) == [
        "A123456789012",
        "B234567890123",
        "C345678901234",
    ]
    assert not Context.objects.exists()


def _tracked(event) -> dict:
    return {
        f.attname: getattr(event, f.attname)
        for f in event._meta.concrete_fields
        if not f.name.startswith("pgh_")
    }


def test_one_update_statement_of_several_rows_gives_one_event_per_changed_row(senco, school):
    """Statement-level triggers pair each old row with its new one by primary key: every
    changed row has its own event with its own new values, and only the changed fields differ
    from its previous event; a row the statement left as it was has none."""
    from django.db.models import Case, F, Value, When
    from django.db.models.functions import Concat

    from pupils.models import ProvisionAssignment

    pupils = [PupilFactory(school=school, surname=name) for name in ("Ames", "Bell", "Cole")]
    rows = [ProvisionAssignmentFactory(pupil=p, hours_per_week=Decimal(h)) for p, h in
            zip(pupils, ("1.00", "2.00", "3.00"), strict=True)]  # fmt: skip
    keep = pupils[2]
    with pghistory.context(user=senco.pk, method="CLI", path="bulk"):
        changed = Pupil.objects.filter(pk__in=[p.pk for p in pupils]).update(
            surname=Case(
                When(pk=keep.pk, then=F("surname")),
                default=Concat(F("surname"), Value("-Smith")),
            )
        )
        ProvisionAssignment.objects.filter(pk__in=[r.pk for r in rows]).update(
            hours_per_week=F("hours_per_week") + 1
        )
    assert changed == 3

    for pupil, surname in zip(pupils[:2], ("Ames-Smith", "Bell-Smith"), strict=True):
        events = _events(audit.PupilEvent, pgh_obj=pupil)
        assert [e.pgh_label for e in events] == ["insert", "update"]
        before, after = (_tracked(e) for e in events)
        assert after["surname"] == surname
        assert {k for k in before if before[k] != after[k]} == {"surname"}
        assert after["id"] == pupil.pk
        assert events[1].pgh_context["user"] == senco.pk
    assert [e.pgh_label for e in _events(audit.PupilEvent, pgh_obj=keep)] == ["insert"]

    for row, hours in zip(rows, ("2.00", "3.00", "4.00"), strict=True):
        events = _events(audit.ProvisionAssignmentEvent, pgh_obj=row)
        assert [e.pgh_label for e in events] == ["insert", "update"]
        before, after = (_tracked(e) for e in events)
        assert after["hours_per_week"] == Decimal(hours)
        assert {k for k in before if before[k] != after[k]} == {"hours_per_week"}
        assert events[1].pgh_context["path"] == "bulk"


def test_one_delete_statement_of_several_rows_gives_one_event_per_row(senco, school):
    from pupils.models import Need

    pupil = PupilFactory(school=school)
    needs = [
        NeedFactory(pupil=pupil, code=code, rank=rank, start_date=dt.date(2025, 9, 1))
        for rank, code in enumerate(("ASD", "SLCN", "SEMH"), start=1)
    ]
    with pghistory.context(user=senco.pk):
        deleted, _ = Need.objects.filter(pk__in=[n.pk for n in needs[:2]]).delete()
    assert deleted == 2

    events = _events(audit.NeedEvent, school=school, pgh_label="delete")
    assert sorted((e.pgh_obj_id, e.code, e.rank) for e in events) == [
        (needs[0].pk, "ASD", 1),
        (needs[1].pk, "SLCN", 2),
    ]
    assert {e.pgh_context["user"] for e in events} == {senco.pk}


@pytest.mark.django_db(transaction=True)
def test_a_large_import_run_on_a_worker_records_the_confirming_request(
    senco_client, senco, school, settings
):
    """An import above SENDFUND_BACKGROUND_IMPORT_ROWS is written by a worker, outside the
    request: its events still carry the user, school, method, path and request id of the
    request that confirmed it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sendfund.jobs.models import Job
    from tests.jobs.helpers import pupils_csv, run_worker_batch

    settings.SENDFUND_BACKGROUND_IMPORT_ROWS = 5
    data = SimpleUploadedFile("register.csv", pupils_csv(12))
    senco_client.post(reverse("pupil_imports:pupils"), {"file": data})
    run_worker_batch()
    job = Job.objects.get()
    confirm = reverse("pupil_imports:confirm")
    response = senco_client.post(confirm, {"token": str(job.public_id)})
    assert response.url == reverse("pupil_imports:job", args=[job.public_id])
    run_worker_batch()

    events = [
        *_events(audit.PupilEvent, school=school),
        *_events(audit.SenStatusEvent, school=school),
        *_events(audit.NeedEvent, school=school),
    ]
    assert len(events) == 36
    for event in events:
        assert event.pgh_context == {
            "user": senco.pk,
            "school": school.pk,
            "method": "POST",
            "path": confirm,
            "request_id": response["X-Request-ID"],
        }
