"""Forms for termly reports and the SEN information report checklist."""

from __future__ import annotations

import datetime as dt

from django import forms

from reports.sen_information import ITEMS
from sendfund.lib.dates import bound_dates
from sendfund.lib.periods import term, terms_back


def term_choices(today: dt.date, count: int = 6) -> list[tuple[str, str]]:
    return [(f"{y}-{n}", term(y, n).label) for y, n in reversed(terms_back(today, count))]


class ReportCreateForm(forms.Form):
    term = forms.ChoiceField(label="Term")

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["term"].choices = term_choices(today)

    def clean_term(self) -> tuple[int, str]:
        year, name = self.cleaned_data["term"].split("-")
        return int(year), name


class CommentForm(forms.Form):
    comment = forms.CharField(
        label="Comment for governors",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Written by the head or SENCO. Do not name or describe individual pupils.",
    )


class InformationItemsForm(forms.Form):
    """One row per statutory item: covered, last published, next review."""

    def __init__(self, *args, initial_rows: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for code, label in ITEMS:
            row = initial_rows.get(code, {})
            self.fields[f"{code}__done"] = forms.BooleanField(
                label=f"{label}: covered", required=False, initial=row.get("done", False)
            )
            self.fields[f"{code}__last_published"] = forms.DateField(
                label=f"{label}: last published",
                required=False,
                initial=row.get("last_published"),
                widget=forms.DateInput(attrs={"type": "date"}),
            )
            self.fields[f"{code}__next_review"] = forms.DateField(
                label=f"{label}: next review",
                required=False,
                initial=row.get("next_review"),
                widget=forms.DateInput(attrs={"type": "date"}),
            )
        bound_dates(self)

    def clean(self):
        data = super().clean()
        for code, _label in ITEMS:
            last, nxt = data.get(f"{code}__last_published"), data.get(f"{code}__next_review")
            if last and nxt and nxt < last:
                self.add_error(f"{code}__next_review", "The next review must be after publication.")
        return data

    def rows(self) -> dict[str, dict]:
        return {
            code: {
                "done": self.cleaned_data[f"{code}__done"],
                "last_published": self.cleaned_data[f"{code}__last_published"],
                "next_review": self.cleaned_data[f"{code}__next_review"],
            }
            for code, _ in ITEMS
        }

    def row_fields(self):
        return [
            (
                label,
                self[f"{code}__done"],
                self[f"{code}__last_published"],
                self[f"{code}__next_review"],
            )
            for code, label in ITEMS
        ]
