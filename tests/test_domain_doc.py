"""docs/domain.md is in the repository and every "docs/domain.md section N" cited exists."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "domain.md"
CITED = re.compile(r"docs/domain\.md,?\s+(?:sections?|s\.)\s+(\d+)(?:\s+and\s+(\d+))?")
SKIP = {".venv", ".git", "node_modules", "static"}


def _sources():
    for path in ROOT.rglob("*"):
        if SKIP & set(path.relative_to(ROOT).parts) or not path.is_file():
            continue
        if path.suffix in {".py", ".html", ".md", ".txt"}:
            yield path


def test_the_domain_document_keeps_sections_1_to_8():
    headings = re.findall(r"^## (\d+)\. ", DOC.read_text(encoding="utf-8"), flags=re.M)
    assert headings == [str(n) for n in range(1, 9)]


def test_every_section_the_code_cites_exists():
    sections = set(re.findall(r"^## (\d+)\. ", DOC.read_text(encoding="utf-8"), flags=re.M))
    cited = {}
    for path in _sources():
        for match in CITED.finditer(path.read_text(encoding="utf-8", errors="ignore")):
            for number in filter(None, match.groups()):
                cited.setdefault(number, path.relative_to(ROOT))
    assert cited, "the code cites docs/domain.md somewhere"
    missing = {n: str(p) for n, p in cited.items() if n not in sections}
    assert not missing
