"""Safe output file names made from a unit's name, which is user input.

`safe_filename` returns a bare file name (never a path): no separators, no `..`, nothing a
Windows, macOS or Linux file system refuses, no invisible or direction-changing characters,
at most MAX_NAME_BYTES bytes of UTF-8, and different (ignoring case) from every name in `taken`.
"""

from __future__ import annotations

import re
import unicodedata

SUFFIX = "评分表.xlsx"
MAX_NAME_BYTES = 200  # file systems allow 255; the atomic writer's temporary name adds some
MAX_UNIT_CHARS = 80
FALLBACK = "未命名单位"

_FORBIDDEN = set('<>:"/\\|?*')
# categories never wanted in a file name: controls, format (bidi overrides, zero width),
# surrogates, unassigned, private use, line and paragraph separators
_BAD_CATEGORIES = {"Cc", "Cf", "Cs", "Cn", "Co", "Zl", "Zp"}
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$", re.IGNORECASE)


def clean_part(text: str) -> str:
    """One component of a file name: unsafe characters become "_", ends trimmed."""
    text = unicodedata.normalize("NFC", text)
    out = []
    for ch in text:
        if ch.isspace():  # line breaks and tabs included
            out.append(" ")
        elif ch in _FORBIDDEN or unicodedata.category(ch) in _BAD_CATEGORIES:
            out.append("_")
        else:
            out.append(ch)
    cleaned = re.sub(r"_{2,}", "_", re.sub(r" {2,}", " ", "".join(out)))
    cleaned = cleaned.strip(" ._")  # no leading dot (hidden, "..") and no trailing dot or space (Windows)
    if _RESERVED.match(cleaned):
        cleaned = "_" + cleaned
    return cleaned


def _fit(text: str, max_bytes: int) -> str:
    while len(text.encode("utf-8")) > max_bytes:
        text = text[:-1]
    return text.rstrip(" ._")


def safe_filename(unit: str, year: int | str, taken: set[str]) -> str:
    """`<unit>-<year>-评分表.xlsx` made safe; adds the chosen name (case-folded) to `taken`.

    A second unit whose name cleans to the same text gets `…-评分表-2.xlsx`, and so on.
    """
    stem_unit = clean_part(unit)[:MAX_UNIT_CHARS] or FALLBACK
    year_part = clean_part(str(year)) or "未知年度"
    n = 1
    while True:
        tail = f"-{year_part}-{SUFFIX}" if n == 1 else f"-{year_part}-{SUFFIX[:-5]}-{n}.xlsx"
        room = MAX_NAME_BYTES - len(tail.encode("utf-8"))
        name = (_fit(stem_unit, room) or FALLBACK) + tail
        if name.casefold() not in taken:
            taken.add(name.casefold())
            return name
        n += 1
