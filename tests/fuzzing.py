"""Fuzzing the `assess` command: hostile submissions and broken rules files through the real CLI.

Each case is a submission file (and sometimes a mutated rules file) written to disk and run
through `engine.cli.app.main` in this process. Every run must end in one of two ways:

- exit 3, every problem naming one of the input files and a place in it (line:col or a path);
- exit 0 with the result the plain-Python oracle computes from the same files.

Anything else is a finding: exit 4 (internal error), another exit code, an exception escaping
`main`, a run over the time limit, an unlocated message or a result that differs from the
oracle. Used by tests/test_fuzz.py (bounded) and scripts/fuzz.py (≥ 10,000 cases).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import re
import signal
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from ruamel.yaml import YAML

AS_OF = "2014-01-15T09:00:00+08:00"
TIME_LIMIT = 20  # seconds per run; a real one takes well under one
OK = ("result", "invalid")


class Hang(BaseException):
    """Raised by the alarm; a BaseException so the CLI's error boundary cannot swallow it."""


@dataclass(frozen=True)
class Case:
    """One run: submission bytes, rules bytes (None: a given rules file), output format.

    `verb` says which command reads the hostile bytes: "assess" (a submission or 填报表),
    "verify" (a scoresheet, with `submission` as `sheet` and `base` the submission it was
    assessed from) or "extract" (a report, .docx or text).
    """

    what: str
    submission: bytes
    rules: bytes | None = None
    fmt: str = "json"
    suffix: str = ".json"
    verb: str = "assess"
    base: bytes = b""


@dataclass(frozen=True)
class Outcome:
    kind: str  # result | invalid | internal | exit-N | escaped | hang | unlocated | wrong-result
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.kind in OK


# -- JSON text with exact decimals ---------------------------------------------------------


def dump_json(data: Any, ascii_only: bool = False) -> str:
    """JSON text of generated data; Decimals written exactly as numbers, NaN/Infinity as tokens."""

    def default(value: Any) -> Any:
        if isinstance(value, Decimal):
            return f"\x00DEC{format(value, 'f')}\x00"
        raise TypeError(type(value))

    text = json.dumps(data, ensure_ascii=ascii_only, indent=1, default=default)
    return re.sub(r'"\\u0000DEC(-?[0-9.]+)\\u0000"', r"\1", text)


# -- hostile values ------------------------------------------------------------------------

FORMULA_TEXT = ["=1+1", '=HYPERLINK("http://x","点击")', "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "=cmd|'/c calc'!A0"]
HOSTILE_SCALARS: list[Any] = [
    None,
    True,
    False,
    "",
    " ",
    "50",
    "是",
    "NaN",
    "Infinity",
    float("nan"),
    float("inf"),
    float("-inf"),
    10**25,
    -(10**25),
    10**40,
    1e308,
    -1e308,
    5e-324,
    -1,
    -0.5,
    0.1234567,
    100.000001,
    100.5,
    1000,
    10**12 + 1,
    2**63,
    "2013-02-30",
    "2013/03/01",
    "20130301",
    20130301,
    "2013-3-1",
    "x" * 100_000,
    "法" * 5000,
    "\x00\x01\x1b[31m",
    "\ud800",
    "\u202e反转",
    "..",
    "../../etc/passwd",
    "CON",
    *FORMULA_TEXT,
]


hostile_text = st.one_of(
    st.sampled_from(
        FORMULA_TEXT + ["x" * 1999, "法" * 1999, "\u202e反转", "../../etc/passwd", "a/b\\c:d*e?f", "CON", "😀" * 50]
    ),
    st.text(st.characters(exclude_categories=["Cs", "Cc"]), min_size=1, max_size=30).map(lambda t: "=" + t),
)


def nested(depth: int, kind: str) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value] if kind == "list" else {"a": value}
    return value


