"""The mistakes people make typing YAML and JSON with a Chinese input method, found and named.

A YAML parser reports where it gave up, which is often the line after the mistake, in words no
policy officer reads ("could not find expected ':'"). When a parse fails, `explain` looks at the
text between where the parser started the construct it was reading and where it gave up, and
names the mistake at its own line and column: full-width ：，［］｛｝“” or space, a tab, a missing
colon or the space after it, an unclosed quote or bracket, a missing comma in JSON.

A document that parses may still carry one of these mistakes with a different meaning: a list
written [区县政府，区直部门] is one item, a key written “名称” has quotes in it. `suspicious`
finds those (only in plain, unquoted scalars: a quoted value is taken as written) so the file is
refused at the mistake instead of giving many errors elsewhere. None of them is repaired
silently: the file is a record that others read with other tools, and a guess could change a
value's meaning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.scalarstring import ScalarString

from engine.documents.numbers import Written
from engine.errors import InputError, Location, Problem

# full-width mark → (what it is, what it should be)
FULL_WIDTH = {
    "：": ("全角冒号“：”", "半角冒号“:”"),
    "，": ("全角逗号“，”", "半角逗号“,”"),
    "［": ("全角方括号“［”", "半角方括号“[”"),
    "］": ("全角方括号“］”", "半角方括号“]”"),
    "｛": ("全角大括号“｛”", "半角大括号“{”"),
    "｝": ("全角大括号“｝”", "半角大括号“}”"),
    "“": ("全角引号“", '半角引号“"”'),
    "”": ("全角引号”", '半角引号“"”'),
    "　": ("全角空格", "半角空格"),
}
_OPENERS = {"[": "]", "{": "}"}


@dataclass(frozen=True)
class Mistake:
    """A mistake at a 1-based line and column, and what to do about it."""

    line: int
    col: int
    what: str

    @property
    def message(self) -> str:
        return f"语法错误：第 {self.line} 行第 {self.col} 列{self.what}"


def _full_width(line: int, col: int, mark: str, extra: str = "") -> Mistake:
    wrong, right = FULL_WIDTH[mark]
    return Mistake(line, col, f"使用了{wrong}，应为{right}{extra}")


@dataclass
class _Token:
    """What the scan found at one place: a full-width mark outside quotes, an opened quote or bracket."""

    line: int
    col: int
    kind: str  # "mark", "quote", "bracket"
    char: str
    depth: int = 0  # flow depth ([ ] { }) at this place
    key_position: bool = False  # the mark stands where a key's colon would


def _scan(lines: list[str], last: int) -> tuple[list[_Token], list[_Token]]:
    """Scan lines[0:last] outside comments, quotes and block scalars.

    Returns the full-width marks found (with the flow depth at each), and the quotes and brackets
    still open at the end or quotes closed on a later line than they opened (rare on purpose,
    usual when a closing quote was left out and a later one closed it).
    """
    marks: list[_Token] = []
    spanning: list[_Token] = []  # quoted scalars that went on over a line end
    open_: list[_Token] = []  # brackets, and at most one quote on top
    block_indent: int | None = None  # inside a block scalar (| or >) more indented than its key
    depth = 0  # brackets on open_, counted as they come and go (a sum each time was quadratic)
    for n in range(min(last, len(lines))):
        text = lines[n]
        indent = len(text) - len(text.lstrip(" "))
        quote = open_[-1] if open_ and open_[-1].kind == "quote" else None
        if block_indent is not None and quote is None:
            if not text.strip() or indent > block_indent:
                continue
            block_indent = None
        col = 0
        start_of_token = True  # a quote only opens a scalar where a scalar can start
        key_seen = False
        while col < len(text):
            ch = text[col]
            quote = open_[-1] if open_ and open_[-1].kind == "quote" else None
            if quote is not None:
                if ch == "\\" and quote.char == '"':
                    col += 2
                    continue
                if ch == quote.char:
                    if quote.char == "'" and text[col + 1 : col + 2] == "'":
                        col += 2
                        continue
                    opened = open_.pop()
                    if opened.line != n + 1:
                        spanning.append(opened)
                    start_of_token = False
                col += 1
                continue
            if ch == "#" and (col == 0 or text[col - 1] in " \t"):
                break
            if ch in "\"'" and start_of_token:
                open_.append(_Token(n + 1, col + 1, "quote", ch, depth))
            elif ch in _OPENERS:
                open_.append(_Token(n + 1, col + 1, "bracket", ch, depth))
                depth += 1
            elif ch in "]}":
                if open_ and open_[-1].kind == "bracket":
                    open_.pop()
                    depth -= 1
            elif ch in FULL_WIDTH:
                before = text[:col]
                key_like = (
                    ch == "："
                    and not key_seen
                    and bool(re.fullmatch(r"\s*(- +)?[^\s:：#\"'\[\]{},][^:：#]*", before))
                    and (depth > 0 or "," not in before)
                )
                if ch != "　" or not before.strip():  # a full-width space only matters in indentation
                    marks.append(_Token(n + 1, col + 1, "mark", ch, depth, key_like))
            if ch == ":" and (col + 1 == len(text) or text[col + 1] in " \t"):
                key_seen = True
                rest = text[col + 1 :].split(" #")[0].strip()
                if re.fullmatch(r"[|>][-+0-9]*", rest):
                    block_indent = indent
            start_of_token = ch in " \t[{,-:" or (ch == "?" and not text[:col].strip())
            col += 1
    return marks, open_ + spanning


def explain(text: str, exc: Any) -> Mistake | None:
    """The mistake behind a ruamel parse error, or None when it is none of the known ones."""
    problem_mark, context_mark = exc.problem_mark, exc.context_mark
    if problem_mark is None:
        return None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    problem = str(exc.problem or "")
    context = str(exc.context or "")
    p_line, p_col = problem_mark.line + 1, problem_mark.column + 1
    c_line = context_mark.line + 1 if context_mark is not None else None
    c_col = context_mark.column + 1 if context_mark is not None else None

    if "'\\t'" in problem:
        at = lines[p_line - 1].find("\t") if p_line <= len(lines) else -1
        return Mistake(p_line, at + 1 if at >= 0 else p_col, "使用了制表符，缩进只能用空格，请改为空格")

    marks, still_open = _scan(lines, p_line)
    first = c_line if c_line is not None and c_line <= p_line else max(1, p_line - 3)
    in_region = [m for m in marks if first <= m.line <= p_line and (m.line < p_line or m.col <= p_col + 1)]

    def pick(*chars: str, inside: bool | None = None, key: bool | None = None) -> _Token | None:
        found = [
            m
            for m in in_region
            if m.char in chars
            and (inside is None or (m.depth > 0) == inside)
            and (key is None or m.key_position == key)
        ]
        return found[-1] if found else None

    # a full-width space in the indentation, then the marks that break structure
    space = pick("　")
    if space is not None:
        space = next(m for m in in_region if m.char == "　" and m.line == space.line)
        return _full_width(space.line, space.col, "　", "，缩进只能用半角空格")
    colon = pick("：", key=True)
    if colon is not None:
        return _full_width(colon.line, colon.col, "：", "（冒号后加一个空格）")
    bracket = pick("［", "］", "｛", "｝")
    if bracket is not None:
        return _full_width(bracket.line, bracket.col, bracket.char)
    comma = pick("，", inside=True)
    if comma is not None:
        return _full_width(comma.line, comma.col, "，")
    quote_mark = pick("“", "”")
    if quote_mark is not None:
        return _full_width(quote_mark.line, quote_mark.col, quote_mark.char)

    if "quoted scalar" in context and c_line is not None:
        q = lines[c_line - 1][c_col - 1] if c_col - 1 < len(lines[c_line - 1]) else '"'
        return Mistake(c_line, c_col, f"的引号“{q}”没有配对：请在值的末尾补上“{q}”，或去掉这个引号")
    if "simple key" in context and c_line is not None:
        key_line = lines[c_line - 1]
        glued = re.match(r"(\s*(?:- +)?[^\s:#][^:#]*?):(?=\S)", key_line)
        if glued:
            return Mistake(c_line, glued.end(1) + 1, "的冒号“:”后缺少空格：请写成“键: 值”（冒号后加一个空格）")
        key = key_line.strip().split(" ")[0].lstrip("-").strip() or key_line.strip()
        return Mistake(c_line, c_col, f"缺少冒号“:”：“{key}”之后应写成“{key}: 值”（冒号后加一个空格）")
    if "expected the node content" in problem:
        found = lines[p_line - 1][p_col - 1 : p_col] if p_line <= len(lines) else ""
        if found == ",":
            return Mistake(p_line, p_col, "多了一个逗号“,”：两个逗号之间没有内容，请删去一个")
        return Mistake(p_line, p_col, f"缺少值：“{found}”之前应有一个值")
    opener = ""
    if c_line is not None and c_line <= len(lines) and c_col - 1 < len(lines[c_line - 1]):
        opener = lines[c_line - 1][c_col - 1]
    if "flow" in context and opener in _OPENERS:
        closer = _OPENERS.get(opener, "]")
        if "<scalar>" in problem or "'\"'" in problem:
            # a value where a comma should come first: the comma is missing at the end of the value before
            prev = p_line - 1 if p_col <= len(lines[p_line - 1]) - len(lines[p_line - 1].lstrip()) + 1 else p_line
            while prev > 1 and prev != p_line and not lines[prev - 1].strip():
                prev -= 1
            if prev != p_line:
                end = len(lines[prev - 1].rstrip()) + 1
                return Mistake(prev, end, "的末尾缺少逗号“,”：两项之间要用半角逗号隔开")
            return Mistake(p_line, p_col, "前缺少逗号“,”：两项之间要用半角逗号隔开")
        return Mistake(c_line, c_col, f"的“{opener}”没有配对的“{closer}”：请在列表或键值表的末尾补上“{closer}”")
    opened = [t for t in still_open if t.kind == "quote" and t.line < p_line and t.line >= (first or 1)]
    if opened:
        q = opened[-1]
        return Mistake(q.line, q.col, f"的引号“{q.char}”没有配对：请在值的末尾补上“{q.char}”，或去掉这个引号")
    if "mapping values are not allowed" in problem:
        return Mistake(
            p_line,
            p_col,
            "不能在这里写“键: 值”：值里有“: ”（冒号加空格）的请给整个值加引号，或检查上一行的缩进和冒号",
        )
    return _other(lines, problem, p_line, p_col)


def _other(lines: list[str], problem: str, line: int, col: int) -> Mistake | None:
    """The parser's remaining complaints, said in Chinese at its place."""
    if "depth" in problem:
        return None  # nesting too deep: said by the caller with the limit
    alias = re.search(r"undefined alias '([^']*)'", problem)
    if alias:
        return Mistake(
            line,
            col,
            f"的“*{alias.group(1)}”引用了没有定义的锚点“&{alias.group(1)}”；如果 * 是内容的一部分，请给整个值加引号",
        )
    start = re.search(r"found character '(.)' that cannot start any token", problem)
    if start:
        return Mistake(line, col, f"的值不能以“{start.group(1)}”开头：请给整个值加引号")
    if "expected <block end>" in problem and "<scalar>" in problem:
        before = lines[line - 1][: col - 1].rstrip() if line <= len(lines) else ""
        if before.endswith(('"', "'")):
            return Mistake(line, col, "的引号后面还有内容：请把整个值放进引号里，或去掉引号")
    if "expected <block end>" in problem or "expected key" in problem or "'-' indicator" in problem:
        return Mistake(line, col, "的缩进与上文对不上：同一层的键要左对齐（只用空格），列表项以“- ”开头并与同级对齐")
    if "not allowed in this context" in problem:
        return Mistake(line, col, "不能在这里开始列表（“- ”）：请检查上一行的冒号和缩进")
    return Mistake(line, col, "无法解析：请检查这一行及上一行的冒号、引号、括号和缩进")


