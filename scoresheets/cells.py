"""Small cell-writing helpers shared by the sheets."""

from __future__ import annotations

import datetime as dt
import functools
import re
import weakref
from copy import copy
from decimal import Decimal

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, MergedCell
from openpyxl.compat import safe_string
from openpyxl.styles.cell_style import StyleArray
from openpyxl.styles.styleable import StyleableObject
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.dimensions import RowDimension
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.worksheet import Worksheet

from engine.files.naming import repair_surrogates
from scoresheets.styles import (
    BODY_PT,
    SUBHEAD,
    SUBHEAD_PT,
    TITLE,
    TITLE_PT,
    row_height,
)

MAX_CELL_CHARS = 32767  # Excel refuses longer cell text
_SURROGATE = re.compile("[\ud800-\udfff]")
# `cell.style = name` searches the named styles list by name on every assignment; the array it
# copies is the same each time: each workbook's arrays are made once (_Styles)


class _Shared(StyleArray):
    """A named style's array, one object for every cell of that style (a copy per cell was a tenth
    of a 汇总's memory). It refuses changes: `own(cell)` first gives the cell an array of its own.

    Its hash is computed once, and its id in the workbook's list of cell styles looked up once: the
    writer asks every styled cell for that id."""

    __slots__ = ("_hash", "_id")

    def __new__(cls, args):  # noqa: ANN001
        self = super().__new__(cls, args)
        self._hash = hash(tuple(self))
        self._id = (None, 0)  # (the list it was looked up in, its index there)
        return self

    def __hash__(self) -> int:
        return self._hash

    def __setitem__(self, key, value):  # noqa: ANN001
        raise TypeError("a shared style array: call scoresheets.cells.own(cell) before changing the cell's style")


class _Styles:
    """A workbook's named styles' arrays, its style objects' indexes, and the arrays restyle made."""

    __slots__ = ("arrays", "indexes", "derived")

    def __init__(self, wb) -> None:  # noqa: ANN001
        self.arrays = {s.name: _Shared(s.as_tuple()) for s in wb._named_styles}
        self.indexes: dict[tuple[str, int], tuple[object, int]] = {}
        self.derived: dict[tuple, _Shared] = {}


_STYLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LAST: tuple = (lambda: None, None)  # the last workbook styled (a weak reference) and its _Styles


def _styles(wb) -> _Styles:  # noqa: ANN001
    global _LAST
    ref, styles = _LAST  # one read: another thread may replace it
    if ref() is wb:
        return styles
    styles = _STYLES.get(wb)
    if styles is None:
        styles = _STYLES[wb] = _Styles(wb)
    _LAST = (weakref.ref(wb), styles)
    return styles


def apply_style(cell, style: str) -> None:
    """Same as `cell.style = style` for a named style already registered in the workbook."""
    array = _styles(cell.parent.parent).arrays.get(style)
    if array is None:
        cell.style = style  # not registered yet: openpyxl adds it (or refuses an unknown name)
        return
    cell._style = array


def own(cell):
    """The cell, with a style array of its own to change (`own(cell).fill = …`)."""
    if type(cell._style) is _Shared:
        cell._style = copy(cell._style)
    return cell


_SLOTS = {"font": ("_fonts", "fontId"), "fill": ("_fills", "fillId"), "protection": ("_protections", "protectionId")}


def restyle(cell, **parts) -> None:
    """Same as `cell.font = …`, `cell.fill = …`, `cell.protection = …` for shared style objects.

    openpyxl hashes the whole object on every assignment to find it in the workbook's list (a fifth
    of building a scoresheet); each object's index is looked up once per workbook here instead.
    A cell of a named style gets an array shared by every cell restyled alike (a copy each cost
    more than its cell).
    """
    wb = cell.parent.parent
    styles = _styles(wb)
    changes = []
    for attr, value in parts.items():
        hit = styles.indexes.get((attr, id(value)))
        if hit is None or hit[0] is not value:  # the object is kept, so its id is not reused
            collection, _ = _SLOTS[attr]
            hit = styles.indexes[(attr, id(value))] = (value, getattr(wb, collection).add(value))
        changes.append((_SLOTS[attr][1], hit[1]))
    base = cell._style
    if type(base) is _Shared:
        key = (base, *changes)
        derived = styles.derived.get(key)
        if derived is None:
            array = copy(base)
            for slot, index in changes:
                setattr(array, slot, index)
            derived = styles.derived[key] = _Shared(array)
        cell._style = derived
        return
    for slot, index in changes:
        setattr(base, slot, index)


