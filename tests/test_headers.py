"""Response headers (issue 11 item 8): a strict Content-Security-Policy with no inline script or
style anywhere, a Permissions-Policy that turns device features off, and Cache-Control:
no-store on every page and download (pupil pages, exports and PDFs included).

Every URL of the matrix is asked for by a role that may open it; the HTML that comes back is
also read for what the policy would block (inline <script>, on* handlers, style attributes,
javascript: links), so a template that needs the browser to break the policy fails here.
tests/browser/test_csp.py checks in Chromium that the pages log no violation.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from sendfund.headers import PERMISSIONS_POLICY
from sendfund.schools.roles import Role, role_can
from tests.factories import PupilFactory
from tests.test_url_matrix import CASES, _request
from tests.url_matrix import UrlCase

POLICY = {
    "default-src": ["'none'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "manifest-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}


def _directives(policy: str) -> dict[str, list[str]]:
    """A policy's directives, in any order (django-csp does not keep one)."""
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


class InlineFinder(HTMLParser):
    """Collects what a strict policy blocks: inline scripts, handlers, styles, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        # JSON for a script to read (json_script, allauth's onload data) is not run.
        if tag == "script" and "src" not in attrs and attrs.get("type") != "application/json":
            self.found.append(f"inline <script {attrs}>")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name == "style":
                self.found.append(f"<{tag} style={value!r}>")
            if name in ("href", "src", "action", "formaction") and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")


def inline_code(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.found


def _client_for_case(cast, case: UrlCase):
    if case.public:
        return cast.clients[Role.HEAD]
    for role, client in cast.clients.items():
        if case.capability is None or role_can(role, case.capability, school=cast.school):
            return client
    pytest.skip(f"no school role may open {case.name}")


def test_the_policy_is_the_strict_one(client, db):
    response = client.get(reverse("account_login"))

    directives = _directives(response["Content-Security-Policy"])
    assert directives == POLICY
    for directive in ("script-src", "style-src", "default-src", "img-src"):
        assert "'unsafe-inline'" not in directives[directive]
        assert "'unsafe-eval'" not in directives[directive]
        assert "*" not in directives[directive]
    assert "Content-Security-Policy-Report-Only" not in response


def test_permissions_policy_turns_device_features_off(client, db):
    response = client.get(reverse("account_login"))

    features = dict(item.split("=") for item in response["Permissions-Policy"].split(", "))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "fullscreen"):
        assert features[feature] == "()"
    # Passkeys (WebAuthn) keep the browser's default: this site only.
    assert not any(name.startswith("publickey-credentials") for name in features)


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_page_and_download_has_the_headers_and_no_inline_code(cast, case):
    response = _request(_client_for_case(cast, case), case, cast.school)

    assert _directives(response["Content-Security-Policy"]) == POLICY, case.name
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= cache_control, (case.name, response["Cache-Control"])
    assert "public" not in cache_control
    if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
        assert inline_code(response.content.decode()) == [], case.name


@pytest.mark.django_db
def test_pupil_pages_and_exports_say_no_store(senco_client, school):
    # Named, so that a change to the blanket rule cannot leave these behind unnoticed.
    pupil = PupilFactory(school=school)
    urls = [
        reverse("pupils:register"),
        reverse("pupils:detail", kwargs={"public_id": pupil.public_id}),
        reverse("pupils:due"),
        reverse("funding:pupils"),
        reverse("pupil_imports:export_register"),
        reverse("funding:dashboard") + "?format=csv&table=shortfall",
    ]
    for url in urls:
        response = senco_client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        if "csv" in url:
            assert response["Content-Disposition"].startswith("attachment"), url


TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates"]


def test_no_template_has_inline_script_handlers_or_styles():
    found = []
    for root in TEMPLATE_DIRS:
        for path in root.rglob("*.html"):
            name = path.relative_to(root).as_posix()
            if name.endswith("pdf.html"):
                continue  # WeasyPrint's (sendfund/pdf.py), never a browser's
            text = path.read_text()
            for pattern in (
                r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>",
                r"\son[a-z]+\s*=",
                r"\sstyle\s*=",
                r"<style\b",
                r"javascript:",
            ):
                found += [f"{name}: {m.group(0)}" for m in re.finditer(pattern, text)]
    assert found == []


def test_forms_may_also_go_to_the_single_sign_on_providers_set_up():
    from tests.subprocess_env import child_env, run

    script = (
        "import django; django.setup(); from django.conf import settings;"
        "print(' '.join(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action']))"
    )
    env = child_env(
        DJANGO_SETTINGS_MODULE="sendfund.settings",
        SENDFUND_SSO_GOOGLE_CLIENT_ID="client",
        SENDFUND_SSO_OIDC_URL="https://id.example.org/realms/school",
        SENDFUND_SSO_OIDC_CLIENT_ID="client",
        SENDFUND_CSP_FORM_ACTION="https://login.example.net",
    )
    result = run(["-c", script], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "'self'",
        "https://accounts.google.com",
        "https://id.example.org",
        "https://login.example.net",
    ]
