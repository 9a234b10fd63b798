"""Named styles and CJK-aware sizing shared by every workbook this package writes."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.styles.colors import COLOR_INDEX
from openpyxl.styles.differential import DifferentialStyleList
from openpyxl.styles.named_styles import NamedStyleList
from openpyxl.styles.table import TableStyleList
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList

BODY_FONT = "宋体"
HEAD_FONT = "黑体"
BODY_PT = 10.5
SUBHEAD_PT = BODY_PT + 1
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
BIG = "醒目"  # 总分 and 等次 on the first page
BIG_LABEL = "醒目标签"
BIG_PT = 20
BIG_LABEL_PT = 14

NUMBER_FORMAT = "0.00"
MAX_ROW_HEIGHT = 409  # Excel's limit, in points

# Extra fills applied on top of a named style (few cells, so the per-cell cost does not matter).
PENDING_FILL = PatternFill("solid", fgColor="FFF2CC")
SELF_DIFF_FILL = PatternFill("solid", fgColor="F4B183")  # 自评分 differs from 得分
DEDUCTION_FILL = PatternFill("solid", fgColor="FFC7CE")
SEVERE_FILL = PatternFill("solid", fgColor="F8CBAD")
MISSING_FILL = PatternFill("solid", fgColor="FFF2CC")
# 不适用 and 仅统计: grey italic, so they do not read as scored rows
QUIET_FILL = PatternFill("solid", fgColor="EDEDED")
QUIET_FONT = Font(name=BODY_FONT, size=BODY_PT, italic=True, color="7F7F7F")
ALARM_FONT = Font(name=HEAD_FONT, size=BIG_PT, bold=True, color="C00000")

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
        NamedStyle(SUBHEAD, font=Font(name=HEAD_FONT, size=SUBHEAD_PT, bold=True), alignment=wrap_left),
        NamedStyle(
            BIG,
            font=Font(name=HEAD_FONT, size=BIG_PT, bold=True),
            border=_BORDER,
            alignment=wrap_center,
            number_format=NUMBER_FORMAT,
        ),
        NamedStyle(
            BIG_LABEL,
            font=Font(name=HEAD_FONT, size=BIG_LABEL_PT, bold=True),
            fill=PatternFill("solid", fgColor="D9D9D9"),
            border=_BORDER,
            alignment=wrap_center,
        ),
    ]


def register_styles(wb: Workbook) -> None:
    """Add this package's named styles to wb; calling it again is harmless."""
    if _fresh(wb):
        _copy_styles(_registered(), wb)
    else:
        _add_styles(wb)


class _StyledWorkbook(Workbook):
    """A new workbook whose styles are copied from `_registered()` as it is made: openpyxl's own
    defaults (a Normal style bound to the workbook) were made only to be replaced."""

    def _setup_styles(self) -> None:
        self._date_formats, self._timedelta_formats = {}, {}
        self._colors = COLOR_INDEX
        self._cell_styles = IndexedList([StyleArray()])
        self._table_styles = TableStyleList()
        self._differential_styles = DifferentialStyleList()
        _copy_styles(_registered(), self)


def styled_workbook() -> Workbook:
    """A new workbook with this package's named styles (as `Workbook()` then `register_styles`)."""
    return _StyledWorkbook()


def _add_styles(wb: Workbook) -> None:
    present = set(wb.named_styles)
    for style in _styles():
        if style.name not in present:
            wb.add_named_style(style)


def warm_up() -> None:
    """Register the named styles now rather than in the first workbook's making (a one-file run
    does it while a copy of the process computes the result, engine.cli.ahead)."""
    _registered()


@functools.cache
def _registered() -> Workbook:
    """A new workbook with the named styles added the usual way, made once: every new workbook's
    styles are copied from it (adding them cost as much as writing the 不良记录 sheet)."""
    wb = Workbook()
    _add_styles(wb)
    return wb


_LISTS = ("_fonts", "_fills", "_borders", "_alignments", "_protections", "_number_formats")


def _fresh(wb: Workbook) -> bool:
    """wb's styles are openpyxl's defaults, as Workbook() makes them."""
    sizes = tuple(len(getattr(wb, name)) for name in _LISTS)
    return (
        sizes == (1, 2, 1, 1, 1, 0)
        and len(wb._cell_styles) == 1
        and wb.named_styles == ["Normal"]
        and not wb._differential_styles.styles
        and not wb._date_formats
        and not wb._timedelta_formats
    )


