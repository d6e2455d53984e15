"""Prints a digest of every figure page as each demo user sees it (run by test_backup_drill.py).

Opens, for every demo user and each school they may open, every page that shows figures (home,
the funding dashboard and its pupils, the register, the provision map, the reports and each
termly report, the trust view, advocacy and the evidence pack) and prints "user urn url sha256"
per page, with CSRF tokens and times of day blanked. Two databases holding the same data print
the same lines.
"""

import hashlib
import os
import re
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sendfund.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from reports.models import TermlyReport  # noqa: E402
from sendfund.demo.data import USERS  # noqa: E402
from sendfund.schools.middleware import schools_with_roles  # noqa: E402
from tests.url_matrix import all_cases  # noqa: E402

FIGURE_PAGES = {
    "home",
    "funding:dashboard",
    "funding:pupils",
    "funding:sources",
    "pupils:register",
    "pupils:provision_map",
    "pupils:due",
    "reports:list",
    "reports:trust",
    "advocacy:overview",
    "advocacy:actions",
    "advocacy:evidence",
}
# Masked CSRF tokens (64 letters and digits: in forms, a meta tag and htmx's hx-headers) differ
# on every render.
CSRF = re.compile(r"\b[A-Za-z0-9]{64}\b")
CLOCK = re.compile(r"\b\d{1,2}:\d{2}(:\d{2})?\b")  # times of day (when a page was opened)


def main() -> int:
    setup_test_environment()
    pages = 0
    for username in USERS:
        user = get_user_model().objects.get(username=username)
        client = Client(raise_request_exception=False)
        client.force_login(user)
        for school in schools_with_roles(user):
            client.post(reverse("schools:switch"), {"school": str(school.public_id)})
            urls = [
                reverse(case.name)
                for case in all_cases()
                if case.method == "get" and case.name in FIGURE_PAGES
            ]
            urls += [
                reverse("reports:detail", kwargs={"public_id": r.public_id})
                for r in TermlyReport.objects.for_school(school).order_by("pk")
            ]
            for url in urls:
                response = client.get(url)
                if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                    body = str(response.status_code).encode()
                else:
                    html = CSRF.sub("csrf", response.content.decode())
                    body = CLOCK.sub("hh:mm", html).encode()
                digest = hashlib.sha256(body).hexdigest()
                print(f"{username} {school.urn} {url} {digest}")
                pages += 1
    print(f"rendered {pages} pages", file=sys.stderr)
    return 0 if pages else 1


if __name__ == "__main__":
    sys.exit(main())
