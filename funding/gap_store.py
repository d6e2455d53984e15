"""Reading and writing the school-period summary (funding.summary_models).

`gap(school, period, compute)` returns the stored Gap of a standard period, or computes it
with `compute` (the gap engine, over the term-cost summary) and stores it with each pupil's
threshold row. A summary is stored only when the school's summary lock can be taken
exclusively: the triggers hold it shared from a write's first statement until its transaction
ends, so a summary computed while a write is under way is served but not kept.

`settle(school_ids)` builds again, inside a write's own transaction and through the same
`build`, the gap summaries that the write's triggers deleted (pupils.summaries.settle). The
writer's own shared lock never blocks it (PostgreSQL does not block a backend on its own
advisory locks), so it stores unless another write to the school, or a build elsewhere
holding the global key, is under way; then the period is left deleted and built on read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import ExpressionWrapper, F, Q, QuerySet

from funding.summary_models import (
    PeriodSummary,
    PeriodSummaryPending,
    PupilPeriodSummary,
    SummaryDecoder,
)
from sendfund.lib.periods import Period
from sendfund.lib.sql import CompiledList, CompiledQuery, Prepared

LOCK_CLASS = 815202  # as in migration funding 0005


def _try_lock(school_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(%s, %s) AND pg_try_advisory_xact_lock(%s, 0)",
            [LOCK_CLASS, school_id, LOCK_CLASS],
        )
        return cursor.fetchone()[0]


def _try_locks(school_ids) -> set[int]:
    """_try_lock for many schools in one query: the ids whose lock was taken."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sid FROM unnest(%s::int[]) AS sid WHERE pg_try_advisory_xact_lock(%s, sid)"
            " AND pg_try_advisory_xact_lock(%s, 0)",
            [sorted(school_ids), LOCK_CLASS, LOCK_CLASS],
        )
        return {row[0] for row in cursor.fetchall()}


def _encode(gap) -> dict:
    data = dataclasses.asdict(gap)
    data.pop("period")
    return data


def _decode(data: dict, period: Period):
    from funding.gap import BreakdownRow, Gap, Lines

    fields = dict(data)
    for name in ("by_area", "by_need", "by_year_group", "by_sen_status", "by_wave"):
        fields[name] = [BreakdownRow(**row) for row in fields[name]]
    fields["funding_by_type"] = [BreakdownRow(**row) for row in fields["funding_by_type"]]
    fields["lines"] = Lines(**fields["lines"])
    return Gap(period=period, **fields)


def _read_periods(read: Prepared, school, periods: list[Period]) -> list[tuple[Period, tuple]]:
    """The rows of `read` (one of the prepared reads below) for the school's stored gaps of
    these periods, each with its period and the columns after its start and end."""
    wanted = {(p.start, p.end): p for p in periods}
    if not wanted:
        return []
    starts, ends = zip(*sorted(wanted), strict=True)
    rows = read.fetch([school.pk, PeriodSummary.Kind.GAP.value, list(starts), list(ends)])
    return [(wanted[(r[0], r[1])], r[2:]) for r in rows if (r[0], r[1]) in wanted]


def _periods_sql(columns: str) -> str:
    """A read of a school's ($1) summaries of one kind ($2) whose start and end are among
    those given ($3, $4; the caller keeps the pairs it asked for): start and end first."""
    return (
        f'SELECT start, "end", {columns} FROM {PeriodSummary._meta.db_table}'  # noqa: S608
        " WHERE school_id = $1 AND kind = $2"
        ' AND start = ANY($3::date[]) AND "end" = ANY($4::date[])'
    )


# Planned once per connection: building the ORM's filter cost more than PostgreSQL takes to
# answer it.
_STORED = Prepared("stored_summaries", lambda: _periods_sql("id, figures::text"))
_HEADLINES = Prepared("stored_headlines", lambda: _periods_sql("need, funding"))


