"""factory-boy factories shared by every app's tests. Tenant rows take `school` via SubFactory."""

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from funding.models import FundingSource
from pupils.models import (
    Need,
    Provision,
    ProvisionAssignment,
    Pupil,
    SenStatus,
    StaffRate,
    StaffRole,
)
from sendfund.schools.models import LocalAuthority, Membership, School, Trust, TrustMembership
from sendfund.schools.roles import Role


class LocalAuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LocalAuthority
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{800 + n % 199:03d}")
    name = factory.LazyAttribute(lambda o: f"Authority {o.code}")


class TrustFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trust

    name = factory.Sequence(lambda n: f"Trust {n}")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    urn = factory.Sequence(lambda n: f"{200000 + n:06d}")
    name = factory.Sequence(lambda n: f"School {n}")
    local_authority = factory.SubFactory(LocalAuthorityFactory)
    phase = School.Phase.PRIMARY
    type = School.Type.MAINTAINED


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)
    role = Role.SENCO


class TrustMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrustMembership

    user = factory.SubFactory(UserFactory)
    trust = factory.SubFactory(TrustFactory)


class PupilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pupil

    school = factory.SubFactory(SchoolFactory)
    upn = factory.Sequence(lambda n: f"A{n:012d}")
    forename = factory.Faker("first_name", locale="en_GB")
    surname = factory.Faker("last_name", locale="en_GB")
    date_of_birth = dt.date(2016, 3, 14)
    year_group = "4"
    on_roll_date = dt.date(2020, 9, 1)


class SenStatusFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SenStatus

    pupil = factory.SubFactory(PupilFactory)
    school = factory.SelfAttribute("pupil.school")
    code = "K"
    start_date = dt.date(2024, 9, 1)


class NeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Need

    pupil = factory.SubFactory(PupilFactory)
    school = factory.SelfAttribute("pupil.school")
    code = "SLCN"
    rank = 1
    start_date = dt.date(2024, 9, 1)


class StaffRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffRole
        django_get_or_create = ("school", "name")

    school = factory.SubFactory(SchoolFactory)
    name = "Teaching assistant"


class StaffRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffRate

    staff_role = factory.SubFactory(StaffRoleFactory)
    school = factory.SelfAttribute("staff_role.school")
    academic_year = 2024
    la_standard_hourly_rate = Decimal("17.20")
    actual_hourly_rate = Decimal("18.50")


class ProvisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provision

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Intervention {n}")
    area = "CI"
    wave = 2
    staff_role = factory.SubFactory(StaffRoleFactory, school=factory.SelfAttribute("..school"))
    default_hours_per_week = Decimal("1.00")
    default_group_size = 1


class ProvisionAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProvisionAssignment

    pupil = factory.SubFactory(PupilFactory)
    school = factory.SelfAttribute("pupil.school")
    provision = factory.SubFactory(ProvisionFactory, school=factory.SelfAttribute("..school"))
    start_date = dt.date(2024, 9, 1)
    hours_per_week = Decimal("1.00")
    group_size = 1
    weeks = 38
    status = "in_place"


class FundingSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingSource

    school = factory.SubFactory(SchoolFactory)
    type = "notional_sen"
    description = "Notional SEN budget"
    amount = Decimal("36500.00")
    period_start = dt.date(2024, 4, 1)
    period_end = dt.date(2025, 3, 31)
    status = "confirmed"


def current_summaries() -> None:
    """Before a query-count check: re-cost what factory writes marked in the term-cost summary,
    as the app's own writes do at their end (pupils.summaries), and drop every stored
    school-period summary (funding.gap_store), so that the page measured runs the whole gap
    engine, as the first read after any write does. (A stored read is checked on its own.)"""
    from funding.summary_models import PeriodSummary
    from pupils import summaries

    summaries.refresh_marked()
    PeriodSummary.objects.all().delete()
