"""Reading a page writes no one's records (issue 14: no GET writes).

Every GET page of the URL matrix is opened by a role that may see it, and every statement
that writes is collected. The only tables a GET may write are the derived data the pages
read through (the term-cost and school-period summaries, the school-day calendar, all
rebuilt from the records whenever needed), the session, and the audit trail's access log (who
looked at which pupil): never a pupil, provision, funding or advocacy record.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sendfund.schools.roles import Role, role_can
from tests.url_matrix import all_cases

DERIVED = {
    "pupils_provisionyearcost",
    "pupils_summaryyear",
    "pupils_summarypending",
    "funding_periodsummary",
    "funding_pupilperiodsummary",
    "schools_calendaryear",
    "schools_schoolday",
}
SESSION = {"django_session"}
ACCESS_LOG = {"audit_accesslog"}
ALLOWED = DERIVED | SESSION | ACCESS_LOG
# At the start of a statement, or after the set_config() pghistory puts before each write.
WRITE = re.compile(r'(?:^|;)\s*(?:INSERT INTO|UPDATE|DELETE FROM|COPY)\s+"?([a-z0-9_]+)"?', re.I)
GET_CASES = [c for c in all_cases() if c.method == "get" and not c.public]


def written_tables(statements) -> set[str]:
    # A statement with no SQL (a CompiledQuery compiling, which runs nothing) writes nothing.
    return {m.group(1) for sql in statements for m in WRITE.finditer(sql or "")}


def test_the_check_sees_a_write():
    assert written_tables(['UPDATE "pupils_pupil" SET "surname" = %s']) == {"pupils_pupil"}
    assert written_tables(["SELECT 1", 'INSERT INTO "audit_accesslog" ("x") VALUES (1)']) == {
        "audit_accesslog"
    }


@pytest.mark.django_db
@pytest.mark.parametrize("case", GET_CASES, ids=[c.name for c in GET_CASES])
def test_opening_a_page_writes_only_derived_data(cast, case):
    role = next(
        (
            r
            for r in Role
            if case.capability is None or role_can(r, case.capability, school=cast.school)
        ),
        None,
    )
    if role is None:
        pytest.skip("no role may open it")
    client = cast.clients[role]
    url = reverse(case.name, kwargs=case.kwargs(cast.school) if case.kwargs else None)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    unexpected = written_tables(q["sql"] for q in ctx.captured_queries) - ALLOWED
    assert not unexpected, f"GET {url} as {role} wrote {sorted(unexpected)}"
