"""The trust view: figures match the gap engine, small numbers hidden, constant queries."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from funding.gap import compute_gap
from reports.trust import trust_rows
from sendfund.lib.money import to_pennies
from sendfund.lib.periods import term, term_for_date
from tests.factories import (
    FundingSourceFactory,
    ProvisionAssignmentFactory,
    PupilFactory,
    SchoolFactory,
    current_summaries,
)
from tests.reports.conftest import add_sen_pupils

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 11, 20)


def _school_with_figures(trust, n: int, urn: str):
    school = SchoolFactory(trust=trust, urn=urn, name=f"School {urn}")
    pupils = add_sen_pupils(school, n, start=dt.date(2025, 9, 1))
    for pupil in pupils:
        ProvisionAssignmentFactory(pupil=pupil, start_date=dt.date(2025, 9, 1))
    FundingSourceFactory(
        school=school, period_start=dt.date(2025, 4, 1), period_end=dt.date(2026, 3, 31)
    )
    for _ in range(20):
        PupilFactory(school=school)
    return school


def test_each_schools_need_and_funding_match_the_gap_engine(trust):
    a = _school_with_figures(trust, 8, "200001")
    b = _school_with_figures(trust, 12, "200002")
    rows, totals, period = trust_rows([a, b], today=TODAY)
    assert period == term(*term_for_date(TODAY))
    for row in rows:
        gap = compute_gap(school=row["school"], period=period)
        assert row["need"] == gap.need
        assert row["funding"] == gap.funding
        assert row["gap"] == gap.need - gap.funding
    assert rows[0]["pupils"] == 28 and rows[0]["support_pct"].display == "28.6%"


def test_a_school_with_no_data_shows_zero_money_and_no_percentages(trust):
    empty = SchoolFactory(trust=trust, urn="200009")
    (row,), totals, _ = trust_rows([empty], today=TODAY)
    assert row["need"] == Decimal("0") and row["funding"] == Decimal("0")
    assert row["need_cell"].display == "£0"
    assert row["ehc_pct"].display == "–"


def test_small_groups_are_hidden_in_the_trust_view(trust):
    school = _school_with_figures(trust, 3, "200003")
    (row,), totals, _ = trust_rows([school], today=TODAY)
    assert row["support_pct"].display == "c"
    assert row["need_cell"].display == "c"  # money about 3 pupils is withheld
    assert row["gap_cell"].display == "c"


def test_the_trust_view_sorts_on_the_server(trust):
    _school_with_figures(trust, 8, "200001")
    _school_with_figures(trust, 14, "200002")
    schools = [s for s in trust.schools.all()]
    rows, _, _ = trust_rows(schools, today=TODAY, sort="-pupils")
    assert [r["pupils"] for r in rows] == sorted((r["pupils"] for r in rows), reverse=True)
    rows, _, _ = trust_rows(schools, today=TODAY, sort="name")
    assert [r["name"] for r in rows] == sorted(r["name"] for r in rows)


def _view_queries(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(reverse("reports:trust"))
    current_summaries()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("reports:trust") + "?sort=-gap")
    assert response.status_code == 200
    return len(ctx)


def test_the_trust_views_query_count_does_not_grow_with_the_number_of_schools(
    trust, school, trust_lead_client
):
    _school_with_figures(trust, 6, "200001")
    small = _view_queries(trust_lead_client)
    for urn in ("200002", "200003", "200004", "200005"):
        _school_with_figures(trust, 7, urn)
    assert _view_queries(trust_lead_client) == small
    assert b"School 200005" in trust_lead_client.get(reverse("reports:trust")).content


def test_the_trust_view_lists_only_the_leads_trust(trust, school, other_school, trust_lead_client):
    body = trust_lead_client.get(reverse("reports:trust")).content.decode()
    assert school.name in body and other_school.name not in body
    assert "Trust total" in body


def test_a_hidden_school_cannot_be_worked_out_from_the_trust_total(trust):
    small = SchoolFactory(trust=trust, urn="200011", name="Small")
    big = SchoolFactory(trust=trust, urn="200012", name="Big")
    add_sen_pupils(small, 3, code="E")
    add_sen_pupils(small, 9, code="K")
    add_sen_pupils(big, 11, code="E")
    add_sen_pupils(big, 30, code="K")
    for school in (small, big):
        for _ in range(40):
            PupilFactory(school=school)
    rows, totals, _ = trust_rows([small, big], today=TODAY)
    by_name = {r["name"]: r for r in rows}
    assert by_name["Small"]["ehc_pct"].display == "c"
    # with the big school's EHC share and the trust's both shown, 3 would follow by subtraction
    assert by_name["Big"]["ehc_pct"].suppressed or totals["ehc_pct"].suppressed
    # money about 12 pupils is shown, so the totals stay
    assert not totals["need_cell"].suppressed


# --- The trust table is rendered once for the stored summaries it reads, and kept ------------


def _table(response) -> str:
    html = response.content.decode()
    return html[
        html.index('<div class="table-responsive">') : html.index('<form id="open-dashboard"')
    ]


def test_the_trust_table_is_kept_until_a_write_to_one_of_its_schools(trust, trust_lead_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    a = _school_with_figures(trust, 8, "200001")
    _school_with_figures(trust, 9, "200002")
    url = reverse("reports:trust")
    trust_lead_client.get(url)  # builds each school's summaries
    with CaptureQueriesContext(connection) as rendered:
        first = trust_lead_client.get(url)  # rendered from them, and kept
    with CaptureQueriesContext(connection) as kept:
        second = trust_lead_client.get(url)

    assert "rows" in first.context
    assert second.context is None  # the kept page (sendfund.lib.kept): no template at all
    # The kept page reads no figures: one query checks that its summaries still exist.
    reads = ("sendfund_trust_held", "sendfund_trust_calendars")
    assert all(any(r in q["sql"] for q in rendered.captured_queries) for r in reads)
    assert not any(r in q["sql"] for q in kept.captured_queries for r in reads)
    assert any("sendfund_count_stored" in q["sql"] for q in kept.captured_queries)
    assert _table(second) == _table(first)
    assert "csrfmiddlewaretoken" not in _table(first)  # no per-user token in what is shared
    assert _table(first).count('form="open-dashboard"') == len(first.context["rows"]) == 3

    # £1,000 more for school A over exactly this term: all of it falls in the term.
    period = term(*term_for_date(dt.date.today()))
    funding = next(r["funding"] for r in first.context["rows"] if r["school"].pk == a.pk)
    FundingSourceFactory(
        school=a, amount=Decimal("1000.00"), period_start=period.start, period_end=period.end
    )
    rebuilt = trust_lead_client.get(url)  # A's summaries were deleted: built again
    trust_lead_client.get(url)  # rendered and kept
    third = trust_lead_client.get(url)

    # (School A's own funding runs April 2025 to March 2026, before this term: 0 + 1,000.00.)
    after = next(r["funding"] for r in rebuilt.context["rows"] if r["school"].pk == a.pk)
    assert to_pennies(after) == to_pennies(funding) + Decimal("1000.00") == Decimal("1000.00")
    assert third.context is None
    assert _table(third) == _table(rebuilt) != _table(first)


def test_the_trust_table_rows_escape_names_and_group_the_calendars(trust, trust_lead_client):
    from sendfund.schools.models import TermBlock

    a = _school_with_figures(trust, 8, "200001")
    a.name = "Ash & Elm <Primary>"
    a.save()
    b = _school_with_figures(trust, 9, "200002")
    # B costs this year on its own term dates (one open block is enough to count as own).
    year = dt.date.today().year if dt.date.today().month >= 9 else dt.date.today().year - 1
    TermBlock.objects.create(
        school=b,
        academic_year=year,
        start_date=dt.date(year, 9, 3),
        end_date=dt.date(year + 1, 7, 20),
        kind="open",
    )
    response = trust_lead_client.get(reverse("reports:trust"))
    table = _table(response)
    row = next(r for r in response.context["rows"] if r["school"].pk == a.pk)
    assert (
        '<th scope="row">Ash &amp; Elm &lt;Primary&gt;</th>'
        f'<td class="text-end">{row["pupils_cell"].display}</td>'
    ) in table
    assert f'value="{a.public_id}">Open dashboard<span class="visually-hidden"> for Ash' in table
    assert "<Primary>" not in table
    # Every figure of a row is a cell: eight after the name, and the button's.
    first_row = table[table.index("<tbody>") : table.index("</tr>", table.index("<tbody>"))]
    assert first_row.count('<td class="text-end">') == 8
    calendar = " ".join(table[table.index('data-testid="calendar"') :].split())
    assert "school&#x27;s own term dates: School 200002" in calendar
    assert "The default calendar: Ash &amp; Elm &lt;Primary&gt;, " in calendar


def test_the_trust_views_funding_comes_from_the_stored_summaries(trust, trust_lead_client):
    """Once each school's term is stored, the trust view reads no funding rows; its funding
    equals the gap engine's, and a headline stored before it held funding is built again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from funding.summary_models import PeriodSummary

    a = _school_with_figures(trust, 8, "200001")
    b = _school_with_figures(trust, 9, "200002")
    period = term(*term_for_date(dt.date.today()))
    # Over exactly this term: £600.00 for A, a top-up named on one pupil; £250.00 for B,
    # school-level.
    FundingSourceFactory(
        school=a,
        type="top_up",
        amount=Decimal("600.00"),
        period_start=period.start,
        period_end=period.end,
        pupil=PupilFactory(school=a),
    )
    FundingSourceFactory(
        school=b, amount=Decimal("250.00"), period_start=period.start, period_end=period.end
    )
    url = reverse("reports:trust")
    trust_lead_client.get(url)  # stores what is missing
    # An old headline: funding 0 and no funding figures (as stored before funding was held).
    PeriodSummary.objects.filter(school=b, start=period.start, end=period.end).delete()
    PeriodSummary.objects.create(
        school=b,
        kind=PeriodSummary.Kind.HEADLINE,
        start=period.start,
        end=period.end,
        need=0,
        funding=0,
        need_pupils=0,
        figures={},
    )
    trust_lead_client.get(url)
    held = PeriodSummary.objects.get(school=b, start=period.start, end=period.end)
    assert to_pennies(held.funding) == Decimal("250.00")  # not the old headline's 0
    assert (held.funded_pupils, held.funding_school_level) == (0, True)

    from django.core.cache import cache

    from funding import gap_store

    cache.clear()  # render again, from the stored summaries only
    with CaptureQueriesContext(connection) as read:
        assert trust_lead_client.get(url).status_code == 200
    assert not any("funding_fundingsource" in q["sql"] for q in read.captured_queries)

    def refuse(missing):
        raise AssertionError(f"computed again: {missing}")

    _, _, funding, _, _ = gap_store.trust_figures([a, b], period, dt.date.today(), refuse, refuse)
    for school in (a, b):
        gap = compute_gap(school=school, period=period)
        assert funding[school.pk]["total"] == gap.funding
        assert funding[school.pk]["pupils"] == gap.funded_pupils
        assert funding[school.pk]["school_level"] == gap.funding_school_level
    # A's own funding runs April 2025 to March 2026 (before this term): 0 + the 600.00 top-up,
    # named on one pupil; B's 250.00 is school-level.
    assert to_pennies(funding[a.pk]["total"]) == Decimal("600.00")
    assert (funding[a.pk]["pupils"], funding[b.pk]["school_level"]) == (1, True)