hostile_values = st.one_of(
    st.sampled_from(HOSTILE_SCALARS),
    st.builds(nested, st.sampled_from([2, 30, 99, 101, 300]), st.sampled_from(["list", "dict"])),
    st.integers(),
    st.floats(),
    st.text(max_size=40),
    st.lists(st.integers(), max_size=3),
    st.just({}),
)
hostile_keys = st.one_of(
    st.sampled_from(["", " ", "指标", "单位名称", "$schema", "__proto__", "a" * 300, "=1+1", "\x00"]),
    st.text(min_size=1, max_size=12),
)


def _paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value inside data (dict keys and list indexes)."""
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for k, v in data.items():
            out.extend(_paths(v, prefix + (k,)))
    elif isinstance(data, list):
        for i, v in enumerate(data[:4]):  # the first few records are enough
            out.extend(_paths(v, prefix + (i,)))
    return out


def _parent(data: Any, path: tuple) -> Any:
    for step in path[:-1]:
        data = data[step]
    return data


@st.composite
def mutated_data(draw, base: dict) -> tuple[str, dict]:
    """One to three structural mutations of a valid submission."""
    data = copy.deepcopy(base)
    notes = []
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)
        op = draw(st.sampled_from(["set", "set", "set", "text", "text", "drop", "add", "top"]))
        if op == "top" or not paths:
            value = draw(st.one_of(hostile_values, st.just([data])))
            notes.append(f"top={str(value)[:40]!r}")
            data = value
            break
        texts = [p for p in paths if isinstance(_parent(data, p)[p[-1]], str)]
        if op == "text" and texts:  # hostile but valid text: the run should score it
            path = draw(st.sampled_from(texts))
            value = draw(hostile_text)
            _parent(data, path)[path[-1]] = value
            notes.append(f"text {path}={value[:40]!r}")
            continue
        path = draw(st.sampled_from(paths))
        parent = _parent(data, path)
        if op == "set":
            value = draw(hostile_values)
            parent[path[-1]] = value
            notes.append(f"set {path}={str(value)[:40]!r}")
        elif op == "drop":
            del parent[path[-1]]
            notes.append(f"drop {path}")
        else:
            target = parent if isinstance(parent, dict) else data
            key = draw(hostile_keys)
            target[key] = draw(hostile_values)
            notes.append(f"add key {key[:20]!r}")
        if not isinstance(data, dict):
            break
    return "; ".join(notes), data


TEXT_EDITS = [
    "truncate",
    "insert-byte",
    "duplicate-key",
    "nan-token",
    "infinity-token",
    "bom",
    "double-bom",
    "gbk",
    "utf16",
    "bad-utf8",
    "trailing-comma",
    "comment",
    "empty",
    "null",
    "tab-indent",
    "huge-number",
]


@st.composite
def text_mutation(draw, text: str) -> tuple[str, bytes]:
    """A JSON-text level mutation of a submission's text."""
    edit = draw(st.sampled_from(TEXT_EDITS))
    raw = text.encode("utf-8")
    if edit == "truncate":
        cut = draw(st.integers(0, max(0, len(raw) - 1)))
        return f"truncate@{cut}", raw[:cut]
    if edit == "insert-byte":
        at = draw(st.integers(0, len(raw)))
        byte = bytes([draw(st.integers(0, 255))])
        return f"insert {byte!r}@{at}", raw[:at] + byte + raw[at:]
    if edit == "duplicate-key":
        lines = text.splitlines(keepends=True)
        keyed = [n for n, line in enumerate(lines) if re.match(r'\s*"[^"]+":', line)]
        if not keyed:
            return edit, raw
        n = draw(st.sampled_from(keyed))
        line = lines[n].rstrip("\n")
        if not line.rstrip().endswith((",", "{", "[")):
            line = line.rstrip() + ","
        return f"duplicate line {n + 1}", "".join(lines[:n] + [line + "\n"] + lines[n:]).encode()
    if edit in ("nan-token", "infinity-token", "huge-number"):
        numbers = list(re.finditer(r"(?<=: )-?\d+(\.\d+)?(?=[,\n])", text))
        if not numbers:
            return edit, raw
        m = draw(st.sampled_from(numbers))
        token = {"nan-token": "NaN", "infinity-token": "-Infinity", "huge-number": "1" + "0" * 400}[edit]
        return f"{edit}@{m.start()}", (text[: m.start()] + token + text[m.end() :]).encode()
    if edit == "bom":
        return edit, b"\xef\xbb\xbf" + raw
    if edit == "double-bom":
        return edit, b"\xef\xbb\xbf\xef\xbb\xbf" + raw
    if edit == "gbk":
        return edit, text.encode("gb18030")
    if edit == "utf16":
        return edit, text.encode("utf-16")
    if edit == "bad-utf8":
        at = draw(st.integers(0, len(raw)))
        return f"bad-utf8@{at}", raw[:at] + b"\xff\xfe\xc3" + raw[at:]
    if edit == "trailing-comma":
        return edit, re.sub(r"\n}\s*$", ",\n}\n", text).encode()
    if edit == "comment":
        return edit, ("// 注释\n" + text).encode()
    if edit == "empty":
        return edit, draw(st.sampled_from([b"", b"   \n", b"\xef\xbb\xbf"]))
    if edit == "null":
        return edit, draw(st.sampled_from([b"null", b"[]", b"123", b'"x"', b"{}"]))
    return edit, text.replace("\n ", "\n\t").encode()  # tab-indent


