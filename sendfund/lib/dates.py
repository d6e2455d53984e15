"""Plausible dates: the one bound every form and import applies to a date it accepts.

A date far outside school life (9999-12-31 typed for 31/12/2025, 0001-01-01 from a blank MIS
cell) is a typing or export slip, and date arithmetic on it (a statutory deadline 20 weeks
later, a review a year on) overflows Python's calendar: refused where it comes in, with a
clear message, rather than failing every later page that shows it.
"""

from __future__ import annotations

import calendar
import datetime as dt

from django import forms
from django.core.exceptions import ValidationError

EARLIEST = dt.date(1990, 1, 1)
LATEST = dt.date(2100, 12, 31)
RANGE_TEXT = f"{EARLIEST:%d/%m/%Y} and {LATEST:%d/%m/%Y}"


def out_of_range(value: dt.date) -> bool:
    if isinstance(value, dt.datetime):
        value = value.date()
    return not EARLIEST <= value <= LATEST


def range_message(label: str = "") -> str:
    prefix = f"{label}: " if label else ""
    return f"{prefix}enter a date between {RANGE_TEXT}."


def check_date(value: dt.date, label: str = "") -> dt.date:
    """The date itself, or ValueError with the message (for import parsers)."""
    if out_of_range(value):
        raise ValueError(range_message(label))
    return value


class PlausibleDateValidator:
    """A form field validator: the date must fall between EARLIEST and LATEST."""

    def __init__(self, label: str = ""):
        self.label = label

    def __call__(self, value) -> None:
        if value is not None and out_of_range(value):
            raise ValidationError(range_message(self.label), code="date_range")

    def __eq__(self, other) -> bool:
        return isinstance(other, PlausibleDateValidator)


def bound_dates(form: forms.BaseForm) -> None:
    """Give every date field of a form the plausible-date bound (call from __init__)."""
    for field in form.fields.values():
        is_date = isinstance(field, (forms.DateField, forms.DateTimeField))
        if is_date and not any(isinstance(v, PlausibleDateValidator) for v in field.validators):
            label = str(field.label) if field.label else ""
            field.validators = [*field.validators, PlausibleDateValidator(label)]


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier), clamped to the end of a shorter month:
    31 Aug + 6 months = 28/29 Feb; 29 Feb − 12 months = 28 Feb. The one answer for review
    cycles, "the last 12 months" and training renewals."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    return add_months(day, 12 * years)
