"""JSON documents read with the stdlib parser; ruamel only when a line:column is asked for.

ruamel's round-trip parse is most of the time it takes to validate a submission, and positions
are needed only to report a problem. A `.json` file is parsed with `json`, and its Document
parses the same text with ruamel the first time it locates something — so every message keeps
the position it had. Whatever ruamel would read differently, or reject, goes the full way at
once: duplicate keys (reported with both positions), NaN/Infinity, tabs, line-break and
non-printable characters YAML treats otherwise, anything `json` refuses.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from engine.documents.source import (
    Document,
    load_document,
    parse_document,
    read_text,
)
from engine.errors import InputError, Location, Problem

_YAML_DIFFERS = ("\t", "\x85", "\u2028", "\u2029")
# what ruamel's Reader.NON_PRINTABLE matches, written as the few ranges it matches rather than the
# complement of the many it allows: the same set (a test compares them), compiled in a tenth of the time
_NON_PRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


class _Full(Exception):
    """The text needs the full (ruamel) parse."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _Full
    return out


def _constant(name: str) -> Any:
    raise _Full  # NaN, Infinity, -Infinity: not JSON


def _float(text: str) -> Any:
    # exactly as written, like the full parser (no binary float in between); long or huge
    # numbers take the full parser, which refuses them at their place
    if len(text) > 30 or "e" in text.lower():
        raise _Full
    from decimal import Decimal

    return Decimal(text)


def _int(text: str) -> Any:
    if len(text.lstrip("-")) > 30:
        raise _Full
    return int(text)


@dataclass(frozen=True)
class LazyDocument(Document):
    """A Document whose data came from `json`; locations come from a ruamel parse of the same text."""

    text: str = field(default="", repr=False, compare=False)
    error: type[InputError] = field(default=InputError, repr=False, compare=False)

    @cached_property
    def located(self) -> Document:
        return parse_document(self.text, self.file, self.sha256, self.error)

    def locate(self, loc: tuple[Any, ...]) -> Location:
        return self.located.locate(loc)

    def locate_key(self, loc: tuple[Any, ...]) -> Location:
        return self.located.locate_key(loc)


def parse_json(text: str, file: str, digest: str, error: type[InputError]) -> Document:
    """The document for JSON text: fast when ruamel would read the same data, else ruamel's."""
    if not any(ch in text for ch in _YAML_DIFFERS) and not _NON_PRINTABLE.search(text):
        try:
            data = json.loads(
                text, object_pairs_hook=_pairs, parse_constant=_constant, parse_float=_float, parse_int=_int
            )
        except (_Full, ValueError, RecursionError):
            pass
        else:
            _check_count(data, text, file, error)
            return LazyDocument(file, data, digest, text=text, error=error)
    return parse_document(text, file, digest, error)


MAX_VALUES = 30_000  # 500 records of a few fields in each record list, and the indicators, with room


def _check_count(data: Any, text: str, file: str, error: type[InputError]) -> None:
    """Refuse a document with more than MAX_VALUES values before anything else reads it (located
    by its longest list: a ruamel parse to locate it would cost more than the document is worth)."""
    count, longest, stack = 0, ((), 0), [((), data)]
    while stack:
        path, node = stack.pop()
        count += 1
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        if isinstance(node, list) and len(node) > longest[1]:
            longest = (path, len(node))
        stack.extend(((*path, key), child) for key, child in children)
    if count <= MAX_VALUES:
        return
    path, size = longest
    named = next((k for k in reversed(path) if isinstance(k, str)), None)
    at = text.find(json.dumps(named, ensure_ascii=False)) if named is not None else -1
    line, col = (text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)) if at >= 0 else (None, None)
    message = f"数据过多（{count} 个值，上限 {MAX_VALUES}）；最长的列表有 {size} 项"
    raise error(Problem(Location(file, line, col, path), message, "document.too-many-values"))


def load_data_document(path: Path | str, error: type[InputError]) -> Document:
    """Like source.load_document, with `.json` files on the fast path."""
    if not str(path).lower().endswith(".json"):
        return load_document(path, error)
    path = Path(path)
    text, digest = read_text(path, error)
    return parse_json(text, str(path), digest, error)