def put_text(ws: Worksheet, row: int, col: int, text: object, style: str):
    """Write text that is always a string cell, even if it starts with "=" or looks like "#N/A".

    Submitted data is user input: left to openpyxl, "=HYPERLINK(...)" would become a live formula,
    and a lone surrogate (a JSON "\\ud800" escape) would be saved as XML no reader accepts.
    """
    cell = _cell(ws, row, col)
    s = "" if text is None else str(text)
    if s:
        # set as openpyxl's own setter would after its checks: they are made here already, and
        # openpyxl would scan every text a second time
        cell._value = _cell_text(s) if len(s) < _CACHED_CHARS else _clean(s)
        cell.data_type = "s"
    apply_style(cell, style)
    return cell


def _clean(s: str) -> str:
    # a CR would be read back as LF anyway (XML normalises line ends); make it so on purpose
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    if _SURROGATE.search(s):
        s = repair_surrogates(s)
    return ILLEGAL_CHARACTERS_RE.sub("", s)[:MAX_CELL_CHARS]


_CACHED_CHARS = 500
_cell_text = functools.lru_cache(maxsize=8192)(_clean)  # a ruleset's texts recur on every unit's sheet


def _style_id(cell) -> int:  # noqa: ANN001
    array = cell._style
    if type(array) is not _Shared:
        return StyleableObject.style_id.fget(cell)
    styles = cell.parent.parent._cell_styles
    seen, index = array._id
    if seen is not styles:  # the list only grows: an index once found stays right
        index = styles.add(array)
        array._id = (styles, index)
    return index


class _Cell(Cell):
    """openpyxl's cell, made in one step, that gives the writer a shared style's id without
    hashing the style (the writer asks every styled cell)."""

    __slots__ = ()
    style_id = property(_style_id)

    def __init__(self, worksheet: Worksheet, row: int, column: int) -> None:
        self.parent = worksheet
        self._style = None
        self.row = row
        self.column = column
        self._value = None
        self._hyperlink = None
        self.data_type = "n"
        self._comment = None


class _MergedCell(MergedCell):
    """openpyxl's merged cell, giving the writer its style's id as _Cell does."""

    __slots__ = ()
    style_id = property(_style_id)


def _cell(ws: Worksheet, row: int, col: int) -> Cell:
    """ws.cell(row, col) without its checks (the sheets' own rows and columns are always valid)."""
    cells = ws._cells
    cell = cells.get((row, col))
    if cell is None:
        cell = cells[(row, col)] = _Cell(ws, row, col)
        if row > ws._current_row:
            ws._current_row = row
    return cell


def put_number(ws: Worksheet, row: int, col: int, value: Decimal | float | int, style: str):
    cell = _cell(ws, row, col)
    cell.value = float(value) if isinstance(value, Decimal) else value
    apply_style(cell, style)
    return cell


def put_formula(ws: Worksheet, row: int, col: int, formula: str, style: str):
    cell = _cell(ws, row, col)
    cell.value = formula
    apply_style(cell, style)
    return cell


def style_row(ws: Worksheet, row: int, first: int, last: int, style: str) -> None:
    """Give empty cells of a row a style, so the row's borders are complete."""
    for col in range(first, last + 1):
        apply_style(_cell(ws, row, col), style)


def merge_row(ws: Worksheet, row: int, first: int, last: int) -> None:
    """Merge columns first..last of one row; with a border (or unlocked), every cell takes the
    top-left cell's style, else the other cells are left unstyled (and unwritten).

    ws.merge_cells re-derives borders and protection cell by cell, a third of the whole build
    time; copying the top-left style array gives the same borders (all edges closed) at no cost.
    Excel draws a merged range's border from its edge cells but its font, fill and alignment from
    the top-left cell only: without a border or an unlocked top-left cell, ws.merge_cells leaves
    the other cells unstyled too. Write and style the top-left cell first.
    """
    start = _cell(ws, row, first)
    if (row, last) in ws._cells:
        own(start)  # openpyxl adds the last cell's right and bottom edges to the first cell's border
    # as ws.merged_cells.add(MergedCellRange(ws, "A1:D1")) without parsing the range and comparing it
    # with every range already merged (the sheets never merge a cell twice)
    # (and without checking each bound: they are the sheet's own numbers, as _cell's are)
    merged = MergedCellRange.__new__(MergedCellRange)
    merged.__dict__.update(ws=ws, min_col=first, min_row=row, max_col=last, max_row=row, title=None, start_cell=None)
    merged._get_borders()
    ws.merged_cells.ranges.add(merged)
    array = start._style
    bare = array is None or not (array.protectionId or _edged(ws.parent._borders[array.borderId]))
    for col in range(first + 1, last + 1):
        cell = _MergedCell(ws, row=row, column=col)
        if not bare:
            cell._style = array if type(array) is _Shared else copy(array)
        ws._cells[(row, col)] = cell