# --- the money rule's shortcut (reports.trust._money_small) -------------------------------
@dataclasses.dataclass(frozen=True)
class _School:
    pk: int


_counts = st.integers(min_value=0, max_value=7)


@given(
    st.lists(
        st.tuples(_counts, _counts, _counts, st.booleans(), st.integers(0, 9), st.integers(0, 9)),
        min_size=1,
        max_size=4,
    )
)
@settings(max_examples=300, deadline=None)
def test_the_money_rule_is_checked_whole_only_when_something_is_small(figures):
    """_money_hidden skips protect() when the rule withholds nothing to start with: that must
    give protect()'s own answer, and protect() must hide nothing in that case. Counts 0-7 (so
    1-4 and 5+ both occur), need and funding in whole pounds."""
    from reports.trust import _money_hidden, _money_protected, _money_small

    schools = [_School(pk) for pk in range(1, len(figures) + 1)]
    need, funding, register = {}, {}, {}
    for s, (pupils, sen, funded, school_level, n, f) in zip(schools, figures, strict=True):
        need[s.pk] = {"total": Decimal(n * 1000), "pupils": pupils}
        register[s.pk] = sen
        funding[s.pk] = {"total": Decimal(f * 1000), "pupils": funded, "school_level": school_level}
    protected = _money_protected(schools, need, funding, register)
    assert _money_hidden(schools, need, funding, register) == protected
    if not _money_small(schools, need, funding, register):
        assert protected == set()
    else:
        assert protected  # something small: at least that figure is withheld


