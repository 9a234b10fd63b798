"""Invisible characters in user text: refused on input, escaped wherever text reaches a terminal.

Two kinds are refused in every text a user gives (rules files, submissions, 填报表, review files):
control characters, and direction controls (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C),
which make a name display in another order than it is stored (“‮fdp.exe” reads as exe.pdf).
Names (单位名称, 单位类型, 复核人 …) are one line: a line break in one would start a forged line
in batch progress output or a sheet. On output, `visible` and `visible_line` escape the same
characters in text that did not pass intake (file names, messages quoting input).
"""

from __future__ import annotations

import re

# C0 controls except tab, LF and CR; DEL; C1 controls; lone surrogates (not encodable as UTF-8)
_CONTROLS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
_DIRECTION = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_BREAKS = "\t\n\r\u2028\u2029"  # what starts a new line (or column) where a name is printed
INVISIBLE = re.compile(f"[{_CONTROLS}{_DIRECTION}]")
NOT_ONE_LINE = re.compile(f"[{_CONTROLS}{_DIRECTION}{_BREAKS}]")


def _refuse(m: re.Match[str]) -> None:
    code = ord(m.group(0))
    advice = "请删除"
    if chr(code) in "\u061c\u200e\u200f" or 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
        what = "改变文字显示方向的控制字符"
    elif chr(code) in _BREAKS:
        what, advice = "换行符或制表符", "这里只能写一行，请删除"
    else:
        what = "不可见的控制字符"
    raise ValueError(f"含有{what} U+{code:04X}（第 {m.start() + 1} 个字符），{advice}")


def printable(value: str) -> str:
    """Refuse control and direction characters (tab and line breaks aside): a workbook cannot
    hold control characters, so they would silently vanish, and on a terminal they can rewrite
    the screen; a direction override shows text in another order than it is stored."""
    m = INVISIBLE.search(value)
    if m:
        _refuse(m)
    return value


def one_line(value: str) -> str:
    """Like `printable`, and no line break or tab either: for names, which are printed one a line."""
    m = NOT_ONE_LINE.search(value)
    if m:
        _refuse(m)
    return value


def visible(text: str) -> str:
    """Text safe to print: every invisible character shown as a \\uXXXX escape (line breaks kept)."""
    return INVISIBLE.sub(_escape, text)


def visible_line(text: str) -> str:
    """Text safe to print as one line: line breaks and tabs escaped as well."""
    return NOT_ONE_LINE.sub(_escape, text)


def _escape(m: re.Match[str]) -> str:
    return f"\\u{ord(m.group(0)):04x}"
