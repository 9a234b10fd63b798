"""Parsed rules files kept as checked JSON in the user's cache folder, so a run skips the YAML parse.

Parsing a large rules file with ruamel takes most of a ruleset's load; its result (the values,
which strings were quoted, and the line:column of every key, value and item) is stored as plain
JSON under a name derived from the sha256 of the file's bytes, the engine's version and the
parser's own source. A file that extends another is loaded file by file, each through this
cache, so an edit to the file or to any file it extends changes a key and is parsed afresh;
the checked Ruleset itself is always rebuilt from the parsed data and is never stored. An entry
is read back into the engine's own placed containers (engine.documents.source), which locate
exactly as ruamel's do: a run that hits the cache does not import ruamel at all.

The cache is only a shortcut: it holds JSON, never pickle; an entry is decoded by a strict
reader (anything unexpected makes it a miss) and its recorded digest and versions must match;
a folder that is not the user's own or that others may write to is not used at all; every
failure to read or write it falls back to parsing. `ASSESS_NO_CACHE=1` turns it off,
`ASSESS_CACHE_DIR` moves it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import stat
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine import __version__
from engine.documents import source
from engine.documents.source import (
    Document,
    DoubleQuoted,
    FoldedBlock,
    LiteralBlock,
    PlacedMap,
    PlacedSeq,
    Places,
    SingleQuoted,
    parse_document,
    read_text,
)
from engine.errors import RulesError

FORMAT = 1
MAX_ENTRY_BYTES = 64 * 1024 * 1024
_PARSER: list[str] = []  # the parser's identity, computed once
# a quoted or block scalar is stored with its style's code and read back as Quoted text of that style
_QUOTED = {"D": DoubleQuoted, "S": SingleQuoted, "L": LiteralBlock, "F": FoldedBlock}


@functools.cache
def _kinds() -> dict[type, str]:
    """ruamel's types by what `encode` writes for them (imported only when a parsed file is stored)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarint import ScalarInt
    from ruamel.yaml.scalarstring import (
        DoubleQuotedScalarString,
        FoldedScalarString,
        LiteralScalarString,
        SingleQuotedScalarString,
    )

    return {
        CommentedMap: "map",
        CommentedSeq: "seq",
        ScalarInt: "int",
        DoubleQuotedScalarString: "D",
        SingleQuotedScalarString: "S",
        LiteralScalarString: "L",
        FoldedScalarString: "F",
    }


class _Uncacheable(Exception):
    """A value this format does not store (a merge key, a tagged or hex number …): parse every time."""


def load_rules_document(path: Path | str) -> Document:
    """The parsed rules file: from the cache when an entry for these exact bytes exists, else parsed."""
    path = Path(path)
    text, digest = read_text(path, RulesError)
    found = remembered("document", digest)
    if found is not None:
        return Document(str(path), found, digest)
    doc = parse_document(text, str(path), digest, RulesError)
    remember("document", digest, doc.data)
    return doc


def remembered(kind: str, digest: str) -> Any:
    """What was stored for (kind, the sha256 of a file's bytes), or None."""
    folder = cache_dir()
    return None if folder is None else _read(folder, kind, digest)


def remember(kind: str, digest: str, data: Any) -> None:
    """Store data (see `encode` for what it may hold) for (kind, digest); silently nothing when it cannot."""
    folder = cache_dir()
    if folder is not None:
        _write(folder, kind, digest, data)


def cache_dir() -> Path | None:
    """This user's cache folder for parsed rules files, or None when none is safe to use."""
    if os.environ.get("ASSESS_NO_CACHE") == "1":
        return None
    given = os.environ.get("ASSESS_CACHE_DIR")
    if given:
        base = Path(given)
    elif sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "fazhi-assess" / "Cache"
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches" / "fazhi-assess"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "fazhi-assess"
    folder = base / "rules"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if _private(folder) and _private(folder.parent) else None


def _private(folder: Path) -> bool:
    """A real folder of this user that no one else may write to (a shared one could serve forged entries)."""
    if not hasattr(os, "getuid"):
        return folder.is_dir()  # Windows: the per-user profile folder is private by its ACLs
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o022


def _identity() -> str:
    """Engine version, ruamel's version and the parser's source: any change makes every entry a miss.
    ruamel is named by its package's first file (which holds its version), found without importing it."""
    if not _PARSER:
        digest = hashlib.sha256(f"{FORMAT}|{__version__}".encode())
        found = [importlib.util.find_spec(name) for name in ("ruamel.yaml", "engine.documents.yaml_syntax")]
        for module in (*(spec.origin if spec else None for spec in found), source.__file__, __file__):
            try:
                digest.update(Path(module).read_bytes() if module else b"?")
            except OSError:
                digest.update(b"?")
        _PARSER.append(digest.hexdigest())
    return _PARSER[0]


def _entry(folder: Path, kind: str, digest: str) -> Path:
    return folder / (hashlib.sha256(f"{_identity()}|{kind}|{digest}".encode()).hexdigest()[:40] + ".json")


