"""Common Transfer File (CTF) import of SEN history and needs.

A CTF is XML sent school to school (docs/domain.md section 2): per pupil `SENhistory/SEN(StartDate,
SENprovision)` and `SENneeds/SENneed(SENtype, SENtypeRank, NeedStartDate, NeedEndDate)`, with no
provision or costs. It is parsed only with defusedxml, which refuses DTDs, entity declarations
(the "billion laughs" expansion) and external references before anything is expanded.

How a file's records meet the school's own history (the school's records always win):
- a status or need already recorded with the same start date is unchanged (re-imports are
  no-ops);
- a status that starts before the school's earliest record is added as history, closed the day
  before the next record starts;
- a status or need the school holds with the same code but a later start (the receiving school
  registered the pupil on arrival) is moved back to the file's earlier start date;
- a status or open need that starts after the current one closes it and opens the new one;
- a closed need that overlaps no record of the same rank is added as history;
- anything else contradicts the school's history and is reported as a conflict, not written.

Real files carry two gaps that are accepted with a warning line in the report, not refused:
- a `SENneed` with no `NeedStartDate` starts when the pupil's latest E or K record in the file
  starts (the SEN record it belongs to), else on the import's effective date; if the school
  already holds that open need it is left as it is. An ended need without a start date cannot
  be placed in the history and is skipped;
- `NCyearActual` "X" (not following a national curriculum year, common in special schools):
  an existing pupil keeps the year group the school holds; a pupil added from the file takes
  the year group of their age on 31 August before the effective date.
Anything else that is wrong (a bad code, a malformed date) still refuses the whole file.

The SEN-history rules (NSA only with K; E or K needs an open primary need; legacy codes are
history only) are pupils/sen_history.py's, and every pupil's records are planned into one
`sen_history.HistoryPlan` that is written in bulk at the end, as the pupil import does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from pupils import sen_history
from pupils.codes import NeedCode, SenProvision, YearGroup
from pupils.imports.parsers import CellError, parse_date, parse_upn, parse_year_group
from pupils.imports.report import Report
from pupils.models import Need, Pupil, SenStatus
from sendfund.jobs.progress import counted
from sendfund.lib.imports.copy import copy_rows
from sendfund.lib.periods import academic_year_start
from sendfund.schools.models import School

ONE_DAY = sen_history.ONE_DAY
HISTORY_CODES = {c.value for c in SenProvision}


class CtfError(Exception):
    """The file is not a CTF we can read safely."""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(element: Element, name: str) -> Element | None:
    """A direct child first (a pupil's own Surname, not a contact's), else the first descendant."""
    for child in element:
        if _local(child.tag) == name:
            return child
    for child in element.iter():
        if _local(child.tag) == name:
            return child
    return None


def _text(element: Element, name: str) -> str:
    found = _find(element, name)
    return (found.text or "").strip() if found is not None else ""


def parse_xml(data: bytes) -> Element:
    """Parse untrusted XML with defusedxml: no DTDs, no entities, no external references."""
    if not data.lstrip().startswith(b"<"):
        raise CtfError("The file is not XML: a CTF starts with “<?xml” or “<CTfile>”.")
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise CtfError(
            "The file was refused: it declares a DTD, entities or external references "
            f"({type(exc).__name__}). A CTF never needs them; ask the sending school's MIS "
            "for a fresh export."
        ) from exc
    except ParseError as exc:
        raise CtfError(f"The file is not well-formed XML ({exc}).") from exc


@dataclass
class CtfPupil:
    index: int  # position in the file, reported as "pupil N"
    upn: str
    surname: str
    forename: str
    date_of_birth: dt.date | None
    year_group: str
    history: list[tuple[dt.date, str]] = field(default_factory=list)
    needs: list[tuple[str, int, dt.date, dt.date | None]] = field(default_factory=list)
    undated: set[tuple[str, int]] = field(default_factory=set)  # (code, rank) given no start
    year_x: bool = False  # NCyearActual "X"

    @property
    def name(self) -> str:
        return f"{self.forename} {self.surname}".strip() or "(no name)"


def year_group_for_age(date_of_birth: dt.date, on: dt.date) -> str | None:
    """The national curriculum year of a child's age on 31 August before `on` (4 → reception,
    5 → year 1 …), or None outside nursery 1 to year 14."""
    year = academic_year_start(on)
    age = year - date_of_birth.year - ((date_of_birth.month, date_of_birth.day) > (8, 31))
    group = {2: "N1", 3: "N2", 4: "R"}.get(age, str(age - 4))
    return group if group in YearGroup.values else None


def _warn(report: Report, p: CtfPupil, message: str) -> None:
    report.notes.append(f"Warning: pupil {p.index} ({p.name}): {message}")


def _read_pupil(index: int, element: Element, report: Report, on: dt.date) -> CtfPupil | None:
    before = len(report.errors)

    def value(name: str, parse, where: str):
        try:
            return parse(_text(element, name))
        except CellError as exc:
            report.error(index, where, str(exc))

    pupil = CtfPupil(
        index=index,
        upn=value("UPN", parse_upn, "UPN") or "",
        surname=_text(element, "Surname"),
        forename=_text(element, "Forename"),
        date_of_birth=value("DOB", lambda v: parse_date(v) if v else None, "DOB"),
        year_group="",
    )
    if _text(element, "NCyearActual").upper() == "X":
        pupil.year_x = True
    elif _text(element, "NCyearActual"):
        pupil.year_group = value("NCyearActual", parse_year_group, "NCyearActual") or ""
    for sen in (e for e in element.iter() if _local(e.tag) == "SEN"):
        code = _text(sen, "SENprovision").upper()
        start = value_of(sen, "StartDate", index, "SEN/StartDate", report)
        if code not in HISTORY_CODES:
            report.error(index, "SEN/SENprovision", f"{code!r} is not an SEN provision code.")
        elif start:
            pupil.history.append((start, code))
    undated = []
    for need in (e for e in element.iter() if _local(e.tag) == "SENneed"):
        code = _text(need, "SENtype").upper()
        rank_text = _text(need, "SENtypeRank") or "1"
        if not _text(need, "NeedStartDate"):
            undated.append(need)
            continue
        start = value_of(need, "NeedStartDate", index, "SENneed/NeedStartDate", report)
        end_text = _text(need, "NeedEndDate")
        end = (
            value_of(need, "NeedEndDate", index, "SENneed/NeedEndDate", report)
            if end_text
            else None
        )
        if code not in NeedCode.values:
            report.error(index, "SENneed/SENtype", f"{code!r} is not a census need code.")
        elif not rank_text.isdigit() or int(rank_text) < 1:
            report.error(index, "SENneed/SENtypeRank", f"{rank_text!r} is not a rank (1, 2…).")
        elif start and (end is None or end >= start):
            pupil.needs.append((code, int(rank_text), start, end))
        elif start:
            report.error(index, "SENneed/NeedEndDate", "is before NeedStartDate.")
    pupil.history.sort()
    if len({d for d, _ in pupil.history}) < len(pupil.history):
        report.error(index, "SEN/StartDate", "two SEN records start on the same day.")
    if len(report.errors) > before:
        return None
    _read_undated_needs(pupil, undated, report, on)
    if pupil.year_x:
        _year_x(pupil, report, on)
    return None if len(report.errors) > before else pupil


def _read_undated_needs(p: CtfPupil, elements: list[Element], report: Report, on: dt.date):
    """Needs without a NeedStartDate: dated from the SEN record they belong to (the latest E or
    K record in the file), else the effective date; ended ones are skipped. Each is warned."""
    on_register = [start for start, code in p.history if sen_history.needs_primary(code)]
    start, source = (
        (on_register[-1], "the start of the pupil's latest SEN record in the file")
        if on_register
        else (on, "the import's effective date")
    )
    for need in elements:
        code = _text(need, "SENtype").upper()
        rank_text = _text(need, "SENtypeRank") or "1"
        if code not in NeedCode.values:
            report.error(p.index, "SENneed/SENtype", f"{code!r} is not a census need code.")
            continue
        if not rank_text.isdigit() or int(rank_text) < 1:
            report.error(p.index, "SENneed/SENtypeRank", f"{rank_text!r} is not a rank (1, 2…).")
            continue
        rank = int(rank_text)
        if _text(need, "NeedEndDate"):
            _warn(
                report,
                p,
                f"need {code} (rank {rank}) has an end date but no NeedStartDate: it cannot be "
                "placed in the history and was skipped.",
            )
            continue
        p.needs.append((code, rank, start, None))
        p.undated.add((code, rank))
        _warn(
            report,
            p,
            f"need {code} (rank {rank}) has no NeedStartDate: recorded from {start:%d/%m/%Y}, "
            f"{source}, unless the school already holds it.",
        )


def _year_x(p: CtfPupil, report: Report, on: dt.date) -> None:
    """NCyearActual "X": not following a national curriculum year."""
    if p.date_of_birth is not None:
        p.year_group = year_group_for_age(p.date_of_birth, on) or ""
    shown = YearGroup(p.year_group).label.lower() if p.year_group else ""
    _warn(
        report,
        p,
        "NCyearActual is X (not following a national curriculum year): a pupil already on roll "
        "keeps the year group the school holds"
        + (f"; a new pupil is placed in {shown} from the date of birth." if shown else "."),
    )


def value_of(element, name, index, where, report):
    try:
        return parse_date(_text(element, name))
    except CellError as exc:
        report.error(index, where, str(exc))


def _check_rules(p: CtfPupil, report: Report) -> bool:
    """NSA only with K; the latest E or K record needs an open rank-1 need."""
    ok = True
    for code, _rank, start, end in p.needs:
        if code != NeedCode.NSA:
            continue
        for i, (s_start, s_code) in enumerate(p.history):
            s_end = p.history[i + 1][0] - ONE_DAY if i + 1 < len(p.history) else None
            overlaps = s_start <= (end or dt.date.max) and start <= (s_end or dt.date.max)
            if overlaps and not sen_history.nsa_allowed(s_code):
                report.error(
                    p.index,
                    "SENneed/SENtype",
                    f"NSA is valid only with SEN support (K), not {s_code}.",
                )
                ok = False
                break
    if p.history:
        code = p.history[-1][1]
        if code in sen_history.LEGACY_CODES:
            report.error(
                p.index,
                "SEN/SENprovision",
                f"the latest record is the legacy code {code}; "
                "the current status must be E, K or N.",
            )
            ok = False
        elif sen_history.needs_primary(code) and not any(
            r == 1 and e is None for _c, r, _s, e in p.needs
        ):
            report.error(
                p.index,
                "SENneeds",
                f"the current status is {code} but no open primary (rank 1) need is given.",
            )
            ok = False
    return ok


@dataclass
class _Merge:
    """What one pupil's CTF records add to the school's: new rows and edits to existing ones."""

    statuses: list[tuple[dt.date, str, dt.date | None]] = field(default_factory=list)
    needs: list[tuple[str, int, dt.date, dt.date | None]] = field(default_factory=list)
    edits: list[tuple[type, int, dict, str]] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)

    def edit(self, record, description: str, **changes) -> None:
        self.edits.append((type(record), record.pk, changes, description))


def _merge_statuses(p: CtfPupil, statuses: list[SenStatus], merge: _Merge) -> None:
    known = {s.start_date: s for s in statuses}
    first = min(statuses, key=lambda s: s.start_date, default=None)
    current = next((s for s in statuses if s.end_date is None), None)
    for i, (start, code) in enumerate(p.history):
        nxt = p.history[i + 1][0] if i + 1 < len(p.history) else None
        label = f"SEN status {code} from {start:%d/%m/%Y}"
        if start in known:
            if known[start].code != code:
                merge.conflicts.append(label)
        elif first is None:
            merge.statuses.append((start, code, nxt - ONE_DAY if nxt else None))
        elif start < first.start_date and (nxt is None or nxt >= first.start_date):
            if code == first.code:
                # The old school recorded the same status earlier: it started then.
                merge.edit(first, f"{label} (earlier start)", start_date=start)
            else:
                merge.statuses.append((start, code, first.start_date - ONE_DAY))
        elif start < first.start_date:
            merge.statuses.append((start, code, nxt - ONE_DAY))
        elif nxt is None and current is not None and start > current.start_date:
            merge.edit(current, f"SEN status {current.code} ended", end_date=start - ONE_DAY)
            merge.statuses.append((start, code, None))
        else:
            merge.conflicts.append(label)


def _merge_needs(p: CtfPupil, needs: list[Need], merge: _Merge) -> None:
    known = {(n.rank, n.start_date): n for n in needs}
    held = {(n.code, n.rank) for n in needs if n.end_date is None}
    for code, rank, start, end in p.needs:
        if (code, rank) in p.undated and (code, rank) in held:
            continue  # no date in the file: the school's own open record stands
        label = f"need {code} (rank {rank}) from {start:%d/%m/%Y}"
        same = known.get((rank, start))
        if same is not None:
            if same.code != code:
                merge.conflicts.append(label)
            elif same.end_date is None and end is not None:
                merge.edit(same, f"need {code} ended {end:%d/%m/%Y}", end_date=end)
            continue
        ranked = [n for n in needs if n.rank == rank]
        overlapping = [
            n
            for n in ranked
            if n.start_date <= (end or dt.date.max) and start <= (n.end_date or dt.date.max)
        ]
        only = overlapping[0] if len(overlapping) == 1 else None
        if not overlapping:
            merge.needs.append((code, rank, start, end))
        elif only and only.end_date is None and end is None and start > only.start_date:
            merge.edit(only, f"need {only.code} (rank {rank}) ended", end_date=start - ONE_DAY)
            merge.needs.append((code, rank, start, None))
        elif only and only.code == code and start < only.start_date and end == only.end_date:
            # Same need, recorded earlier by the old school: it started then.
            merge.edit(only, f"{label} (earlier start)", start_date=start)
        else:
            merge.conflicts.append(label)


def _plan_pupil(
    school, pupil, p: CtfPupil, statuses, needs, report: Report, plan: sen_history.HistoryPlan
) -> None:
    merge = _Merge()
    _merge_statuses(p, statuses, merge)
    _merge_needs(p, needs, merge)
    for label in merge.conflicts:
        report.notes.append(
            f"Pupil {p.index} ({p.name}): {label} contradicts the school's records and was "
            "not imported."
        )
    if not (merge.statuses or merge.needs or merge.edits):
        report.unchanged += 1
        return
    # Into the file's one plan (sen_history.apply: edits first, closing an open record makes
    # room for the new open one).
    for model, pk, changes, _label in merge.edits:
        plan.edits.setdefault((model, pk), {}).update(changes)
    for code, rank, start, end in merge.needs:
        plan.open_need(
            school_id=school.pk,
            pupil_id=pupil.pk,
            code=code,
            rank=rank,
            start_date=start,
            end_date=end,
        )
    for start, code, end in merge.statuses:
        plan.open_status(
            school_id=school.pk, pupil_id=pupil.pk, code=code, start_date=start, end_date=end
        )
    parts = [f"SEN status {c} from {s:%d/%m/%Y}" for s, c, _e in merge.statuses]
    parts += [f"need {c} (rank {r}) from {s:%d/%m/%Y}" for c, r, s, _e in merge.needs]
    parts += [label for *_x, label in merge.edits]
    report.update(p.index, f"{pupil.full_name}: {'; '.join(parts)}", None)


def _plan_new_pupil(p: CtfPupil, new: list[CtfPupil], report: Report) -> None:
    missing = [
        n
        for n, v in (
            ("Surname", p.surname),
            ("Forename", p.forename),
            ("DOB", p.date_of_birth),
            ("NCyearActual", p.year_group),
        )
        if not v
    ]
    if missing == ["NCyearActual"] and p.year_x:
        report.error(
            p.index,
            "NCyearActual",
            "is X and the date of birth gives no year group from nursery to year 14: add this "
            "pupil on the register page instead.",
        )
        return
    if missing:
        report.error(p.index, missing[0], "is needed to add this pupil to the school.")
        return

    new.append(p)
    report.create(
        p.index, f"pupil {p.name} with {len(p.history)} SEN records and {len(p.needs)} needs", None
    )


def _write(school, on: dt.date, plan: sen_history.HistoryPlan, new: list[CtfPupil]) -> None:
    """The new pupils in one COPY, then every pupil's history in one plan (bulk writes)."""
    ids = copy_rows(
        Pupil,
        [
            {
                "school_id": school.pk,
                "upn": p.upn,
                "surname": p.surname,
                "forename": p.forename,
                "date_of_birth": p.date_of_birth,
                "year_group": p.year_group,
                "on_roll_date": on,
            }
            for p in new
        ],
    )
    for pupil_id, p in zip(ids, new, strict=True):
        for code, rank, start, end in p.needs:
            plan.open_need(
                school_id=school.pk,
                pupil_id=pupil_id,
                code=code,
                rank=rank,
                start_date=start,
                end_date=end,
            )
        for start, code, end in sen_history.closed_history(
            p.history or [(on, SenProvision.NO_SEN)]
        ):
            plan.open_status(
                school_id=school.pk, pupil_id=pupil_id, code=code, start_date=start, end_date=end
            )
    sen_history.apply(plan)


