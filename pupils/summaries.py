"""Keeping the summaries current: the term-cost summary (pupils.summary_models), and with it
the school-period summaries (funding.summary_models), and reading periods from them.

- `standard_terms(period)`: the reporting terms a period is made of, when it is a run of
  whole terms (a term, an academic year, a maintained school's financial year); None for a
  custom range, which is costed from the detail.
- `settle(school_ids=None)`: the last step of every write, inside its own transaction, so
  that the summaries are current when it commits: re-costs the term-cost rows the triggers
  marked, then builds again the school-period summaries the triggers deleted that the pages
  open on: the gap of each period under way today (funding.gap_store.settle, the read's own
  code path), the trust view's headline of this term and its row for today, and the
  projection made today. A past period's gap stays deleted until a read builds it.
  `SummaryMiddleware` runs every request that may write in one transaction ending with it;
  the imports call it last in theirs (pupils/imports/report.py), as do the term dates import
  and `rebuild`.
- `ready(school_ids, terms)`: before any read, the safety net: writes any academic year not
  yet held, and re-costs any rows still marked (a write that did not settle, such as one
  made in a shell). One query when nothing is to do.
- `refresh(school_id)`, `refresh_marked()`: re-cost marked rows now (term costs only).
- `rebuild(...)`: recomputes from the detail and reports every difference
  (the rebuild_summaries command).
- `detail_only()`: a context in which every read costs from the detail (tests compare the
  two answers; rebuild --check uses it).

Every cost is written by `ProvisionAssignment.objects.costed` for one term, so the summary
and the detail share one formula (docs/domain.md section 3).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, ExpressionWrapper, F, Max, Min, Q
from django.db.models.expressions import RawSQL

from pupils.summary_models import (
    TERM_DAYS,
    ExactDecimalField,
    ProvisionYearCost,
    SummaryPending,
    SummaryYear,
    TermNumber,
)
from sendfund.lib.periods import TERMS, Period, academic_year_start, term
from sendfund.lib.sql import AnyOf

EXACT = ExactDecimalField()
MAX_TERMS = 6  # longer runs of terms (rare) are costed from the detail
_LOCK_CLASS = 815_201  # pg_advisory_xact_lock(class, school id): one writer per school
PERIOD_SUMMARY_LOCK = 815_202  # funding.gap_store.LOCK_CLASS: held shared by every write

_detail = contextvars.ContextVar("sendfund_summaries_detail_only", default=False)


@contextmanager
def detail_only() -> Iterator[None]:
    """Cost every read in this block from the detail, not the summary."""
    token = _detail.set(True)
    try:
        yield
    finally:
        _detail.reset(token)


def standard_terms(period: Period) -> list[tuple[int, int]] | None:
    """[(academic year, term number)] when the period is whole consecutive reporting terms."""
    year = academic_year_start(period.start)
    out: list[tuple[int, int]] = []
    starts = {term(year, name).start: n for n, name in enumerate(TERMS, start=1)}
    number = starts.get(period.start)
    if number is None:
        return None
    while len(out) < MAX_TERMS:
        t = term(year, TERMS[number - 1])
        out.append((year, number))
        if t.end == period.end:
            return out
        if t.end > period.end:
            return None
        number += 1
        if number > len(TERMS):
            year, number = year + 1, 1
    return None


def summary_terms(period: Period) -> list[tuple[int, int]] | None:
    """standard_terms, or None inside detail_only()."""
    if _detail.get():
        return None
    return standard_terms(period)


def _lock(school_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, school_id])


def ready(school_ids: Iterable[int], terms: list[tuple[int, int]]) -> None:
    """Make the summary of these schools right for these terms' academic years."""
    ids = sorted(set(school_ids))
    years = sorted({y for y, _ in terms})
    with connection.cursor() as cursor:
        # One query: the (school, year) pairs held, and the schools with marked rows.
        cursor.execute(
            "SELECT school_id, academic_year FROM pupils_summaryyear"
            " WHERE school_id = ANY(%s) AND academic_year = ANY(%s)"
            " UNION ALL SELECT DISTINCT school_id, NULL::smallint FROM pupils_summarypending"
            " WHERE school_id = ANY(%s)",
            [ids, years, ids],
        )
        rows = cursor.fetchall()
    held = {(s, y) for s, y in rows if y is not None}
    pending = {s for s, y in rows if y is None}
    for school_id in ids:
        missing = [y for y in years if (school_id, y) not in held]
        if missing or school_id in pending:
            with transaction.atomic():
                _lock(school_id)
                _build_years(school_id, missing)
                _refresh_locked(school_id)


