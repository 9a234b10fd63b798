"""The one number formatter of reasons, messages and sheets."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.documents.numbers import format_decimal


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


def test_more_digits_than_the_context_keeps_them_all():
    # Decimal.normalize() would round this to 28 significant digits
    value = Decimal("1234567890123456789012345678.95")
    assert format_decimal(value) == "1234567890123456789012345678.95"


def test_the_scoresheet_formula_and_the_reasons_use_it():
    import scoresheets.scoresheet as sheet
    from engine.ruleset import conditions
    from engine.scoring import arithmetic

    assert sheet.format_decimal is arithmetic.n is conditions.format_decimal is format_decimal
