"""Forms for the funding area: the dashboard's period selector and funding/top-up editing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from funding.models import FundingSource, FundingType, TopUpBand, TopUpScheme
from pupils.models import Pupil
from sendfund.lib.dates import bound_dates
from sendfund.lib.forms import QuickDateInput, QuickSelect
from sendfund.lib.money import MAX_AMOUNT, to_pennies
from sendfund.lib.periods import (
    Period,
    academic_year,
    academic_year_start,
    financial_year_start,
    previous_term,
    term,
    term_for_date,
)
from sendfund.lib.versions import VersionedFormMixin
from sendfund.schools.models import School

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SMALL_DATE_INPUT = QuickDateInput(
    attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"
)
LONGEST_CUSTOM_PERIOD_DAYS = 3 * 366


def period_choices(school: School, today: dt.date) -> list[tuple[str, str]]:
    """This and last term, academic year and financial year (the school's kind), or custom."""
    this_term = term_for_date(today)
    last_term = previous_term(*this_term)
    ay = academic_year_start(today)
    fy = financial_year_start(today, academy=school.is_academy)
    return [
        (f"term:{this_term[0]}:{this_term[1]}", f"This term ({term(*this_term)})"),
        (f"term:{last_term[0]}:{last_term[1]}", f"Last term ({term(*last_term)})"),
        (f"ay:{ay}", f"This academic year ({academic_year(ay)})"),
        (f"ay:{ay - 1}", f"Last academic year ({academic_year(ay - 1)})"),
        (f"fy:{fy}", f"This financial year ({school.financial_year(fy)})"),
        (f"fy:{fy - 1}", f"Last financial year ({school.financial_year(fy - 1)})"),
        ("custom", "Custom dates"),
    ]


def parse_period(value: str, school: School) -> Period:
    kind, *rest = value.split(":")
    if kind == "term":
        return term(int(rest[0]), rest[1])
    if kind == "ay":
        return academic_year(int(rest[0]))
    if kind == "fy":
        return school.financial_year(int(rest[0]))
    raise ValueError(value)


class PeriodForm(forms.Form):
    """GET form: a named period, or custom start and end dates (end on or after start)."""

    period = forms.ChoiceField(
        label="Period", required=False, widget=QuickSelect(attrs={"class": "form-select"})
    )
    start = forms.DateField(label="From", required=False, widget=SMALL_DATE_INPUT)
    end = forms.DateField(label="To", required=False, widget=SMALL_DATE_INPUT)

    def __init__(self, *args, school: School, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        self.fields["period"].choices = period_choices(school, today)
        self.default = self.fields["period"].choices[0][0]
        bound_dates(self)

    def clean(self):
        data = super().clean()
        choice = data.get("period") or self.default
        if choice != "custom":
            data["resolved"] = parse_period(choice, self.school)
            return data
        start, end = data.get("start"), data.get("end")
        if not start or not end:
            raise ValidationError("Give both dates for a custom period.")
        if end < start:
            raise ValidationError("The end date must be on or after the start date.")
        if (end - start).days > LONGEST_CUSTOM_PERIOD_DAYS:
            raise ValidationError("Choose a custom period of three years or less.")
        data["resolved"] = Period(start, end, f"{start:%d/%m/%Y} to {end:%d/%m/%Y}")
        return data

    def query_string(self) -> str:
        """The chosen period as URL parameters (for CSV links)."""
        data = self.cleaned_data
        choice = data.get("period") or self.default
        if choice == "custom":
            return f"period=custom&start={data['start']:%Y-%m-%d}&end={data['end']:%Y-%m-%d}"
        return f"period={choice}"


class PeriodFieldsMixin(forms.Form):
    """Choose a period as a financial year, an academic year or explicit dates."""

    period_kind = forms.ChoiceField(
        label="Period",
        choices=[
            ("dates", "Explicit dates"),
            ("fy", "Financial year"),
            ("ay", "Academic year"),
        ],
        initial="dates",
        widget=forms.RadioSelect,
    )
    year = forms.IntegerField(
        label="Year it starts",
        required=False,
        min_value=2000,
        max_value=2100,
        help_text="For a financial or academic year: e.g. 2025 for 2025-26.",
    )

    def clean_period_fields(self, data: dict) -> None:
        kind = data.get("period_kind") or "dates"
        if kind in ("fy", "ay"):
            year = data.get("year")
            if year is None:
                self.add_error("year", "Give the year the period starts.")
                return
            period = self.school.financial_year(year) if kind == "fy" else academic_year(year)
            data["period_start"], data["period_end"] = period.start, period.end
            return
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "The end date must be on or after the start date.")


class FundingSourceForm(VersionedFormMixin, PeriodFieldsMixin, forms.ModelForm):
    class Meta:
        model = FundingSource
        fields = ["type", "description", "amount", "period_start", "period_end", "status"]
        fields += ["reference"]
        widgets = {"period_start": DATE_INPUT, "period_end": DATE_INPUT}
        help_texts = {
            "amount": "The whole amount for the period, in pounds.",
            "type": (
                "Place funding is the school's, as on its budget statement: the places "
                "commissioned × the value of a place (for example 64 × £10,000), one row for "
                "the year, never per pupil (docs/domain.md section 1)."
            ),
        }

    field_order = ["type", "description", "amount", "period_kind", "year", "period_start"]

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        self.instance.school = school  # the tenant, for validation
        self.fields["type"].choices = [c for c in FundingType.choices if c[0] != FundingType.TOP_UP]
        self.fields["period_start"].required = False
        self.fields["period_end"].required = False
        bound_dates(self)

    def clean(self):
        data = super().clean()
        self.clean_period_fields(data)
        for name in ("period_start", "period_end"):
            if not data.get(name) and name not in self.errors:
                self.add_error(name, "Give a date, or choose a financial or academic year.")
        return data


class TopUpForm(VersionedFormMixin, PeriodFieldsMixin, forms.ModelForm):
    """A pupil's element 3 top-up: a band (amount filled in from it) or an explicit amount."""

    class Meta:
        model = FundingSource
        fields = ["pupil", "band", "amount", "period_start", "period_end", "status"]
        fields += ["reference", "description"]
        widgets = {"period_start": DATE_INPUT, "period_end": DATE_INPUT}
        help_texts = {
            "amount": "Leave empty to use the band's annual amount, pro-rated to the dates.",
            "description": "Optional; defaults to the band's name.",
        }

    field_order = ["pupil", "band", "amount", "period_kind", "year", "period_start"]

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        self.instance.school, self.instance.type = school, FundingType.TOP_UP
        self.fields["pupil"].queryset = Pupil.objects.for_school(school).order_by(
            "surname", "forename"
        )
        self.fields["pupil"].required = True
        self.fields["band"].queryset = TopUpBand.objects.filter(
            scheme__in=TopUpScheme.objects.for_school(school)
        ).select_related("scheme")
        self.fields["amount"].required = False
        self.fields["description"].required = False
        self.fields["period_start"].required = False
        self.fields["period_end"].required = False
        bound_dates(self)

    def clean(self):
        data = super().clean()
        self.clean_period_fields(data)
        start, end = data.get("period_start"), data.get("period_end")
        if not start or not end:
            if "period_start" not in self.errors:
                self.add_error("period_start", "Give dates, or a financial or academic year.")
            return data
        band = data.get("band")
        if data.get("amount") is None:
            if band is None:
                self.add_error("amount", "Give an amount or choose a band.")
                return data
            data["amount"] = band_amount_for(band.annual_amount, Period(start, end))
        if not data.get("description"):
            data["description"] = f"Top-up: {band.name}" if band else "Element 3 top-up"
        return data


def band_amount_for(annual: Decimal, period: Period) -> Decimal:
    """A band's annual amount for a period: whole years exactly, else by day over 365, to the
    penny (the stored amount is what the LA pays for those dates)."""
    whole_year = period.days in (365, 366) and (
        period.end == period.start.replace(year=period.start.year + 1) - dt.timedelta(days=1)
    )
    if whole_year:
        return annual
    return to_pennies(annual * Decimal(period.days) / Decimal(365))


class TopUpSchemeForm(forms.ModelForm):
    class Meta:
        model = TopUpScheme
        fields = ["year", "name", "source"]
        labels = {"year": "Year it starts"}

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        self.instance.school = school  # the tenant and its LA, for validation
        self.instance.local_authority_id = school.local_authority_id

    def clean(self):
        data = super().clean()
        clash = TopUpScheme.objects.filter(
            school=self.school,
            local_authority_id=self.school.local_authority_id,
            year=data.get("year"),
            name=data.get("name"),
        ).exclude(pk=self.instance.pk)
        if data.get("year") is not None and data.get("name") and clash.exists():
            raise ValidationError("Your school already has a scheme with this name and year.")
        return data


MAX_WEEKS = 53  # weeks in a year, at most


class TopUpBandForm(forms.ModelForm):
    """A band: an annual amount, or funded hours a week x hourly rate x weeks."""

    class Meta:
        model = TopUpBand
        fields = ["name", "annual_amount", "hours_per_week", "hourly_rate", "weeks"]
        help_texts = {"annual_amount": "Leave empty to work it out from funded hours."}

    def __init__(self, *args, scheme: TopUpScheme, **kwargs):
        super().__init__(*args, **kwargs)
        self.scheme = scheme
        self.instance.scheme = scheme
        self.fields["annual_amount"].required = False

    def clean(self):
        data = super().clean()
        hours = [data.get(f) for f in ("hours_per_week", "hourly_rate", "weeks")]
        if any(v is not None for v in hours) and not all(v is not None for v in hours):
            raise ValidationError("For funded hours give hours a week, hourly rate and weeks.")
        if all(v is not None for v in hours):
            # Checked before the arithmetic: a 29-digit number of weeks overflowed rounding.
            if not 1 <= hours[2] <= MAX_WEEKS:
                self.add_error("weeks", f"Weeks: a whole number from 1 to {MAX_WEEKS}.")
                return data
            annual = hours[0] * hours[1] * hours[2]
            if annual >= MAX_AMOUNT:
                raise ValidationError(f"That comes to more than £{MAX_AMOUNT:,} a year.")
            data["annual_amount"] = to_pennies(annual)
        elif data.get("annual_amount") is None:
            self.add_error("annual_amount", "Give an annual amount or funded hours.")
        return data
