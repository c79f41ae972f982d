"""Money rounded to cents before it reaches Keap (gotcha 11)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.money import format_money, has_sub_cent, to_cents, wire_amount


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2.675, "2.68"),  # binary 2.67499999... would round down; repr gives 2.675
        (1.005, "1.01"),
        (0.125, "0.13"),  # half-up, not banker's rounding
        (0.135, "0.14"),
        (-2.675, "-2.68"),  # half away from zero
        (33.333, "33.33"),
        (10, "10.00"),
        ("19.999", "20.00"),
        (" 7.5 ", "7.50"),
        (Decimal("33.335"), "33.34"),
        (Decimal("1e3"), "1000.00"),
        (-0.001, "0.00"),  # never "-0.00"
        (Decimal("-0.004"), "0.00"),
    ],
)
def test_to_cents(value: Decimal | float | int | str, expected: str) -> None:
    result = to_cents(value)
    assert isinstance(result, Decimal)
    assert str(result) == expected


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), "NaN", "Infinity",
                                   Decimal("NaN"), Decimal("-Infinity"), "abc", "", "1,000.00"])
def test_to_cents_rejects_non_numbers(value: Decimal | float | str) -> None:
    with pytest.raises(ValueError):
        to_cents(value)


@pytest.mark.parametrize("value", [True, None, [1]])
def test_to_cents_rejects_other_types(value: object) -> None:
    with pytest.raises(TypeError):
        to_cents(value)  # type: ignore[arg-type]


def test_very_large_amount_does_not_fail() -> None:
    assert to_cents(Decimal("1e40")) == Decimal("1e40")


def test_wire_amount() -> None:
    assert wire_amount(Decimal("33.335")) == 33.34
    assert wire_amount(2.675) == 2.68
    assert wire_amount(5) == 5.0
    assert isinstance(wire_amount(5), float)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(33.333, True), ("0.001", True), (Decimal("1.005"), True), (1.1, False), (Decimal("1.100"), False),
     (3, False), ("12.50", False)],
)
def test_has_sub_cent(value: Decimal | float | int | str, expected: bool) -> None:
    assert has_sub_cent(value) is expected


@pytest.mark.parametrize(
    ("value", "symbol", "expected"),
    [
        (1234.5, "$", "$1,234.50"),
        (-5, "$", "-$5.00"),
        (0, "$", "$0.00"),
        (-0.001, "$", "$0.00"),
        (Decimal("1234567.891"), "€", "€1,234,567.89"),
        ("999.995", "", "1,000.00"),
    ],
)
def test_format_money(value: Decimal | float | int | str, symbol: str, expected: str) -> None:
    assert format_money(value, symbol) == expected


def test_format_money_default_symbol() -> None:
    assert format_money(12) == "$12.00"


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=-10**12, max_value=10**12))
@settings(max_examples=200)
def test_rounding_properties(value: Decimal) -> None:
    cents = to_cents(value)
    assert abs(cents - value) <= Decimal("0.005")
    assert cents.as_tuple().exponent == -2
    assert to_cents(cents) == cents
    assert not has_sub_cent(cents)
    assert has_sub_cent(value) == (cents != value)
    assert Decimal(repr(wire_amount(value))) == cents  # the double is exactly the cent value's repr


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9))
@settings(max_examples=200)
def test_floats_round_like_their_repr(value: float) -> None:
    assert to_cents(value) == to_cents(Decimal(repr(value)))