def stored(school, periods: list[Period]) -> dict[Period, object]:
    """The stored Gaps of these periods, by period (one prepared query)."""
    out = {}
    unreadable = []
    for period, (pk, text) in _read_periods(_STORED, school, periods):
        try:
            out[period] = _decode(json.loads(text, cls=SummaryDecoder), period)
        except (TypeError, KeyError, ValueError):
            # Stored by a version of the gap engine with other fields: build it again.
            unreadable.append(pk)
    if unreadable:
        PeriodSummary.objects.filter(pk__in=unreadable).delete()
    return out


def stored_headlines(school, periods: list[Period]) -> dict[Period, tuple[Decimal, Decimal]]:
    """The need and counted funding of these periods' stored Gaps, by period (one prepared
    query): the columns the summary holds beside its figures, without decoding them (the
    dashboard's trend reads seven terms)."""
    return {
        period: (need, funding)
        for period, (need, funding) in _read_periods(_HEADLINES, school, periods)
    }


def stored_id(school, period: Period) -> int | None:
    """The id of the stored Gap of this period, or None. Every write to what a school's
    summaries are made of deletes them all and a rebuilt one takes a new id, so while this id
    exists nothing the school's pages show from its summaries has changed (funding.views uses
    it to key the dashboard's rendered figures)."""
    rows = _STORED_ID.run(school_id=school.pk, start=period.start, end=period.end)
    return rows[0]["pk"] if rows else None


_STORED_ID = CompiledQuery(
    "rows",
    lambda school_id, start, end: PeriodSummary.objects.filter(
        school_id=school_id, kind=PeriodSummary.Kind.GAP, start=start, end=end
    ).values("pk")[:1],  # one at most (periodsummary_unique)
)


_LATEST_STORED = Prepared(
    "latest_stored",
    lambda: f"SELECT max(id) FROM {PeriodSummary._meta.db_table} WHERE school_id = $1",  # noqa: S608
)


def latest_id(school) -> int | None:
    """The id of the school's newest stored summary of any kind, or None (one query). Every
    write to what the summaries are made of deletes all of a school's, and ids are never
    used twice, so while this one exists no such write has committed since it was built: a
    page read after it can be kept under it (sendfund.lib.kept), as the register is."""
    return _LATEST_STORED.fetch([school.pk])[0][0]


_COUNT_STORED = Prepared(
    "count_stored",
    lambda: f"SELECT count(*) FROM {PeriodSummary._meta.db_table} WHERE id = ANY($1::bigint[])",  # noqa: S608
)


def still_stored(ids) -> bool:
    """Whether every one of these stored summaries still exists (one indexed query): while
    they do, nothing made from them has changed (see stored_id)."""
    wanted = sorted(set(ids))
    if not wanted:
        return False
    return _COUNT_STORED.fetch([wanted])[0][0] == len(wanted)


def gap(school, period: Period, compute):
    """The stored Gap of a standard period, else compute it (and store it when it may)."""
    found = stored(school, [period]).get(period)
    if found is not None:
        return found
    return build(school, period, compute)


def build(school, period: Period, compute):
    """Compute a standard period's Gap and store it with each pupil's threshold row, when the
    school's lock can be taken (else computed and served only). `compute` is gap_compute's:
    given a summary id it writes the pupil rows under it first and takes the threshold
    figures from them, so each pupil's costing runs once per build, not twice."""
    with transaction.atomic():
        keep = _try_lock(school.pk)
        where = {"school": school, "kind": PeriodSummary.Kind.GAP, "start": period.start}
        if not keep or PeriodSummary.objects.filter(**where, end=period.end).exists():
            return compute()  # not kept, or stored by a write committed before the lock
        summary = PeriodSummary.objects.create(
            **where, end=period.end, need=0, funding=0, need_pupils=0, figures={}
        )
        result = compute(pupils_into=summary.pk)
        PeriodSummary.objects.filter(pk=summary.pk).update(
            need=result.need,
            funding=result.funding,
            need_pupils=result.need_pupils,
            sen_pupils=result.sen_pupil_count,
            funded_pupils=result.funded_pupils,
            funding_school_level=result.funding_school_level,
            figures=_encode(result),
        )
    return result


