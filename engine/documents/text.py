"""Invisible characters in user text: refused on input, escaped wherever text reaches a terminal."""

from __future__ import annotations

import re

# C0 controls except tab, LF and CR; DEL; C1 controls; lone surrogates (not encodable as UTF-8)
INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def printable(value: str) -> str:
    """Refuse control characters (tab and line breaks aside): a workbook cannot hold them, so
    they would silently vanish, and on a terminal they can rewrite the screen."""
    m = INVISIBLE.search(value)
    if m:
        raise ValueError(f"含有不可见的控制字符 U+{ord(m.group(0)):04X}（第 {m.start() + 1} 个字符），请删除")
    return value


def visible(text: str) -> str:
    """Text safe to print: every invisible character shown as a \\uXXXX escape."""
    return INVISIBLE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