def import_ctf(
    *,
    school: School,
    data: bytes,
    on: dt.date | None = None,
    dry_run: bool = False,
    create_pupils: bool = False,
) -> Report:
    """Merge a CTF's SEN history and needs into the school's pupils; all or nothing."""
    on = on or dt.date.today()
    report = Report("ctf", unit="Pupil", field_word="element")
    try:
        root = parse_xml(data)
    except CtfError as exc:
        report.file_error = str(exc)
        return report
    elements = [e for e in root.iter() if _local(e.tag) == "Pupil"]
    if not elements:
        report.file_error = "The file has no <Pupil> records: is it a Common Transfer File?"
        return report
    pupils = list(Pupil.objects.for_school(school))
    by_upn = {x.upn: x for x in pupils if x.upn}
    by_name: dict[tuple, list[Pupil]] = {}
    for x in pupils:
        by_name.setdefault((x.surname.lower(), x.forename.lower(), x.date_of_birth), []).append(x)
    statuses: dict[int, list[SenStatus]] = {}
    for s in SenStatus.objects.for_school(school):
        statuses.setdefault(s.pupil_id, []).append(s)
    needs: dict[int, list[Need]] = {}
    for n in Need.objects.for_school(school):
        needs.setdefault(n.pupil_id, []).append(n)
    seen: set = set()
    plan = sen_history.HistoryPlan()
    new: list[CtfPupil] = []
    for index, element in enumerate(counted(elements, "Checking pupils"), start=1):
        p = _read_pupil(index, element, report, on)
        if p is None or not _check_rules(p, report):
            continue
        key = p.upn or (p.surname.lower(), p.forename.lower(), p.date_of_birth)
        if key in seen:
            report.error(index, "UPN", "this pupil appears twice in the file.")
            continue
        seen.add(key)
        match = (
            [by_upn[p.upn]]
            if p.upn in by_upn
            else [
                x
                for x in by_name.get((p.surname.lower(), p.forename.lower(), p.date_of_birth), [])
                if not x.upn or not p.upn
            ]
        )
        if len(match) > 1:
            report.error(index, "UPN", f"{len(match)} pupils match {p.name}: add the UPN.")
        elif match:
            _plan_pupil(
                school,
                match[0],
                p,
                statuses.get(match[0].pk, []),
                needs.get(match[0].pk, []),
                report,
                plan,
            )
        elif create_pupils:
            _plan_new_pupil(p, new, report)
        else:
            report.notes.append(
                f"Pupil {index} ({p.name}, UPN {p.upn or 'none'}) is not on this school's roll: "
                "not imported (tick “add pupils who are not on roll” to add them)."
            )
    if plan or new:
        report.writes.append(lambda: _write(school, on, plan, new))
    if not dry_run:
        report.apply()
    return report