def refresh(school_id: int) -> None:
    """Re-cost the school's rows the triggers marked (nothing when none are)."""
    if not SummaryPending.objects.filter(school_id=school_id).exists():
        return
    with transaction.atomic():
        _lock(school_id)
        _refresh_locked(school_id)


def refresh_marked() -> None:
    """Re-cost every school's marked rows: called at the end of a write (an import inside its
    transaction, a page's POST, a job), so that readers find the summary current."""
    schools = SummaryPending.objects.order_by().values_list("school_id", flat=True).distinct()
    for school_id in list(schools):
        with transaction.atomic():
            _lock(school_id)
            _refresh_locked(school_id)


def settle(school_ids: Iterable[int] | None = None, *, every_period: bool = False) -> None:
    """Bring the summaries of these schools (None: of every school with work waiting) up to
    date inside the current transaction; call it last, before the write commits. Re-costs
    the term-cost rows marked, then builds again the school-period summaries the write
    deleted that the pages open on (funding.gap_store.settle; every gap with
    `every_period`, as rebuild_summaries asks). One query when there is nothing to do."""
    where, params = "", []
    if school_ids is not None:
        ids = sorted(set(school_ids))
        if not ids:
            return
        where, params = " WHERE school_id = ANY(%s)", [ids]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT school_id, 1 FROM pupils_summarypending{where}"  # noqa: S608
            f" UNION SELECT DISTINCT school_id, 2 FROM funding_periodsummarypending{where}",
            params * 2,
        )
        rows = cursor.fetchall()
    if not rows:
        return
    from funding import gap_store

    marked = sorted({sid for sid, kind in rows if kind == 1})
    deleted = sorted({sid for sid, kind in rows if kind == 2})
    with transaction.atomic(savepoint=False):  # the locks last until the write commits
        for school_id in marked:
            _lock(school_id)
            _refresh_locked(school_id)
        gap_store.settle(deleted, every_period=every_period)


def _insert_terms(school_id: int, year: int, scope: Q | None, school=None) -> None:
    """Cost the school's rows (those matching `scope`, all when None) in each term of a year
    and write them with one INSERT ... SELECT: one pass over the rows works out each row's
    daily cost in the year and its days in the three terms
    (ProvisionAssignment.objects.with_term_costs), and one row a year is written for each
    provision row, with the days of the terms it runs in (None in the others)."""
    from pupils.models import ProvisionAssignment
    from sendfund.schools.models import School

    if school is None:
        school = School.objects.get(pk=school_id)
    terms = [term(year, name) for name in TERMS]
    rows = ProvisionAssignment.objects.with_term_costs(year, terms, school)
    if scope is not None:
        rows = rows.filter(scope)
    numbers = range(1, len(terms) + 1)
    names = ["school_id", "pk", "daily"] + [f"{k}_{i}" for i in numbers for k in ("days", "runs")]
    sql, params = rows.order_by().values_list(*names).query.sql_with_params()
    # A term's cost is daily × its days (the costing of docs/domain.md section 3, as
    # with_period_cost's period_cost), multiplied where it is read (with_stored_cost).
    # OFFSET 0 keeps the inner SELECT from being merged into this one, which would copy the
    # days' expression into the CASE's test and its value both.
    days = [TERM_DAYS[TermNumber(i)] for i in numbers]
    columns = ", ".join(["academic_year", "school_id", "assignment_id", "daily_cost", *days])
    per_term = ", ".join(f"CASE WHEN s.runs_{i} THEN s.days_{i} END" for i in numbers)
    runs = " OR ".join(f"s.runs_{i}" for i in numbers)
    # The SELECT is the ORM's own, with its parameters passed separately.
    insert = (
        f"INSERT INTO pupils_provisionyearcost ({columns}) "  # noqa: S608
        f"SELECT %s, s.school_id, s.pk, s.daily, {per_term}"
        f" FROM ({sql} OFFSET 0) AS s({', '.join(names)}) WHERE {runs}"
    )
    with connection.cursor() as cursor:
        cursor.execute(insert, [year, *params])


