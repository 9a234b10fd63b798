"""Does a scoresheet still say what the engine computes? (`assess verify`)

The submission is assessed again with the rules file, and the 评分表 sheet is read back: every
item's 分值/扣分/得分, every bonus, each 小计, the totals and 等次, and the audit hashes. A formula
cell's value is what its formula gives over the sheet as it now is (evaluated here, exactly, for
the functions the scoresheet uses), so a hand-edited 扣分 shows up in its own cell and in every
total it moves. Items are matched by 规则编号 and summary rows by their labels, not by position.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from . import api
from .errors import Location, Problem, ScoresheetError
from .evaluate import assess
from .expr import format_decimal
from .result import AssessmentResult
from .submission import load_submission
from .xlsx_guard import check_xlsx

Value = Decimal | str | None


@dataclass(frozen=True)
class Difference:
    cell: str  # 评分表!G12, or where the thing should have been
    what: str  # ZD-01 扣分
    sheet: str  # as the sheet has it
    expected: str  # as recomputed

    def __str__(self) -> str:
        return f"{self.cell}（{self.what}）：表中 {self.sheet}，重新计算 {self.expected}"


@dataclass
class Verification:
    result: AssessmentResult
    checked: int = 0
    differences: list[Difference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        return not self.differences


def verify_scoresheet(scoresheet: Path | str, submission: Path | str, rules: Path | str | None = None) -> Verification:
    """Recompute the assessment and compare it with the scoresheet, cell by cell."""
    from openpyxl import load_workbook

    from scoresheets.audit import FIELDS, HEADING, read_audit_properties
    from scoresheets.scoresheet import SHEET

    path = Path(scoresheet)
    check_xlsx(path, ScoresheetError)
    try:
        book = load_workbook(path)
        cached = load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl has many ways to fail on a damaged file
        raise ScoresheetError(Problem(Location(str(path)), f"无法作为工作簿读取（{type(exc).__name__}）")) from None
    if SHEET not in book.sheetnames:
        raise ScoresheetError(Problem(Location(str(path)), f"没有“{SHEET}”工作表，不是本系统生成的评分表"))
    sheet = _Sheet(book[SHEET], cached[SHEET])
    audit = dict(sheet.audit(HEADING, [label for label, _ in FIELDS]))
    props = read_audit_properties(book)
    when = _time(props.get("评分时间") or audit.get("评分时间"))
    ruleset = api.get_ruleset(rules)
    result = assess(ruleset, load_submission(submission, ruleset), as_of=when)
    out = Verification(result)
    _compare(sheet, result, out)
    _compare_audit(sheet, audit, props, result, out)
    return out


def _time(text: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


# -- comparing -----------------------------------------------------------------------------


def _compare(sheet: _Sheet, result: AssessmentResult, out: Verification) -> None:
    from scoresheets.scoresheet import DASH, DED, MAX, RULE, SCORE, SHEET

    def check(row: int, col: int, what: str, expected: Value) -> None:
        out.checked += 1
        got = sheet.value(row, col)
        if not _same(got, expected):
            out.differences.append(Difference(f"{SHEET}!{sheet.ref(row, col)}", what, _show(got), _show(expected)))

    def missing(what: str, expected: Value) -> None:
        out.differences.append(Difference(SHEET, what, "（没有此行）", _show(expected)))

    for item in result.items:
        row = sheet.items.get(item.rule_id)
        if row is None:
            missing(f"评分项 {item.rule_id}", item.score)
            continue
        if item.counted:
            check(row, MAX, f"{item.rule_id} 分值", item.max_points)
            check(row, DED, f"{item.rule_id} 扣分", item.deduction)
            check(row, SCORE, f"{item.rule_id} 得分", item.score)
        else:
            check(row, DED, f"{item.rule_id} 扣分（不计分）", DASH)
            check(row, SCORE, f"{item.rule_id} 得分（不计分）", DASH)
    for bonus in result.bonuses:
        row = sheet.bonuses.get(bonus.rule_id)
        if row is None:
            missing(f"加分项 {bonus.rule_id}", bonus.bonus)
            continue
        check(row, MAX, f"{bonus.rule_id} 分值", bonus.max_points)
        check(row, SCORE, f"{bonus.rule_id} 加分", bonus.bonus)
    known = {i.rule_id for i in result.items} | {b.rule_id for b in result.bonuses}
    for rid, row in sorted({**sheet.items, **sheet.bonuses}.items(), key=lambda kv: kv[1]):
        if rid not in known:
            out.differences.append(
                Difference(f"{SHEET}!{sheet.ref(row, RULE)}", f"规则编号 {rid}", "有此行", "（规则集中没有此项）")
            )
    for cat in result.categories:
        row = sheet.labels.get(f"{cat.name} 小计")
        if row is None:
            missing(f"{cat.name} 小计", cat.score)
            continue
        check(row, MAX, f"{cat.name} 小计分值", cat.max_points)
        check(row, DED, f"{cat.name} 小计扣分", cat.deduction)
        check(row, SCORE, f"{cat.name} 小计得分", cat.score)
    totals: list[tuple[str, Value]] = [
        ("基础得分", result.base_score),
        ("适用分值", result.applicable_points),
        ("折算得分", result.scaled_score),
        ("加分合计", result.bonus_total),
        ("总分", result.total),
        ("得分率（%）", result.score_rate),
        ("等次", result.grade.grade),
        ("系统计算总分", result.total),
    ]
    for label, expected in totals:
        row = sheet.labels.get(label)
        if row is None:
            missing(label, expected)
        else:
            check(row, SCORE, label, expected)


def _compare_audit(
    sheet: _Sheet, audit: dict[str, tuple[int, str]], props: dict[str, str], result: AssessmentResult, out: Verification
) -> None:
    from scoresheets.scoresheet import LABEL_END, SHEET

    expected = {"规则文件SHA-256": result.audit.rules_sha256, "申报文件SHA-256": result.audit.submission_sha256}
    for label, value in expected.items():
        out.checked += 1
        if label in audit:
            row, shown = audit[label]
            if shown != value:
                out.differences.append(Difference(f"{SHEET}!{sheet.ref(row, LABEL_END + 1)}", label, shown, value))
        else:
            out.differences.append(Difference(SHEET, label, "（没有审计信息）", value))
        if label in props and props[label] != value:
            out.differences.append(Difference("文档属性", label, props[label], value))
    made_by = props.get("引擎版本") or (audit.get("引擎版本") or (0, ""))[1]
    if made_by and made_by != result.audit.engine_version:
        out.notes.append(f"评分表由引擎 {made_by} 生成，本次用 {result.audit.engine_version} 重新计算")


def _same(got: Value | _Unknown, expected: Value) -> bool:
    if isinstance(expected, Decimal):
        return isinstance(got, Decimal) and got == expected
    return got == expected


def _show(value: Any) -> str:
    if value is None:
        return "（空）"
    if isinstance(value, Decimal):
        return format_decimal(value)
    return str(value)


# -- reading the sheet, formulas included -------------------------------------------------


class _Unknown(str):
    """A value this module cannot compute (an unsupported formula); shown as the formula."""


class _XlError(Exception):
    pass


class _Sheet:
    def __init__(self, ws: Any, cached_ws: Any):
        from scoresheets.scoresheet import CAT1, FIRST_ROW, RULE, SEQ

        self.ws = ws
        self.cached = cached_ws
        self.items: dict[str, int] = {}
        self.bonuses: dict[str, int] = {}
        self.labels: dict[str, int] = {}
        self._memo: dict[tuple[int, int], Value] = {}
        self._active: set[tuple[int, int]] = set()
        for row in range(FIRST_ROW, ws.max_row + 1):
            first = ws.cell(row, SEQ).value
            rule = ws.cell(row, RULE).value
            if isinstance(first, (int, float)) and not isinstance(first, bool) and isinstance(rule, str) and rule:
                target = self.bonuses if ws.cell(row, CAT1).value == "加分项" else self.items
                target.setdefault(rule.strip(), row)
            elif isinstance(first, str) and first.strip():
                self.labels.setdefault(first.strip(), row)

    def ref(self, row: int, col: int) -> str:
        return self.ws.cell(row, col).coordinate

    def audit(self, heading: str, labels: list[str]) -> dict[str, tuple[int, str]]:
        from scoresheets.scoresheet import LABEL_END

        start = self.labels.get(heading)
        found: dict[str, tuple[int, str]] = {}
        if start is None:
            return found
        for row in range(start + 1, min(start + 1 + 2 * len(labels), self.ws.max_row) + 1):
            label = self.ws.cell(row, 1).value
            if label in labels:
                found[label] = (row, str(self.ws.cell(row, LABEL_END + 1).value or ""))
        return found

    def value(self, row: int, col: int) -> Value:
        key = (row, col)
        if key in self._memo:
            return self._memo[key]
        if key in self._active:
            raise _XlError("循环引用")
        cell = self.ws.cell(row, col)
        self._active.add(key)
        try:
            value = self._evaluate(cell.value, cell.data_type == "f", row, col)
        except _XlError as exc:
            value = f"#{exc}"
        finally:
            self._active.discard(key)
        self._memo[key] = value
        return value

    def _evaluate(self, raw: Any, formula: bool, row: int, col: int) -> Value:
        if raw is None:
            return None
        if isinstance(raw, bool):
            return Decimal(int(raw))
        if isinstance(raw, (int, float)):
            return _decimal(raw)
        text = str(getattr(raw, "text", raw))
        if not formula:
            return text  # text that starts with "=" is still text
        try:
            return _Formula(text[1:], self).evaluate()
        except _Unsupported:
            cached = self.cached.cell(row, col).value
            if isinstance(cached, (int, float)) and not isinstance(cached, bool):
                return _decimal(cached)
            return _Unknown(f"无法核对的公式 {text}")


def _decimal(number: int | float) -> Decimal:
    return Decimal(number) if isinstance(number, int) else Decimal(repr(number))


class _Unsupported(Exception):
    pass


_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
    r"|(?P<ref>\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)(?![A-Za-z0-9_(!])"
    r"|(?P<func>[A-Z][A-Z0-9.]*)\s*\("
    r"|(?P<op><=|>=|<>|[-+*/(),=<>]))"
)


class _Formula:
    """The formulas the scoresheet writes: + - * /, comparisons, ROUND MAX MIN SUM IF ABS, A1 and A1:B2."""

    def __init__(self, text: str, sheet: _Sheet):
        self.sheet = sheet
        self.tokens: list[tuple[str, str]] = []
        pos, text = 0, text.strip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise _Unsupported(text)
            kind = m.lastgroup or ""
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
            while pos < len(text) and text[pos].isspace():
                pos += 1
        self.pos = 0

    def evaluate(self) -> Decimal | str:
        value = self.comparison()
        if self.pos != len(self.tokens):
            raise _Unsupported("trailing")
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        return value

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", "")

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if value is not None and tok[1] != value:
            raise _Unsupported(value)
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
                    raise _XlError("DIV/0!")
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
        if kind == "ref":
            if ":" in text:
                raise _Unsupported("range outside a function")
            return self.sheet_value(text)
        if kind == "op" and text == "(":
            value = self.comparison()
            self.take(")")
            return value
        if kind == "func":
            return self.call(text)
        raise _Unsupported(text)

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
            raise _Unsupported("range too large")
        return [self.sheet.value(r, c) for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)]

    def call(self, name: str) -> Any:
        args = self.args()
        if name in ("SUM", "MAX", "MIN"):
            numbers = [v for v in _flatten(args) if isinstance(v, Decimal)]
            for v in _flatten(args):
                if isinstance(v, str) and v.startswith("#"):
                    raise _XlError(v[1:])
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
                raise _XlError("NUM!") from None
        if name == "ABS" and len(args) == 1:
            return abs(_number(args[0]))
        if name == "IF" and len(args) in (2, 3):
            cond = args[0]
            truth = cond if isinstance(cond, bool) else _number(cond) != 0
            if truth:
                return args[1]
            return args[2] if len(args) == 3 else "FALSE"
        raise _Unsupported(name)


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
    if isinstance(value, _Unknown):
        raise _Unsupported(value)
    if isinstance(value, str) and value.startswith("#"):
        raise _XlError(value[1:])
    raise _XlError("VALUE!")  # text in arithmetic, as in Excel