def suspicious(data: Any) -> Mistake | None:
    """The first input-method mistake in a parsed YAML document that still parsed, or None."""
    stack = [data]
    found: list[Mistake] = []
    while stack and not found:
        node = stack.pop()
        if isinstance(node, CommentedMap):
            for key, value in node.items():
                if isinstance(key, str) and not isinstance(key, ScalarString):
                    found += _in_key(node, key)
                if isinstance(value, str) and not isinstance(value, ScalarString):
                    found += _bracketed(node.lc.value(key) if _has_value_lc(node, key) else None, value)
                elif isinstance(value, (CommentedMap, CommentedSeq)):
                    stack.append(value)
        elif isinstance(node, CommentedSeq):
            flow = node.fa.flow_style()
            for n, item in enumerate(node):
                if isinstance(item, str) and not isinstance(item, ScalarString):
                    line, col = node.lc.item(n)
                    at = item.find("，")
                    if flow and at >= 0:
                        found.append(_full_width(line + 1, col + 1 + at, "，"))
                    else:
                        found += _bracketed((line, col), item)
                elif isinstance(item, (CommentedMap, CommentedSeq)):
                    stack.append(item)
    return min(found, key=lambda m: (m.line, m.col)) if found else None


def _has_value_lc(node: CommentedMap, key: Any) -> bool:
    try:
        node.lc.value(key)
    except (KeyError, TypeError, AttributeError):
        return False
    return True


