"""Walks every URL as every role, anonymously and as another school's user."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from sendfund.schools.roles import Role, role_can
from tests.url_matrix import all_cases

CASES = all_cases()
CASES_BY_NAME = {case.name: case for case in CASES}


def _named_patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            if ns == "admin":
                continue  # superusers with two-factor only: tests/schools/test_admin_site.py
            prefix = f"{namespace}{ns}:" if ns else namespace
            yield from _named_patterns(entry, prefix)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def test_every_url_pattern_has_a_matrix_case():
    missing = sorted(set(_named_patterns()) - set(CASES_BY_NAME))
    assert not missing, f"Add these URL names to tests/<app>/url_cases.py: {missing}"


def test_every_matrix_case_names_a_real_url():
    stale = sorted(set(CASES_BY_NAME) - set(_named_patterns()))
    assert not stale, f"These matrix cases name no URL pattern: {stale}"


def _url(case, school):
    return reverse(case.name, kwargs=case.kwargs(school) if case.kwargs else None)


def _request(client, case, school):
    url = _url(case, school)
    if case.method == "post":
        return client.post(url, case.data(school) if case.data else {})
    return client.get(url)


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_anonymous_is_sent_to_login(client, case, school):
    response = _request(client, case, school)
    if case.public:
        assert response.status_code < 500
    else:
        assert response.status_code == 302, response.status_code
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_role_gets_the_page_or_403(cast, case, role):
    response = _request(cast.clients[role], case, cast.school)
    if case.capability is None or role_can(role, case.capability, school=cast.school):
        assert response.status_code in case.ok_status, (role, response.status_code)
    else:
        assert response.status_code == 403, (role, response.status_code)


OBJECT_CASES = [c for c in CASES if c.kwargs and not c.public and not c.national]


@pytest.mark.django_db
@pytest.mark.parametrize("case", OBJECT_CASES, ids=[c.name for c in OBJECT_CASES])
def test_another_schools_object_is_404(cast, case):
    """The head of `school` asks for an object that belongs to `other_school`."""
    client = cast.clients[Role.HEAD]
    if case.capability and not role_can(Role.HEAD, case.capability, school=cast.school):
        client = next(
            c for r, c in cast.clients.items() if role_can(r, case.capability, school=cast.school)
        )
    response = _request(client, case, cast.other_school)
    assert response.status_code == 404, response.status_code
