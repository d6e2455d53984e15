from tests.factories import FundingSourceFactory
from tests.funding.factories import TopUpBandFactory, TopUpSchemeFactory
from tests.url_matrix import UrlCase


def _source(school):
    return {"public_id": FundingSourceFactory(school=school).public_id}


def _scheme(school):
    return {"public_id": TopUpSchemeFactory(school=school).public_id}


def _band(school):
    return {"public_id": TopUpBandFactory(scheme=TopUpSchemeFactory(school=school)).public_id}


def _source_post(school):
    return {
        "type": "la_grant",
        "description": "Inclusion grant",
        "amount": "1200.00",
        "period_kind": "dates",
        "period_start": "2025-09-01",
        "period_end": "2026-08-31",
        "status": "confirmed",
    }


CASES = [
    UrlCase("funding:dashboard", "funding.view"),
    UrlCase("funding:pupils", "funding.pupils", notes="pupil-level funding: never governors"),
    UrlCase("funding:sources", "funding.edit"),
    UrlCase("funding:source_add", "funding.edit"),
    UrlCase(
        "funding:source_add",
        "funding.edit",
        method="post",
        data=_source_post,
        ok_status=(302,),
        notes="posting a valid source",
    ),
    UrlCase("funding:topup_add", "funding.edit"),
    UrlCase("funding:source_edit", "funding.edit", kwargs=_source),
    UrlCase("funding:source_delete", "funding.edit", kwargs=_source),
    UrlCase("funding:schemes", "funding.edit"),
    UrlCase("funding:scheme_add", "funding.edit"),
    UrlCase("funding:scheme_edit", "funding.edit", kwargs=_scheme),
    UrlCase("funding:band_add", "funding.edit", kwargs=_scheme),
    UrlCase("funding:band_edit", "funding.edit", kwargs=_band),
]
