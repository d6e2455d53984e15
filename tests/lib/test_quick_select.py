"""sendfund.lib.forms.QuickSelect and QuickDateInput write what Django's Select and DateInput
write, byte for byte."""

from django import forms
from django.utils.safestring import mark_safe

from sendfund.lib.forms import QuickDateInput, QuickSelect

CHOICES = [
    ("", "Choose…"),
    ("Terms", [("t:2025:1", "Autumn 2025/26"), ("t:2025:2", 'Spring "2026" & <more>')]),
    ("y:2025", "Academic year 2025/26"),
    ("safe", mark_safe("<b>kept as given</b>")),
]


def _both(value, render_attrs=None, **options) -> tuple[str, str]:
    django_select = forms.Select(choices=CHOICES, **options)
    quick = QuickSelect(choices=CHOICES, **options)
    return (
        str(quick.render("period", value, render_attrs)),
        str(django_select.render("period", value, render_attrs)),
    )


def test_the_same_html_as_djangos_select():
    cases = [
        (None, None, {}),
        ("t:2025:2", {"id": "id_period", "aria-invalid": "true"}, {}),
        ("y:2025", {"required": True, "disabled": False}, {"attrs": {"class": "form-select"}}),
        ('no "such" <choice>', None, {"attrs": {"data-x": 'a"b'}}),
    ]
    for value, render_attrs, options in cases:
        quick, django = _both(value, render_attrs, **options)
        assert quick == django
    quick, _ = _both("t:2025:2", {"id": "id_period"})
    assert (
        '<option value="t:2025:2" selected>Spring &quot;2026&quot; &amp; &lt;more&gt;</option>'
        in (quick)
    )
    assert '<optgroup label="Terms">' in quick and "<b>kept as given</b>" in quick


def test_multiple_selects_match_too():
    quick = QuickSelect(choices=CHOICES)
    quick.allow_multiple_selected = True
    django = forms.SelectMultiple(choices=CHOICES)
    assert str(quick.render("p", ["t:2025:1", "y:2025"])).replace(" multiple", "") == str(
        django.render("p", ["t:2025:1", "y:2025"])
    ).replace(" multiple", "")


def test_date_inputs_match_djangos():
    import datetime as dt

    for value in (None, dt.date(2026, 1, 5), "2026-13-45", '"><script>'):
        for attrs in (None, {"id": "id_start", "aria-invalid": "true", "required": True}):
            options = {"attrs": {"type": "date", "class": "form-control"}, "format": "%Y-%m-%d"}
            quick = QuickDateInput(**options).render("start", value, attrs)
            django = forms.DateInput(**options).render("start", value, attrs)
            assert str(quick) == str(django)
