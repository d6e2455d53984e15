"""Demo data for this app, run by seed_demo for each demo school, in dependency order.

Must be deterministic (use `rng`) and idempotent (a second run changes nothing).
"""

import datetime as dt
import random

from sendfund.schools.models import School


def seed(school: School, *, rng: random.Random, today: dt.date) -> None:
    """Nothing yet."""
