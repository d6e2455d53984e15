"""sendfund.lib.sql.CompiledQuery: an ORM query compiled once and run with new values gives
what the ORM gives for those values, and refuses a build that would compile a value in."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Count, Max, Q

from pupils.models import Pupil
from sendfund.lib.sql import CompiledQuery
from tests.factories import PupilFactory, SenStatusFactory

pytestmark = pytest.mark.django_db
D = dt.date


def _on_roll(school_id, today):
    return Pupil.objects.filter(school_id=school_id).on_roll(today).with_sen_status(today)


REGISTER = CompiledQuery(
    "aggregate",
    lambda school_id, today: (
        _on_roll(school_id, today),
        {
            "pupils": Count("pk"),
            "support": Count("pk", filter=Q(sen_status="K")),
            "latest_join": Max("on_roll_date"),
        },
    ),
)
COUNT = CompiledQuery("count", lambda school_id, today: _on_roll(school_id, today))
ROWS = CompiledQuery(
    "rows",
    lambda school_id, today: (
        _on_roll(school_id, today).order_by().values("year_group").annotate(n=Count("pk"))
    ),
)


@pytest.fixture
def two_schools(school, other_school):
    # Brook: three pupils, one joining on 1 January 2025 and one on SEN support from
    # 1 October 2024; Faraway: one pupil, who left on 1 March 2025.
    PupilFactory(school=school, year_group="3")
    PupilFactory(school=school, year_group="3", on_roll_date=D(2025, 1, 1))
    SenStatusFactory(pupil=PupilFactory(school=school, year_group="5"), start_date=D(2024, 10, 1))
    PupilFactory(school=other_school, left_date=D(2025, 3, 1))
    return school, other_school


def _orm(school_id, today):
    qs, aggregates = REGISTER.build(school_id=school_id, today=today)
    return qs.aggregate(**aggregates)


def test_each_run_swaps_in_its_own_values_and_matches_the_orm(two_schools):
    brook, faraway = two_schools
    cases = [
        (brook.pk, D(2024, 9, 15)),  # before the joiner and before the SEN support
        (brook.pk, D(2025, 2, 1)),
        (faraway.pk, D(2025, 2, 1)),
        (faraway.pk, D(2025, 3, 1)),  # the day the Faraway pupil left
    ]
    results = [REGISTER.run(school_id=s, today=d) for s, d in cases]
    assert results == [_orm(s, d) for s, d in cases]
    # By hand: 2 on roll in September (the joiner not yet), none on SEN support yet; 3 and 1
    # in February; the Faraway pupil is off roll on the day they left.
    assert [(r["pupils"], r["support"]) for r in results] == [(2, 0), (3, 1), (1, 0), (0, 0)]
    assert results[1]["latest_join"] == D(2025, 1, 1)
    assert COUNT.run(school_id=brook.pk, today=D(2025, 2, 1)) == 3
    rows = ROWS.run(school_id=brook.pk, today=D(2025, 2, 1))
    assert sorted((r["year_group"], r["n"]) for r in rows) == [("3", 2), ("5", 1)]


def test_a_build_that_computes_with_a_value_is_refused(school):
    # today + 14 days, worked out inside the build, would be compiled into the SQL as a
    # constant and be wrong on every later day.
    moved = CompiledQuery(
        "count",
        lambda school_id, today: Pupil.objects.filter(
            school_id=school_id, on_roll_date__lte=today + dt.timedelta(days=14)
        ),
    )
    with pytest.raises(ValueError, match="derived from a value"):
        moved.run(school_id=school.pk, today=D(2025, 2, 1))


def test_a_value_the_query_does_not_use_and_a_value_of_another_type_are_refused(school):
    unused = CompiledQuery("count", lambda school_id, today: Pupil.objects.filter(school_id=1))
    with pytest.raises(ValueError, match="not in the SQL's parameters: school_id, today"):
        unused.run(school_id=school.pk, today=D(2025, 2, 1))
    with pytest.raises(TypeError, match="ints, dates, Decimals and UUIDs"):
        COUNT.run(school_id=str(school.pk), today=D(2025, 2, 1))


def test_a_build_that_reads_the_database_is_refused(school):
    # A value read while building (here the school's pupil count) would be compiled in.
    def build(school_id, today):
        return Pupil.objects.filter(year_group=str(Pupil.objects.count()), on_roll_date__lte=today)

    with pytest.raises(ValueError, match="the build read the database"):
        CompiledQuery("count", build).run(school_id=school.pk, today=D(2025, 2, 1))


def test_small_integer_columns_take_their_values_and_a_moved_id_is_refused(school):
    # academic_year is a small integer: a stand-in outside its range would make Django drop
    # the comparison from the SQL. 2025/26 and 2026/27 are written, 2024/25 is not.
    from sendfund.schools.calendar import ensure_years
    from sendfund.schools.models import CalendarYear

    ensure_years([school.pk], [2025, 2026])
    years = CompiledQuery(
        "rows",
        lambda school_id, first, last: (
            CalendarYear.objects.filter(
                school_id=school_id, academic_year__gte=first, academic_year__lte=last
            )
            .order_by("academic_year")
            .values("academic_year", "school_days")
        ),
    )
    assert years.run(school_id=school.pk, first=2024, last=2026) == [
        {"academic_year": 2025, "school_days": 190},
        {"academic_year": 2026, "school_days": 190},
    ]
    assert years.run(school_id=school.pk, first=2026, last=2030) == [
        {"academic_year": 2026, "school_days": 190}
    ]
    moved = CompiledQuery("count", lambda school_id: Pupil.objects.filter(school_id=school_id + 1))
    with pytest.raises(ValueError, match="derived from a value"):
        moved.run(school_id=school.pk)


def test_models_kind_gives_the_querysets_instances_with_related_objects_and_annotations(
    school, other_school, django_assert_num_queries
):
    """A "models" CompiledQuery gives the instances the queryset gives: its fields converted
    (Decimals, dates), select_related objects filled in, annotations set, prefetch_related
    lookups fetched; a UUID value swapped in; another school's id finds nothing."""
    from django.db.models import Sum, Window

    from pupils.models import ProvisionAssignment
    from tests.factories import ProvisionAssignmentFactory
    from tests.pupils.factories import AnnualReviewFactory

    pupil = PupilFactory(school=school)
    SenStatusFactory(pupil=pupil, code="E", start_date=D(2024, 9, 1))
    first = ProvisionAssignmentFactory(pupil=pupil, hours_per_week=Decimal("1.50"))
    second = ProvisionAssignmentFactory(
        pupil=pupil, hours_per_week=Decimal("2.25"), start_date=D(2025, 1, 6)
    )
    AnnualReviewFactory(pupil=pupil)
    ProvisionAssignmentFactory(pupil__school=other_school)

    def build(school_id, public_id, today):
        return (
            ProvisionAssignment.objects.filter(school_id=school_id, pupil__public_id=public_id)
            .annotate(hours=Window(Sum("hours_per_week")))
            .select_related("provision", "provision__staff_role", "pupil")
            .prefetch_related("pupil__annual_reviews")
            .filter(start_date__lte=today)
            .order_by("start_date")
        )

    rows = CompiledQuery("models", build)
    compiled = rows.run(school_id=school.pk, public_id=pupil.public_id, today=D(2025, 2, 1))
    with django_assert_num_queries(0):  # related objects and prefetches already fetched
        seen = [
            (r.pk, r.hours_per_week, r.start_date, r.hours, r.provision.name, r.pupil.forename)
            for r in compiled
        ]
        reviews = [len(r.pupil.annual_reviews.all()) for r in compiled]
        roles = [r.provision.staff_role.name for r in compiled]
    orm = list(build(school.pk, pupil.public_id, D(2025, 2, 1)))
    assert seen == [
        (r.pk, r.hours_per_week, r.start_date, r.hours, r.provision.name, r.pupil.forename)
        for r in orm
    ]
    # By hand: both rows started by 1 February 2025; hours 1.50 + 2.25 = 3.75.
    assert [r.pk for r in compiled] == [first.pk, second.pk]
    assert compiled[0].hours == Decimal("3.75")
    assert reviews == [1, 1] and roles == [r.provision.staff_role.name for r in orm]
    # Before the second row started: only the first.
    early = rows.run(school_id=school.pk, public_id=pupil.public_id, today=D(2024, 12, 1))
    assert [(r.pk, r.hours) for r in early] == [(first.pk, Decimal("1.50"))]
    assert rows.run(school_id=other_school.pk, public_id=pupil.public_id, today=D(2025, 2, 1)) == []


