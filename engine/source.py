"""Reading YAML and JSON documents with the line:column of every value.

ruamel.yaml's round-trip loader keeps positions (`.lc`), rejects duplicate keys and
follows YAML 1.2 (so `on`/`no` stay strings); JSON is valid YAML, so one loader serves both.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from .errors import InputError, Location, Problem

MAX_INPUT_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Document:
    """A parsed document: its data, file name and sha256 of the bytes.

    `cells` is set for documents read from a workbook: it maps a path in the data to the
    sheet!cell it came from, so problems point at cells instead of lines.
    """

    file: str
    data: Any
    sha256: str
    cells: dict[tuple[Any, ...], str] | None = None

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
                return Location(f"{self.file}!{cell}", path=format_path(loc))
        return Location(self.file, path=format_path(loc))


def read_text(path: Path, error: type[InputError]) -> tuple[str, str]:
    """Return (text, sha256) of a UTF-8 file (a BOM is allowed), or raise a located error."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise error(Problem(Location(name), f"文件过大（{size} 字节），上限为 {MAX_INPUT_BYTES} 字节"))
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error(Problem(Location(name), "文件不存在")) from None
    except IsADirectoryError:
        raise error(Problem(Location(name), "应为文件，实为文件夹")) from None
    except OSError as exc:
        raise error(Problem(Location(name), f"无法读取文件：{exc.strerror}")) from None
    digest = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        hint = _guess_encoding(raw)
        raise error(Problem(Location(name, line), f"不是 UTF-8 编码的文本{hint}；请另存为 UTF-8 后重试")) from None
    return text, digest


def _guess_encoding(raw: bytes) -> str:
    for enc in ("gb18030",):
        try:
            raw.decode(enc)
        except UnicodeDecodeError:
            continue
        return "（看起来是 GBK/GB18030 编码）"
    return ""


def load_document(path: Path | str, error: type[InputError]) -> Document:
    """Parse a YAML or JSON file into ruamel containers, or raise `error` with line:col."""
    path = Path(path)
    text, digest = read_text(path, error)
    return parse_document(text, str(path), digest, error)


def parse_document(text: str, file: str, digest: str, error: type[InputError]) -> Document:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    yaml.preserve_quotes = True  # lets a condition error point at the right column inside quotes
    try:
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        msg = _yaml_message(exc)
        raise error(Problem(Location(file, line, col), msg)) from None
    except YAMLError as exc:
        raise error(Problem(Location(file), f"无法解析：{exc}")) from None
    except RecursionError:
        raise error(Problem(Location(file), "嵌套层次过深")) from None
    return Document(file, data, digest)


def _yaml_message(exc: MarkedYAMLError) -> str:
    problem = (exc.problem or "").strip()
    if "duplicate key" in problem or "found duplicate key" in str(exc):
        first = exc.context_mark
        where = f"（第一次出现在第 {first.line + 1} 行第 {first.column + 1} 列）" if first else ""
        key = problem.split('"')[1] if '"' in problem else ""
        return f"重复的键 “{key}”{where}"
    if "found character '\\t'" in str(exc):
        return "语法错误：不能用制表符缩进"
    return f"语法错误：{problem or exc}"


def locate(file: str, data: Any, loc: tuple[Any, ...]) -> Location:
    """Map a pydantic-style location tuple to the 1-based line:col of that value."""
    hook = getattr(data, "locate_path", None)
    if hook is not None:  # a document assembled from several files locates its own parts
        return hook(loc)
    node = data
    line = col = None
    if isinstance(data, (CommentedMap, CommentedSeq)):
        line, col = 1, 1
    for step in loc:
        if isinstance(node, CommentedMap) and step in node:
            try:
                ln, cl = node.lc.value(step)
            except (KeyError, TypeError, AttributeError):
                ln, cl = node.lc.key(step)
            line, col = ln + 1, cl + 1
            node = node[step]
        elif isinstance(node, CommentedSeq) and isinstance(step, int) and 0 <= step < len(node):
            ln, cl = node.lc.item(step)
            line, col = ln + 1, cl + 1
            node = node[step]
        else:
            break
    return Location(file, line, col, format_path(loc))


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
    if isinstance(parent, CommentedMap) and loc[-1] in parent:
        ln, cl = parent.lc.key(loc[-1])
        return Location(file, ln + 1, cl + 1, format_path(loc))
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


def format_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for step in loc:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += ("." if out else "") + str(step)
    return out


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
