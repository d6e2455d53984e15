"""Every form in the app, fuzzed (issue 11 item 4): no input gives a 500 or a partial write.

The forms are found, not listed: every page of the URL matrix is opened as a role allowed to
use it, and each <form> on it (POST and GET: edit forms, searches, period pickers, uploads) is
submitted with generated values for the fields it really has: awkward text (NUL, very long,
markup, formulas), dates from year 1 to 9999 in both accepted formats and impossible ones,
numbers from 1e-30 to 1e30, NaN and 29 digits, choices that exist and ones that do not,
hidden fields kept or spoiled, fields left out. Checked: the response is never a 5xx (the test
client re-raises a view's exception), and a submission that is not accepted (anything but a
redirect) leaves every table's row count unchanged.

max_examples is kept small per form (the machine is shared); over the forms found this posts
well over 1,000 inputs (the count is asserted at the end of the session).
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sendfund.schools.roles import Role, role_can
from tests.url_matrix import all_cases

pytestmark = pytest.mark.django_db

EXAMPLES = 25
SKIP_ACTIONS = ("logout", "/accounts/", "/sessions/", "/mfa/", "2fa")
COUNTED_APPS = ("pupils", "funding", "advocacy", "reports", "schools")
# The school-day calendar is a cache the app fills on read for any year a page looks at
# (sendfund.schools.calendar.ensure_years, "never edited"): not a write of the user's input.
# Nor are the summaries (pupils.summary_models, funding.summary_models): any request re-costs
# what earlier writes marked and rebuilds what a page reads.
DERIVED = {
    "schools_calendaryear",
    "schools_schoolday",
    "pupils_summarypending",
    "pupils_summaryyear",
    "pupils_provisionyearcost",
    "funding_periodsummary",
    "funding_pupilperiodsummary",
}
POSTED = {"n": 0}
STATUSES: dict = {}

NASTY = [
    "",
    " ",
    "0",
    "-1",
    "1e30",
    "1" * 29,
    "NaN",
    "-Infinity",
    "1e-30",
    "1,000.005",
    "99999999999",
    "9999-12-31",
    "0001-01-01",
    "31/12/9999",
    "31/02/2025",
    "2025-13-01",
    "\x00",
    "a\x00b",
    "<script>alert(1)</script>",
    '=HYPERLINK("x")',
    "A" * 5000,
    "😀" * 50,
    "'; DROP TABLE pupils_pupil; --",
    "00000000-0000-0000-0000-000000000000",
]
nasty = st.one_of(st.sampled_from(NASTY), st.text(max_size=40))
dates = st.one_of(
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).flatmap(
        lambda d: st.sampled_from([d.isoformat(), d.strftime("%d/%m/%Y")])
    ),
    st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2030, 12, 31)).map(str),
    nasty,
)
numbers = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True, places=None).map(str),
    st.integers(-(10**30), 10**30).map(str),
    st.integers(0, 500).map(str),
    st.decimals(min_value=0, max_value=100000, places=2).map(str),
    nasty,
)
files = st.one_of(
    st.binary(max_size=300),
    st.lists(st.lists(nasty, max_size=5), max_size=5).map(
        lambda rows: "\n".join(",".join(r) for r in rows).encode("utf-8", "surrogatepass")
    ),
)


class FormParser(HTMLParser):
    """The forms of a page: method, action and fields (name, kind, value, options)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = {
                "method": a.get("method", "get").lower(),
                "action": a.get("action", ""),
                "multipart": "multipart" in a.get("enctype", ""),
                "fields": [],
            }
            self.forms.append(self._form)
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                return
            self._form["fields"].append(
                {"name": a["name"], "kind": kind, "value": a.get("value", ""), "options": []}
            )
        elif tag == "textarea":
            self._form["fields"].append(
                {"name": a["name"], "kind": "text", "value": "", "options": []}
            )
        elif tag == "select":
            self._select = {"name": a["name"], "kind": "select", "value": "", "options": []}
            self._form["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            self._select["options"].append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _field_strategy(field: dict):
    kind = field["kind"]
    if kind == "date":
        return dates
    if kind == "number":
        return numbers
    if kind == "select" and field["options"]:
        return st.one_of(st.sampled_from(field["options"]), nasty)
    if kind in ("checkbox", "radio"):
        return st.one_of(st.just(field["value"] or "on"), nasty)
    if kind == "hidden":
        return st.one_of(st.just(field["value"]), st.just(field["value"]), nasty)
    if kind == "file":
        return files
    return st.one_of(nasty, st.text(alphabet=st.characters(codec="utf-8"), max_size=20))


def _form_strategy(form: dict):
    merged: dict = {}
    for field in form["fields"]:
        merged.setdefault(field["name"], field)
        if field["kind"] in ("radio", "select") and field is not merged[field["name"]]:
            merged[field["name"]]["options"].append(field["value"])
    fields = list(merged.values())
    return st.fixed_dictionaries(
        {f["name"]: st.one_of(st.none(), _field_strategy(f), _field_strategy(f)) for f in fields}
    ).map(lambda d: ({k: v for k, v in d.items() if v is not None}, merged))


def _tables() -> list[str]:
    return [
        m._meta.db_table
        for m in apps.get_models()
        if m._meta.app_label in COUNTED_APPS
        and not m._meta.proxy
        and m._meta.managed
        and m._meta.db_table not in DERIVED
    ]


def _counts(tables: list[str]) -> dict:
    sql = "SELECT " + ", ".join(f'(SELECT count(*) FROM "{t}")' for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(tables, cursor.fetchone(), strict=True))


def _role_for(case) -> Role | None:
    for role in (Role.HEAD, Role.SENCO, Role.ADMIN):
        if case.capability is None or role_can(role, case.capability):
            return role
    return None


CASES = [c for c in all_cases() if c.method == "get" and not c.public and _role_for(c)]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_no_form_input_gives_a_500_or_a_partial_write(cast, case):
    client = cast.clients[_role_for(case)]
    url = reverse(case.name, kwargs=case.kwargs(cast.school) if case.kwargs else None)
    page = client.get(url)
    if page.status_code != 200 or "text/html" not in page.get("Content-Type", ""):
        pytest.skip("not an HTML page")
    parser = FormParser()
    parser.feed(page.content.decode())
    forms = [
        f
        for f in parser.forms
        if f["fields"] and not any(s in (f["action"] or url) for s in SKIP_ACTIONS)
    ]
    if not forms:
        pytest.skip("no form on this page")
    tables = _tables()

    @given(index=st.integers(0, len(forms) - 1), data=st.data())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    def submit(index, data):
        form = forms[index]
        values, fields = data.draw(_form_strategy(form))
        target = urljoin(url, form["action"] or url)
        payload = {}
        for name, value in values.items():
            if fields[name]["kind"] == "file":
                payload[name] = SimpleUploadedFile("upload.csv", value, "text/csv")
            else:
                payload[name] = value
        before = _counts(tables)
        if form["method"] == "post":
            response = client.post(target, payload)
        else:
            query = {k: v for k, v in payload.items() if isinstance(v, str)}
            response = client.get(target, query)
        POSTED["n"] += 1
        STATUSES.setdefault(target, {}).setdefault(response.status_code, 0)
        STATUSES[target][response.status_code] += 1
        assert response.status_code < 500, (target, payload, response.status_code)
        if form["method"] == "post" and not 300 <= response.status_code < 400:
            after = _counts(tables)
            changed = {t: (before[t], after[t]) for t in tables if before[t] != after[t]}
            assert not changed, (target, payload, response.status_code, changed)

    submit()


def test_at_least_a_thousand_inputs_were_submitted(request):
    """Runs last in this file: the forms above together took at least 1,000 inputs."""
    if POSTED["n"] == 0:
        pytest.skip("the fuzz tests did not run in this session")
    import os

    if os.environ.get("FUZZ_REPORT"):
        for target, seen in sorted(STATUSES.items()):
            print(target, seen)
    assert POSTED["n"] >= 1000, POSTED["n"]
