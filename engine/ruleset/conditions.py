"""The condition language of rules files: parsing, type checking, evaluation.

Grammar (either the ASCII or the Chinese spelling of each operator works):

    expr    := or
    or      := and (("or" | "或") and)*
    and     := not (("and" | "且") not)*
    not     := ("not" | "非") not | atom
    atom    := "(" expr ")" | NAME [cmpop operand | ("in" | "属于") "[" literal ("," literal)* "]"]
               | literal cmpop operand
    cmpop   := < <= > >= == != = ＜ ＞ ≤ ≥ ＝ ≠
    operand := NAME | literal
    literal := number [%] | date (2013-03-01) | relative date | "string" | “string” | 是 | 否 | true | false
    relative date := (当年 | 次年 | 上年) (M月D日 | -MM-DD)      e.g. 次年3月1日, 当年-12-31

A relative date names a day by the submission's 考核年度: 当年 is that year, 次年 the next, 上年
the one before; it becomes a real date only when a submission is assessed (RelativeDate.on).

Chinese keywords must stand apart (spaces or brackets), because 且/或/非 also occur inside names.
A bare NAME of yes/no type means `NAME == 是`. There is no arithmetic: derived quantities are
declared as indicators, so every comparison is exact and the engine compares plain values.
Parsing never calls `eval`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Union

from engine.documents.hints import did_you_mean
from engine.documents.numbers import format_decimal
from engine.errors import ExpressionError

# -- tokens -------------------------------------------------------------------------------

_OPS = {
    "<=": "<=",
    ">=": ">=",
    "==": "==",
    "!=": "!=",
    "<>": "!=",
    "<": "<",
    ">": ">",
    "=": "==",
    "＜": "<",
    "＞": ">",
    "≤": "<=",
    "≥": ">=",
    "＝": "==",
    "≠": "!=",
    "＜＝": "<=",
    "＞＝": ">=",
}
_KEYWORDS = {
    "and": "and",
    "且": "and",
    "并且": "and",
    "or": "or",
    "或": "or",
    "或者": "or",
    "not": "not",
    "非": "not",
    "in": "in",
    "属于": "in",
    "true": True,
    "false": False,
    "是": True,
    "否": False,
}
_QUOTES = {'"': '"', "'": "'", "“": "”", "「": "」", "‘": "’"}
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_YEAR_WORDS = {"上年": -1, "当年": 0, "次年": 1}
_RELATIVE = re.compile(r"(当年|次年|上年)(?:(\d{1,2})月(\d{1,2})日|-(\d{1,2})-(\d{1,2}))")
# spellings a policy officer may reach for, and the one this language uses instead
_OTHER_YEAR_WORDS = {"本年": "当年", "今年": "当年", "明年": "次年", "下年": "次年", "翌年": "次年", "去年": "上年"}
_OTHER_RELATIVE = re.compile(
    r"(本年|今年|明年|下年|翌年|去年|前年|后年)(?:(\d{1,2})月(\d{1,2})日|-(\d{1,2})-(\d{1,2}))"
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _name_char(ch: str) -> bool:
    """A character of a name: what `\\w` matches (letters, digits, _) or a CJK ideograph; compiling
    that as one character class took a millisecond of every run."""
    return ch.isalnum() or ch == "_" or "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


INDEXED_NAMES = ("得分", "上年得分")  # NAME[item id]: an item's score, in 等次后果
_INDEXED = r"\[([A-Za-z0-9\u4e00-\u9fff][A-Za-z0-9_\-.\u4e00-\u9fff]{0,39})\]"  # compiled when first met
MAX_DECIMALS = 6  # the precision of every number the engine compares (submissions and conditions)
MAX_MAGNITUDE = Decimal(10) ** 12
_FULLWIDTH = str.maketrans("０１２３４５６７８９．（），［］－", "0123456789.(),[]-")


@dataclass(frozen=True)
class Token:
    kind: str  # NAME NUM DATE STR BOOL OP KW ( ) [ ] , END
    value: object
    offset: int
    text: str


def tokenize(text: str) -> list[Token]:
    src = text.translate(_FULLWIDTH)
    out: list[Token] = []
    i, n = 0, len(src)
    while i < n:
        ch = src[i]
        if ch.isspace():
            i += 1
            continue
        if ch in "()[],、":
            kind = "," if ch in ",、" else ch
            out.append(Token(kind, ch, i, text[i]))
            i += 1
            continue
        two = src[i : i + 2]
        if two in _OPS:
            out.append(Token("OP", _OPS[two], i, text[i : i + 2]))
            i += 2
            continue
        if ch in _OPS:
            out.append(Token("OP", _OPS[ch], i, text[i]))
            i += 1
            continue
        if ch in _QUOTES:
            close = _QUOTES[ch]
            j = src.find(close, i + 1)
            if j < 0:
                raise ExpressionError("引号没有闭合", i, ch)
            out.append(Token("STR", src[i + 1 : j], i, text[i : j + 1]))
            i = j + 1
            continue
        m = _RELATIVE.match(src, i) or _OTHER_RELATIVE.match(src, i)
        if m and not (m.end() < n and _name_char(src[m.end()])):
            out.append(Token("DATE", _relative(m, i), i, text[i : m.end()]))
            i = m.end()
            continue
        m = _DATE.match(src, i)
        if m and not (m.end() < n and _name_char(src[m.end()])):
            try:
                value = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                raise ExpressionError(f"不是有效日期：{m.group(0)}", i, m.group(0)) from None
            out.append(Token("DATE", value, i, m.group(0)))
            i = m.end()
            continue
        m = _NUMBER.match(src, i)
        if m:
            j = m.end()
            if j < n and src[j] in "%％":
                j += 1
            if j < n and _name_char(src[j]):
                k = j
                while k < n and _name_char(src[k]):
                    k += 1
                raise ExpressionError(
                    f"“{text[i:k]}” 不是数字也不是指标名（指标名不能以数字开头；且/或/非 两侧要留空格）",
                    i,
                    text[i:k],
                )
            out.append(Token("NUM", _number(m.group(0), i, text[i:j]), i, text[i:j]))
            i = j
            continue
        if ch == "-" and i + 1 < n and src[i + 1].isdigit():
            m = _NUMBER.match(src, i + 1)
            out.append(Token("NUM", -_number(m.group(0), i, text[i : m.end()]), i, text[i : m.end()]))
            i = m.end()
            continue
        if _name_char(ch):
            j = i
            while j < n and _name_char(src[j]):
                j += 1
            word = src[i:j]
            m = re.compile(_INDEXED).match(src, j) if word in INDEXED_NAMES else None
            if m:  # 上年得分[ZZ-04]: one name, the score of an item
                out.append(Token("NAME", f"{word}[{m.group(1)}]", i, text[i : m.end()]))
                i = m.end()
                continue
            key = word.lower() if word.isascii() else word
            if key in _KEYWORDS:
                value = _KEYWORDS[key]
                kind = "BOOL" if isinstance(value, bool) else "KW"
                out.append(Token(kind, value, i, text[i:j]))
            else:
                out.append(Token("NAME", word, i, text[i:j]))
            i = j
            continue
        raise ExpressionError(f"不认识的字符 “{ch}”", i, ch)
    out.append(Token("END", None, n, ""))
    return out


@dataclass(frozen=True)
class RelativeDate:
    """A day named by the submission's 考核年度: `years` after it (0 当年, 1 次年, -1 上年), month, day."""

    years: int
    month: int
    day: int

    def on(self, year: int) -> dt.date:
        """The date for a submission of this 考核年度."""
        return dt.date(year + self.years, self.month, self.day)

    @property
    def key(self) -> str:
        """The name an evaluator looks the resolved date up under (never a valid indicator name)."""
        return f"@{self}"

    def __str__(self) -> str:
        word = next(w for w, k in _YEAR_WORDS.items() if k == self.years)
        return f"{word}{self.month}月{self.day}日"