def test_decimal_values_are_swapped_in_and_a_decimal_computed_with_is_refused(school):
    from django.db.models import DecimalField, ExpressionWrapper, Value
    from django.db.models.functions import Cast

    from sendfund.schools.models import School

    def share(school_id, amount, days):
        # amount ÷ 190 × days, in the database, as the threshold line is pro-rated.
        daily = ExpressionWrapper(
            Cast(Value(amount), DecimalField(max_digits=30, decimal_places=20)) / Value(190),
            output_field=DecimalField(max_digits=30, decimal_places=20),
        )
        return (
            School.objects.filter(pk=school_id)
            .annotate(share=ExpressionWrapper(daily * Value(days), output_field=daily.output_field))
            .values("share")
        )

    compiled = CompiledQuery("rows", share)
    # By hand: 6,000 ÷ 190 × 71 = 2,242.105263...; 1,000 ÷ 190 × 190 = 1,000.
    first = compiled.run(school_id=school.pk, amount=Decimal("6000.00"), days=71)[0]["share"]
    assert first.quantize(Decimal("0.01")) == Decimal("2242.11")
    second = compiled.run(school_id=school.pk, amount=Decimal("1000.00"), days=190)[0]["share"]
    assert second.quantize(Decimal("0.01")) == Decimal("1000.00")
    doubled = CompiledQuery(
        "rows",
        lambda school_id, amount: (
            School.objects.filter(pk=school_id).annotate(twice=Value(amount * 2)).values("twice")
        ),
    )
    with pytest.raises(ValueError, match="derived from a value"):
        doubled.run(school_id=school.pk, amount=Decimal("6000.00"))


def test_rows_keep_values_order_with_fields_and_annotations_mixed(two_schools):
    # Django 5.2 keeps values()'s order: an annotation named before a field comes first in
    # the row, so the names must be read as Django reads them.
    from django.db.models import F

    brook, _ = two_schools
    mixed = CompiledQuery(
        "rows",
        lambda school_id: (
            Pupil.objects.filter(school_id=school_id)
            .annotate(first_name=F("forename"))
            .values("first_name", "year_group", "pk")
            .order_by("pk")
        ),
    )
    orm = list(
        Pupil.objects.filter(school_id=brook.pk)
        .annotate(first_name=F("forename"))
        .values("first_name", "year_group", "pk")
        .order_by("pk")
    )
    assert mixed.run(school_id=brook.pk) == orm
    assert mixed.page(1, 1, school_id=brook.pk) == orm[1:2]
