"""The URL matrix: every named URL pattern must have a case here, or the matrix test fails.

Each app lists its cases in tests/<app>/url_cases.py as CASES = [UrlCase(...), ...]. A case
names the capability the page needs and, for pages about one object, how to make such an object
in a given school (so the test can ask for another school's object and expect a 404).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class UrlCase:
    name: str  # "namespace:name"
    capability: str | None  # None: any signed-in user with a school
    kwargs: Callable[[object], dict] | None = None  # school -> URL kwargs for an object there
    method: str = "get"
    data: Callable[[object], dict] | None = None  # school -> POST data
    ok_status: tuple[int, ...] = (200,)
    public: bool = False  # no sign-in needed
    national: bool = False  # kwargs name a record every school shares (no other school's copy)
    notes: str = ""
    extra: dict = field(default_factory=dict)


# Pages the walks of every page skip (the trial smoke walk, the production walk, the
# accessibility walk): pages for a signed-out visitor or a link from an email, and someone
# else's passkey, which asks for a recent password first. The matrix test checks their status.
NOT_WALKED = frozenset(
    {
        "account_login",
        "account_reset_password_from_key",
        "account_confirm_email",
        "mfa_authenticate",
        "mfa_edit_webauthn",
        "mfa_remove_webauthn",
    }
)


def all_cases() -> list[UrlCase]:
    from tests.advocacy import url_cases as advocacy_cases
    from tests.audit import url_cases as audit_cases
    from tests.funding import url_cases as funding_cases
    from tests.jobs import url_cases as jobs_cases
    from tests.pupils import url_cases as pupils_cases
    from tests.pupils import url_cases_imports as pupil_import_cases
    from tests.reports import url_cases as reports_cases
    from tests.schools import url_cases as schools_cases

    cases: list[UrlCase] = []
    for module in (
        schools_cases,
        pupils_cases,
        pupil_import_cases,
        funding_cases,
        advocacy_cases,
        reports_cases,
        jobs_cases,
        audit_cases,
    ):
        cases.extend(module.CASES)
    return cases
