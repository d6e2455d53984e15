"""Display filters used by every template (money and percentages), and {% url %} made quicker
for list pages. Formatting only."""

import datetime as dt
import uuid
from decimal import Decimal

from django import template
from django.conf import settings
from django.template import defaultfilters, defaulttags
from django.template.defaulttags import URLNode
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from sendfund.formats.en_GB import formats as en_gb
from sendfund.lib.money import ROUNDING, format_gbp
from sendfund.lib.suppression import Cell

register = template.Library()


@register.filter
def gbp(value, arg: str = "") -> str:
    """{{ amount|gbp }} -> £12,345.67; {{ amount|gbp:"0" }} -> £12,346; a withheld figure
    (a suppressed Cell, sendfund.lib.disclosure) -> "c"."""
    if isinstance(value, Cell):
        if value.suppressed or value.value is None:
            return value.display
        value = value.value
    if value is None or value == "":
        return "£0.00" if arg != "0" else "£0"
    return format_gbp(value, pence=arg != "0")


@register.filter
def pct(value, places: int = 1) -> str:
    """A Decimal fraction or percentage figure shown as 45.2%; blank when unknown; "c" when
    withheld (a suppressed Cell)."""
    if isinstance(value, Cell):
        if value.suppressed or value.value is None:
            return value.display
        value = value.value
    if value is None or value == "":
        return "–"
    quantum = Decimal(1).scaleb(-int(places))
    return f"{Decimal(value).quantize(quantum, rounding=ROUNDING)}%"


# --- {% url %}, remembering each URL's shape ----------------------------------------------
# Django's {% url %} reverses from scratch every time (about 17 microseconds): on a list page
# with a link or three per row that is a millisecond or more per page. This tag replaces it
# (settings.TEMPLATES builtins) and, for positional ids (UUIDs, whole numbers), reverses each
# URL name once with stand-in ids, keeps the result as a format string and puts the real ids
# into it. Anything else (keyword arguments, "as" variables, strings) goes to Django's tag.

_UNKNOWN = object()
_SHAPES: dict[tuple, str | None] = {}


def _stand_ins(args: list) -> list:
    return [
        uuid.UUID(int=(0x5E9DF04D << 96) + i) if isinstance(a, uuid.UUID) else 9_000_000_000 + i
        for i, a in enumerate(args)
    ]


def _shape(view_name: str, args: list, current_app: str | None) -> str | None:
    """The URL of `view_name` as a format string with a {i} for each argument, or None when
    it cannot be one (each stand-in must appear exactly once, and the real arguments must
    give what reverse() gives)."""
    stand_ins = _stand_ins(args)
    try:
        url = reverse(view_name, args=stand_ins, current_app=current_app)
    except NoReverseMatch:
        return None
    shape = url.replace("{", "{{").replace("}", "}}")
    for i, stand_in in enumerate(stand_ins):
        if shape.count(str(stand_in)) != 1:
            return None
        shape = shape.replace(str(stand_in), f"{{{i}}}")
    try:
        if shape.format(*args) != reverse(view_name, args=args, current_app=current_app):
            return None
    except NoReverseMatch:
        return None
    return shape


def _current_app(context) -> str | None:
    # As URLNode.render finds it.
    try:
        return context.request.current_app
    except AttributeError:
        try:
            return context.request.resolver_match.namespace
        except AttributeError:
            return None


def url_shape(view_name: str, *examples) -> str:
    """The URL of `view_name` as a format string with a {i} for each positional id, the
    shape {% url %} uses (ShapedURLNode), for pages that write many links in Python.
    `examples`: an id of each kind the URL takes (a UUID, a whole number)."""
    key = (view_name, None, tuple(type(a) for a in examples), settings.ROOT_URLCONF,
           get_urlconf(), get_script_prefix())  # fmt: skip
    shape = _SHAPES.get(key, _UNKNOWN)
    if shape is _UNKNOWN:
        shape = _SHAPES[key] = _shape(view_name, list(examples), None)
    if shape is None:
        raise NoReverseMatch(f"{view_name} has no shape with ids {examples!r}.")
    return shape


class ShapedURLNode(URLNode):
    def render(self, context):
        if self.kwargs or self.asvar:
            return super().render(context)
        args = [arg.resolve(context) for arg in self.args]
        if not all(type(a) is uuid.UUID or (type(a) is int and a >= 0) for a in args):
            return super().render(context)
        view_name = self.view_name.resolve(context)
        current_app = _current_app(context)
        key = (
            view_name,
            current_app,
            tuple(type(a) for a in args),
            settings.ROOT_URLCONF,
            get_urlconf(),
            get_script_prefix(),
        )
        shape = _SHAPES.get(key, _UNKNOWN)
        if shape is _UNKNOWN:
            shape = _SHAPES[key] = _shape(view_name, args, current_app)
        if shape is None:
            return super().render(context)
        url = shape.format(*args)
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    """Django's {% url %}, with each URL's shape remembered (see ShapedURLNode)."""
    node = defaulttags.url(parser, token)
    return ShapedURLNode(node.view_name, node.args, node.kwargs, node.asvar)


@register.simple_tag(takes_context=True)
def sort_header(context, key: str, label: str, query: str = "", th_class: str = "", **options):
    """One sortable column heading: {% sort_header "year" "Year" query=sort_query %}, for a
    table whose order is the context's `sort` ("-year" when descending). `query`: the page's
    other parameters, urlencoded; `th_class`: the cell's classes; descending_first=True for a
    column read largest first. The arrow repeats aria-sort for sighted readers. A tag, not an
    included template: an include cost about 0.12 ms a heading, nine on the trust view."""
    sort, desc = context.get("sort"), f"-{key}"
    state = "ascending" if sort == key else "descending" if sort == desc else "none"
    target = desc if (options.get("descending_first") and sort != desc) or sort == key else key
    arrow = {"ascending": "▲", "descending": "▼"}.get(state)
    classes = f' class="{conditional_escape(th_class)}"' if th_class else ""
    href = f"?{query}&sort={target}" if query else f"?sort={target}"
    return mark_safe(  # noqa: S308 (each value escaped)
        f'<th scope="col"{classes} aria-sort="{state}"><a href="{conditional_escape(href)}">'
        f"{conditional_escape(label)}</a>"
        + (f' <span aria-hidden="true">{arrow}</span>' if arrow else "")
        + "</th>"
    )


# {{ value|date }} and {{ value|date:"d/m/Y H:i" }} in the site's own formats, written directly;
# any other value or format goes to Django's filter. Django's reads the format for the language
# and parses it on every call: about 30 µs a date, some 2 ms on a pupil page of 24 provision
# rows. The formats are sendfund.formats.en_GB's (tests/lib/test_date_filter.py compares).
_QUICK_DATES = {
    "d/m/Y": lambda d: f"{d.day:02d}/{d.month:02d}/{d.year:04d}",
    "d/m/Y H:i": lambda d: f"{d.day:02d}/{d.month:02d}/{d.year:04d} {d.hour:02d}:{d.minute:02d}",
}


@register.filter("date", expects_localtime=True, is_safe=False)
def date_filter(value, arg=None):
    """Django's |date filter, quicker for a date or date and time in the site's formats."""
    kind = type(value)
    if kind is dt.date and not arg:
        return _QUICK_DATES[en_gb.DATE_FORMAT](value)
    if kind is dt.datetime and arg in _QUICK_DATES:
        return _QUICK_DATES[arg](value)
    return defaultfilters.date(value, arg)
