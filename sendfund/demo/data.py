"""The demo trust: three schools, their registers, users, and each app's demo data."""

from __future__ import annotations

import datetime as dt
import os
import random

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from advocacy import demo as advocacy_demo
from funding import demo as funding_demo
from pupils import demo as pupils_demo
from pupils import plan_demo
from reports import demo as reports_demo
from sendfund.schools.models import LocalAuthority, Membership, School, Trust, TrustMembership
from sendfund.schools.roles import Role

DEFAULT_PASSWORD = "sendfund-demo"
PRIMARY_YEARS = ("R", "1", "2", "3", "4", "5", "6")
SECONDARY_YEARS = ("7", "8", "9", "10", "11", "12", "13")
SPECIAL_YEARS = ("R", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14")

SCHOOLS = [
    {
        "urn": "113501",
        "name": "Meadow Lane Primary School",
        "la": "878",
        "phase": School.Phase.PRIMARY,
        "type": School.Type.MAINTAINED,
        "profile": pupils_demo.RegisterProfile(420, PRIMARY_YEARS, 0.02, 0.15),
    },
    {
        "urn": "140502",
        "name": "Hillside Academy",
        "la": "878",
        "phase": School.Phase.SECONDARY,
        "type": School.Type.ACADEMY,
        "profile": pupils_demo.RegisterProfile(1050, SECONDARY_YEARS, 0.02, 0.14),
    },
    {
        "urn": "113903",
        "name": "Oak Tree School",
        "la": "879",
        "phase": School.Phase.SPECIAL,
        "type": School.Type.SPECIAL,
        "profile": pupils_demo.RegisterProfile(64, SPECIAL_YEARS, 0.97, 0.03),
    },
]
LOCAL_AUTHORITIES = {"878": "Devon", "879": "Plymouth", "880": "Torbay"}

# username -> (role, schools by URN; None means the trust lead's trust membership)
USERS = {
    "senco": (Role.SENCO, ["113501", "140502"]),
    "head": (Role.HEAD, ["113501"]),
    "governor": (Role.GOVERNOR, ["113501"]),
    "trustlead": (Role.TRUST_LEAD, None),
    "admin": (Role.ADMIN, ["113501"]),
    "senco.oak": (Role.SENCO, ["113903"]),
    "head.hillside": (Role.HEAD, ["140502"]),
}


def demo_password() -> str:
    return os.environ.get("SENDFUND_DEMO_PASSWORD", DEFAULT_PASSWORD)


def seed_demo(*, today: dt.date | None = None, log=print) -> list[School]:
    """Build the demo trust. Deterministic; a second run creates nothing and changes nothing."""
    today = today or dt.date.today()
    with transaction.atomic():
        las = {
            code: LocalAuthority.objects.get_or_create(code=code, defaults={"name": name})[0]
            for code, name in LOCAL_AUTHORITIES.items()
        }
        trust, _ = Trust.objects.get_or_create(name="Riverside Learning Trust")
        schools = []
        for spec in SCHOOLS:
            school, created = School.objects.get_or_create(
                urn=spec["urn"],
                defaults={
                    "name": spec["name"],
                    "local_authority": las[spec["la"]],
                    "trust": trust,
                    "phase": spec["phase"],
                    "type": spec["type"],
                },
            )
            rng = random.Random(f"sendfund-demo-{school.urn}")
            added = pupils_demo.seed_register(school, rng=rng, today=today, profile=spec["profile"])
            log(
                f"{school.name} (URN {school.urn}): {'created' if created else 'exists'}, "
                f"{added} pupils added"
            )
            schools.append(school)
        _seed_users(trust, {s.urn: s for s in schools})
        _refresh_planner_statistics()
        for school in schools:
            for step in _app_steps():
                step(
                    school,
                    rng=random.Random(f"sendfund-{step.__module__}-{school.urn}"),
                    today=today,
                )
                _refresh_planner_statistics()
        # As every write does: the summaries current before the seeding commits.
        from pupils import summaries

        summaries.settle([s.pk for s in schools])
    return schools


def _refresh_planner_statistics() -> None:
    """ANALYZE after each bulk step. Tables that autovacuum last analysed while empty (or full
    of rolled-back rows) tell the planner "no rows", and the gap queries of the later steps
    then take minutes instead of seconds. ANALYZE counts this transaction's own rows."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _app_steps():
    """Each app's demo data, in dependency order."""
    # Plans come last: their request pack opens an advocacy action, and the advocacy demo seeds
    # its actions only into a school that has none.
    return [
        pupils_demo.seed_provision,
        funding_demo.seed,
        advocacy_demo.seed,
        reports_demo.seed,
        plan_demo.seed,
    ]


def _seed_users(trust: Trust, schools: dict[str, School]) -> None:
    User = get_user_model()
    for username, (role, urns) in USERS.items():
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@example.org",
                "first_name": username.split(".")[0].title(),
            },
        )
        if created:
            user.set_password(demo_password())
            user.save(update_fields=["password"])
        if urns is None:
            TrustMembership.objects.get_or_create(user=user, trust=trust)
            continue
        for urn in urns:
            Membership.objects.get_or_create(
                user=user, school=schools[urn], defaults={"role": role}
            )
