"""Governors and trust leads never see pupil-level data on any page they can open.

A sentinel pupil with an EHC plan, a need and costly provision (so they appear in every
pupil-level list: over the threshold, without top-up) must not appear by name, UPN or date of
birth on any page a governor or trust lead is allowed to open.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from sendfund.schools.roles import Role, role_can
from tests.factories import (
    NeedFactory,
    ProvisionAssignmentFactory,
    PupilFactory,
    SenStatusFactory,
    StaffRateFactory,
)
from tests.url_matrix import all_cases

# Every GET page a governor or trust lead may open (the URL matrix checks the 403s elsewhere).
VISIBLE = [
    (case, role)
    for case in all_cases()
    if case.method == "get" and not case.public
    for role in (Role.GOVERNOR, Role.TRUST_LEAD)
    if case.capability is None or role_can(role, case.capability)
]


@pytest.fixture
def sentinel(school):
    pupil = PupilFactory(
        school=school,
        forename="Zebedee",
        surname="Quizzical",
        upn="Q999888777666",
        date_of_birth=dt.date(2015, 2, 27),
    )
    SenStatusFactory(pupil=pupil, code="E", start_date=dt.date(2023, 9, 1))
    NeedFactory(pupil=pupil, code="ASD", start_date=dt.date(2023, 9, 1))
    today = dt.date.today()
    year = today.year if today.month >= 9 else today.year - 1
    rate = StaffRateFactory(staff_role__school=school, academic_year=year - 1)
    ProvisionAssignmentFactory(
        pupil=pupil,
        provision__staff_role=rate.staff_role,
        hours_per_week=Decimal("25"),
        start_date=dt.date(year - 1, 9, 1),
    )
    return pupil


@pytest.mark.django_db
@pytest.mark.parametrize("case, role", VISIBLE, ids=[f"{c.name}-{r.value}" for c, r in VISIBLE])
def test_no_page_shows_a_governor_or_trust_lead_a_pupil(cast, sentinel, case, role):
    url = reverse(case.name, kwargs=case.kwargs(cast.school) if case.kwargs else None)
    response = cast.clients[role].get(url)
    assert response.status_code in case.ok_status
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", errors="replace")
    for secret in ("Quizzical", "Zebedee", "Q999888777666", "27/02/2015", "2015-02-27"):
        assert secret not in text, f"{secret} shown to {role} on {url}"


@pytest.mark.django_db
def test_the_sentinel_is_visible_where_pupil_data_is_allowed(senco_client, sentinel):
    """Control: the check above can fail, because the SENCO's register does show the pupil."""
    html = senco_client.get(reverse("pupils:register")).content.decode()
    assert "Quizzical" in html
