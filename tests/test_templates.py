"""Every template line fits in 160 characters, so a template reads without scrolling sideways."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 160


def template_files() -> list[Path]:
    """Every file under a templates/ folder of the repo, outside hidden folders (the virtualenv)."""
    found = []
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [d for d in subfolders if not d.startswith(".") and d != "node_modules"]
        if "templates" in Path(folder).relative_to(ROOT).parts:
            found += [Path(folder) / name for name in files]
    return sorted(found)


def _shown(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def long_lines(paths: list[Path]) -> list[str]:
    """file:line for each line over the limit."""
    return [
        f"{_shown(path)}:{number} ({len(line)} characters)"
        for path in paths
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if len(line) > LIMIT
    ]


def test_no_template_line_is_over_160_characters():
    files = template_files()
    assert ROOT / "templates" / "base.html" in files
    assert long_lines(files) == []


def test_a_long_line_is_named_by_its_file_and_line(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("fits\n" + "x" * LIMIT + "\n" + "y" * (LIMIT + 1) + "\n", encoding="utf-8")
    assert long_lines([page]) == [f"{page}:3 ({LIMIT + 1} characters)"]
