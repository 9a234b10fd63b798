"""Evaluating the formulas a scoresheet writes, exactly, over the sheet as it now is (for `assess verify`)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any


class Unknown(str):
    """A value that cannot be computed here (an unsupported formula); shown as the formula."""


class XlError(Exception):
    pass


def to_decimal(number: int | float) -> Decimal:
    return Decimal(number) if isinstance(number, int) else Decimal(repr(number))


class Unsupported(Exception):
    pass


_TOKEN = re.compile(
    r"\s*(?:(?P<str>\"[^\"]*\")|(?P<num>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
    r"|(?P<ref>\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)(?![A-Za-z0-9_(!])"
    r"|(?P<func>[A-Z][A-Z0-9.]*)\s*\("
    r"|(?P<op><=|>=|<>|[-+*/(),=<>]))"
)


class Formula:
    """The formulas the scoresheet writes: + - * /, comparisons, ROUND MAX MIN SUM IF ABS, A1 and A1:B2, "text"."""

    def __init__(self, text: str, sheet: Any):
        self.sheet = sheet
        self.tokens: list[tuple[str, str]] = []
        pos, text = 0, text.strip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise Unsupported(text)
            kind = m.lastgroup or ""
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
            while pos < len(text) and text[pos].isspace():
                pos += 1
        self.pos = 0

    def evaluate(self) -> Decimal | str:
        value = self.comparison()
        if self.pos != len(self.tokens):
            raise Unsupported("trailing")
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        return value

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", "")

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if value is not None and tok[1] != value:
            raise Unsupported(value)
        self.pos += 1
        return tok

    def comparison(self) -> Any:
        left = self.additive()
        if self.peek()[1] in ("=", "<", ">", "<=", ">=", "<>"):
            op = self.take()[1]
            right = self.additive()
            a, b = _number(left), _number(right)
            return {"=": a == b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b, "<>": a != b}[op]
        return left

    def additive(self) -> Any:
        value = self.term()
        while self.peek()[1] in ("+", "-"):
            op = self.take()[1]
            right = _number(self.term())
            value = _number(value) + right if op == "+" else _number(value) - right
        return value

    def term(self) -> Any:
        value = self.unary()
        while self.peek()[1] in ("*", "/"):
            op = self.take()[1]
            right = _number(self.unary())
            if op == "*":
                value = _number(value) * right
            else:
                if right == 0:
                    raise XlError("DIV/0!")
                value = _number(value) / right
        return value

    def unary(self) -> Any:
        if self.peek()[1] == "-":
            self.take()
            return -_number(self.unary())
        if self.peek()[1] == "+":
            self.take()
            return _number(self.unary())
        return self.primary()

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "num":
            return Decimal(text)
        if kind == "str":
            return text[1:-1]
        if kind == "ref":
            if ":" in text:
                raise Unsupported("range outside a function")
            return self.sheet_value(text)
        if kind == "op" and text == "(":
            value = self.comparison()
            self.take(")")
            return value
        if kind == "func":
            return self.call(text)
        raise Unsupported(text)

    def sheet_value(self, ref: str) -> Any:
        from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

        col, row = coordinate_from_string(ref.replace("$", ""))
        return self.sheet.value(row, column_index_from_string(col))

    def args(self) -> list[Any]:
        out: list[Any] = []
        if self.peek()[1] == ")":
            self.take()
            return out
        while True:
            kind, text = self.peek()
            if kind == "ref" and ":" in text:
                self.take()
                out.append(self.range_values(text))
            else:
                out.append(self.comparison())
            if self.take()[1] == ")":
                return out

    def range_values(self, ref: str) -> list[Any]:
        from openpyxl.utils.cell import range_boundaries

        min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
        if (max_row - min_row + 1) * (max_col - min_col + 1) > 100_000:
            raise Unsupported("range too large")
        return [self.sheet.value(r, c) for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)]

    def call(self, name: str) -> Any:
        args = self.args()
        if name in ("SUM", "MAX", "MIN"):
            numbers = [v for v in _flatten(args) if isinstance(v, Decimal)]
            for v in _flatten(args):
                if isinstance(v, str) and v.startswith("#"):
                    raise XlError(v[1:])
            if name == "SUM":
                return sum(numbers, Decimal(0))
            if not numbers:
                return Decimal(0)
            return max(numbers) if name == "MAX" else min(numbers)
        if name == "ROUND" and len(args) == 2:
            places = int(_number(args[1]))
            try:
                return _number(args[0]).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
            except InvalidOperation:
                raise XlError("NUM!") from None
        if name == "ABS" and len(args) == 1:
            return abs(_number(args[0]))
        if name == "IF" and len(args) in (2, 3):
            cond = args[0]
            truth = cond if isinstance(cond, bool) else _number(cond) != 0
            if truth:
                return args[1]
            return args[2] if len(args) == 3 else "FALSE"
        raise Unsupported(name)


def _flatten(args: list[Any]) -> list[Any]:
    out: list[Any] = []
    for a in args:
        out.extend(a if isinstance(a, list) else [a])
    return out


def _number(value: Any) -> Decimal:
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, Decimal):
        return value
    if value is None:
        return Decimal(0)
    if isinstance(value, Unknown):
        raise Unsupported(value)
    if isinstance(value, str) and value.startswith("#"):
        raise XlError(value[1:])
    raise XlError("VALUE!")  # text in arithmetic, as in Excel