def _relative(m: re.Match[str], offset: int) -> RelativeDate:
    word = m.group(1)
    month, day = (m.group(2), m.group(3)) if m.group(2) else (m.group(4), m.group(5))
    shown = m.group(0)
    if word not in _YEAR_WORDS:
        instead = _OTHER_YEAR_WORDS.get(word)
        hint = f"，应写作 “{instead}{int(month)}月{int(day)}日”" if instead else ""
        raise ExpressionError(
            f"“{shown}” 不是可用的日期写法{hint}（当年：考核年度；次年：其后一年；上年：其前一年）", offset, shown
        )
    month_n, day_n = int(month), int(day)
    if (month_n, day_n) == (2, 29):
        raise ExpressionError(f"“{shown}”：2月29日不是每年都有，请写 2月28日 或 3月1日", offset, shown)
    try:
        dt.date(2001, month_n, day_n)
    except ValueError:
        raise ExpressionError(f"不是有效日期：{shown}（{month_n}月{day_n}日）", offset, shown) from None
    return RelativeDate(_YEAR_WORDS[word], month_n, day_n)


def date_literal(text: str) -> dt.date | RelativeDate:
    """A date written on its own (a deadline, a case value): 2013-03-01 or 次年3月1日; ValueError if neither."""
    tokens = tokenize(text.strip())
    if len(tokens) != 2 or tokens[0].kind != "DATE":
        raise ValueError(f"“{text}” 不是日期（写作 2013-03-01，或按考核年度写作 次年3月1日、当年12月31日）")
    return tokens[0].value  # type: ignore[return-value]