def store_pupil_rows(summary_id: int, groups: QuerySet) -> QuerySet:
    """Write funding.gap._pupil_groups' rows under a summary in one INSERT ... SELECT; the
    stored rows, to aggregate (their columns are the groups' own)."""
    rows = groups.order_by().values_list("pupil", "cost", "line", "topup", "place", "sen_status")
    sql, params = rows.query.sql_with_params()
    table = PupilPeriodSummary._meta.db_table
    columns = "summary_id, pupil_id, cost, line, topup, place, sen_status"
    insert = f"INSERT INTO {table} ({columns}) SELECT %s, s.* FROM ({sql}) s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(insert, [summary_id, *params])
    return PupilPeriodSummary.objects.filter(summary_id=summary_id)


def settle(school_ids, *, every_period: bool = False) -> None:
    """Build again, in the current transaction, the summaries of these schools that writes
    deleted (the triggers recorded them in PeriodSummaryPending) and that the pages open
    on: the gap of each period under way today (this term, academic and financial year),
    with funding.gap.gap_compute as compute_gap's read does, so the figures are the read's;
    the trust view's headline of this term (when no gap of it is held to give its figures)
    and its row for today; and next year's projection as made today.

    A deleted gap of a past (or future) period stays deleted, never stale, and its first
    read builds it: building every period a school was ever read for would cost a write one
    gap computation per period: on the benchmark's 200-school trust, building the seven
    periods a school held took 0.86 s of a 10,000-row provision import's 2.7 s, against
    0.23 s for the term under way alone. A day row or projection of an earlier day is not
    built: no page reads one. A summary stored again since (read after the write) is left as
    it is; a school whose lock another writer holds is skipped (what it deleted is built by
    the next read).
    `every_period`: build every gap deleted, past ones too (rebuild_summaries)."""
    ids = sorted(set(school_ids))
    if ids:
        with transaction.atomic(savepoint=False):  # the locks last until the write commits
            _settle(ids, every_period)


def _settle(ids: list[int], every_period: bool) -> None:
    from funding.gap import _project_next_year, gap_compute
    from sendfund.schools.models import School

    with connection.cursor() as cursor:
        # Taken in one statement: a settle that fails rolls back and leaves them.
        cursor.execute(
            f"DELETE FROM {PeriodSummaryPending._meta.db_table} WHERE school_id = ANY(%s)"  # noqa: S608
            ' RETURNING school_id, kind, start, "end"',
            [ids],
        )
        deleted = cursor.fetchall()
    today = dt.date.today()
    Kind = PeriodSummary.Kind
    # What the pages open on: a period under way today, a day row or projection of today.
    pending = sorted(
        (sid, kind, start, end)
        for sid, kind, start, end in deleted
        if (start == today if kind in (Kind.DAY, Kind.PROJECTION) else start <= today <= end)
        or (every_period and kind == Kind.GAP)
    )
    if not pending:
        return
    wanted = {sid for sid, *_ in pending}
    held = set(
        PeriodSummary.objects.filter(school__in=wanted).values_list(
            "school_id", "kind", "start", "end"
        )
    )
    schools = School.objects.in_bulk(wanted)
    # Taken here rather than only in build, so no period is computed to be thrown away;
    # build takes it again (a backend's own lock never blocks it).
    kept = _try_locks(schools.keys())
    headlines: dict[Period, list] = {}
    days = []
    for sid, kind, start, end in pending:
        if sid not in kept or (sid, kind, start, end) in held:
            continue  # gone or locked, or a read has stored it since the write
        school = schools[sid]
        period = Period(start, end)
        if kind == Kind.GAP:
            build(school, period, gap_compute(school, period))
            held.add((sid, Kind.GAP, start, end))
        elif kind == Kind.PROJECTION:
            projection(school, today, lambda s=school: _project_next_year(school=s, today=today))
        elif kind == Kind.DAY:
            days.append(sid)
        elif (sid, Kind.GAP, start, end) not in held:  # a headline: a gap held gives it
            headlines.setdefault(period, []).append(school)
    if headlines or days:
        from reports.trust import day_figures, term_figures

        for period, missing in headlines.items():
            _store_headlines(period, term_figures(missing, period))
        if days:
            _store_days(today, day_figures(days, today))


