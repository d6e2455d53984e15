"""No lost updates: an edit form carries the version of the row it started from.

The version is the row's `updated` timestamp (auto_now, microseconds in PostgreSQL), sent in a
hidden field. The save is one `UPDATE ... WHERE pk = %s AND updated = <version>`: if someone
else saved in between, no row matches, nothing is written, and the form is shown again with
their values beside yours and the new version, so saving again is a decision, not an accident.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.db import models
from django.http import QueryDict
from django.utils import timezone

VERSION_FIELD = "updated"
STALE_MESSAGE = (
    "Someone else saved this record on {when} after you opened it, so nothing was saved. "
    "Their values are shown beside yours below; check the form and save again to keep yours."
)
MISSING_MESSAGE = "This form is out of date: open the record again and redo your change."


class StaleEdit(Exception):
    """Raised by a service when the row changed since the form was opened."""


def update_if_unchanged(instance: models.Model, version: dt.datetime) -> bool:
    """Write every column of `instance` in one UPDATE that matches only the version the edit
    started from; True when it was written, False when someone saved first (nothing written)."""
    model = type(instance)
    values = {
        f.attname: f.pre_save(instance, add=False)  # pre_save stamps auto_now on `updated`
        for f in model._meta.concrete_fields
        if not f.primary_key
    }
    written = model._base_manager.filter(pk=instance.pk, **{VERSION_FIELD: version}).update(
        **values
    )
    return written == 1


def save_unless_stale(instance: models.Model, version: dt.datetime | None) -> None:
    """A service's save: a new row (or no version given) is saved; an edit is written only if
    the row is unchanged since `version`, else StaleEdit and nothing is written."""
    if version is None or instance.pk is None:
        instance.save()
    elif not update_if_unchanged(instance, version):
        raise StaleEdit(instance)


@dataclass
class Conflict:
    label: str
    theirs: str
    yours: str


def _shown(form: forms.BaseForm, name: str, value) -> str:
    field = form.fields[name]
    if value in (None, ""):
        return "–"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, models.Model) or not isinstance(field, forms.ChoiceField):
        return str(value)
    choices = cast(Iterable[tuple[Any, Any]], field.choices)
    return str(dict(choices).get(value, value))


if TYPE_CHECKING:  # the mixin is only ever mixed into a ModelForm
    _FormBase = forms.ModelForm
else:
    _FormBase = object


class VersionedFormMixin(_FormBase):
    """For a ModelForm editing a row with an `updated` timestamp: adds the hidden version. The
    view passes `cleaned_data["version"]` to the service, and calls refuse_stale() when the
    service raises StaleEdit."""

    conflicts: list[Conflict]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflicts = []
        if self.instance.pk:
            self.fields["version"] = forms.CharField(
                widget=forms.HiddenInput,
                required=False,
                initial=getattr(self.instance, VERSION_FIELD).isoformat(),
            )

    def clean_version(self) -> dt.datetime | None:
        text = self.cleaned_data.get("version") or ""
        try:
            version = dt.datetime.fromisoformat(text)
        except ValueError:
            version = None
        if version is None or timezone.is_naive(version):
            # A form error of its own, not the hidden field's: crispy shows it above the form.
            self.add_error(None, MISSING_MESSAGE)
            return None
        return version

    def refuse_stale(self) -> None:
        """Show the other person's saved values and carry their version into the next save."""
        model = type(self.instance)
        current = model._base_manager.get(pk=self.instance.pk)
        for name in self._meta.fields or ():
            if name not in self.fields or name not in self.cleaned_data:
                continue
            if isinstance(self.fields[name], forms.ModelMultipleChoiceField):
                continue
            theirs, yours = getattr(current, name), self.cleaned_data[name]
            if theirs != yours:
                label = str(self.fields[name].label or name)
                self.conflicts.append(
                    Conflict(label, _shown(self, name, theirs), _shown(self, name, yours))
                )
        stamp = timezone.localtime(getattr(current, VERSION_FIELD))
        data = cast(QueryDict, self.data).copy()  # the posted values, made mutable
        data[self.add_prefix("version")] = getattr(current, VERSION_FIELD).isoformat()
        self.data = data
        self.add_error(None, STALE_MESSAGE.format(when=f"{stamp:%d/%m/%Y at %H:%M}"))