def relative_dates(node: Node | None) -> set[RelativeDate]:
    """The relative dates a condition compares with."""
    if node is None:
        return set()
    return {
        s.value
        for c in comparisons(node)
        for s in (c.left, c.right)
        if isinstance(getattr(s, "value", None), RelativeDate)
    }


def _number(digits: str, offset: int, shown: str) -> Decimal:
    value = Decimal(digits)
    if value.normalize().as_tuple().exponent < -MAX_DECIMALS:
        raise ExpressionError(f"数值 {shown} 的小数位数超过 {MAX_DECIMALS} 位", offset, shown)
    if value > MAX_MAGNITUDE:
        raise ExpressionError(f"数值 {shown} 过大（上限 10^12）", offset, shown)
    return value


# -- syntax tree --------------------------------------------------------------------------

Value = Union[Decimal, dt.date, bool, str]
LiteralValue = Union[Decimal, dt.date, "RelativeDate", bool, str]


@dataclass(frozen=True)
class Name:
    name: str
    offset: int


@dataclass(frozen=True)
class Literal:
    value: LiteralValue
    offset: int
    text: str


Operand = Union[Name, Literal]


@dataclass(frozen=True)
class Compare:
    op: str
    left: Operand
    right: Operand


@dataclass(frozen=True)
class And:
    items: tuple["Node", ...]


@dataclass(frozen=True)
class Or:
    items: tuple["Node", ...]


@dataclass(frozen=True)
class Not:
    item: "Node"


Node = Union[Compare, And, Or, Not]

_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0

    def peek(self) -> Token:
        return self.tokens[self.pos]

    def take(self) -> Token:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def expect(self, kind: str, what: str) -> Token:
        tok = self.peek()
        if tok.kind != kind:
            raise ExpressionError(f"此处应为{what}，实为{_describe(tok)}", tok.offset, tok.text)
        return self.take()

    def parse(self) -> Node:
        if self.peek().kind == "END":
            raise ExpressionError("条件为空", 0)
        node = self.or_()
        tok = self.peek()
        if tok.kind != "END":
            raise ExpressionError(f"多余的{_describe(tok)}（缺少 且/或？）", tok.offset, tok.text)
        return node

    def or_(self) -> Node:
        items = [self.and_()]
        while self.peek().kind == "KW" and self.peek().value == "or":
            self.take()
            items.append(self.and_())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_(self) -> Node:
        items = [self.not_()]
        while self.peek().kind == "KW" and self.peek().value == "and":
            self.take()
            items.append(self.not_())
        return items[0] if len(items) == 1 else And(tuple(items))

    def not_(self) -> Node:
        if self.peek().kind == "KW" and self.peek().value == "not":
            self.take()
            return Not(self.not_())
        return self.atom()

    def atom(self) -> Node:
        tok = self.peek()
        if tok.kind == "(":
            self.take()
            node = self.or_()
            self.expect(")", "右括号 )")
            return node
        if tok.kind in ("NAME", "NUM", "DATE", "STR", "BOOL"):
            left = self.operand()
            nxt = self.peek()
            if nxt.kind == "OP":
                self.take()
                right = self.operand()
                return Compare(nxt.value, left, right)
            if nxt.kind == "KW" and nxt.value == "in":
                self.take()
                if not isinstance(left, Name):
                    raise ExpressionError("“属于”前面应为指标名", tok.offset, tok.text)
                self.expect("[", "左方括号 [")
                options = [self.literal()]
                while self.peek().kind == ",":
                    self.take()
                    options.append(self.literal())
                self.expect("]", "右方括号 ]")
                return Or(tuple(Compare("==", left, lit) for lit in options))
            if isinstance(left, Name):
                # bare yes/no indicator: NAME means NAME == 是 (empty text marks it implicit)
                return Compare("==", left, Literal(True, left.offset, ""))
            raise ExpressionError(f"{_describe(nxt)} 前应有比较运算符（如 < 或 ==）", nxt.offset, nxt.text)
        raise ExpressionError(f"此处应为指标名、数值或括号，实为{_describe(tok)}", tok.offset, tok.text)

    def operand(self) -> Operand:
        tok = self.take()
        if tok.kind == "NAME":
            return Name(tok.value, tok.offset)
        if tok.kind in ("NUM", "DATE", "STR", "BOOL"):
            return Literal(tok.value, tok.offset, tok.text)
        raise ExpressionError(f"此处应为指标名或数值，实为{_describe(tok)}", tok.offset, tok.text)

    def literal(self) -> Literal:
        tok = self.take()
        if tok.kind in ("NUM", "DATE", "STR", "BOOL"):
            return Literal(tok.value, tok.offset, tok.text)
        raise ExpressionError(f"此处应为取值，实为{_describe(tok)}", tok.offset, tok.text)