def _in_key(node: CommentedMap, key: str) -> list[Mistake]:
    line, col = node.lc.key(key)
    if key[:1] in "“”" or key[-1:] in "“”":
        at = 0 if key[:1] in "“”" else len(key) - 1
        return [_full_width(line + 1, col + 1 + at, key[at], "：键不需要引号，请去掉")]
    at = key.find("：")
    if at >= 0:
        return [_full_width(line + 1, col + 1 + at, "：", "（冒号后加一个空格）")]
    return []


def _bracketed(where: tuple[int, int] | None, value: str) -> list[Mistake]:
    """A whole plain value in full-width brackets was meant as a list or a mapping."""
    if where is None or len(value) < 2:
        return []
    pair = value[0] + value[-1]
    if pair in ("［］", "｛｝"):
        return [_full_width(where[0] + 1, where[1] + 1, value[0])]
    return []


# -- the parse itself ------------------------------------------------------------------------

MAX_INT_DIGITS = 30
MAX_EXPONENT = 10_000  # a decimal exponent beyond ±this is refused where it is written (decimal overflows at 999,999)


class _Refused(MarkedYAMLError):
    """A document refused for a reason of ours; the problem text is shown as it is."""


class _DuplicateKey(MarkedYAMLError):
    def __init__(self, key: str, first: Any, second: Any):
        super().__init__(None, first, f'found duplicate key "{key}"', second)
        self.key = key


