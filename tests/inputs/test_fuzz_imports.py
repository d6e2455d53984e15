"""Every import fuzzed (issue 11 item 4): pupils, provision, staff-rate and outcome CSVs, the
CTF XML, the funding CSV and the term-dates CSV. No input raises (which the web or a command
would show as a 500 or a traceback) and a refused file leaves every table's row count unchanged.

Inputs start from each import's own template (so most rows get deep into validation), then
cells are replaced with awkward values: dates from year 1 to 9999 in both formats and
impossible ones, numbers from 1e-30 to 1e30, NaN and 29 digits, NUL, very long text, formulas,
wrong codes; rows are dropped or duplicated; sometimes the bytes are not UTF-8 at all. The CTF
has element texts replaced and elements removed or repeated. Each file runs for real
(dry_run=False), all or nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from funding.services import FundingImportError, funding_import, parse_funding_csv
from pupils.imports import outcomes, provision, pupils, staff_rates
from pupils.imports.ctf import import_ctf
from sendfund.schools import term_dates
from tests.factories import PupilFactory, StaffRoleFactory
from tests.inputs.test_fuzz_forms import NASTY, _counts, _tables, dates, nasty, numbers

pytestmark = pytest.mark.django_db
EXAMPLES = 60
CTF_SAMPLE = (Path(__file__).parent.parent / "pupils" / "fixtures" / "ctf_sample.xml").read_bytes()
DATE_WORDS = ("date", "dob", "start", "end", "birth")
NUMBER_WORDS = ("rate", "hours", "cost", "amount", "weeks", "group", "wave", "year", "size")
FIRED = {"n": 0}

SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _cell_strategy(column: str):
    if any(w in column for w in DATE_WORDS):
        return dates
    if any(w in column for w in NUMBER_WORDS):
        return numbers
    return nasty


@st.composite
def csv_files(draw, header: list[str], rows: list[list[str]]) -> bytes:
    """The template with cells, rows and bytes spoiled."""
    out_rows = []
    for row in draw(st.lists(st.sampled_from(rows), min_size=0, max_size=6)):
        row = list(row)
        for i, column in enumerate(header):
            if i < len(row) and draw(st.integers(0, 3)) == 0:
                row[i] = draw(_cell_strategy(column))
        if draw(st.integers(0, 9)) == 0:
            row = row[: draw(st.integers(0, len(row)))]
        out_rows.append(row)
    head = list(header)
    if draw(st.integers(0, 9)) == 0:
        head = draw(st.permutations(head))
    if draw(st.integers(0, 14)) == 0:
        head = head[:-1] + [draw(nasty)]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(head)
    writer.writerows(out_rows)
    text = buffer.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.integers(0, 14)) == 0:
        data = draw(st.binary(max_size=200))
    return data


@st.composite
def ctf_files(draw) -> bytes:
    root = ET.fromstring(CTF_SAMPLE)
    elements = [e for e in root.iter() if len(e) == 0]
    for element in elements:
        if draw(st.integers(0, 4)) == 0:
            tag = element.tag.lower()
            if "date" in tag or tag == "dob":
                element.text = draw(dates)
            elif "rank" in tag or "year" in tag:
                element.text = draw(numbers)
            else:
                element.text = draw(nasty)
    parents = [e for e in root.iter() if len(e)]
    for _ in range(draw(st.integers(0, 3))):
        parent = draw(st.sampled_from(parents))
        if len(parent) and draw(st.booleans()):
            parent.remove(parent[draw(st.integers(0, len(parent) - 1))])
        elif len(parent):
            parent.append(parent[draw(st.integers(0, len(parent) - 1))])
    # XML cannot carry NUL or most control characters: those are spoilt bytes, tried below.
    text = ET.tostring(root, encoding="unicode")
    text = "".join(c for c in text if c in "\t\n\r" or ord(c) >= 32)
    data = text.encode("utf-8", errors="replace")
    if draw(st.integers(0, 9)) == 0:
        cut = draw(st.integers(0, len(data)))
        data = data[:cut] + draw(st.binary(max_size=20)) + data[cut:]
    return data


def _run_import(run, school, data: bytes, on: dt.date, **kwargs) -> None:
    tables = _tables()
    before = _counts(tables)
    report = run(school=school, data=data, on=on, dry_run=False, **kwargs)
    FIRED["n"] += 1
    if not report.ok:
        after = _counts(tables)
        changed = {t: (before[t], after[t]) for t in tables if before[t] != after[t]}
        assert not changed, (report.file_error, report.errors[:3], changed)


def _world(school):
    PupilFactory(school=school, upn="A123456789012")
    PupilFactory(school=school, upn="B234567890123")
    StaffRoleFactory(school=school, name="Teaching assistant")


on_dates = st.one_of(
    st.just(dt.date(2026, 9, 7)),
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)),
)


@pytest.mark.parametrize(
    "module",
    [pupils, provision, staff_rates, outcomes],
    ids=["pupils", "provision", "staff_rates", "outcomes"],
)
def test_no_csv_import_input_raises_or_half_writes(school, module):
    _world(school)
    run = {
        pupils: pupils.import_pupils,
        provision: provision.import_provision,
        staff_rates: staff_rates.import_staff_rates,
        outcomes: outcomes.import_outcomes,
    }[module]

    @given(data=csv_files(module.TEMPLATE_HEADER, module.TEMPLATE_ROWS), on=on_dates)
    @SETTINGS
    def check(data, on):
        _run_import(run, school, data, on)

    check()


def test_no_ctf_input_raises_or_half_writes(school):
    _world(school)

    @given(data=ctf_files(), on=on_dates, create=st.booleans())
    @SETTINGS
    def check(data, on, create):
        _run_import(import_ctf, school, data, on, create_pupils=create)

    check()


FUNDING_HEADER = ["type", "description", "amount", "period_start", "period_end", "status", "upn"]
FUNDING_ROWS = [
    [
        "notional_sen",
        "Notional SEN budget",
        "40000.00",
        "2025-04-01",
        "2026-03-31",
        "confirmed",
        "",
    ],
    ["top_up", "Top-up", "1600", "01/09/2025", "31/08/2026", "received", "A123456789012"],
    ["la_grant", "LA grant", "£1,250.50", "2025-09-01", "2025-12-31", "expected", ""],
]


def test_no_funding_csv_raises_or_half_writes(school):
    _world(school)
    tables = _tables()

    @given(data=csv_files(FUNDING_HEADER, FUNDING_ROWS))
    @SETTINGS
    def check(data):
        text = data.decode("utf-8", errors="replace")
        before = _counts(tables)
        FIRED["n"] += 1
        try:
            rows = parse_funding_csv(text, school=school)
            with transaction.atomic():
                funding_import(school=school, rows=rows)
        except FundingImportError as exc:
            assert exc.errors
            assert _counts(tables) == before

    check()


TERM_HEADER = ["start_date", "end_date", "kind"]
TERM_ROWS = [
    ["2026-09-03", "2026-10-23", "term"],
    ["26/10/2026", "30/10/2026", "holiday"],
    ["2026-11-27", "2026-11-27", "inset"],
]


def test_no_term_dates_csv_raises_or_half_writes(school):
    tables = _tables()

    @given(data=csv_files(TERM_HEADER, TERM_ROWS))
    @SETTINGS
    def check(data):
        before = _counts(tables)
        FIRED["n"] += 1
        try:
            rows = term_dates.read_blocks(data)
            term_dates.term_dates_import(school=school, rows=rows)
        except term_dates.TermDatesError as exc:
            assert exc.args and exc.args[0]
            assert _counts(tables) == before

    check()


def test_the_imports_took_hundreds_of_inputs():
    if FIRED["n"] == 0:
        pytest.skip("the fuzz tests did not run in this session")
    assert FIRED["n"] >= 7 * EXAMPLES - 10, FIRED["n"]


assert NASTY  # the shared list of awkward values (tests/inputs/test_fuzz_forms.py)
