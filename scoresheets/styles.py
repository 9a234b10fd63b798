"""Named styles and CJK-aware sizing shared by every workbook this package writes."""

from __future__ import annotations

import functools
import math
import unicodedata
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side

BODY_FONT = "宋体"
HEAD_FONT = "黑体"
BODY_PT = 10.5
TITLE_PT = 16

TITLE = "标题"
INFO = "信息"
HEADER = "表头"
BODY = "正文"
CENTER = "居中"
NUMBER = "数值"
INPUT = "输入"
TOTAL = "合计"
SUBHEAD = "小标题"

NUMBER_FORMAT = "0.00"
MAX_ROW_HEIGHT = 409  # Excel's limit, in points

# Extra fills applied on top of a named style (few cells, so the per-cell cost does not matter).
PENDING_FILL = PatternFill("solid", fgColor="FFF2CC")
SELF_DIFF_FILL = PatternFill("solid", fgColor="F4B183")  # 自评分 differs from 得分
DEDUCTION_FILL = PatternFill("solid", fgColor="FFC7CE")
SEVERE_FILL = PatternFill("solid", fgColor="F8CBAD")
MISSING_FILL = PatternFill("solid", fgColor="FFF2CC")

_thin = Side(style="thin", color="000000")
_BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)


def _styles() -> list[NamedStyle]:
    body = Font(name=BODY_FONT, size=BODY_PT)
    bold_body = Font(name=BODY_FONT, size=BODY_PT, bold=True)
    wrap_left = Alignment(horizontal="left", vertical="center", wrap_text=True)
    wrap_center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    return [
        NamedStyle(TITLE, font=Font(name=HEAD_FONT, size=TITLE_PT, bold=True), alignment=wrap_center),
        NamedStyle(INFO, font=body, alignment=Alignment(horizontal="left", vertical="center", wrap_text=True)),
        NamedStyle(
            HEADER,
            font=Font(name=HEAD_FONT, size=BODY_PT, bold=True),
            fill=PatternFill("solid", fgColor="D9D9D9"),
            border=_BORDER,
            alignment=wrap_center,
        ),
        NamedStyle(BODY, font=body, border=_BORDER, alignment=wrap_left),
        NamedStyle(CENTER, font=body, border=_BORDER, alignment=wrap_center),
        NamedStyle(NUMBER, font=body, border=_BORDER, alignment=wrap_center, number_format=NUMBER_FORMAT),
        # Blue text is the usual spreadsheet cue for "you may type here"; unlocked under sheet protection.
        NamedStyle(
            INPUT,
            font=Font(name=BODY_FONT, size=BODY_PT, color="1F4E99"),
            border=_BORDER,
            alignment=wrap_center,
            number_format=NUMBER_FORMAT,
            protection=Protection(locked=False),
        ),
        NamedStyle(TOTAL, font=bold_body, border=_BORDER, alignment=wrap_center, number_format=NUMBER_FORMAT),
        NamedStyle(SUBHEAD, font=Font(name=HEAD_FONT, size=BODY_PT + 1, bold=True), alignment=wrap_left),
    ]


def register_styles(wb: Workbook) -> None:
    """Add this package's named styles to wb; calling it again is harmless."""
    present = set(wb.named_styles)
    for style in _styles():
        if style.name not in present:
            wb.add_named_style(style)


def cjk_width(text: str) -> int:
    """Display width in column units: 2 per East-Asian wide/fullwidth character, 1 otherwise."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@functools.lru_cache(maxsize=8192)  # item texts repeat on every unit's sheet
def line_count(text: str, width: float) -> int:
    """Lines that text takes when wrapped in a column `width` units wide."""
    usable = max(width - 1.5, 1.0)  # cell padding eats about 1.5 units
    return sum(max(1, math.ceil(cjk_width(part) / usable)) for part in str(text).split("\n"))


def row_height(texts_and_widths: Iterable[tuple[str, float]], font_pt: float = BODY_PT) -> float:
    """Row height in points that shows every (text, column width) pair wrapped in full.

    LibreOffice does not grow rows for wrapped text, so heights have to be explicit.
    """
    lines = max((line_count(t, w) for t, w in texts_and_widths if t), default=1)
    # 1.45 × size per line: Noto CJK in LibreOffice needs more than 宋体 in Excel; loose beats clipped.
    return min(round(lines * font_pt * 1.45 + 4, 1), MAX_ROW_HEIGHT)
