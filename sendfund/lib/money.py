"""Money: Decimal end to end, rounded once at display with one named rule."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final, TypedDict

from django.db.models import DecimalField

ZERO = Decimal("0")
PENNY = Decimal("0.01")


# Money as stored: pounds and pence (a DecimalField's max_digits and decimal_places).
class DecimalSize(TypedDict):
    max_digits: int
    decimal_places: int


STORED_MONEY: Final[DecimalSize] = {"max_digits": 12, "decimal_places": 2}
# Money in SQL before the one rounding at display: a daily cost or a pro-rated amount, and the
# sums of them (PostgreSQL numeric, divided to 20 decimal places).
UNROUNDED: DecimalField = DecimalField(max_digits=30, decimal_places=20)
# UK convention for money: half a penny rounds up (away from zero), as finance offices do.
ROUNDING = ROUND_HALF_UP


def to_pennies(value: Decimal | int | str | None) -> Decimal:
    """Round once, for display or export, to whole pennies."""
    if value is None or value == "":
        return Decimal("0.00")
    try:
        return Decimal(value).quantize(PENNY, rounding=ROUNDING)
    except (InvalidOperation, TypeError) as exc:
        raise ValueError(f"Not an amount of money: {value!r}") from exc


def format_gbp(value: Decimal | int | str | None, *, pence: bool = True) -> str:
    """£12,345.67; negative as -£12,345.67; whole pounds with pence=False."""
    amount = to_pennies(value)
    if not pence:
        amount = amount.quantize(Decimal("1"), rounding=ROUNDING)
    sign = "-" if amount < 0 else ""
    body = f"{abs(amount):,.2f}" if pence else f"{abs(amount):,.0f}"
    return f"{sign}£{body}"


# Bounds on amounts typed or imported (pounds, hours, rates): far above any real figure, far
# below what Decimal arithmetic or a NUMERIC column cannot hold (1e30 made quantize fail).
MAX_AMOUNT = Decimal("100000000")  # £100 million: no SEN budget line comes near it
MAX_TEXT = 40  # characters: a longer "number" is refused before Decimal sees it


def parse_amount(
    text: str,
    *,
    minimum: Decimal = Decimal("0"),
    maximum: Decimal = MAX_AMOUNT,
    places: int = 2,
) -> Decimal:
    """A number typed or imported ("£1,234.50"), checked before any arithmetic on it: finite,
    from `minimum` up to (not including) `maximum`, at most `places` decimal places.
    ValueError with a message otherwise."""
    cleaned = str(text).strip().replace("£", "").replace(",", "")
    if len(cleaned) > MAX_TEXT:
        raise ValueError(f"{text!r} is too long to be a number.")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number.") from None
    if not number.is_finite():
        raise ValueError(f"{text!r} is not a number.")
    if number < minimum:
        raise ValueError(f"{text!r} must be {minimum} or more.")
    if number >= maximum:
        raise ValueError(f"{text!r} is too large (it must be less than {maximum:,}).")
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise ValueError(f"{text!r} has more than {places} decimal places.")
    return number
