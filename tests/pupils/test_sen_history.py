"""pupils/sen_history.py: the one write path for SEN status and need records.

The bulk path (a HistoryPlan for many pupils, written by `apply`, as the imports use it) must
leave exactly the rows the single-pupil services leave for the same changes.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pupils import sen_history, services
from pupils.imports.pupils import import_pupils
from pupils.models import Need, SenStatus
from tests.factories import NeedFactory, PupilFactory, SenStatusFactory

pytestmark = pytest.mark.django_db
D = dt.date
CHANGES = [  # (status at the start, primary need, new status, new primary need)
    ("N", None, "K", "SLCN"),
    ("K", "SLCN", "E", "ASD"),
    ("K", "SLCN", "N", None),
    ("E", "ASD", "K", "NSA"),
    ("K", "MLD", "K", "SEMH"),
]


def _pupils(school, count_each=2):
    made = []
    for start_code, need, new_code, new_need in CHANGES * count_each:
        pupil = PupilFactory(school=school)
        SenStatusFactory(pupil=pupil, code=start_code, start_date=D(2024, 9, 1))
        if need:
            NeedFactory(pupil=pupil, code=need, rank=1, start_date=D(2024, 9, 1))
        made.append((pupil, new_code, new_need))
    return made


def _history(pupils):
    """Each pupil's records as values, in order: comparable between two sets of pupils."""
    out = []
    for pupil, *_ in pupils:
        statuses = SenStatus.objects.filter(pupil=pupil).order_by("start_date")
        needs = Need.objects.filter(pupil=pupil).order_by("rank", "start_date")
        out.append(
            (
                list(statuses.values_list("code", "start_date", "end_date")),
                list(needs.values_list("code", "rank", "start_date", "end_date")),
            )
        )
    return out


def _service(school, pupil, code, need, on):
    if need is None:
        need_open = Need.objects.filter(pupil=pupil, rank=1, end_date=None).first()
        services.sen_status_change(school=school, pupil=pupil, code=code, start_date=on)
        if need_open is not None:
            services.need_end(school=school, need=need_open, end_date=on - dt.timedelta(days=1))
    else:
        services.sen_status_change(
            school=school, pupil=pupil, code=code, start_date=on, primary_need=need
        )


def _bulk(school, pupils, on):
    plan = sen_history.HistoryPlan()
    for pupil, code, need in pupils:
        status = SenStatus.objects.get(pupil=pupil, end_date=None)
        open_need = Need.objects.filter(pupil=pupil, rank=1, end_date=None).first()
        if (open_need.code if open_need else None) != need:
            plan.change_need(
                school_id=school.pk,
                pupil_id=pupil.pk,
                current=open_need,
                code=need or "",
                rank=1,
                start_date=on,
            )
        if status.code != code:
            plan.change_status(
                school_id=school.pk, pupil_id=pupil.pk, current=status, code=code, start_date=on
            )
    return plan


def test_the_bulk_path_leaves_the_same_history_as_the_single_pupil_service(school):
    on = D(2026, 9, 1)
    one_by_one, in_bulk = _pupils(school), _pupils(school)
    for pupil, code, need in one_by_one:
        _service(school, pupil, code, need, on)
    sen_history.apply(_bulk(school, in_bulk, on))
    assert _history(in_bulk) == _history(one_by_one)
    # and the history is what the rules say: each old record closed the day before
    first = _history(in_bulk)[0]
    assert first[0] == [("N", D(2024, 9, 1), D(2026, 8, 31)), ("K", on, None)]
    assert first[1] == [("SLCN", 1, on, None)]


def test_the_bulk_path_writes_many_pupils_in_a_fixed_number_of_queries(school):
    on = D(2026, 9, 1)
    few, many = _pupils(school, 1), _pupils(school, 8)
    counts = []
    for pupils in (few, many):
        plan = _bulk(school, pupils, on)
        with CaptureQueriesContext(connection) as queries:
            sen_history.apply(plan)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 6


def test_a_change_before_the_current_record_is_refused_and_a_same_day_one_corrected(school):
    pupil = PupilFactory(school=school)
    status = SenStatusFactory(pupil=pupil, code="K", start_date=D(2026, 9, 1))
    plan = sen_history.HistoryPlan()
    with pytest.raises(sen_history.TooEarly):
        plan.change_status(
            school_id=school.pk,
            pupil_id=pupil.pk,
            current=status,
            code="E",
            start_date=status.start_date,
        )
    assert not plan
    plan.change_status(
        school_id=school.pk,
        pupil_id=pupil.pk,
        current=status,
        code="N",
        start_date=status.start_date,
        same_day="correct",
    )
    sen_history.apply(plan)
    assert list(SenStatus.objects.filter(pupil=pupil).values_list("code", "end_date")) == [
        ("N", None)
    ]


@pytest.mark.parametrize(
    ("status", "needs", "problems"),
    [
        ("K", {1: "", 2: ""}, [(1, "primary")]),
        ("E", {1: "NSA", 2: ""}, [(1, "nsa")]),
        ("K", {1: "NSA", 2: ""}, []),
        ("N", {1: "", 2: "SEMH"}, [(2, "no_needs"), (2, "orphan")]),
        ("E", {1: "ASD", 2: "ASD"}, [(2, "repeat")]),
    ],
)
def test_the_need_rules(status, needs, problems):
    assert sen_history.need_rule_problems(status, needs) == problems


def test_the_pupil_import_and_the_service_agree_on_a_status_change(school):
    on = D(2026, 9, 1)
    by_import, by_service = (
        PupilFactory(school=school, upn="A123456789012"),
        PupilFactory(school=school),
    )
    for pupil in (by_import, by_service):
        SenStatusFactory(pupil=pupil, code="N", start_date=D(2024, 9, 1))
    p = by_import
    data = (
        "upn,surname,forename,date_of_birth,year_group,sen_provision,primary_need\n"
        f"{p.upn},{p.surname},{p.forename},{p.date_of_birth:%Y-%m-%d},{p.year_group},K,SLCN\n"
    ).encode()
    report = import_pupils(school=school, data=data, on=on)
    assert report.applied, report.errors
    services.sen_status_change(
        school=school, pupil=by_service, code="K", start_date=on, primary_need="SLCN"
    )
    assert _history([(by_import,)]) == _history([(by_service,)])
