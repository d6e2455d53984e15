"""The audit page's filters: person, pupil, kind and a date range; bad values are messages."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model

from pupils.models import Pupil
from sendfund.audit.queries import KIND_CHOICES, Filters
from sendfund.lib.dates import bound_dates
from sendfund.schools.models import School

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
EARLIEST = dt.date(2000, 1, 1)


class AuditFilterForm(forms.Form):
    person = forms.ModelChoiceField(queryset=None, required=False, empty_label="Anyone")
    kind = forms.ChoiceField(choices=[("", "Any kind"), *KIND_CHOICES], required=False)
    start = forms.DateField(label="From", required=False, widget=DATE)
    end = forms.DateField(label="To", required=False, widget=DATE)

    def __init__(self, *args, school: School, pupil: Pupil | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.pupil = pupil
        # Everyone who holds or held a role here, as they appear in the log.
        self.fields["person"].queryset = (
            get_user_model()
            .objects.filter(memberships__school=school)
            .order_by("first_name", "last_name", "username")
        )
        self.fields["person"].label_from_instance = lambda u: u.get_full_name() or u.username
        bound_dates(self)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        for name in ("start", "end"):
            value = data.get(name)
            if value and not EARLIEST <= value <= dt.date.today() + dt.timedelta(days=1):
                self.add_error(name, "Give a date between 01/01/2000 and today.")
        if start and end and end < start:
            self.add_error("end", "The end date is before the start date.")
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        person = data.get("person")
        return Filters(
            user_id=person.pk if person else None,
            pupil_id=self.pupil.pk if self.pupil else None,
            kind=data.get("kind") or "",
            start=data.get("start"),
            end=data.get("end"),
        )
