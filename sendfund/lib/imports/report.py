"""What an import found and did: counts, per-row errors, notes, and the planned writes.

Every import (pupils/imports, funding/imports.py) checks every row first, recording each row's
errors and planning its changes here; `apply` then runs the planned writes in one transaction,
all of them or none, and only when no row had an error. Shared by the commands and the pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from sendfund.jobs.progress import counted


@dataclass
class RowError:
    row: int
    column: str
    message: str
    unit: str = "Row"  # "Pupil" for CTF files, whose records are XML elements, not rows
    field_word: str = "column"

    def __str__(self) -> str:
        return f"{self.unit} {self.row}, {self.field_word} {self.column}: {self.message}"


@dataclass
class Change:
    row: int
    action: str  # "create" or "update"
    description: str


@dataclass
class Report:
    kind: str
    unit: str = "Row"
    field_word: str = "column"
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    file_error: str = ""
    applied: bool = False
    writes: list[Callable[[], None]] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_error

    @property
    def has_changes(self) -> bool:
        return bool(self.created or self.updated)

    def error(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, message, self.unit, self.field_word))

    def create(self, row: int, description: str, write: Callable[[], None] | None) -> None:
        """Plan a new record; `write` may be None when the caller writes its creations in bulk."""
        self.created += 1
        self.changes.append(Change(row, "create", description))
        if write is not None:
            self.writes.append(write)

    def update(self, row: int, description: str, write: Callable[[], None] | None) -> None:
        """Plan a change; `write` may be None when the caller writes its changes in bulk."""
        self.updated += 1
        self.changes.append(Change(row, "update", description))
        if write is not None:
            self.writes.append(write)

    def summary(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"

    def apply(self) -> None:
        """Run every planned write in one transaction: all of them or none of them."""
        if not self.ok:
            return
        try:
            with transaction.atomic():
                for write in counted(self.writes, "Writing changes"):
                    write()
                self.after_writes()
        except (ValidationError, DatabaseError) as exc:
            # Validation ran first, so this is a race with another edit: nothing was written.
            detail = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            self.file_error = (
                f"Nothing was imported: the register changed while importing ({detail})."
            )
            return
        self.applied = True

    def after_writes(self) -> None:
        """Run last inside the import's transaction (a subclass keeps a summary up to date)."""

    def lines(self) -> list[str]:
        """Plain-text report for the management commands."""
        out: list[str] = []
        if self.file_error:
            return [self.file_error]
        out.extend(str(e) for e in self.errors)
        out.extend(f"{self.unit} {c.row}: {c.action} {c.description}" for c in self.changes)
        out.extend(self.notes)
        return out
