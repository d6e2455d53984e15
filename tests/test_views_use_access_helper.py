"""Every view fetches a tenant-owned object through sendfund.schools.access.school_object_or_404
(issue 14 item 3): the current school, or a 404. A view module that calls get_object_or_404 or a
queryset's .get() has a second way of looking an object up, which may forget the school.
"""

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ("pupils", "funding", "advocacy", "reports", "sendfund")
# Chains like Model.objects.get(...), qs.filter(...).get(...), X.objects.for_school(s).get(...)
QUERYSET_STEPS = {"objects", "filter", "exclude", "for_school", "all", "select_related"}


def _callbacks(resolver=None):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _callbacks(entry)
        elif isinstance(entry, URLPattern):
            yield entry.callback


def view_modules() -> list[Path]:
    """Every project module a URL routes to, and every *views.py file."""
    paths = set()
    for callback in _callbacks():
        view = getattr(callback, "view_class", callback)
        module = sys.modules.get(view.__module__)
        if module is not None and view.__module__.split(".")[0] in PROJECT:
            paths.add(Path(inspect.getfile(module)).resolve())
    for app in PROJECT:
        paths.update(p.resolve() for p in (ROOT / app).glob("**/*views.py"))
    return sorted(paths)


def _chain(node: ast.AST) -> set[str]:
    """The attribute and method names along a receiver expression."""
    names = set()
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
            node = node.value
        else:
            return names


def offences(source: str) -> list[str]:
    """Lines of `source` that look an object up other than through school_object_or_404."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name in ("get_object_or_404", "get_list_or_404"):
            found.append(f"{node.lineno}: {name}(")
        elif (
            name == "get"
            and isinstance(func, ast.Attribute)
            and _chain(func.value) & QUERYSET_STEPS
        ):
            found.append(f"{node.lineno}: {ast.unparse(func)}(")
    return found


def test_the_scan_finds_the_other_ways_of_looking_an_object_up():
    source = inspect.cleandoc(
        """
        def a(request, pk):
            return get_object_or_404(Pupil, pk=pk)
        def b(request, pk):
            return Pupil.objects.get(pk=pk, school=request.school)
        def c(request, pk):
            return Pupil.objects.for_school(request.school).get(pk=pk)
        def d(request, pk):
            return shortcuts.get_object_or_404(Pupil.objects.filter(school=request.school), pk=pk)
        def fine(request, pk):
            request.GET.get("q")
            {"a": 1}.get("a")
            return school_object_or_404(Pupil, request, pk=pk)
        """
    )
    assert [line.split(":")[0] for line in offences(source)] == ["2", "4", "6", "8"]


def test_the_scan_covers_the_apps_view_modules():
    names = {str(p.relative_to(ROOT)) for p in view_modules()}
    for expected in (
        "pupils/views.py",
        "pupils/plan_views.py",
        "pupils/imports/views.py",
        "funding/views.py",
        "advocacy/views.py",
        "advocacy/pack_views.py",
        "reports/views.py",
        "sendfund/schools/views.py",
        "sendfund/audit/views.py",
        "sendfund/jobs/views.py",
    ):
        assert expected in names


def test_no_view_looks_an_object_up_other_than_through_the_access_helper():
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in view_modules()
        for line in offences(path.read_text())
    ]
    assert found == [], "Use sendfund.schools.access.school_object_or_404"


def _at(commit: str, path: str) -> str | None:
    result = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{commit}:{path}"], capture_output=True, text=True
    )
    return result.stdout if result.returncode == 0 else None


def test_the_scan_would_have_failed_before_the_access_helper():
    """b7221eb moved the views onto school_object_or_404; the views before it fail the scan."""
    before = _at("b7221eb^", "pupils/views.py")
    if before is None:
        pytest.skip("no git history here (an exported tree)")
    assert offences(before)