def submission_cases(bases: st.SearchStrategy[dict]) -> st.SearchStrategy[Case]:
    """Hostile submissions derived from valid ones."""

    def by_data(pair: tuple[dict, tuple[str, dict], str, str, bool]) -> Case:
        _, (what, data), fmt, suffix, ascii_only = pair
        try:
            text = dump_json(data, ascii_only)  # ascii: a lone surrogate arrives as a \\ud800 escape
        except (ValueError, RecursionError):
            text = "[" * 5000
        return Case(f"data: {what}", text.encode("utf-8", "surrogatepass"), fmt=fmt, suffix=suffix)

    def by_text(pair: tuple[tuple[str, bytes], str]) -> Case:
        (what, raw), suffix = pair
        return Case(f"text: {what}", raw, suffix=suffix)

    suffixes = st.sampled_from([".json", ".json", ".yaml"])
    formats = st.sampled_from(["json", "json", "json", "xlsx"])
    data_cases = bases.flatmap(lambda b: st.tuples(st.just(b), mutated_data(b), formats, suffixes, st.booleans())).map(
        by_data
    )
    text_cases = bases.flatmap(lambda b: st.tuples(text_mutation(dump_json(b)), suffixes)).map(by_text)
    return st.one_of(data_cases, data_cases, text_cases)


# -- rules files ---------------------------------------------------------------------------

BROKEN_CONDITIONS = [
    "",
    "(",
    "a >",
    "未知指标 > 0",
    "且",
    "(((((((((( x > 1",
    "x >> 1",
    "x = = 1",
    "“未闭合",
    "报告报送日期 < 5",
    "1 < 2",
    "非非非",
    "x 属于 []",
    "x > 1" + " 或 x > 1" * 80,
    "(" * 600 + "x > 1" + ")" * 600,
    "x > 0.0000001",
    "x > 10000000000000",
    "x > 1e5",
    "x > NaN",
    "x\x00 > 1",
]


def _rules_paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for k, v in data.items():
            out.extend(_rules_paths(v, prefix + (k,)))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out.extend(_rules_paths(v, prefix + (i,)))
    return out


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.width = 4096
    return yaml


def _dump(data: Any) -> str:
    buf = io.StringIO()
    _yaml().dump(data, buf)
    return buf.getvalue()


RETYPES: list[Any] = ["", "x", 0, -1, 1.5, 10**13, [], {}, None, True, "NaN", [1, 2], {"x": 1}, "=1+1"]