# A school's projection made on a day (the first stored, as the ORM's first() would take).
_PROJECTION = Prepared(
    "projection",
    lambda: (
        f"SELECT figures::text FROM {PeriodSummary._meta.db_table}"  # noqa: S608
        " WHERE school_id = $1 AND kind = $2 AND start = $3 ORDER BY id LIMIT 1"
    ),
)


def projection(school, today: dt.date, compute):
    """Next year's projection as made on `today`: stored, else computed and stored."""
    from funding.gap import Projection

    kind = PeriodSummary.Kind.PROJECTION
    rows = _PROJECTION.fetch([school.pk, kind.value, today])
    if rows:
        try:
            found = json.loads(rows[0][0], cls=SummaryDecoder)
            period = found.pop("period")
            return Projection(period=Period(**period), **found)
        except (TypeError, KeyError, ValueError):  # stored by another version: make it again
            PeriodSummary.objects.filter(school=school, kind=kind, start=today).delete()
    with transaction.atomic():
        keep = _try_lock(school.pk)
        result = compute()
        if keep:
            PeriodSummary.objects.get_or_create(
                school=school,
                kind=kind,
                start=today,
                end=result.period.end,
                defaults={
                    "need": result.need,
                    "funding": result.funding,
                    "need_pupils": 0,
                    "figures": dataclasses.asdict(result),
                },
            )
    return result


def pupil_summary_id(school, period: Period, threshold: Decimal) -> int | None:
    """The id of a standard period's stored summary whose threshold rows were drawn with
    `threshold`, or None (one prepared query)."""
    rows = _PUPIL_SUMMARY.fetch([school.pk, PeriodSummary.Kind.GAP.value, period.start, period.end])
    if not rows:
        return None
    pk, text = rows[0]
    held = json.loads(text, cls=SummaryDecoder, parse_float=Decimal) if text is not None else None
    return pk if held is not None and Decimal(held) == Decimal(threshold) else None


# A period's stored gap (one at most: periodsummary_unique) and the threshold its pupil rows
# were drawn with.
_PUPIL_SUMMARY = Prepared(
    "pupil_summary",
    lambda: (
        "SELECT id, (figures -> 'threshold')::text"  # noqa: S608
        f" FROM {PeriodSummary._meta.db_table} WHERE school_id = $1 AND kind = $2"
        ' AND start = $3 AND "end" = $4'
    ),
)


def stored_pupil_rows(summary_id: int) -> QuerySet:
    """A stored summary's threshold rows as pupil_threshold_queryset gives them (same keys,
    same order)."""
    money = PupilPeriodSummary._meta.get_field("cost")
    return (
        PupilPeriodSummary.objects.filter(summary_id=summary_id)
        .annotate(
            pupil_public_id=F("pupil__public_id"),
            forename=F("pupil__forename"),
            surname=F("pupil__surname"),
            year_group=F("pupil__year_group"),
            shortfall_key=ExpressionWrapper(F("cost") - F("topup") - F("line"), output_field=money),
        )
        .values(
            "pupil",
            "pupil_public_id",
            "forename",
            "surname",
            "year_group",
            "cost",
            "line",
            "place",
            "topup",
            "sen_status",
            "shortfall_key",
        )
        .order_by("-shortfall_key", "surname", "forename", "pupil")
    )


def pupil_rows(school, period: Period, threshold: Decimal) -> QuerySet | None:
    """The stored threshold rows of a standard period as pupil_threshold_queryset gives them
    (same keys, same order), or None when the period is not stored for this threshold."""
    summary_id = pupil_summary_id(school, period, threshold)
    return None if summary_id is None else stored_pupil_rows(summary_id)


def _listed(only_over: bool):
    from funding.gap import OVER_THRESHOLD

    return OVER_THRESHOLD if only_over else Q(cost__gt=0)


