"""Money as Decimal, rounded to cents before it reaches Keap.

An order item priced with more than two decimals (33.333) makes Keap's invoice total
disagree with what was charged, so the invoice looks unpaid (gotcha 11). Every amount
TagDesk sends therefore goes through :func:`to_cents`; :func:`has_sub_cent` lets the
UI flag amounts already stored that way.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import TypeAlias

__all__ = ["CENT", "Amount", "format_money", "has_sub_cent", "to_cents", "wire_amount"]

CENT = Decimal("0.01")
_ZERO = Decimal("0.00")
Amount: TypeAlias = Decimal | float | int | str


def _to_decimal(value: Amount) -> Decimal:
    """Exact Decimal of ``value``; floats go through ``repr`` so 2.675 means 2.675."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not an amount of money")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"not an amount of money: {value[:40]!r}") from None
    else:
        raise TypeError(f"not an amount of money: {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"not a finite amount of money: {result}")
    return result


def to_cents(value: Amount) -> Decimal:
    """``value`` rounded half-up to two decimal places (``2.675`` → ``2.68``).

    Raises ValueError for NaN, infinities and text that is not a number. A negative
    amount that rounds to zero comes back as ``0.00``, never ``-0.00``.
    """
    exact = _to_decimal(value)
    # enough precision for any magnitude, so quantize never fails on a large amount
    context = Context(prec=max(28, exact.adjusted() + 4))
    cents = exact.quantize(CENT, rounding=ROUND_HALF_UP, context=context)
    return cents if cents else _ZERO  # drop the sign of -0.00


def wire_amount(value: Amount) -> float:
    """The amount to send to Keap, which takes doubles: the cent-rounded value as float."""
    return float(to_cents(value))


def has_sub_cent(value: Amount) -> bool:
    """True when the amount has a non-zero part below the cent (``33.333``, not ``1.100``)."""
    return _to_decimal(value) != to_cents(value)


def format_money(value: Amount, currency_symbol: str = "$") -> str:
    """Display form: ``$1,234.50``; negative amounts as ``-$5.00``."""
    cents = to_cents(value)
    sign = "-" if cents < 0 else ""
    return f"{sign}{currency_symbol}{abs(cents):,.2f}"
