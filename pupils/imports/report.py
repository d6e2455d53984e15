"""The imports' report: the shared one (sendfund/lib/imports/report.py) that also brings the
summaries up to date in the import's own transaction (pupils.summaries.settle): the term
costs it changed re-costed and the gap summaries it deleted built again before it commits.
Every import uses it (pupils/imports, CTF, and funding/imports.py)."""

from __future__ import annotations

from pupils import summaries
from sendfund.lib.imports.report import Change, RowError
from sendfund.lib.imports.report import Report as BaseReport

__all__ = ["Change", "Report", "RowError"]


class Report(BaseReport):
    def after_writes(self) -> None:
        summaries.settle()
