"""The SEN-history rules and their one write path (docs/domain.md section 2).

Every write to a pupil's SEN status records (`SenStatus`) and ranked needs (`Need`) goes
through here: the single-pupil services in pupils/services.py (the register pages) and the
imports (pupils/imports/pupils.py, pupils/imports/ctf.py) alike.

The rules:
- E, K and N are the current codes; S, A and P are legacy (read, never written as current);
- one open status record per pupil, one open need per rank;
- E or K needs an open rank-1 (primary) need; N has no needs;
- NSA (no specialist assessment) is valid only with SEN support (K);
- a change closes the old record the day before the new one starts; a change may not start
  before the current record did (records never overlap).

Writers first *plan* (a `HistoryPlan`: records to close, edit, correct or delete and records
to open), then `apply(plan)` writes the plan for any number of pupils in a fixed number of
bulk statements (deletes, one UPDATE per changed field set, a COPY per table), so a 10,000-row
import costs the same few queries as one pupil's change. Plain UPDATE and INSERT statements:
the audit triggers (pghistory) and the summary triggers fire for each row as usual.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from pupils.codes import CURRENT_SEN_CODES, ON_REGISTER_CODES, NeedCode, SenProvision
from pupils.models import Need, SenStatus
from sendfund.lib.imports.copy import copy_rows

ONE_DAY = dt.timedelta(days=1)
LEGACY_CODES = ("S", "A", "P")
BATCH = 1000
Record = SenStatus | Need


# --- The rules, as questions with no database access ----------------------------------------


def is_current_code(code: str) -> bool:
    """E, K or N (a status that may be the current one)."""
    return code in CURRENT_SEN_CODES


def needs_primary(code: str) -> bool:
    """E and K need an open rank-1 need."""
    return code in ON_REGISTER_CODES


def allows_needs(code: str) -> bool:
    """A pupil with no SEN (N) has no needs."""
    return code != SenProvision.NO_SEN


def nsa_allowed(status_code: str) -> bool:
    """NSA is valid only with SEN support (K)."""
    return status_code == SenProvision.SEN_SUPPORT


def need_rule_problems(status_code: str, needs: dict[int, str]) -> list[tuple[int, str]]:
    """(rank, problem) for a status with its open needs by rank ("" or None for none).

    Problems: "primary" (E/K without a rank-1 need), "no_needs" (N with a need), "nsa" (NSA
    with a status other than K), "orphan" (a secondary need without a primary) and "repeat"
    (the secondary need repeats the primary). Callers word the message for their page or file.
    """
    primary, secondary = needs.get(1) or "", needs.get(2) or ""
    out: list[tuple[int, str]] = []
    if needs_primary(status_code) and not primary:
        out.append((1, "primary"))
    if not allows_needs(status_code) and (primary or secondary):
        out.append((1 if primary else 2, "no_needs"))
    for rank in sorted(needs):
        if needs[rank] == NeedCode.NSA and not nsa_allowed(status_code):
            out.append((rank, "nsa"))
    if secondary and not primary:
        out.append((2, "orphan"))
    if secondary and secondary == primary:
        out.append((2, "repeat"))
    return out


# Adding a pupil with a status and up to two needs refuses these; a pupil added with no SEN
# (N) is recorded without needs (they are left out, not refused), so "no_needs" and "orphan"
# (which only comes with "primary" or "no_needs") are not refused there.
ADD_REFUSED = ("primary", "nsa", "repeat")


def add_problems(
    status_code: str, primary: str | None, secondary: str | None
) -> list[tuple[int, str]]:
    """need_rule_problems for a pupil added with a status and needs: the add form and
    `services.pupil_register` both refuse exactly these."""
    needs = {1: primary or "", 2: secondary or ""}
    return [
        (rank, problem)
        for rank, problem in need_rule_problems(status_code, needs)
        if problem in ADD_REFUSED
    ]


class TooEarly(Exception):  # noqa: N818 - a rule's answer, not an error of the code
    """A change would start before (or, for a page, on) the day the current record started."""

    def __init__(self, record):
        super().__init__(f"the current record started on {record.start_date:%d/%m/%Y}")
        self.record = record


# --- Planning --------------------------------------------------------------------------------


@dataclass
class HistoryPlan:
    """Changes to SEN status and need records for any number of pupils, written by `apply`."""

    # Records to open, as column values (`apply` adds each one's "id").
    statuses: list[dict] = field(default_factory=list)
    needs: list[dict] = field(default_factory=list)
    # (model, pk) -> changes
    edits: dict[tuple[type[Record], int], dict] = field(default_factory=dict)
    deletes: list[tuple[type[Record], int]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.statuses or self.needs or self.edits or self.deletes)

    def extend(self, other: HistoryPlan) -> None:
        self.statuses += other.statuses
        self.needs += other.needs
        for key, changes in other.edits.items():
            self.edits.setdefault(key, {}).update(changes)
        self.deletes += other.deletes

    def edit(self, record, **changes) -> None:
        self.edits.setdefault((type(record), record.pk), {}).update(changes)

    def close(self, record, end_date: dt.date) -> None:
        self.edit(record, end_date=end_date)

    def delete(self, record) -> None:
        self.deletes.append((type(record), record.pk))

    def open_status(
        self,
        *,
        school_id: int,
        pupil_id: int,
        code: str,
        start_date: dt.date,
        end_date: dt.date | None = None,
        note: str = "",
    ) -> dict:
        status = {
            "school_id": school_id,
            "pupil_id": pupil_id,
            "code": code,
            "start_date": start_date,
            "end_date": end_date,
            "note": note,
        }
        self.statuses.append(status)
        return status

    def open_need(
        self,
        *,
        school_id: int,
        pupil_id: int,
        code: str,
        rank: int,
        start_date: dt.date,
        end_date: dt.date | None = None,
        description: str = "",
    ) -> dict:
        need = {
            "school_id": school_id,
            "pupil_id": pupil_id,
            "code": code,
            "rank": rank,
            "start_date": start_date,
            "end_date": end_date,
            "description": description,
        }
        self.needs.append(need)
        return need

    def change_status(
        self,
        *,
        school_id: int,
        pupil_id: int,
        current: SenStatus | None,
        code: str,
        start_date: dt.date,
        note: str = "",
        same_day: str = "refuse",
    ) -> dict | None:
        """Close `current` the day before `start_date` and open `code` from then.

        `same_day="correct"` (imports: a same-day re-import after fixing the file) changes a
        record that started on `start_date` in place instead of refusing it. Raises TooEarly
        when the change would start before the current record (or on its day, when refusing).
        """
        return self._replace(
            current,
            code,
            start_date,
            same_day,
            lambda: self.open_status(
                school_id=school_id,
                pupil_id=pupil_id,
                code=code,
                start_date=start_date,
                note=note,
            ),
        )

    def change_need(
        self,
        *,
        school_id: int,
        pupil_id: int,
        current: Need | None,
        code: str,
        rank: int,
        start_date: dt.date,
        description: str = "",
        same_day: str = "refuse",
    ) -> dict | None:
        """As change_status, for the open need of `rank`; an empty `code` only ends it."""
        return self._replace(
            current,
            code,
            start_date,
            same_day,
            lambda: self.open_need(
                school_id=school_id,
                pupil_id=pupil_id,
                code=code,
                rank=rank,
                start_date=start_date,
                description=description,
            ),
        )

    def _replace(self, current, code, start_date, same_day, opener):
        if current is not None and current.start_date >= start_date:
            if same_day == "correct" and current.start_date == start_date:
                if code:
                    self.edit(current, code=code)
                else:
                    self.delete(current)
                return None
            raise TooEarly(current)
        if current is not None:
            self.close(current, start_date - ONE_DAY)
        return opener() if code else None


def closed_history(
    entries: list[tuple[dt.date, str]], last_end: dt.date | None = None
) -> list[tuple[dt.date, str, dt.date | None]]:
    """(start, code) in date order as records: each closed the day before the next starts."""
    return [
        (start, code, entries[i + 1][0] - ONE_DAY if i + 1 < len(entries) else last_end)
        for i, (start, code) in enumerate(entries)
    ]


# --- Writing ---------------------------------------------------------------------------------


def apply(plan: HistoryPlan) -> HistoryPlan:
    """Write a plan in bulk: deletes, then edits (closing makes room), then new records.

    Runs inside the caller's transaction (the services and imports are atomic). New records
    are written with COPY (sendfund/lib/imports/copy.py: triggers fire as for INSERT); each
    opened record's dict gets its "id".
    """
    by_model: dict[type[Record], list[int]] = defaultdict(list)
    for model, pk in plan.deletes:
        by_model[model].append(pk)
    for model, pks in by_model.items():
        model.objects.filter(pk__in=pks).delete()
    # One UPDATE per model and set of changed fields (CASE WHEN over the primary keys). Ends
    # first, so that a record moved or re-coded never meets one still open beside it.
    groups: dict[tuple[type[Record], tuple[str, ...]], list] = defaultdict(list)
    for (model, pk), changes in plan.edits.items():
        groups[(model, tuple(sorted(changes)))].append(model(pk=pk, **changes))
    for (model, names), objects in sorted(
        groups.items(), key=lambda item: ("end_date" not in item[0][1], item[0][0].__name__)
    ):
        model.objects.bulk_update(objects, list(names), batch_size=BATCH)
    for model, rows in ((Need, plan.needs), (SenStatus, plan.statuses)):
        for row, pk in zip(rows, copy_rows(model, rows), strict=True):
            row["id"] = pk
    return plan