@st.composite
def rules_mutation(draw, text: str) -> tuple[str, bytes]:
    """Drop, retype or duplicate one key of a rules file, or break one of its conditions."""
    data = _yaml().load(text)
    paths = _rules_paths(data)
    op = draw(st.sampled_from(["drop", "retype", "duplicate", "condition", "condition"]))
    if op == "condition":
        conditions = [p for p in paths if p[-1] == "条件"]
        path = draw(st.sampled_from(conditions))
        parent = _parent(data, path)
        original = str(parent[path[-1]])
        how = draw(st.sampled_from(["replace", "delete-char", "insert-char"]))
        if how == "replace":
            new = draw(st.sampled_from(BROKEN_CONDITIONS))
        elif how == "delete-char" and original:
            at = draw(st.integers(0, len(original) - 1))
            new = original[:at] + original[at + 1 :]
        else:
            at = draw(st.integers(0, len(original)))
            new = original[:at] + draw(st.sampled_from(list('()（）且或非<>=!"“”[]、,0-.x 　'))) + original[at:]
        parent[path[-1]] = new
        return f"condition {path}: {new[:40]!r}", _dump(data).encode()
    path = draw(st.sampled_from(paths))
    parent = _parent(data, path)
    if op == "drop":
        del parent[path[-1]]
        return f"drop {path}", _dump(data).encode()
    if op == "retype":
        value = draw(st.sampled_from(RETYPES))
        parent[path[-1]] = value
        return f"retype {path}={value!r}", _dump(data).encode()
    # duplicate: the key's line, twice (only mapping keys have lines of their own)
    keys = [p for p in paths if isinstance(p[-1], str)]
    path = draw(st.sampled_from(keys))
    parent = _parent(data, path)
    line = parent.lc.key(path[-1])[0]
    lines = text.splitlines(keepends=True)
    return f"duplicate line {line + 1}", "".join(lines[: line + 1] + [lines[line]] + lines[line + 1 :]).encode()


def rules_cases(rules_text: str, bases: st.SearchStrategy[dict]) -> st.SearchStrategy[Case]:
    def build(pair: tuple[tuple[str, bytes], dict]) -> Case:
        (what, rules), base = pair
        return Case(f"rules: {what}", dump_json(base).encode(), rules=rules)

    return st.tuples(rules_mutation(rules_text), bases).map(build)


def _other_kinds(value: Any) -> list[Any]:
    """Values of other types than `value`: what a mistyped key would hold."""
    if isinstance(value, str):
        return [None, 0, ["x"]]
    if isinstance(value, list):
        return [None, "x", {"x": 1}]
    if isinstance(value, dict):
        return [None, "x", ["x"]]
    return [None, "x", ["x"]]  # numbers, booleans


def every_rules_mutation(rules_text: str, submission: bytes) -> Iterator[Case]:
    """Exhaustively: every key of the rules file dropped, retyped three ways and duplicated."""
    yaml = _yaml()
    lines = rules_text.splitlines(keepends=True)
    for path in _rules_paths(yaml.load(rules_text)):
        for how in ["drop", *range(3), "duplicate"]:
            data = yaml.load(rules_text)
            parent = _parent(data, path)
            if how == "drop":
                del parent[path[-1]]
                yield Case(f"rules: drop {path}", submission, rules=_dump(data).encode())
            elif how == "duplicate":
                if isinstance(path[-1], str):
                    line = parent.lc.key(path[-1])[0]
                    text = "".join(lines[: line + 1] + [lines[line]] + lines[line + 1 :])
                    yield Case(f"rules: duplicate {path}", submission, rules=text.encode())
            else:
                value = _other_kinds(parent[path[-1]])[how]
                parent[path[-1]] = value
                yield Case(f"rules: retype {path}={value!r}", submission, rules=_dump(data).encode())


