"""Reading YAML and JSON documents with the line:column of every value.

ruamel.yaml's round-trip loader keeps positions (`.lc`), rejects duplicate keys and
follows YAML 1.2 (so `on`/`no` stay strings); JSON is valid YAML, so one loader serves both
(engine.documents.yaml_syntax, imported only when a file is parsed). A rules file read back from
the cache (engine.ruleset.cache) is made of `PlacedMap`, `PlacedSeq` and `Quoted` text instead,
which locate the same way without importing ruamel.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.documents.numbers import Written as Written  # where it was always imported from
from engine.errors import InputError, Location, Problem
from engine.files.atomic import note_input

MAX_INPUT_BYTES = 4 * 1024 * 1024  # a rules file is ~100 KB, a submission ~10 KB; ruamel reads ~0.5 MB/s


@dataclass(frozen=True)
class Document:
    """A parsed document: its data, file name and sha256 of the bytes.

    `cells` is set for documents read from a workbook: it maps a path in the data to the
    sheet!cell it came from, so problems point at cells instead of lines. `readings` says, for a
    path, how an ambiguous value was read (a fraction in a plain percent cell …).
    """

    file: str
    data: Any
    sha256: str
    cells: dict[tuple[Any, ...], str] | None = None
    readings: dict[tuple[Any, ...], str] = field(default_factory=dict)

    def locate(self, loc: tuple[Any, ...]) -> Location:
        if self.cells is not None:
            return self._cell(loc)
        return locate(self.file, self.data, loc)

    def locate_key(self, loc: tuple[Any, ...]) -> Location:
        if self.cells is not None:
            return self._cell(loc)
        return key_location(self.file, self.data, loc)

    def _cell(self, loc: tuple[Any, ...]) -> Location:
        for end in range(len(loc), -1, -1):  # the longest prefix that has a cell
            cell = self.cells.get(tuple(loc[:end]))
            if cell is not None:
                return Location(self.file, path=tuple(loc), cell=cell)
        return Location(self.file, path=tuple(loc))


def read_bytes(
    path: Path, error: type[InputError], max_bytes: int = MAX_INPUT_BYTES, kind: str = "", *, as_input: bool = True
) -> tuple[bytes, str]:
    """Return (bytes, sha256) of an input file no larger than max_bytes, or raise a located error.

    At most max_bytes + 1 bytes are read whatever the file claims to be (a /proc file says 0), and
    only a regular file is read: a device (/dev/zero), FIFO or socket is refused before a byte is
    read (opened without blocking, so a FIFO with no writer cannot hang the command).
    """
    name = str(path)
    where = Location(name)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise error(Problem(where, "文件不存在", "file.missing")) from None
    except IsADirectoryError:
        raise error(Problem(where, "应为文件，实为文件夹", "file.is-folder")) from None
    except OSError as exc:
        raise error(Problem(where, f"无法读取文件：{exc.strerror}", "file.unreadable")) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise error(Problem(where, "应为文件，实为文件夹", "file.is-folder"))
        if not stat.S_ISREG(info.st_mode):
            raise error(
                Problem(where, "不是普通文件（设备、管道或套接字），不读取：请给出一个文件", "file.not-regular")
            )
        if info.st_size > max_bytes:
            raise error(Problem(where, _too_large(info.st_size, max_bytes, kind), "file.too-large"))
        chunks, got = [], 0
        while got <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        if got > max_bytes:
            raise error(Problem(where, _too_large(None, max_bytes, kind), "file.too-large"))
    except OSError as exc:
        raise error(Problem(where, f"无法读取文件：{exc.strerror}", "file.unreadable")) from None
    finally:
        os.close(fd)
    if as_input:  # no output of this process may replace it (an old output read to check it is not)
        note_input(path, info)
    raw = b"".join(chunks)
    return raw, hashlib.sha256(raw).hexdigest()


def _too_large(size: int | None, max_bytes: int, kind: str) -> str:
    said = f"（{size} 字节）" if size is not None else f"（超过 {max_bytes} 字节）"
    return f"文件过大{said}，{kind}上限为 {max_bytes} 字节"


def read_text(path: Path, error: type[InputError]) -> tuple[str, str]:
    """Return (text, sha256) of a UTF-8 file (a BOM is allowed), or raise a located error."""
    name = str(path)
    raw, digest = read_bytes(path, error)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise error(Problem(Location(name, 1, 1), f"是 UTF-16 编码的文本；{_SAVE_AS_UTF8}", "document.encoding"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        line = raw[: exc.start].count(b"\n") + 1
        col = len(raw[line_start : exc.start].decode("utf-8", errors="replace")) + 1
        raise error(Problem(Location(name, line, col), _not_utf8(raw, line_start), "document.encoding")) from None
    return text, digest


_SAVE_AS_UTF8 = "本程序只读 UTF-8：请另存为 UTF-8 编码后重试（记事本：另存为 → 编码选 UTF-8）"


def _not_utf8(raw: bytes, line_start: int) -> str:
    """Name the encoding the file seems to be in, and show the line as it reads in it.

    The file is not decoded for the user: a wrong guess gives wrong but plausible text (a unit
    name in a public notice), and the audit hash is of the bytes as submitted.
    """
    line_end = raw.find(b"\n", line_start)
    line = raw[line_start : line_end if line_end >= 0 else len(raw)]
    try:
        raw.decode("gb18030")
        shown = line.decode("gb18030").strip()
    except UnicodeDecodeError:
        return f"不是 UTF-8 编码的文本；{_SAVE_AS_UTF8}"
    sample = shown if len(shown) <= 40 else shown[:40] + "…"
    return f"不是 UTF-8 编码的文本，看起来是 GBK/GB18030 编码（按 GB18030 读，此行为“{sample}”）；{_SAVE_AS_UTF8}"


def load_document(path: Path | str, error: type[InputError]) -> Document:
    """Parse a YAML or JSON file into ruamel containers, or raise `error` with line:col."""
    path = Path(path)
    text, digest = read_text(path, error)
    return parse_document(text, str(path), digest, error)


MAX_DEPTH = 100  # nesting deeper than this is refused (no real rules file or submission comes close)
MAX_NODES = 1_000_000  # values after expanding YAML aliases: refuses "billion laughs" documents


class Places:
    """Where a map's keys and values or a list's items are written (0-based line and column): the
    part of ruamel's `.lc` that locating uses. `data` maps a key to [key line, key column, value
    line, value column], an index to [line, column]."""

    __slots__ = ("line", "col", "data")

    def __init__(self, line: int, col: int, data: dict[Any, list[int]]) -> None:
        self.line, self.col, self.data = line, col, data

    def key(self, key: Any) -> tuple[int, int]:
        place = self.data[key]
        return place[0], place[1]

    def value(self, key: Any) -> tuple[int, int]:
        place = self.data[key]
        return place[2], place[3]

    def item(self, index: int) -> tuple[int, int]:
        place = self.data[index]
        return place[0], place[1]


class PlacedMap(dict):
    """A mapping of a document read back from the cache, with its places in `lc`."""

    __slots__ = ("lc",)


class PlacedSeq(list):
    """A list of a document read back from the cache, with its places in `lc`."""

    __slots__ = ("lc",)


class Quoted(str):
    """Text written quoted or as a block, read back from the cache; `style` is ruamel's mark."""

    style = ""