def _read(folder: Path, kind: str, digest: str) -> Any:
    """The stored data for a file of this digest, or None (missing, from another engine, damaged)."""
    entry = _entry(folder, kind, digest)
    try:
        with open(entry, "rb") as fh:
            info = os.fstat(fh.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ENTRY_BYTES:
                return None
            stored = json.loads(fh.read())
        if (
            not isinstance(stored, dict)
            or set(stored) != {"format", "engine", "kind", "sha256", "data"}
            or stored["format"] != FORMAT
            or stored["engine"] != _identity()
            or stored["kind"] != kind
            or stored["sha256"] != digest
        ):
            return None
        return decode(stored["data"])
    except (OSError, ValueError, TypeError, KeyError, RecursionError):
        return None


def _write(folder: Path, kind: str, digest: str, data: Any) -> None:
    try:
        payload = {"format": FORMAT, "engine": _identity(), "kind": kind, "sha256": digest, "data": encode(data)}
    except (_Uncacheable, RecursionError):
        return
    tmp = None
    try:
        import tempfile  # only when an entry is stored

        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, ensure_ascii=False, separators=(",", ":"))
        os.replace(tmp, _entry(folder, kind, digest))
        tmp = None
    except OSError:
        pass
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def encode(value: Any) -> Any:
    """A parsed document (ruamel's containers and scalars, as parsed) as JSON-ready data that keeps
    quoting and every line:column."""
    kind = type(value)
    tag = _kinds().get(kind)
    if tag == "map":
        if value.merge:
            raise _Uncacheable("merge key")
        data = value.lc.data or {}
        return {
            "m": [[encode(k), encode(v), _stored(data.get(k))] for k, v in value.items()],
            "p": _stored([value.lc.line, value.lc.col]),
        }
    if tag == "seq":
        data = value.lc.data or {}
        return {
            "s": [encode(v) for v in value],
            "l": [data.get(i) for i in range(len(value))],
            "p": [value.lc.line, value.lc.col],
        }
    if kind in (str, int, bool) or value is None:
        return value
    if kind is dict:
        return {"o": [[encode(k), encode(v)] for k, v in value.items()]}
    if kind is list:
        return {"a": [encode(v) for v in value]}
    if kind is Decimal:
        return {"d": str(value)}
    if kind is date:
        return {"t": value.isoformat()}
    if tag == "int" and value._underscore is None:  # ruamel reads a plain 0 as this
        return {"i": int(value), "w": value._width}
    if tag in _QUOTED:
        return {"q": tag, "v": str(value)}
    raise _Uncacheable(kind.__name__)


def decode(value: Any) -> Any:
    """The inverse of `encode`, in the engine's own placed containers (engine.documents.source):
    the same data and places without ruamel; raises ValueError on anything `encode` does not write."""
    if value is None or type(value) in (str, int, bool):
        return value
    if type(value) is not dict:
        raise ValueError("unexpected value")
    keys = value.keys()
    if keys == {"m", "p"}:
        out = PlacedMap()
        places = {}
        for key_data, item, place in value["m"]:
            key = decode(key_data)
            if isinstance(key, dict | list) or key in out:
                raise ValueError("bad key")
            out[key] = decode(item)
            if place is not None:
                places[key] = _place(place, 4)
        out.lc = Places(*_place(value["p"], 2), places)
        return out
    if keys == {"s", "l", "p"}:
        out = PlacedSeq([decode(v) for v in value["s"]])
        if type(value["l"]) is not list or len(value["l"]) != len(out):
            raise ValueError("bad places")
        places = {i: _place(place, 2) for i, place in enumerate(value["l"]) if place is not None}
        out.lc = Places(*_place(value["p"], 2), places)
        return out
    if keys == {"o"}:
        plain = {}
        for key_data, item in value["o"]:
            key = decode(key_data)
            if isinstance(key, dict | list) or key in plain:
                raise ValueError("bad key")
            plain[key] = decode(item)
        return plain
    if keys == {"a"}:
        return [decode(v) for v in value["a"]]
    if keys == {"d"} and type(value["d"]) is str:
        number = Decimal(value["d"])
        if not number.is_finite():
            raise ValueError("bad number")
        return number
    if keys == {"t"} and type(value["t"]) is str:
        return date.fromisoformat(value["t"])
    if keys == {"i", "w"} and type(value["i"]) is int and (value["w"] is None or type(value["w"]) is int):
        return value["i"]  # ruamel's int that remembers its width: the number is all the engine reads
    if keys == {"q", "v"} and value["q"] in _QUOTED and type(value["v"]) is str:
        return _QUOTED[value["q"]](value["v"])
    raise ValueError("unexpected entry")


def _stored(place: Any) -> Any:
    if place is not None and not all(type(n) is int for n in place):
        raise _Uncacheable("a place without a line or column")
    return place


def _place(place: Any, size: int) -> list[int]:
    if type(place) is not list or len(place) != size:
        raise ValueError("bad place")
    for number in place:
        if type(number) is not int:
            raise ValueError("bad place")
    return place
