"""Opens every page as each demo user on the trial database (run by test_trial.py).

Prints one line per request and exits non-zero on any 500 or unexpected status.
"""

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sendfund.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from sendfund.demo.data import USERS  # noqa: E402
from sendfund.schools.middleware import schools_with_roles  # noqa: E402
from sendfund.schools.roles import role_can  # noqa: E402
from tests.url_matrix import NOT_WALKED, all_cases  # noqa: E402


def main() -> int:
    setup_test_environment()
    failures = 0
    opened = 0
    for username in USERS:
        user = get_user_model().objects.get(username=username)
        client = Client(raise_request_exception=False)
        client.force_login(user)
        for school in schools_with_roles(user):
            client.post(reverse("schools:switch"), {"school": str(school.public_id)})
            for case in all_cases():
                if case.method != "get" or case.name in NOT_WALKED:
                    continue
                url = reverse(case.name, kwargs=case.kwargs(school) if case.kwargs else None)
                response = client.get(url)
                opened += 1
                allowed = case.capability is None or role_can(
                    school.role, case.capability, school=school
                )
                expected = case.ok_status if allowed else (403,)
                ok = response.status_code in expected
                failures += not ok
                print(
                    f"{'ok ' if ok else 'BAD'} {response.status_code} {username:<14} "
                    f"{school.urn} {url}"
                )
    print(f"opened {opened} pages, {failures} unexpected")
    return 1 if failures or not opened else 0


if __name__ == "__main__":
    sys.exit(main())