class DoubleQuoted(Quoted):
    style = '"'


class SingleQuoted(Quoted):
    style = "'"


class LiteralBlock(Quoted):
    style = "|"


class FoldedBlock(Quoted):
    style = ">"


def quoted(value: Any) -> bool:
    """Whether a scalar was written in quotes (its text starts one column after the opening quote)."""
    if isinstance(value, Quoted):
        return value.style in "\"'"
    strings = sys.modules.get("ruamel.yaml.scalarstring")  # no ruamel value exists unless it is loaded
    return strings is not None and isinstance(
        value, (strings.DoubleQuotedScalarString, strings.SingleQuotedScalarString)
    )


_FLOW = re.compile(r"""[\[\]{}]|"(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'""")


def _too_deep_flow(text: str) -> tuple[int, int] | None:
    """Where [ and { first nest deeper than MAX_DEPTH (quoted text skipped), or None.

    Checked before ruamel parses: its scanner is quadratic in flow depth (50,000 nested [ took
    minutes) long before its own depth limit is reached."""
    depth = 0
    for m in _FLOW.finditer(text):
        ch = m.group(0)
        if ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return _line_col(text, m.start())
        elif ch in "]}":
            depth = max(depth - 1, 0)
    return None


def parse_document(text: str, file: str, digest: str, error: type[InputError]) -> Document:
    deep = _too_deep_flow(text)
    if deep is not None:
        raise error(Problem(Location(file, *deep), f"嵌套层次过深（上限 {MAX_DEPTH} 层）", "document.too-deep"))
    from engine.documents import yaml_syntax  # ruamel is imported only when a file is parsed

    data = yaml_syntax.load(text, file, error, MAX_DEPTH)
    problem = _expansion_problem(data)
    if problem:
        raise error(Problem(Location(file, 1, 1), problem, "document.expansion"))
    mistake = yaml_syntax.suspicious(data)
    if mistake is not None:
        raise error(Problem(Location(file, mistake.line, mistake.col), mistake.message, "document.syntax"))
    return Document(file, data, digest)


def _line_col(text: str, position: int) -> tuple[int, int]:
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


class _Cycle(Exception):
    pass


class _TooBig(Exception):
    pass