# --- what a process keeps of the rows' work (reports.trust._row_figures and the tables) ----
@dataclasses.dataclass(frozen=True)
class _NamedSchool:
    pk: int
    name: str
    public_id: str


def _inputs(**change):
    """Three schools' figures as reports.trust.trust_figures gives them; `change` replaces
    school 2's values (name, public_id, total, ehc, support, need, funding, overdue, calendar)."""
    base = {
        "name": "Birch",
        "public_id": "00000000-0000-0000-0000-000000000002",
        "total": 300,
        "ehc": 9,
        "support": 40,
        "need": Decimal("41234.5678"),
        "funding": Decimal("30000.01"),
        "overdue": 6,
        "calendar": "the default calendar",
    }
    two = base | change
    schools = [
        _NamedSchool(1, "Ash", "00000000-0000-0000-0000-000000000001"),
        _NamedSchool(2, two["name"], two["public_id"]),
        _NamedSchool(3, "Cedar", "00000000-0000-0000-0000-000000000003"),
    ]
    values = {1: base | {"name": "Ash"}, 2: two, 3: base | {"name": "Cedar", "need": Decimal(7)}}
    roll = {pk: {k: v[k] for k in ("total", "ehc", "support")} for pk, v in values.items()}
    need = {pk: {"total": v["need"], "pupils": 20} for pk, v in values.items()}
    funding = {
        pk: {"total": v["funding"], "pupils": 20, "school_level": True} for pk, v in values.items()
    }
    register = {pk: 49 for pk in values}
    overdue = {pk: v["overdue"] for pk, v in values.items()}
    calendars = {pk: v["calendar"] for pk, v in values.items()}
    return schools, roll, need, funding, register, overdue, calendars