# The pupil list's rows and count for a stored summary, compiled once (CompiledList).
_PUPIL_LISTS = {
    only_over: (
        CompiledQuery(
            "rows", lambda summary_id, o=only_over: stored_pupil_rows(summary_id).filter(_listed(o))
        ),
        CompiledQuery(
            "count",
            lambda summary_id, o=only_over: PupilPeriodSummary.objects.filter(
                summary_id=summary_id
            ).filter(_listed(o)),
        ),
    )
    for only_over in (False, True)
}


def pupil_list(summary_id: int, *, only_over: bool) -> CompiledList:
    """The stored rows with provision in the period (or only those above their line), to
    page through: a compiled count and a compiled page."""
    rows, count = _PUPIL_LISTS[only_over]
    values = {"summary_id": summary_id}
    return CompiledList(rows, values, count, values)


# The trust view's reads, across every school of a trust at once: prepared, since a
# 201-school `school__in` costs the ORM more to build than PostgreSQL to answer.
def _trust_sql(columns: str, where: str) -> str:
    """A read of the stored summaries of the schools in $1 (an int array)."""
    table = PeriodSummary._meta.db_table
    return f"SELECT {columns} FROM {table} WHERE school_id = ANY($1::int[]) AND {where}"  # noqa: S608


_TERM = 'start = $2 AND "end" = $3'
# Each school's summaries the trust view reads (its gap or headline for the term, its day
# summary for today) with their figures, in one read: the ids are the cache key
# (trust_state), the figures the table (trust_figures). A gap or headline gives its columns;
# a day summary its figures, written by _store_days: {"roll": {"total", "ehc", "support"},
# "overdue"}, whole numbers. Only a day summary's figures are opened: a gap's are compressed,
# and PostgreSQL would decompress them for each key read.
_DAY_FIGURES = (
    "-> 'roll' ->> 'total'",
    "-> 'roll' ->> 'ehc'",
    "-> 'roll' ->> 'support'",
    "->> 'overdue'",
)
_TRUST_HELD = Prepared(
    "trust_held",
    lambda: _trust_sql(
        "school_id, kind, id, need, need_pupils, sen_pupils, funding, funded_pupils,"
        " funding_school_level, "
        + ", ".join(
            f"CASE WHEN kind = 'day' THEN (figures {key})::int END" for key in _DAY_FIGURES
        ),
        f"(kind IN ('gap', 'headline') AND {_TERM} OR kind = 'day' AND start = $4)",
    ),
)


@dataclasses.dataclass(frozen=True)
class TrustHeld:
    """What trust_held read: `state` as trust_state gives it; `terms` {school id: (need,
    pupils with provision, SEN register, funding)} and `days` {school id: {"roll",
    "overdue"}} from the summaries held (a headline stored before it held funding is left
    out of `terms`, to be built again)."""

    state: tuple[int, ...] | None
    terms: dict
    days: dict


def trust_held(school_ids, period: Period, today: dt.date) -> TrustHeld:
    """The trust view's stored summaries for these schools, ids and figures, in one query."""
    wanted = set(school_ids)
    held = _TRUST_HELD.fetch([sorted(wanted), period.start, period.end, today])
    terms, days, term_ids, day_ids = {}, {}, set(), set()
    for sid, kind, _, need, pupils, sen, funding, funded, unnamed, *day in held:
        if kind == PeriodSummary.Kind.DAY:
            day_ids.add(sid)
            total, ehc, support, overdue = day
            days[sid] = {
                "roll": {"total": total, "ehc": ehc, "support": support},
                "overdue": overdue,
            }
        else:
            term_ids.add(sid)
            if funded is not None:
                funds = {"total": funding, "pupils": funded, "school_level": unnamed}
                terms[sid] = (need, pupils, sen, funds)
    state = None
    if term_ids == wanted and day_ids == wanted:
        state = tuple(sorted(row[2] for row in held))
    return TrustHeld(state, terms, days)


