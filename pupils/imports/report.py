"""The pupil imports' report: the shared one (sendfund/lib/imports/report.py) that also
re-costs the term-cost summary in the import's own transaction (pupils.summaries)."""

from __future__ import annotations

from pupils import summaries
from sendfund.lib.imports.report import Change, RowError
from sendfund.lib.imports.report import Report as BaseReport

__all__ = ["Change", "Report", "RowError"]


class Report(BaseReport):
    def after_writes(self) -> None:
        summaries.refresh_marked()
