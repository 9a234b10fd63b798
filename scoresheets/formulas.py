"""Evaluating the formulas a scoresheet writes, exactly, over the sheet as it now is (for `assess verify`).

A sheet given to verify may be hostile, so evaluation has a cost bound: formula length, nesting
(parentheses, signs and cell-to-cell references together), cells read in all and number
magnitude (Excel's own range, ±1E308). Beyond a bound evaluation stops with `TooCostly`, which
the reader reports at the cell (exit 3) — never a RecursionError, an overflow or minutes of work.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Context, Decimal, DecimalException, InvalidOperation, localcontext
from typing import Any

MAX_FORMULA_CHARS = 8_192  # Excel's own limit
MAX_NESTING = 40  # the engine writes at most 4 levels and chains of 6 cells
MAX_CELLS_READ = 200_000  # one sheet's evaluation in all (the engine's sheets read a few hundred)
MAX_EXPONENT = 308  # Excel's largest number is about 1.8E308
FUNCTIONS = frozenset({"SUM", "MAX", "MIN", "ROUND", "ABS", "IF"})  # what the engine writes, and all this evaluates
_CONTEXT = Context(prec=34, Emax=MAX_EXPONENT, Emin=-MAX_EXPONENT)


class TooCostly(Exception):
    """A formula beyond the evaluation bounds; `reason` says which (in Chinese)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason
        self.cell: str | None = None  # where: the innermost cell being evaluated


class Unknown(str):
    """A value that cannot be computed here (an unsupported formula); shown as the formula."""


class XlError(Exception):
    pass


def to_decimal(number: int | float) -> Decimal:
    value = Decimal(number) if isinstance(number, int) else Decimal(repr(number))
    if not value.is_finite() or value.adjusted() > MAX_EXPONENT:
        raise XlError("NUM!")  # 1e400 in a cell reads as infinity: Excel has no such number
    return value


class Unsupported(Exception):
    pass


_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
    r"|(?P<ref>\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)(?![A-Za-z0-9_(!])"
    r"|(?P<func>[A-Z][A-Z0-9.]*)\s*\("
    r"|(?P<op><=|>=|<>|[-+*/(),=<>]))"
)


class Formula:
    """The formulas the scoresheet writes: + - * /, comparisons, ROUND MAX MIN SUM IF ABS, A1 and A1:B2."""

    def __init__(self, text: str, sheet: Any):
        self.sheet = sheet
        self.tokens: list[tuple[str, str]] = []
        if len(text) > MAX_FORMULA_CHARS:
            raise TooCostly(f"公式过长（{len(text)} 个字符，上限 {MAX_FORMULA_CHARS}）")
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
        try:
            with localcontext(_CONTEXT):
                value = self.comparison()
        except DecimalException:
            raise XlError("NUM!") from None  # beyond Excel's range, as Excel shows it
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
        sign, signed = 1, False
        while self.peek()[1] in ("-", "+"):  # a loop: "------1" nests nothing
            signed = True
            if self.take()[1] == "-":
                sign = -sign
        if not signed:
            return self.primary()
        value = _number(self.primary())
        return -value if sign < 0 else value

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "num":
            number = Decimal(text)
            if number and abs(number.adjusted()) > MAX_EXPONENT:
                raise TooCostly(f"数值 {text[:20]} 超出 Excel 的数值范围（±1E{MAX_EXPONENT}）")
            return number
        if kind == "ref":
            if ":" in text:
                raise Unsupported("range outside a function")
            return self.sheet_value(text)
        if kind == "op" and text == "(":
            with self.sheet.bounds:
                value = self.comparison()
            self.take(")")
            return value
        if kind == "func":
            with self.sheet.bounds:
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
        self.sheet.bounds.charge((max_row - min_row + 1) * (max_col - min_col + 1))  # before a single cell is read
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


class Bounds:
    """The cost bound of one sheet's evaluation: nesting now, cells read so far."""

    def __init__(self) -> None:
        self.depth = 0
        self.cells = 0

    def charge(self, cells: int) -> None:
        self.cells += cells
        if self.cells > MAX_CELLS_READ:
            raise TooCostly(f"公式读取的单元格过多（超过 {MAX_CELLS_READ} 个）")

    def __enter__(self) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise TooCostly(f"公式嵌套或单元格引用链过深（超过 {MAX_NESTING} 层）")

    def __exit__(self, *exc: object) -> None:
        self.depth -= 1


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