# -- workbooks and reports ------------------------------------------------------------------
#
# A 填报表 (from `assess template --from`), a scoresheet (for `assess verify`) and a .docx report
# (for `assess extract`) are zip files of XML: the mutations edit the XML a reader trusts (cell
# values and types, rows, dimensions, formulas, number formats, shared strings, members) and
# then, sometimes, the zip itself.

HOSTILE_CELL_VALUES = [
    "1e400",
    "-1e400",
    "1e-400",
    "1E+308",
    "NaN",
    "INF",
    "1e999999999",
    "99999999999999999999999999999",
    "-0",
    "-1",
    "0.1234567890123",
    "4294967296",
    "45000.5",
    "2958466",
    "",
    "abc",
    "2013-02-30",
    "１２",
]
HOSTILE_CELL_TEXT = [
    "行\n伪造的一行",
    "回车\r覆盖",
    "\u202e反转",
    "\u2066隔离\u2069",
    "\u200f",
    "\x1b[31m红",
    "=1+1",
    "x" * 40000,
    "0x3",
    "1_000",
    ".inf",
    "2013-03-31 10:00",
    "是",
    "否",
    "TRUE",
]
HOSTILE_FORMULAS = [
    "1E600000*1E600000",
    'WEBSERVICE("http://127.0.0.1/")',
    "[1]Sheet1!A1",
    "SUM(A1:XFD1048576)",
    "A1",
    "1/0",
    'INDIRECT("A"&1)',
    "((((((((((((((((((((1))))))))))))))))))))",
]
HOSTILE_FORMATS = ['"99.50"', "0.00;;;", ";;;", '[Red]"一致"', "0.00E+999", "@"]
XML_EDITS = [
    "value",
    "value",
    "type",
    "inline-text",
    "shared-string",
    "row-number",
    "row-duplicate",
    "row-drop",
    "dimension",
    "formula",
    "number-format",
    "xml-truncate",
    "xml-byte",
    "entity",
    "member-drop",
    "member-duplicate",
    "zip-truncate",
    "zip-byte",
]


def _members(raw: bytes) -> list[tuple[str, bytes]]:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        return [(info.filename, zf.read(info)) for info in zf.infolist()]


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    import warnings
    import zipfile

    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a duplicated member is the point of some cases
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in members:
                zf.writestr(name, data)
    return buffer.getvalue()


def _escape_xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


@st.composite
def zip_mutation(draw, raw: bytes) -> tuple[str, bytes]:
    """One edit of the XML inside an xlsx or docx (or of the zip around it)."""
    members = _members(raw)
    edit = draw(st.sampled_from(XML_EDITS))
    if edit == "zip-truncate":
        cut = draw(st.integers(0, len(raw) - 1))
        return f"zip truncated at {cut}", raw[:cut]
    if edit == "zip-byte":
        at = draw(st.integers(0, len(raw) - 1))
        return f"zip byte {at} flipped", raw[:at] + bytes([raw[at] ^ 0xFF]) + raw[at + 1 :]
    names = [name for name, _ in members]
    xml = [n for n, (name, _) in enumerate(members) if name.endswith((".xml", ".rels"))]
    if edit == "member-drop":
        n = draw(st.sampled_from(xml))
        return f"member {names[n]} dropped", _zip(members[:n] + members[n + 1 :])
    if edit == "member-duplicate":
        n = draw(st.sampled_from(xml))
        other = members[n][1].replace(b"<v>", b"<v>9", 1) if b"<v>" in members[n][1] else members[n][1] + b" "
        return f"member {names[n]} twice", _zip(members + [(names[n], other)])
    sheets = [n for n in xml if "worksheets/sheet" in names[n] or names[n] == "word/document.xml"] or xml
    n = draw(st.sampled_from(sheets))
    name, data = members[n]
    text = data.decode("utf-8", "replace")
    what, text = _xml_edit(draw, edit, text, members)
    if edit == "number-format":
        styles = [k for k, (nm, _) in enumerate(members) if nm.endswith("styles.xml")]
        if styles:
            k = styles[0]
            fmt = _escape_xml(draw(st.sampled_from(HOSTILE_FORMATS)))
            body = members[k][1].decode()
            body = re.sub(r'formatCode="[^"]*"', f'formatCode="{fmt}"', body, count=1)
            if "formatCode" not in body and "<cellXfs" in body:  # no custom format yet: every style gets one
                head, xfs = body.split("<cellXfs", 1)
                numfmt = f'<numFmts count="1"><numFmt numFmtId="200" formatCode="{fmt}"/></numFmts>'
                head = head.replace("<fonts", numfmt + "<fonts", 1)
                body = head + "<cellXfs" + re.sub(r'numFmtId="\d+"', 'numFmtId="200"', xfs)
            members[k] = (members[k][0], body.encode())
            what = f"number format {fmt}"
    if edit == "shared-string":
        strings = [k for k, (nm, _) in enumerate(members) if nm.endswith("sharedStrings.xml")]
        if strings:
            k = strings[0]
            body = members[k][1].decode()
            found = list(re.finditer(r"<t(?: [^>]*)?>([^<]*)</t>", body))
            if found:
                m = draw(st.sampled_from(found))
                new = _escape_xml(draw(st.sampled_from(HOSTILE_CELL_TEXT)))
                body = body[: m.start(1)] + new + body[m.end(1) :]
                members[k] = (members[k][0], body.encode())
                what = f"shared string {m.group(1)[:20]!r} → {new[:20]!r}"
    members[n] = (name, text.encode("utf-8", "surrogatepass"))
    return f"{name}: {what}", _zip(members)