def _years_running(rows, years: list[int]) -> list[int]:
    """Those of `years` in which some of `rows` may be delivered, from one aggregate: every
    year in which one of them runs is kept (a year is dropped only when none of their
    dates can reach it), so a re-costing skips the years that would write nothing."""
    span = rows.order_by().aggregate(
        first=Min("start_date"),
        last=Max("end_date"),
        open=Count("pk", filter=Q(end_date__isnull=True)),
    )
    if span["first"] is None:
        return []
    out = []
    for year in years:
        periods = [term(year, name) for name in TERMS]
        start, end = min(p.start for p in periods), max(p.end for p in periods)
        if span["first"] <= end and (span["open"] or span["last"] >= start):
            out.append(year)
    return out


def _build_years(school_id: int, years: list[int]) -> None:
    for year in years:
        if SummaryYear.objects.filter(school_id=school_id, academic_year=year).exists():
            continue  # another request built it while this one waited for the lock
        _insert_terms(school_id, year, None)
        SummaryYear.objects.create(school_id=school_id, academic_year=year)


# Up to this many keys a re-costing filters with AnyOf, beyond it with IN (SELECT unnest(..)).
# The planner joins the IN last, guessing 200 keys, after a hash join over every pupil of
# every school: re-costing one provision row took 34 ms a year that way on the benchmark's
# 120,000-pupil trust (three years for each write), and with AnyOf it reads the one row (a
# write's re-costing 250 ms -> 85 ms). With many keys the hash join wins: the term costs of
# 300 / 1,000 / 3,000 / 6,000 / 10,000 rows took 69 / 125 / 269 / 540 / 1,132 ms with AnyOf
# against 124 / 178 / 343 / 555 / 937 ms with the IN (medians of 7 alternating runs).
ANY_OF_LIMIT = 5_000


def _scope(assignments: set, pupils: set, provisions: set) -> Q:
    """The provision rows a re-costing covers: those marked, and every row of the pupils and
    provisions marked."""
    scope = Q(pk__in=[])
    for column, keys in (("pk", assignments), ("pupil_id", pupils), ("provision_id", provisions)):
        if len(keys) > ANY_OF_LIMIT:
            scope |= Q(**{f"{column}__in": RawSQL("SELECT unnest(%s::bigint[])", (sorted(keys),))})
        elif keys:
            scope |= Q(AnyOf(F(column), keys))
    return scope


