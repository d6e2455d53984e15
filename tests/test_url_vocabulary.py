"""One URL vocabulary (issue 14 item 3): a page that adds, edits or deletes one object is
`…/add/`, `…/<id>/edit/` or `…/<id>/delete/`, named `*_add`, `*_edit` or `*_delete`. Actions that
are not CRUD keep their own words (publish, switch, end, status, retry, comment, …).

Third-party pages (django-allauth's accounts and two-factor pages, the admin) keep their
package's names.
"""

import re

from django.urls import URLPattern, URLResolver, get_resolver

PROJECT = ("pupils", "funding", "advocacy", "reports", "sendfund")
STRAGGLERS = re.compile(r"(^|[_\-/:])(new|create|update|remove|change)([_\-/]|$)")
VERBS = ("add", "edit", "delete")


def project_urls(resolver=None, prefix="", namespace=""):
    """(name, path) of every URL routed to the project's own views."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from project_urls(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            view = getattr(entry.callback, "view_class", entry.callback)
            if view.__module__.split(".")[0] in PROJECT:
                yield f"{namespace}{entry.name or ''}", prefix + str(entry.pattern)


def stragglers(urls) -> list[str]:
    found = []
    for name, path in urls:
        short = name.rpartition(":")[2]
        if STRAGGLERS.search(short) or STRAGGLERS.search(path):
            found.append(f"{name} {path}: use add, edit or delete")
        for verb in VERBS:
            if (short == verb or short.endswith(f"_{verb}")) != path.endswith(f"/{verb}/"):
                found.append(f"{name} {path}: *_{verb} names go with …/{verb}/ paths")
    return found


def test_the_check_finds_the_other_words():
    urls = [
        ("schools:term_block_remove", "schools/settings/term-dates/<uuid:public_id>/remove/"),
        ("pupils:pupil_new", "pupils/new/"),
        ("funding:source_update", "funding/sources/<uuid:public_id>/"),
        ("x:thing_create", "x/create/"),
        ("x:change", "x/<uuid:public_id>/change/"),
        ("pupils:assessment_edit", "pupils/assessments/<uuid:public_id>/"),
        ("x:thing", "x/<uuid:public_id>/edit/"),
        # not stragglers
        ("pupils:status", "pupils/<uuid:public_id>/status/"),
        ("schools:switch", "schools/switch/"),
        ("reports:publish", "reports/<uuid:public_id>/publish/"),
        ("pupils:need_add", "pupils/<uuid:public_id>/needs/add/"),
        ("pupils:edit", "pupils/<uuid:public_id>/edit/"),
        ("pupils:renewal_delete", "pupils/renewals/<uuid:public_id>/delete/"),
    ]
    assert [line.split()[0] for line in stragglers(urls)] == [
        "schools:term_block_remove",
        "pupils:pupil_new",
        "funding:source_update",
        "x:thing_create",
        "x:change",
        "pupils:assessment_edit",
        "x:thing",
    ]


def test_every_project_url_uses_the_vocabulary():
    urls = list(project_urls())
    assert len(urls) > 100  # the walk reached the apps' URLs
    assert stragglers(urls) == []
