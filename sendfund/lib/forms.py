"""Forms and services meet here: a service refuses with a ValidationError, the view shows it."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import conditional_escape as escape
from django.utils.safestring import mark_safe


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names when the form has
    that field, else on the form as a whole (shown in the error summary)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html in Python: ` name="value"`, a bare name for True,
    nothing for False; values escaped."""
    out = []
    for name, value in attrs.items():
        if value is True:
            out.append(f" {escape(name)}")
        elif value is not False:
            out.append(f' {escape(name)}="{escape(str(value))}"')
    return "".join(out)


class QuickSelect(forms.Select):
    """A Select written in Python, to the byte what Django's select.html and
    select_option.html write. Django renders a template for the select and another for each
    option: a period drop-down of twenty-odd options took about 0.6 ms a page."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _ in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{escape(group_name)}">')
            for option in options:  # (select_option.html ends with a newline)
                parts.append(
                    f'\n  <option value="{escape(str(option["value"]))}"'
                    f"{_attrs(option['attrs'])}>{escape(option['label'])}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 (every value escaped)


class QuickDateInput(forms.DateInput):
    """A DateInput written in Python, to the byte what Django's date.html and input.html
    write (two templates a field, on every dashboard and pupil list)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        shown = "" if widget["value"] is None else f' value="{escape(str(widget["value"]))}"'
        return mark_safe(  # noqa: S308 (every value escaped)
            f'<input type="{escape(widget["type"])}" name="{escape(widget["name"])}"'
            f"{shown}{_attrs(widget['attrs'])}>"
        )