def _describe(tok: Token) -> str:
    if tok.kind == "END":
        return "条件结尾"
    return f"“{tok.text}”"


def parse(text: str) -> Node:
    """Parse a condition; raises ExpressionError with the offset of the offending token."""
    if len(text) > 2000:
        raise ExpressionError("条件过长（上限 2000 字符）", 0)
    try:
        return _Parser(text).parse()
    except RecursionError:
        raise ExpressionError("括号嵌套过深", 0) from None


# -- types --------------------------------------------------------------------------------

NUMBER, DATE, BOOL, ENUM, TEXT = "数值", "日期", "是否", "选项", "文本"


@dataclass(frozen=True)
class Symbol:
    """What the checker knows of a name: its category and, for options, the allowed values."""

    category: str
    options: tuple[str, ...] = ()


def _literal_category(value: LiteralValue) -> str:
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, Decimal):
        return NUMBER
    if isinstance(value, (dt.date, RelativeDate)):
        return DATE
    return TEXT


_ORDERED = {NUMBER, DATE}


def check(node: Node, symbols: dict[str, Symbol]) -> set[str]:
    """Type-check a condition against declared names; return the names it reads."""
    names: set[str] = set()
    for cmp in comparisons(node):
        cats = []
        for side in (cmp.left, cmp.right):
            if isinstance(side, Name):
                sym = symbols.get(side.name)
                if sym is None:
                    raise ExpressionError(
                        _unknown(side.name, symbols), side.offset, side.name, "rules.unknown-indicator"
                    )
                names.add(side.name)
                cats.append(sym.category)
            else:
                cats.append(_literal_category(side.value))
        if isinstance(cmp.left, Literal) and isinstance(cmp.right, Literal):
            raise ExpressionError("比较的两边都是常量，至少一边应为指标名", cmp.left.offset, cmp.left.text)
        left, right = cats
        # an option-type indicator compares with text literals drawn from its options
        if ENUM in (left, right):
            other_side = cmp.right if left == ENUM else cmp.left
            enum_side = cmp.left if left == ENUM else cmp.right
            sym = symbols[enum_side.name]
            if isinstance(other_side, Literal):
                if not isinstance(other_side.value, str) or isinstance(other_side.value, bool):
                    raise ExpressionError(
                        f"{enum_side.name} 是选项型，应与带引号的选项比较（可选：{'、'.join(sym.options)}）",
                        other_side.offset,
                        other_side.text,
                    )
                if other_side.value not in sym.options:
                    raise ExpressionError(
                        f"“{other_side.value}” 不是 {enum_side.name} 的可选值（可选：{'、'.join(sym.options)}）",
                        other_side.offset,
                        other_side.text,
                    )
                left = right = TEXT
            else:
                left = TEXT if left == ENUM else left
                right = TEXT if right == ENUM else right
        if left != right:
            pos = cmp.right if isinstance(cmp.right, Literal) else cmp.left
            raise ExpressionError(
                f"类型不一致：{_side_text(cmp.left, left)} 不能与 {_side_text(cmp.right, right)} 比较",
                pos.offset,
                getattr(pos, "text", getattr(pos, "name", "")),
            )
        if cmp.op not in ("==", "!=") and left not in _ORDERED:
            raise ExpressionError(f"{left}型只能用 == 或 != 比较，不能用 {cmp.op}", cmp.left.offset)
    return names


def _side_text(side: Operand, category: str) -> str:
    if isinstance(side, Name):
        return f"{side.name}（{category}）"
    return f"{side.text}（{category}）"


def _unknown(name: str, symbols: dict[str, Symbol]) -> str:
    return f"未声明的指标 “{name}”{did_you_mean(name, symbols)}"


def comparisons(node: Node) -> Iterator[Compare]:
    if isinstance(node, Compare):
        yield node
    elif isinstance(node, (And, Or)):
        for item in node.items:
            yield from comparisons(item)
    else:
        yield from comparisons(node.item)