_PLAIN_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_PLAIN_FLOAT = re.compile(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?")
_PLAIN_DATE = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}")
_PLAIN_BOOL = ("true", "True", "TRUE", "false", "False", "FALSE")
_AS_TEXT = "；若是文字请加引号"


def _number_form(text: str) -> str:
    """Why a number-like scalar is not read as a number, in words."""
    bare = text.lstrip("+-")
    if bare[:2] in ("0x", "0X"):
        return f"“{text}” 是十六进制写法：数字请写成十进制{_AS_TEXT}"
    if bare[:2] in ("0o", "0O") or (len(bare) > 1 and bare[0] == "0" and bare.isdigit()):
        return f"“{text}” 是八进制或带前导零的写法：数字请写成十进制，不带前导零{_AS_TEXT}"
    if bare[:2] in ("0b", "0B"):
        return f"“{text}” 是二进制写法：数字请写成十进制{_AS_TEXT}"
    if "_" in text:
        return f"“{text}” 含下划线：数字请写成 {text.replace('_', '')}{_AS_TEXT}"
    if bare.lower() in (".inf", ".nan"):
        return "应为有限的数字（不能是 NaN 或无穷大）"
    return f"“{text}” 不是十进制数字（六十进制等写法不被接受）{_AS_TEXT}"


