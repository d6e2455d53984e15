"""Display filters used by every template (money and percentages). Formatting only."""

from decimal import Decimal

from django import template

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