def _shown(rows, totals):
    """What the page shows of the rows and totals: every value but the school instance."""
    return [{k: v for k, v in r.items() if k != "school"} for r in rows], totals


@pytest.mark.parametrize(
    "change",
    [
        {"name": "Birch & <Beech>"},
        {"public_id": "00000000-0000-0000-0000-0000000000ff"},
        {"total": 301},
        {"ehc": 3},  # 1-4: hidden, and more around it
        {"support": 41},
        {"need": Decimal("41234.5679")},  # a hundredth of a penny: shown the same, kept apart
        {"funding": Decimal("0")},
        {"overdue": 2},
        {"calendar": "the school's own term dates"},
    ],
)
def test_the_kept_row_work_answers_as_if_worked_out_afresh(change):
    """The trust view keeps, per process, each row's work and the count tables' suppression
    for the figures they were worked out from. A change in any one figure of one school must
    give what working everything out afresh gives: every input is in what is kept's key."""
    from reports.trust import _rows_and_totals, forget_kept

    forget_kept()
    before = _rows_and_totals(*_inputs()[:6], "name", _inputs()[6])  # kept
    changed = _inputs(**change)
    kept = _shown(*_rows_and_totals(*changed[:6], "name", changed[6]))
    forget_kept()
    fresh = _shown(*_rows_and_totals(*changed[:6], "name", changed[6]))
    assert kept == fresh
    assert kept != _shown(*before)  # the change shows somewhere