def trust_state(school_ids, period: Period, today: dt.date) -> tuple[int, ...] | None:
    """The ids of the stored summaries the trust view reads for these schools (each school's
    gap or headline for the term, and its day summary for today), or None when one is
    missing (one query). As with stored_id, while these ids all exist no write has touched
    what the trust view shows of these schools (reports.views uses it as a cache key)."""
    return trust_held(school_ids, period, today).state


def trust_figures(
    schools,
    period: Period,
    today: dt.date,
    compute_term,
    compute_day,
    held: TrustHeld | None = None,
):
    """For the trust view, by school: need ({"total", "pupils"}), counted funding ({"total",
    "pupils", "school_level"}) and the SEN register for the term, and the roll ({"total",
    "ehc", "support"}) and overdue assessments today. Read from each school's stored gap (or
    headline) for the term and its day summary (`held`, when trust_held has just read them
    for these schools, period and day); the missing ones are computed for all missing
    schools at once (`compute_term(schools)` giving {id: (need, pupils with provision, SEN
    register, funding)}, `compute_day(ids)`: grouped queries, so the count does not grow
    with the schools) and kept where the school's lock is free."""
    ids = [s.pk for s in schools]
    if held is None:
        held = trust_held(ids, period, today)
    terms, days = dict(held.terms), dict(held.days)
    missing_terms = [s for s in schools if s.pk not in terms]
    missing_days = [sid for sid in ids if sid not in days]
    if missing_terms or missing_days:
        with transaction.atomic():
            kept = _try_locks({s.pk for s in missing_terms} | set(missing_days))
            built_terms = compute_term(missing_terms) if missing_terms else {}
            built_days = compute_day(missing_days) if missing_days else {}
            stale = PeriodSummary.objects.filter(school__in=kept).filter(
                Q(kind=PeriodSummary.Kind.DAY, start__lt=today)
                | Q(  # a headline of the term without funding (see above), replaced
                    kind=PeriodSummary.Kind.HEADLINE,
                    start=period.start,
                    end=period.end,
                    school__in=[sid for sid in built_terms if sid in kept],
                )
            )
            stale._raw_delete(stale.db)
            _store_headlines(period, {k: v for k, v in built_terms.items() if k in kept})
            _store_days(today, {k: v for k, v in built_days.items() if k in kept})
        terms |= built_terms
        days |= built_days
    need = {sid: {"total": n, "pupils": p} for sid, (n, p, _, _) in terms.items()}
    funding = {sid: f for sid, (_, _, _, f) in terms.items()}
    register = {sid: sen for sid, (_, _, sen, _) in terms.items()}
    roll = {sid: days[sid]["roll"] for sid in ids}
    overdue = {sid: days[sid]["overdue"] for sid in ids}
    return roll, need, funding, register, overdue


def _store_headlines(period: Period, figures: dict) -> None:
    """Store the trust view's headline of a term for each school in `figures` ({id: (need,
    pupils with provision, SEN register, funding)}, reports.trust.term_figures)."""
    PeriodSummary.objects.bulk_create(
        [
            PeriodSummary(
                school_id=sid,
                kind=PeriodSummary.Kind.HEADLINE,
                start=period.start,
                end=period.end,
                need=need,
                funding=funding["total"],
                need_pupils=pupils,
                sen_pupils=sen,
                funded_pupils=funding["pupils"],
                funding_school_level=funding["school_level"],
                figures={},
            )
            for sid, (need, pupils, sen, funding) in figures.items()
        ],
        ignore_conflicts=True,
    )


def _store_days(today: dt.date, figures: dict) -> None:
    """Store the trust view's day row for each school in `figures` ({id: {"roll",
    "overdue"}}, reports.trust.day_figures)."""
    PeriodSummary.objects.bulk_create(
        [
            PeriodSummary(
                school_id=sid,
                kind=PeriodSummary.Kind.DAY,
                start=today,
                end=today,
                need=0,
                funding=0,
                need_pupils=0,
                figures=day,
            )
            for sid, day in figures.items()
        ],
        ignore_conflicts=True,
    )
