import datetime as dt
from decimal import Decimal

from tests.advocacy.factories import (
    AdvocacyActionFactory,
    FundingOpportunityFactory,
    ReformItemFactory,
    TrainingRecordFactory,
)
from tests.factories import PupilFactory
from tests.url_matrix import UrlCase


def _action(school):
    return {"public_id": AdvocacyActionFactory(school=school).public_id}


def _won_action(school):
    action = AdvocacyActionFactory(
        school=school,
        status="successful",
        decision_date=dt.date(2024, 11, 1),
        amount_requested=Decimal("2000.00"),
        amount_secured=Decimal("1500.00"),
    )
    return {"public_id": action.public_id}


def _pupil(school):
    return {"public_id": PupilFactory(school=school).public_id}


def _request_pack(school):
    from advocacy.models import RequestPack

    pack = RequestPack.objects.create(
        school=school,
        pupil=PupilFactory(school=school),
        kind="top_up",
        span_start=dt.date(2025, 9, 1),
        span_end=dt.date(2026, 8, 31),
    )
    return {"public_id": pack.public_id}


CASES = [
    UrlCase("advocacy:overview", "advocacy.view"),
    UrlCase("advocacy:actions", "advocacy.view"),
    UrlCase("advocacy:action_add", "advocacy.edit"),
    UrlCase("advocacy:action_detail", "advocacy.view", kwargs=_action),
    UrlCase("advocacy:action_edit", "advocacy.edit", kwargs=_action),
    UrlCase(
        "advocacy:action_status",
        "advocacy.edit",
        kwargs=_action,
        method="post",
        data=lambda school: {"status": "in_progress"},
        ok_status=(302,),
    ),
    UrlCase(
        "advocacy:action_record_funding",
        "advocacy.edit",
        kwargs=_won_action,
        method="post",
        ok_status=(302,),
    ),
    UrlCase("advocacy:action_delete", "advocacy.edit", kwargs=_action),
    UrlCase(
        "advocacy:action_delete",
        "advocacy.edit",
        kwargs=_action,
        method="post",
        ok_status=(302,),
        notes="POST deletes",
    ),
    UrlCase("advocacy:opportunities", "advocacy.view"),
    UrlCase("advocacy:opportunity_add", "advocacy.edit"),
    UrlCase(
        "advocacy:opportunity_edit",
        "advocacy.edit",
        kwargs=lambda school: {"public_id": FundingOpportunityFactory(school=school).public_id},
    ),
    UrlCase(
        "advocacy:opportunity_delete",
        "advocacy.edit",
        kwargs=lambda school: {"public_id": FundingOpportunityFactory(school=school).public_id},
    ),
    UrlCase("advocacy:training", "advocacy.view"),
    UrlCase("advocacy:training_add", "advocacy.edit"),
    UrlCase(
        "advocacy:training_edit",
        "advocacy.edit",
        kwargs=lambda school: {"public_id": TrainingRecordFactory(school=school).public_id},
    ),
    UrlCase(
        "advocacy:training_delete",
        "advocacy.edit",
        kwargs=lambda school: {"public_id": TrainingRecordFactory(school=school).public_id},
    ),
    UrlCase("advocacy:reforms", "advocacy.view"),
    UrlCase("advocacy:reform_add", "advocacy.edit"),
    UrlCase(
        "advocacy:reform_national_edit",
        "advocacy.edit",
        kwargs=lambda school: {"key": "layered-support"},
        national=True,
        notes="a national reform: the first edit makes this school's item",
    ),
    UrlCase(
        "advocacy:reform_edit",
        "advocacy.edit",
        kwargs=lambda school: {"public_id": ReformItemFactory(school=school).public_id},
    ),
    UrlCase(
        "advocacy:reform_delete",
        "advocacy.edit",
        kwargs=lambda school: {"public_id": ReformItemFactory(school=school).public_id},
        method="post",
        ok_status=(302,),
    ),
    UrlCase("advocacy:evidence", "advocacy.view"),
    UrlCase("advocacy:evidence_pdf", "advocacy.view"),
    UrlCase(
        "advocacy:evidence_pdf_build",
        "advocacy.view",
        method="post",
        data=lambda school: {"period": "bogus"},
        ok_status=(400,),
        notes="an unknown period shows the form again; a good one queues the PDF (302)",
    ),
    UrlCase("advocacy:evidence_csv", "advocacy.view"),
    UrlCase("advocacy:request_pack_add", "advocacy.edit", kwargs=_pupil),
    UrlCase("advocacy:request_pack", "advocacy.edit", kwargs=_request_pack),
    UrlCase(
        "advocacy:request_pack_pdf",
        "advocacy.edit",
        kwargs=_request_pack,
        method="post",
        ok_status=(302,),
        notes="queues the PDF on a worker",
    ),
]
