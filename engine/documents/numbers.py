"""How a number reads in messages, reasons and sheets: the one formatter of a Decimal as text."""

from __future__ import annotations

from decimal import Decimal


def format_decimal(value: Decimal) -> str:
    """Shortest plain text of a decimal: 96.50 → 96.5, 3.00 → 3, 1E+2 → 100; never an exponent.

    Done on the text, not with Decimal.normalize(), which rounds to the context's precision.
    A value shown as written (a submitted 96.50 in “实为 96.50”) is `format(value, "f")` instead.
    """
    # str() is format(value, "f") whenever it writes no exponent (to-scientific-string writes plain
    # notation exactly then), and costs half as much
    text = str(value) if type(value) is Decimal else "E"
    if "E" in text:
        text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