def _edged(border) -> bool:  # noqa: ANN001
    return any(side is not None and side.style for side in (border.left, border.right, border.top, border.bottom))


def title_row(ws: Worksheet, row: int, text: str, ncols: int) -> None:
    """The title over ncols columns (set their widths first: a long unit name wraps to more lines)."""
    put_text(ws, row, 1, text, TITLE)
    merge_row(ws, row, 1, ncols)
    width = sum(ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in range(1, ncols + 1))
    set_height(ws, row, max(TITLE_PT * 2, row_height([(text, width)], TITLE_PT)))


def header_row(ws: Worksheet, row: int, headers: list[str], widths: list[float], style: str) -> None:
    for col, text in enumerate(headers, start=1):
        put_text(ws, row, col, text, style)
    set_height(ws, row, row_height(zip(headers, widths, strict=False), BODY_PT))


def set_widths(ws: Worksheet, widths: list[float]) -> None:
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width


def fit_row(ws: Worksheet, row: int, texts: list[str], widths: list[float]) -> None:
    """Explicit height for a row of wrapped text (texts[i] sits in a column widths[i] wide)."""
    set_height(ws, row, row_height(zip(texts, widths, strict=False), BODY_PT))


class _Row(RowDimension):
    """A row's dimension as openpyxl makes it, made without checking each of its fields and read
    by the writer without looking a style up for the row: one per row of every sheet."""

    def __init__(self, worksheet: Worksheet, index: int = 0, ht: float | None = None, **kw) -> None:
        if kw:  # a copy (Dimension.__copy__ passes every field)
            super().__init__(worksheet, index, ht, **kw)
            return
        self.parent = worksheet
        self._style = None
        fields = {"index": index, "hidden": False, "outlineLevel": 0, "collapsed": False, "ht": ht}
        self.__dict__.update(fields, thickBot=False, thickTop=False)

    def __iter__(self):
        d = self.__dict__
        if (
            self._style is not None
            or d["hidden"]
            or d["outlineLevel"]
            or d["collapsed"]
            or d["thickBot"]
            or d["thickTop"]
        ):
            yield from super().__iter__()
            return
        ht = d["ht"]  # what RowDimension yields when only a height is set
        if ht:
            yield "ht", safe_string(ht)
        if ht is not None:
            yield "customHeight", "1"


def set_height(ws: Worksheet, row: int, height: float) -> None:
    """Same as `ws.row_dimensions[row].height = height`."""
    dims = ws.row_dimensions
    dim = dims.get(row)
    if dim is None:
        dict.__setitem__(dims, row, _Row(ws, row, float(height)))
    else:
        dim.height = height


def protect_sheet(ws: Worksheet) -> None:
    """Lock the sheet, no password: it prevents accidents, it is not security; rows and columns
    can still be resized."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def chinese_time(iso: str) -> str:
    """ "2026-12-06T11:02:32+08:00" → "2026年12月6日 11:02" (as written, in its own time zone)."""
    try:
        when = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    offset = when.utcoffset()
    hours = None if offset is None else offset.total_seconds() / 3600
    # 北京时间 goes without saying; another zone is named (a server on UTC)
    zone = "" if hours in (None, 8) else "（UTC）" if hours == 0 else f"（UTC{hours:+g}）"
    return f"{when.year}年{when.month}月{when.day}日 {when:%H:%M}{zone}"


_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def chinese_date(text: str) -> str:
    """ "2013-03-20" → "2013年3月20日"; any other text as it is."""
    m = _ISO_DATE.fullmatch(text)
    return f"{m[1]}年{int(m[2])}月{int(m[3])}日" if m else text


def subhead_row(ws: Worksheet, row: int, text: str, widths: list[float], style: str = SUBHEAD) -> None:
    """A heading over the whole table width, tall enough for its text."""
    put_text(ws, row, 1, text, style)
    merge_row(ws, row, 1, len(widths))
    set_height(ws, row, row_height([(text, sum(widths))], SUBHEAD_PT))


def between_zero_and_points(sqref: str, what: str, points_col: str = "E") -> DataValidation:
    """Input must lie in [0, 分值 of its row]; the relative points ref shifts with each row."""
    first_row = sqref.split(":")[0].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ$")
    dv = DataValidation(
        type="decimal",
        operator="between",
        formula1="0",
        formula2=f"{points_col}{first_row}",
        allowBlank=True,
        showErrorMessage=True,
        errorTitle=f"{what}超出范围",
        error=f"{what}须介于 0 与该项分值之间",
    )
    for part in sqref.split():
        dv.add(part)
    return dv
