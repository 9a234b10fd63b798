"""Safe, distinct output file names made from what a submission says about itself.

A unit's name is user input: it may hold path separators, `..`, characters Windows refuses,
control or bidi-override characters, a reserved device name, or be hundreds of characters
long. `safe_stem` turns it into a name that is valid on Linux, macOS and Windows and can only
ever name a file directly inside the output folder; `NameAllocator` keeps names distinct
(case- and normalisation-insensitively, as Windows and macOS compare them) with stable
suffixes `-2`, `-3` in the order names are asked for.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

MAX_STEM_CHARS = 80
# Most file systems allow 255 bytes per name. 80 CJK characters are 240 UTF-8 bytes, so the
# stem is also capped in bytes, leaving room for "-2012年度评分表-12.xlsx" and the temporary
# name (".<name>.XXXXXXXX.part") written beside it.
MAX_STEM_BYTES = 180
FALLBACK = "未命名单位"

_UNSAFE = re.compile(r'[/\\:*?"<>|\'`‘’“”]')
_WINDOWS_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    "CLOCK$",
    "CONIN$",
    "CONOUT$",
    *(f"COM{c}" for c in "0123456789¹²³"),
    *(f"LPT{c}" for c in "0123456789¹²³"),
}


def repair_surrogates(text: str) -> str:
    """Join surrogate pairs into their character and replace lone surrogates with U+FFFD.

    JSON escapes such as "\\ud83d\\ude00" can arrive as two separate surrogates; they cannot
    be encoded as UTF-8 (a file name) or written to XML (a workbook) as they are.
    """
    if not any("\ud800" <= ch <= "\udfff" for ch in text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _drop_unsafe(text: str) -> str:
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            continue  # control, format (bidi overrides, zero-width), unassigned
        out.append("_" if _UNSAFE.match(ch) else " " if cat == "Zs" else ch)
    return "".join(out)


def _cap(text: str, max_chars: int, max_bytes: int) -> str:
    """At most max_chars characters and max_bytes UTF-8 bytes, cut at a character boundary."""
    text = text[:max_chars]
    while len(text.encode("utf-8")) > max_bytes:
        text = text[:-1]
    return text


def safe_stem(text: str, max_chars: int = MAX_STEM_CHARS, max_bytes: int = MAX_STEM_BYTES) -> str:
    """A file-name stem from arbitrary text: no separators, no `..`, no leading dot, no reserved name."""
    s = unicodedata.normalize("NFC", repair_surrogates(str(text)).replace("\ufffd", ""))
    s = _drop_unsafe(s)
    s = re.sub(r"\.{2,}", "_", s)  # ".." anywhere (also "a..b"), never a path step
    s = re.sub(r"\s+", " ", s)
    s = re.sub(r"_{2,}", "_", s)
    s = s.strip(" ._")  # leading dots hide a file; trailing dots and spaces Windows drops
    s = _cap(s, max_chars, max_bytes).rstrip(" .")
    if not s:
        return FALLBACK
    device = s.split(".")[0].rstrip(" ").upper()
    if device in _WINDOWS_RESERVED:
        s = "_" + s
    return s


def _key(name: str) -> str:
    """How file systems that ignore case and normalisation form compare names."""
    return unicodedata.normalize("NFC", name).casefold()


class NameAllocator:
    """Hands out distinct file names; the first asker keeps the plain name, later ones get -2, -3."""

    def __init__(self, reserved: tuple[str, ...] = ()):
        self._taken = {_key(n) for n in reserved}

    def take(self, stem: str, suffix: str) -> str:
        """A free name `stem + suffix`, else `stem + "-N" + suffix` with the smallest free N ≥ 2."""
        candidate = stem + suffix
        n = 1
        while _key(candidate) in self._taken:
            n += 1
            candidate = f"{stem}-{n}{suffix}"
        self._taken.add(_key(candidate))
        return candidate


def scoresheet_name(unit: str, year: int) -> tuple[str, str]:
    """(stem, suffix) of a unit's scoresheet, e.g. ("花山区人民政府-2012年度评分表", ".xlsx")."""
    return f"{safe_stem(unit)}-{int(year)}年度评分表", ".xlsx"


def inside(folder: Path, name: str) -> Path:
    """folder / name, refusing any name that would not be a file directly inside folder."""
    if not name or name in (".", "..") or Path(name).name != name or "/" in name or "\\" in name:
        raise ValueError(f"unsafe file name: {name!r}")
    return folder / name


def safe_filename(unit: str, year: int | str, taken: set[str]) -> str:
    """A single unit's scoresheet name, the same as a batch gives it; `taken` holds the names
    already used (compared as file systems compare them) and receives the new one."""
    try:
        stem, suffix = scoresheet_name(unit, int(year))
    except (TypeError, ValueError):
        stem, suffix = f"{safe_stem(unit)}-评分表", ".xlsx"
    allocator = NameAllocator(tuple(taken))
    name = allocator.take(stem, suffix)
    taken.add(_key(name))
    return name