def _copy_styles(source: Workbook, wb: Workbook) -> None:
    """wb's style lists made those of `source` (a fresh workbook's are a prefix of them).

    The fonts, fills … are shared (openpyxl never changes one in place: a cell's font is replaced,
    not edited); each list and each named style is wb's own, the lists' indexes copied, not hashed
    again."""
    for name in _LISTS:
        theirs = getattr(source, name)
        mine = IndexedList()
        list.extend(mine, theirs)
        mine._dict = dict(theirs._dict)
        mine.clean = theirs.clean
        setattr(wb, name, mine)
    named = NamedStyleList()
    for style in source._named_styles:
        copied = NamedStyle.__new__(NamedStyle)
        copied.__dict__.update(style.__dict__, _wb=wb, _style=StyleArray(style._style))
        list.append(named, copied)
    wb._named_styles = named


def cjk_width(text: str) -> int:
    """Display width in column units: 2 per East-Asian wide/fullwidth character, 1 otherwise."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# Advance widths of ASCII 32–126 in thousandths of an em: the widest of Noto Serif CJK SC and Noto
# Sans CJK SC, regular and bold — what LibreOffice draws 宋体 and 黑体 with. Digits are 0.59 em, "%"
# 0.97 em: counting them as half a CJK character is what let mixed text outgrow its row. 宋体 in
# Excel is narrower everywhere, so a row tall enough here is tall enough there.
_ASCII_EM = (
    256, 370, 574, 615, 590, 966, 803, 325, 400, 400, 507, 603, 335, 370, 335, 400, 593, 590, 594, 593,
    593, 594, 594, 590, 594, 596, 335, 335, 603, 603, 603, 514, 1007, 746, 708, 702, 789, 666, 648, 757,
    864, 426, 568, 767, 642, 1001, 815, 785, 673, 785, 751, 624, 695, 818, 734, 1091, 726, 701, 627, 378,
    400, 378, 603, 593, 626, 591, 672, 565, 658, 581, 402, 597, 687, 349, 335, 651, 355, 1008, 685, 626,
    671, 644, 500, 499, 421, 678, 578, 874, 599, 582, 517, 380, 338, 380, 603,
)  # fmt: skip
_NARROW_EM = 0.7  # another narrow character (é, ½): about an average Latin letter, rounded up
_LINE_EM = 1.45  # ascent + descent of Noto CJK (1.151 + 0.286 em serif, 1.160 + 0.288 sans), rounded up
_PAD_PT = 5.0  # cell margins and the border, both sides together
_ROW_PAD_PT = 4.0
# no line starts with these (禁则): they stay with the character before them
_NO_START = set("，。、；：！？）】》〉」』”’%％·…—,.;:!?)]}")
_NO_END = set("（【《〈「『“‘([{")
_SYMBOLS = {"Sm", "No", "Nd", "Sc"}


def char_em(ch: str) -> float:
    code = ord(ch)
    if 32 <= code < 127:
        return _ASCII_EM[code - 32] / 1000
    # ambiguous width (“ ” … — × ≥ ①) is full width in a CJK font
    return 1.0 if unicodedata.east_asian_width(ch) in "WFA" else _NARROW_EM


def column_points(width: float) -> float:
    """A column `width` units wide in points (a unit is the digit width of the default 11 pt font: 7 px)."""
    return (width * 7 + 5) * 0.75


class _Chars(dict):
    """Character → (width in em, Latin-like, may not start a line, may not end one), computed once
    per character (row heights measure every text of every sheet)."""

    def __missing__(self, ch: str) -> tuple[float, bool, bool, bool]:
        # Latin, digits and the symbols set among them (× ÷ − → ≥ ①) break only at spaces, as in ICU
        latin = (ch.isascii() and not ch.isspace()) or unicodedata.category(ch) in _SYMBOLS
        facts = (char_em(ch), latin, ch in _NO_START, ch in _NO_END)
        if len(self) < 60_000:  # bounded, whatever text comes in
            self[ch] = facts
        return facts


_CHARS = _Chars()


def _pieces(line: str) -> list[float]:
    """Widths (em) of the pieces a line may break between: each CJK character, each Latin word or number
    (with the spaces after it), closing punctuation kept with what precedes it, opening with what follows."""
    pieces: list[float] = []
    glue_next = False
    word = False  # the last piece is a Latin word still growing
    chars = _CHARS
    for ch in line:
        em, latin, no_start, no_end = chars[ch]
        if pieces and (glue_next or no_start or (word and (latin or ch == " "))):
            pieces[-1] += em
        else:
            pieces.append(em)
        glue_next = no_end
        word = latin or (word and ch == " ")
    return pieces


def _lines(line: str, usable_em: float) -> int:
    chars = _CHARS
    room = usable_em - 1e-6  # a margin far above the rounding of the sums below
    if len(line) * _WIDEST_EM < room or sum(chars[ch][0] for ch in line) < room:
        return 1  # fits as it is (most cells): no need to find where it may break
    count, used = 1, 0.0
    for piece in _pieces(line):
        if used + piece <= usable_em or used == 0:
            used += piece
            while used > usable_em:  # a word wider than the cell is broken anywhere
                count += 1
                used -= usable_em
        else:
            count += 1
            used = piece
            while used > usable_em:
                count += 1
                used -= usable_em
    return count


_WIDEST_EM = max(max(_ASCII_EM) / 1000, 1.0, _NARROW_EM)


@functools.lru_cache(maxsize=8192)  # item texts repeat on every unit's sheet
def line_count(text: str, width: float, font_pt: float = BODY_PT) -> int:
    """Lines that text takes when wrapped in a column `width` units wide, at `font_pt`."""
    usable = max(column_points(width) - _PAD_PT, font_pt) / font_pt
    return sum(_lines(part, usable) for part in str(text).split("\n"))


def row_height(texts_and_widths: Iterable[tuple[str, float]], font_pt: float = BODY_PT) -> float:
    """Row height in points that shows every (text, column width) pair wrapped in full.

    LibreOffice does not grow rows for wrapped text, so heights have to be explicit; every workbook
    this package writes sizes its rows here.
    """
    lines = 1
    for text, width in texts_and_widths:
        if not text:
            continue
        if type(text) is str and "\n" not in text:
            fits = _FITS.get((width, font_pt))
            if fits is None:
                fits = _fits(width, font_pt)
            if len(text) <= fits:
                continue  # one line, however wide its characters (most cells)
        n = line_count(text, width, font_pt)
        if n > lines:
            lines = n
    return min(round(lines * font_pt * _LINE_EM + _ROW_PAD_PT, 1), MAX_ROW_HEIGHT)


_FITS: dict[tuple[float, float], int] = {}


def _fits(width: float, font_pt: float) -> int:
    """The most characters of any width that line_count counts as one line in this column."""
    room = max(column_points(width) - _PAD_PT, font_pt) / font_pt - 1e-6  # as _lines reckons it
    n = int(room / _WIDEST_EM)
    while n > 0 and n * _WIDEST_EM >= room:
        n -= 1
    if len(_FITS) < 1000:
        _FITS[(width, font_pt)] = n
    return n


_ROW_TOLERANCE_PT = 0.5  # LibreOffice rounds heights to 1/100 mm


def _column_width(ws, col: int) -> float:
    return ws.column_dimensions[get_column_letter(col)].width or 8.43


def row_needs(ws) -> dict[int, tuple[float, str]]:
    """Row → (height it needs, the cell that needs it) for rows lower than their text wrapped at its
    font's size in its (merged) width; an empty cell left for input needs one line."""
    spans = {
        (m.min_row, m.min_col): sum(_column_width(ws, c) for c in range(m.min_col, m.max_col + 1))
        for m in ws.merged_cells.ranges
        if m.min_row == m.max_row
    }
    out: dict[int, tuple[float, str]] = {}
    for row in ws.iter_rows():
        for cell in row:
            value = cell.value
            if isinstance(value, str) and value and not value.startswith("="):
                text = value
            elif value is None and cell.protection is not None and not cell.protection.locked:
                text = "国"  # one line of what a clerk will type
            else:
                continue
            width = spans.get((cell.row, cell.column), _column_width(ws, cell.column))
            need = row_height([(text, width)], cell.font.size or BODY_PT)
            have = ws.row_dimensions[cell.row].height or 15
            if have + _ROW_TOLERANCE_PT < need and need > out.get(cell.row, (0, ""))[0]:
                out[cell.row] = (need, f"{ws.title}!{cell.coordinate}")
    return out


def fit_rows(wb: Workbook) -> None:
    """Every visible sheet's rows raised to what their text needs (never lowered)."""
    for ws in wb.worksheets:
        if ws.sheet_state == "visible":
            for r, (need, _) in row_needs(ws).items():
                ws.row_dimensions[r].height = need