def _take_marks(school_id: int) -> list[tuple]:
    """Delete and return the school's marks in one statement: a mark committed after it
    stays for the next refresh; a refresh that fails rolls back and leaves them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM pupils_summarypending WHERE school_id = %s"
            " RETURNING assignment_id, pupil_id, provision_id, academic_year",
            [school_id],
        )
        return cursor.fetchall()


def _refresh_locked(school_id: int) -> None:
    from pupils.models import ProvisionAssignment
    from sendfund.schools.models import School

    marks = _take_marks(school_id)
    if not marks:
        return
    whole_school = any(all(value is None for value in mark) for mark in marks)
    assignments = {a for a, _, _, _ in marks if a is not None}
    pupils = {p for _, p, _, _ in marks if p is not None}
    provisions = {p for _, _, p, _ in marks if p is not None}
    whole_years = {y for _, _, _, y in marks if y is not None}
    scope = _scope(assignments, pupils, provisions)
    partial = bool(assignments or pupils or provisions)
    held = sorted(
        SummaryYear.objects.filter(school_id=school_id).values_list("academic_year", flat=True)
    )
    # Years re-costed whole, and years where only the marked rows are: one DELETE each kind
    # for every year at once, then one INSERT per year (not per year and term).
    whole = [y for y in held if whole_school or y in whole_years]
    some = [y for y in held if y not in whole] if partial else []
    costs = ProvisionYearCost.objects.filter(school_id=school_id)
    if whole:
        stale = costs.filter(academic_year__in=whole)
        stale._raw_delete(stale.db)
    if some:
        rows = ProvisionAssignment.objects.filter(school_id=school_id).filter(scope)
        stale = costs.filter(academic_year__in=some, assignment__in=rows)
        stale._raw_delete(stale.db)
        some = _years_running(rows, some)
    if not whole and not some:
        return
    school = School.objects.get(pk=school_id)
    for year in held:
        if year in whole:
            _insert_terms(school_id, year, None, school)
        elif year in some:
            _insert_terms(school_id, year, scope, school)


@dataclass(frozen=True)
class Difference:
    school_id: int
    assignment_id: int
    academic_year: int
    term: int
    held: Decimal | None
    detail: Decimal | None

    def __str__(self) -> str:
        name = TermNumber(self.term).label
        return (
            f"school {self.school_id}, provision row {self.assignment_id}, {name} "
            f"{self.academic_year}: summary {self.held}, detail {self.detail}"
        )


def differences(school_id: int) -> list[Difference]:
    """Every held (row, term) whose summary differs from the detail, or is missing or extra."""
    from pupils.models import ProvisionAssignment
    from sendfund.schools.models import School

    school = School.objects.get(pk=school_id)
    years = SummaryYear.objects.filter(school=school).values_list("academic_year", flat=True)
    out = []
    for year in years:
        for number, name in enumerate(TERMS, start=1):
            detail = {
                pk: (cost, days)
                for pk, cost, days in ProvisionAssignment.objects.costed(term(year, name), school)
                .order_by()
                .values_list("pk", "period_cost", "school_days")
            }
            column = TERM_DAYS[TermNumber(number)]
            held = {
                pk: (cost, days)
                for pk, cost, days in ProvisionYearCost.objects.filter(
                    school=school, academic_year=year, **{f"{column}__isnull": False}
                )
                .annotate(cost=ExpressionWrapper(F("daily_cost") * F(column), output_field=EXACT))
                .values_list("assignment_id", "cost", column)
            }
            for pk in sorted(detail.keys() | held.keys()):
                if detail.get(pk) != held.get(pk):
                    out.append(
                        Difference(
                            school_id,
                            pk,
                            year,
                            number,
                            held[pk][0] if pk in held else None,
                            detail[pk][0] if pk in detail else None,
                        )
                    )
    return out


def rebuild(school_id: int) -> None:
    """Recompute every held year of a school from the detail."""
    with transaction.atomic():
        _lock(school_id)
        years = list(
            SummaryYear.objects.filter(school_id=school_id).values_list("academic_year", flat=True)
        )
        _take_marks(school_id)
        held = ProvisionYearCost.objects.filter(school_id=school_id)
        held._raw_delete(held.db)
        for year in years:
            _insert_terms(school_id, year, None)
        # The school-period summaries (funding.summary_models) were built from the old term
        # costs: drop them as the write triggers do, under the same shared lock and recording
        # every summary held, and build those again from the rebuilt term costs.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock_shared(%s, %s)", [PERIOD_SUMMARY_LOCK, school_id]
            )
            cursor.execute(
                "DELETE FROM funding_pupilperiodsummary WHERE summary_id IN"
                " (SELECT id FROM funding_periodsummary WHERE school_id = %s)",
                [school_id],
            )
            cursor.execute(
                "WITH gone AS (DELETE FROM funding_periodsummary WHERE school_id = %s"
                ' RETURNING school_id, kind, start, "end")'
                ' INSERT INTO funding_periodsummarypending (school_id, kind, start, "end")'
                ' SELECT school_id, kind, start, "end" FROM gone ON CONFLICT DO NOTHING',
                [school_id],
            )
        settle([school_id], every_period=True)


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class SummaryMiddleware:
    """A request that may write (any method but GET, HEAD, OPTIONS) runs in one transaction,
    as with Django's ATOMIC_REQUESTS: the view, then `settle`, so the summaries it changed
    are current when it commits (one query when nothing was written). A view that raises
    rolls everything back, summaries and detail together, and so does any response with a
    5xx status. Reads (GET) are not wrapped: they settle nothing (`ready` reads)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in SAFE_METHODS:
            return self.get_response(request)
        with transaction.atomic():
            response = self.get_response(request)
            if response.status_code >= 500 or getattr(request, "_sendfund_raised", False):
                transaction.set_rollback(True)
            else:
                settle()
        return response

    def process_exception(self, request, exception):
        """The view raised: Django turns that into a response further in, so note it here
        and roll back once the response is back (ATOMIC_REQUESTS rolls back on any
        exception from the view, a 404 or 403 raised after a write included)."""
        if request.method not in SAFE_METHODS:
            request._sendfund_raised = True