# -- normal forms -------------------------------------------------------------------------


def normalize(node: Node) -> Node:
    """Push negations down to comparisons and put the indicator on the left of each comparison."""
    return _nnf(node, negate=False)


def _nnf(node: Node, negate: bool) -> Node:
    if isinstance(node, Not):
        return _nnf(node.item, not negate)
    if isinstance(node, Compare):
        op, left, right = node.op, node.left, node.right
        if isinstance(left, Literal) and isinstance(right, Name):
            op, left, right = _FLIP[op], right, left
        if negate:
            op = _NEGATE[op]
        return Compare(op, left, right)
    items = tuple(_nnf(i, negate) for i in node.items)
    is_and = isinstance(node, And) != negate
    flat: list[Node] = []
    for item in items:
        if isinstance(item, And if is_and else Or):
            flat.extend(item.items)
        else:
            flat.append(item)
    return And(tuple(flat)) if is_and else Or(tuple(flat))


def branch_count(node: Node) -> int:
    """How many conjunctions the condition has in disjunctive normal form.

    durable_rules activates (and fires) a rule once per true conjunction, so this is the
    most activations one fact can cause through this rule.
    """
    if isinstance(node, Compare):
        return 1
    if isinstance(node, Not):
        return branch_count(normalize(node))
    if isinstance(node, Or):
        return sum(branch_count(i) for i in node.items)
    product = 1
    for item in node.items:
        product *= branch_count(item)
    return product


# -- evaluation (plain Python; the oracle and the explainer) -------------------------------


def evaluate(node: Node, values: dict[str, Value]) -> bool:
    """Evaluate a checked condition over values whose names are all present."""
    if isinstance(node, Compare):
        return compare(node.op, _value(node.left, values), _value(node.right, values))
    if isinstance(node, And):
        return all(evaluate(i, values) for i in node.items)
    if isinstance(node, Or):
        return any(evaluate(i, values) for i in node.items)
    return not evaluate(node.item, values)


def holds(node: Node, values: Mapping[str, Value]) -> bool:
    """Whether a condition holds where names may be missing: a comparison over a missing name is
    false, after normalising (so 非 (a > 1) over a missing a is false too, as durable evaluates it)."""
    return _holds(normalize(node), values)


def _holds(node: Node, values: Mapping[str, Value]) -> bool:
    if isinstance(node, And):
        return all(_holds(item, values) for item in node.items)
    if isinstance(node, Or):
        return any(_holds(item, values) for item in node.items)
    if isinstance(node, Not):  # normalised trees have none; kept for completeness
        return not _holds(node.item, values)
    sides = []
    for side in (node.left, node.right):
        key = side.name if isinstance(side, Name) else None
        if not isinstance(side, Name) and isinstance(side.value, RelativeDate):
            key = side.value.key  # resolved for the submission's year by the assessment
        if key is not None:
            if key not in values:
                return False
            sides.append(values[key])
        else:
            sides.append(side.value)
    return compare(node.op, sides[0], sides[1])


def _value(side: Operand, values: dict[str, Value]) -> Value:
    if isinstance(side, Name):
        return values[side.name]
    if isinstance(side.value, RelativeDate):
        return values[side.value.key]  # resolved for the submission's year (see RelativeDate.key)
    return side.value


def compare(op: str, a: Value, b: Value) -> bool:
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


def render(node: Node, values: dict[str, Value] | None = None, year: int | None = None) -> str:
    """Canonical text of a condition; with values, each name is followed by its value; with the
    submission's year, each relative date by the date it stands for: 次年3月1日(2013-03-01)."""

    def side(s: Operand) -> str:
        if isinstance(s, Name):
            if values is not None and s.name in values:
                return f"{s.name}({format_value(values[s.name])})"
            return s.name
        if isinstance(s.value, RelativeDate) and year is not None:
            return f"{s.value}({s.value.on(year).isoformat()})"
        return format_value(s.value, quote=True)

    def go(n: Node, top: bool) -> str:
        if isinstance(n, Compare):
            if isinstance(n.right, Literal) and n.right.text == "" and n.op == "==":
                return side(n.left)
            return f"{side(n.left)} {n.op} {side(n.right)}"
        if isinstance(n, Not):
            return f"非 ({go(n.item, True)})"
        word = " 且 " if isinstance(n, And) else " 或 "
        text = word.join(go(i, False) for i in n.items)
        return text if top else f"({text})"

    return go(node, True)


def format_value(value: object, quote: bool = False) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if quote and isinstance(value, str):
        return f"“{value}”"
    return str(value)