def _xml_edit(draw, edit: str, text: str, members: list) -> tuple[str, str]:
    values = list(re.finditer(r"<v>([^<]*)</v>", text))
    cells = list(re.finditer(r'<c r="([A-Z]+)(\d+)"([^>]*?)(/?)>', text))
    rows = list(re.finditer(r'<row r="(\d+)"[^>]*>.*?</row>', text, re.S))
    paragraphs = list(re.finditer(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", text))
    if edit == "value" and values:
        m = draw(st.sampled_from(values))
        new = draw(st.sampled_from(HOSTILE_CELL_VALUES))
        return f"value {m.group(1)[:20]!r} → {new!r}", text[: m.start(1)] + new + text[m.end(1) :]
    if edit == "type" and cells:
        m = draw(st.sampled_from(cells))
        kind = draw(st.sampled_from(["s", "n", "b", "e", "str", "inlineStr", "d", "bogus"]))
        attrs = re.sub(r' t="[^"]*"', "", m.group(3)) + f' t="{kind}"'
        return f"cell {m.group(1)}{m.group(2)} type {kind}", text[: m.start(3)] + attrs + text[m.end(3) :]
    if edit == "inline-text" and (cells or paragraphs):
        new = _escape_xml(draw(st.sampled_from(HOSTILE_CELL_TEXT)))
        if paragraphs:  # a report: the text of one run
            m = draw(st.sampled_from(paragraphs))
            return f"run text → {new[:20]!r}", text[: m.start(1)] + new + text[m.end(1) :]
        m = draw(st.sampled_from(cells))
        ref = f"{m.group(1)}{m.group(2)}"
        end = text.find("</c>", m.end()) if not m.group(4) else m.end()
        if end < 0:
            return "no cell", text
        close = len("</c>") if not m.group(4) else 0
        cell = f'<c r="{ref}" t="inlineStr"><is><t>{new}</t></is></c>'
        return f"cell {ref} inline {new[:20]!r}", text[: m.start()] + cell + text[end + close :]
    if edit == "row-number" and rows:
        m = draw(st.sampled_from(rows))
        to = draw(st.sampled_from(["1000000", "1048576", "1048577", "0", "-1", "1", m.group(1)]))
        row = re.sub(r'(<c r="[A-Z]+)\d+"', rf'\g<1>{to}"', m.group(0).replace(f'r="{m.group(1)}"', f'r="{to}"', 1))
        return f"row {m.group(1)} → {to}", text[: m.start()] + row + text[m.end() :]
    if edit == "row-duplicate" and rows:
        m = draw(st.sampled_from(rows))
        return f"row {m.group(1)} twice", text[: m.end()] + m.group(0) + text[m.end() :]
    if edit == "row-drop" and rows:
        m = draw(st.sampled_from(rows))
        return f"row {m.group(1)} dropped", text[: m.start()] + text[m.end() :]
    if edit == "dimension":
        ref = draw(st.sampled_from(["A1:XFD1048576", "A1:A1", "A1:ZZZZ99999999", "garbage"]))
        if "<dimension" in text:
            return f"dimension {ref}", re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{ref}"', text, count=1)
        if paragraphs:  # a report: one very long paragraph
            size = draw(st.sampled_from([2000, 20000, 100000]))
            m = draw(st.sampled_from(paragraphs))
            return f"run × {size}", text[: m.start(1)] + ("办结率99%，" * size)[: size * 3] + text[m.end(1) :]
        return "no dimension", text
    if edit == "formula" and values:
        m = draw(st.sampled_from(values))
        formula = _escape_xml(draw(st.sampled_from(HOSTILE_FORMULAS)))
        return f"formula {formula}", text[: m.start()] + f"<f>{formula}</f>" + text[m.start() :]
    if edit == "xml-truncate":
        cut = draw(st.integers(0, max(0, len(text) - 1)))
        return f"xml truncated at {cut}", text[:cut]
    if edit == "xml-byte":
        at = draw(st.integers(0, len(text)))
        char = draw(st.sampled_from(["<", ">", "&", '"', "\x00", "\x1b", "\ud800", "]]>", "<!--"]))
        return f"xml {char!r} at {at}", text[:at] + char + text[at:]
    if edit == "entity":
        bomb = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
        external = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        doctype = draw(st.sampled_from([bomb, external]))
        body = text.split("?>", 1)
        use = "&d;" if doctype is bomb else "&e;"
        out = (body[0] + "?>" + doctype + body[1]) if len(body) == 2 else doctype + text
        if values:
            out = out.replace("<v>", f"<v>{use}", 1)
        elif paragraphs:
            out = re.sub(r"(<w:t(?: [^>]*)?>)", rf"\g<1>{use}", out, count=1)
        return f"entity {'bomb' if doctype is bomb else 'external'}", out
    return f"{edit} (nothing to edit)", text


def docx_report(paragraphs: list[str]) -> bytes:
    """A minimal .docx holding the paragraphs, one run each."""
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{_escape_xml(p)}</w:t></w:r></w:p>' for p in paragraphs)
    xml = f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{w}"><w:body>{body}</w:body></w:document>'
    return _zip([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", xml.encode())])


def workbook_cases(verb: str, raw: bytes, base: bytes = b"") -> st.SearchStrategy[Case]:
    """Hostile 填报表 (verb "assess"), scoresheets ("verify") or .docx reports ("extract") made from `raw`."""
    suffix = ".docx" if verb == "extract" else ".xlsx"

    def build(pair: tuple[str, bytes]) -> Case:
        what, data = pair
        return Case(f"{verb} {suffix}: {what}", data, suffix=suffix, verb=verb, base=base)

    return zip_mutation(raw).map(build)


# -- running -------------------------------------------------------------------------------

# "  file:line[:col]: …" or "  file: path: …" (a place inside a file with no lines, e.g. an xlsx member)
_LOCATED = re.compile(r"^  (?P<file>.+?):(?:(?P<line>\d+)(?::\d+)?: | (?P<path>\S+): )")


def run_case(case: Case, folder: Path, rules_path: Path | None = None) -> Outcome:
    """Write the case's files into folder, run the CLI in this process, classify what happened."""
    from engine.cli.app import main

    submission = folder / f"submission{case.suffix}"
    submission.write_bytes(case.submission)
    rules = rules_path
    if case.rules is not None:
        rules = folder / "rules.yaml"
        rules.write_bytes(case.rules)
    out = folder / "out.xlsx"
    out.unlink(missing_ok=True)
    args = [str(submission), "--format", case.fmt, "--as-of", AS_OF]
    if rules is not None:
        args += ["--rules", str(rules)]
    if case.fmt == "xlsx":
        args += ["-o", str(out)]
    files = {str(submission), str(rules)}
    if case.verb == "verify":
        assessed = folder / "assessed.json"
        assessed.write_bytes(case.base)
        args = ["verify", str(submission), str(assessed)] + ([str(rules)] if rules is not None else [])
        files.add(str(assessed))
    elif case.verb == "extract":
        args = ["extract", str(submission), "-o", str(folder / "draft.json")]
        args += ["--rules", str(rules)] if rules is not None else []
    stdout, stderr = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIME_LIMIT)
    code: Any = None
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                main(args)
            except SystemExit as exc:
                code = exc.code
    except Hang:
        return Outcome("hang", f"over {TIME_LIMIT} s")
    except BaseException as exc:  # anything escaping main is a finding
        return Outcome("escaped", "".join(traceback.format_exception(exc))[-2000:])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    err = stderr.getvalue()
    if "fuzzing.Hang" in err:  # the alarm went off inside a callback that swallowed it
        return Outcome("hang", f"over {TIME_LIMIT} s")
    if "Traceback" in err:
        return Outcome("escaped", err[-2000:])
    if code == 3:  # a workbook or report broken as a whole is refused at the file
        return _check_located(err, files, whole=case.suffix in (".xlsx", ".docx"))
    if code == 1 and case.verb == "verify":
        return Outcome("result")  # differences listed: a tampered sheet found out
    if code != 0:
        return Outcome("internal" if code == 4 else f"exit-{code}", err.strip()[:2000])
    if case.verb in ("verify", "extract"):
        return Outcome("result")
    return _check_result(case, submission, rules, stdout.getvalue(), out)


def _alarm(signum: int, frame: Any) -> None:
    raise Hang


def _check_located(err: str, files: set[str], whole: bool = False) -> Outcome:
    lines = [line for line in err.splitlines() if line.startswith("  ")]
    if not lines:
        return Outcome("unlocated", err[:500])
    for line in lines:
        m = _LOCATED.match(line)
        in_book = any(line.startswith(f"  {file}!") for file in files)  # file!sheet!A1: …
        in_book |= whole and any(line.startswith(f"  {file}: ") for file in files)
        if not in_book and (not m or m.group("file") not in files):
            return Outcome("unlocated", line[:500])
    return Outcome("invalid", lines[0][:200])


def _check_result(case: Case, submission: Path, rules: Path | None, stdout: str, out: Path) -> Outcome:
    import datetime as dt

    from engine import api
    from engine.assessment import assess
    from engine.evaluation.plain import oracle_firings
    from engine.intake.submission import load_submission
    from engine.render.json_out import to_json

    try:
        ruleset = api.get_ruleset(rules)
        expected = assess(
            ruleset,
            load_submission(submission, ruleset),
            as_of=dt.datetime.fromisoformat(AS_OF),
            firings=oracle_firings,
        )
    except Exception as exc:
        return Outcome("wrong-result", f"the CLI scored it, the oracle path raised {type(exc).__name__}: {exc}"[:500])
    if case.fmt == "json":
        if stdout != to_json(expected):
            return Outcome("wrong-result", "JSON differs from the oracle's result")
        return Outcome("result")
    import zipfile

    try:
        with zipfile.ZipFile(out) as zf:
            if zf.testzip() is not None:
                return Outcome("wrong-result", "corrupt workbook")
    except (OSError, zipfile.BadZipFile) as exc:
        return Outcome("wrong-result", f"no readable workbook: {exc}")
    return Outcome("result")
