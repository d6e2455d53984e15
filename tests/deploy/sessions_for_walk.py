"""Prints, as JSON, a signed-in session for each demo user in each of their schools and the
pages that user should open there (run by test_production_path.py in the production
environment it tests, so the sessions live in that installation's database).

Sessions are made with the test client's force_login, as the trial smoke walk does: the walk
is about every page rendering under production settings, not about the sign-in form (which the
test opens separately).
"""

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sendfund.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from sendfund.demo.data import USERS  # noqa: E402
from sendfund.schools.middleware import SESSION_KEY, schools_with_roles  # noqa: E402
from sendfund.schools.roles import role_can  # noqa: E402
from tests.url_matrix import NOT_WALKED, all_cases  # noqa: E402


def main() -> int:
    walks = []
    for username in USERS:
        user = get_user_model().objects.get(username=username)
        for school in schools_with_roles(user):
            client = Client()
            client.force_login(user)
            session = client.session
            session[SESSION_KEY] = str(school.public_id)
            session.save()
            pages = []
            for case in all_cases():
                if case.method != "get" or case.name in NOT_WALKED:
                    continue
                url = reverse(case.name, kwargs=case.kwargs(school) if case.kwargs else None)
                allowed = case.capability is None or role_can(
                    school.role, case.capability, school=school
                )
                pages.append([url, list(case.ok_status if allowed else (403,))])
            walks.append(
                {
                    "user": username,
                    "urn": school.urn,
                    "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
                    "pages": pages,
                }
            )
    json.dump(walks, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
