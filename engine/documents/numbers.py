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


class Written(str):
    """A plain scalar YAML would read as a number, yes/no or a time in a form people do not mean
    as one (0x3, 0o7, 1_000, .inf, .nan, 2013-03-31 10:00:00, and under `%YAML 1.1` 010, 1:20,
    yes): kept as the text written. Where text is expected it is that text; where a number or a
    date is expected the validators refuse it with `why`."""

    why: str

    def __new__(cls, text: str, why: str) -> "Written":
        self = super().__new__(cls, text)
        self.why = why
        return self