class _Constructor(RoundTripConstructor):
    """ruamel's round-trip constructor with exact numbers and both places of a duplicate key.

    Floats become `Decimal` from the text as written: a binary float would silently turn
    999999999999.999999 into 1000000000000. Integers longer than MAX_INT_DIGITS are refused
    before Python's int conversion limit raises a bare ValueError. Numbers, yes/no and times
    in any other form than plain decimal, true/false and a bare date are kept as `Written` text.
    """

    def check_mapping_key(self, node: Any, key_node: Any, mapping: Any, key: Any, value: Any) -> bool:
        if key in mapping and not self.allow_duplicate_keys:
            first = node.start_mark
            for other, _ in node.value:
                if other is key_node:
                    break
                if getattr(other, "value", None) == key_node.value:
                    first = other.start_mark
                    break
            raise _DuplicateKey(str(key), first, key_node.start_mark)
        return super().check_mapping_key(node, key_node, mapping, key, value)

    def construct_yaml_int(self, node: Any) -> Any:
        text = str(node.value)
        if not _PLAIN_INT.fullmatch(text):
            return Written(text, _number_form(text))
        if sum(ch.isdigit() for ch in text) > MAX_INT_DIGITS:
            raise _Refused(None, None, f"数字过长（超过 {MAX_INT_DIGITS} 位）", node.start_mark)
        return super().construct_yaml_int(node)

    def construct_yaml_bool(self, node: Any) -> Any:
        text = str(node.value)
        if text not in _PLAIN_BOOL:  # YAML 1.1's yes/no/on/off
            return Written(text, f"“{text}” 是文字，不是是否值：请写 true 或 false（或 是、否）")
        return super().construct_yaml_bool(node)

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        text = str(node.value)
        if not _PLAIN_DATE.fullmatch(text):
            return Written(text, f"“{text}” 带有时间：日期请写作 YYYY-MM-DD（不带时间）{_AS_TEXT}")
        try:
            return super().construct_yaml_timestamp(node, values)
        except (ValueError, OverflowError):  # 2013-02-30: looks like a date, is none
            raise _Refused(None, None, f"日期不存在（{node.value}）；请写出实际存在的日期", node.start_mark) from None

    def construct_yaml_float(self, node: Any) -> Any:
        text = str(node.value)
        if not _PLAIN_FLOAT.fullmatch(text):
            return Written(text, _number_form(text))
        try:
            value = Decimal(text)
        except InvalidOperation:
            return super().construct_yaml_float(node)
        if not value.is_finite():
            return super().construct_yaml_float(node)
        if abs(value.adjusted()) > MAX_EXPONENT:  # 1e999999999999: no arithmetic may even touch it
            raise _Refused(None, None, f"数字超出范围（{node.value}）；请写出实际的数", node.start_mark)
        return _tidy(value)


_Constructor.add_constructor("tag:yaml.org,2002:int", _Constructor.construct_yaml_int)
_Constructor.add_constructor("tag:yaml.org,2002:float", _Constructor.construct_yaml_float)
_Constructor.add_constructor("tag:yaml.org,2002:bool", _Constructor.construct_yaml_bool)
_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)


def _tidy(value: Decimal) -> Decimal:
    """2.50 → 2.5 and 1e2 → 100, so a value's decimal places are the ones that matter."""
    if abs(value) >= Decimal(10) ** 24:
        return value  # far out of every range; reported as too large by the validators
    value = value.normalize()
    return value.quantize(Decimal(1)) if value.as_tuple().exponent > 0 else value


def load(text: str, file: str, error: type[InputError], max_depth: int) -> Any:
    """ruamel's round-trip parse of `text` (places, quoting and exact numbers kept), or `error`
    at the mistake: named where it is one of the known ones, else at ruamel's mark."""
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    yaml.allow_duplicate_keys = False
    yaml.preserve_quotes = True  # lets a condition error point at the right column inside quotes
    yaml.max_depth = max_depth  # ruamel ≥ 0.19; older versions end in the RecursionError below
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mistake = None if isinstance(exc, (_Refused, _DuplicateKey)) else explain(text, exc)
        if mistake is not None:
            raise error(Problem(Location(file, mistake.line, mistake.col), mistake.message)) from None
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        msg = _yaml_message(exc, max_depth)
        raise error(Problem(Location(file, line, col), msg, "document.syntax")) from None
    except ReaderError as exc:  # a character YAML does not allow in a document (C0/C1 controls)
        before = text[: exc.position]
        line, col = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        what = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        raise error(
            Problem(Location(file, line, col), f"不允许的控制字符 {what}，请删除后重试", "document.syntax")
        ) from None
    except YAMLError as exc:
        raise error(Problem(Location(file, 1, 1), f"无法解析：{exc}", "document.syntax")) from None
    except RecursionError:
        raise error(Problem(Location(file), f"嵌套层次过深（上限 {max_depth} 层）", "document.too-deep")) from None


def _yaml_message(exc: MarkedYAMLError, max_depth: int) -> str:
    if isinstance(exc, _Refused):
        return str(exc.problem)
    if isinstance(exc, _DuplicateKey):
        first = exc.context_mark
        where = f"（第一次出现在第 {first.line + 1} 行第 {first.column + 1} 列）" if first else ""
        return f"重复的键 “{exc.key}”{where}"
    problem = (exc.problem or "").strip()
    if "maximum depth" in problem:
        return f"嵌套层次过深（上限 {max_depth} 层）"
    if "found character '\\t'" in str(exc):
        return "语法错误：不能用制表符缩进"
    return f"语法错误：{problem or exc}"
