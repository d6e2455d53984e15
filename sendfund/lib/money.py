"""Money: Decimal end to end, rounded once at display with one named rule."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

PENNY = Decimal("0.01")
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