def _expansion_problem(data: Any) -> str | None:
    """A YAML alias may make a value appear many times (or inside itself); bound the total."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: Any, depth: int) -> int:
        if not isinstance(node, (dict, list)):
            return 1
        key = id(node)
        if key in active:
            raise _Cycle
        if key in sizes:
            return sizes[key]
        if depth > MAX_DEPTH:
            raise RecursionError
        active.add(key)
        children = node.values() if isinstance(node, dict) else node
        total = 1 + sum(size(child, depth + 1) for child in children)
        active.discard(key)
        sizes[key] = total
        if total > MAX_NODES:
            raise _TooBig
        return total

    try:
        size(data, 0)
    except _Cycle:
        return "别名（*）引用了包含它自身的内容"
    except _TooBig:
        return f"别名（*）展开后的内容过多（超过 {MAX_NODES} 个值）"
    except RecursionError:
        return f"嵌套层次过深（上限 {MAX_DEPTH} 层）"
    return None


def locate(file: str, data: Any, loc: tuple[Any, ...]) -> Location:
    """Map a pydantic-style location tuple to the 1-based line:col of that value."""
    hook = getattr(data, "locate_path", None)
    if hook is not None:  # a document assembled from several files locates its own parts
        return hook(loc)
    node = data
    line, col = 1, 1  # the document itself (also an empty one, or a bare scalar)
    for step in loc:
        if isinstance(node, dict) and step in node and hasattr(node, "lc"):  # ruamel's or a PlacedMap
            try:
                ln, cl = node.lc.value(step)
            except (KeyError, TypeError, AttributeError):
                ln, cl = node.lc.key(step)
            line, col = ln + 1, cl + 1
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node) and hasattr(node, "lc"):
            ln, cl = node.lc.item(step)
            line, col = ln + 1, cl + 1
            node = node[step]
        else:
            break
    return Location(file, line, col, tuple(loc))


def key_location(file: str, data: Any, loc: tuple[Any, ...]) -> Location:
    """Like `locate`, but point at the key of the last step (for unknown keys)."""
    hook = getattr(data, "locate_key", None)
    if hook is not None:
        return hook(loc)
    if not loc:
        return locate(file, data, loc)
    parent = data
    for step in loc[:-1]:
        try:
            parent = parent[step]
        except (KeyError, IndexError, TypeError):
            return locate(file, data, loc)
    if isinstance(parent, dict) and loc[-1] in parent and hasattr(parent, "lc"):
        ln, cl = parent.lc.key(loc[-1])
        return Location(file, ln + 1, cl + 1, tuple(loc))
    return locate(file, data, loc)


class Assembled(dict):
    """A document put together from parts of other documents; it locates each part in its own file.

    `sources` maps a location prefix in this document to (document, location there); the longest
    matching prefix wins, and `fallback` covers the rest.
    """

    def __init__(self, fallback: tuple[Document, tuple[Any, ...]]):
        super().__init__()
        self.fallback = fallback
        self.sources: dict[tuple[Any, ...], tuple[Document, tuple[Any, ...]]] = {}

    def map(self, loc: tuple[Any, ...], doc: Document, source: tuple[Any, ...]) -> None:
        self.sources[tuple(loc)] = (doc, tuple(source))

    def resolve(self, loc: tuple[Any, ...]) -> tuple[Document, tuple[Any, ...]]:
        loc = tuple(loc)
        for n in range(len(loc), -1, -1):
            hit = self.sources.get(loc[:n])
            if hit is not None:
                return hit[0], hit[1] + loc[n:]
        return self.fallback

    def locate_path(self, loc: tuple[Any, ...]) -> Location:
        doc, source = self.resolve(loc)
        return doc.locate(source)

    def locate_key(self, loc: tuple[Any, ...]) -> Location:
        doc, source = self.resolve(loc)
        return key_location(doc.file, doc.data, source)


def value_at(data: Any, loc: tuple[Any, ...]) -> Any:
    """The value at a location tuple, or None when the path does not exist."""
    for step in loc:
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def plain(data: Any) -> Any:
    """Convert ruamel containers and scalars to plain Python values."""
    if isinstance(data, dict):
        return {str(k): plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [plain(v) for v in data]
    if isinstance(data, bool) or data is None:
        return data
    if isinstance(data, int):
        return int(data)
    if isinstance(data, float):
        return float(data)
    if isinstance(data, Written):
        return data  # keeps why it is not a number
    if isinstance(data, str):
        return _join_surrogate_pairs(str(data))
    return data


_SURROGATE_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")


def _join_surrogate_pairs(text: str) -> str:
    # ruamel leaves a JSON escape pair ("\ud83d\ude00", as json.dumps writes 😀 or a CJK
    # Extension B character) as two surrogates; join them. A lone one stays, to be rejected.
    if not any("\ud800" <= ch <= "\udfff" for ch in text):
        return text
    return _SURROGATE_PAIR.sub(lambda m: m.group().encode("utf-16-le", "surrogatepass").decode("utf-16-le"), text)
