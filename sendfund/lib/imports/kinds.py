"""What an import is to the pages: its title and file, who may run it, and how it is run.

Each app registers its kinds when Django starts (pupils/imports/kinds.py, funding/imports.py,
imported from the apps' `ready()`); the upload, preview, confirm and job pages
(pupils/imports/views.py) and the stored jobs (sendfund/lib/imports/jobs.py) find them here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sendfund.lib.imports.report import Report
from sendfund.schools.roles import role_can


@dataclass(frozen=True)
class ImportKind:
    key: str
    title: str
    summary: str
    file_label: str
    extension: str
    run: Callable[..., Report]
    columns: tuple[tuple[str, str], ...] = ()  # (column, accepted aliases)
    required: tuple[str, ...] = ()
    has_date: bool = True
    date_help: str = "Changed SEN statuses and needs start on this date. Leave empty for today."
    can_create_pupils: bool = False
    # An import is an edit: the role must also hold the capability that edits the same records.
    edit_capability: str = "pupils.edit"
    # `run` is given the uploading user (for created_by) as `user`.
    records_user: bool = False

    def allowed(self, request) -> bool:
        return role_can(request.role, self.edit_capability, school=request.school)

    def execute(self, *, school, data: bytes, options: dict, dry_run: bool, user=None) -> Report:
        kwargs = dict(options)
        if "on" in kwargs:
            kwargs["on"] = dt.date.fromisoformat(kwargs["on"])
        if self.records_user:
            kwargs["user"] = user
        return self.run(school=school, data=data, dry_run=dry_run, **kwargs)


KINDS: dict[str, ImportKind] = {}


def register(*kinds: ImportKind) -> None:
    for kind in kinds:
        KINDS[kind.key] = kind


def columns(aliases: dict[str, tuple[str, ...]]) -> tuple[tuple[str, str], ...]:
    """The column table the upload page shows: each column with the headers it accepts."""
    return tuple((c, ", ".join(f"“{a}”" for a in names)) for c, names in aliases.items())
