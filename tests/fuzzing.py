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
    """One run: submission bytes, rules bytes (None: a given rules file), output format."""

    what: str
    submission: bytes
    rules: bytes | None = None
    fmt: str = "json"
    suffix: str = ".json"


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
    if "Traceback" in err:
        return Outcome("escaped", err[-2000:])
    if code == 3:
        return _check_located(err, {str(submission), str(rules)})
    if code != 0:
        return Outcome("internal" if code == 4 else f"exit-{code}", err.strip()[:2000])
    return _check_result(case, submission, rules, stdout.getvalue(), out)


def _alarm(signum: int, frame: Any) -> None:
    raise Hang


def _check_located(err: str, files: set[str]) -> Outcome:
    lines = [line for line in err.splitlines() if line.startswith("  ")]
    if not lines:
        return Outcome("unlocated", err[:500])
    for line in lines:
        m = _LOCATED.match(line)
        if not m or m.group("file") not in files:
            return Outcome("unlocated", line[:500])
    return Outcome("invalid", lines[0][:200])


def _check_result(case: Case, submission: Path, rules: Path | None, stdout: str, out: Path) -> Outcome:
    import datetime as dt

    from engine import api
    from engine.assessment import assess_with_oracle
    from engine.intake.submission import load_submission
    from engine.render.json_out import to_json

    try:
        ruleset = api.get_ruleset(rules)
        expected = assess_with_oracle(
            ruleset, load_submission(submission, ruleset), as_of=dt.datetime.fromisoformat(AS_OF)
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
