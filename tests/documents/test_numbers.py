"""The one number formatter of reasons, messages and sheets."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.documents.numbers import format_decimal


def _scaled(digits: int, exponent: int) -> Decimal:
    return Decimal(digits).scaleb(exponent)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("96.50", "96.5"),
        ("3.00", "3"),
        ("1E+2", "100"),
        ("1.20E+3", "1200"),
        ("0.000001", "0.000001"),
        ("1E-7", "0.0000001"),
        ("-2.50", "-2.5"),
        ("0.00", "0"),
        ("100", "100"),
    ],
)
def test_shortest_plain_text(value, text):
    assert format_decimal(Decimal(value)) == text


@given(
    st.decimals(allow_nan=True, allow_infinity=True, places=None)
    | st.builds(_scaled, st.integers(), st.integers(-40, 30))
)
def test_it_is_the_text_of_format_f_without_trailing_zeros(value):
    # format_decimal takes str(value) where that writes no exponent: the same text, cheaper
    text = format(value, "f")
    assert format_decimal(value) == (text.rstrip("0").rstrip(".") if "." in text else text)


def test_more_digits_than_the_context_keeps_them_all():
    # Decimal.normalize() would round this to 28 significant digits
    value = Decimal("1234567890123456789012345678.95")
    assert format_decimal(value) == "1234567890123456789012345678.95"


def test_the_scoresheet_formula_and_the_reasons_use_it():
    import scoresheets.scoresheet as sheet
    from engine.ruleset import conditions
    from engine.scoring import arithmetic

    assert sheet.format_decimal is arithmetic.n is conditions.format_decimal is format_decimal
