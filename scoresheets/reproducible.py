"""Byte-identical workbooks: the same result (and assessment time) always gives the same file.

openpyxl stamps the save time into docProps/core.xml and every zip member's date; here the
document properties are set from the assessment time, and every member is written (once, in
openpyxl's order) with that time and fixed attributes.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
import zipfile
from pathlib import Path

from lxml.etree import Element, SubElement
from openpyxl import Workbook
from openpyxl.compat import safe_string
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.packaging.extended import ExtendedProperties
from openpyxl.styles.stylesheet import write_stylesheet
from openpyxl.utils import get_column_letter
from openpyxl.workbook._writer import WorkbookWriter
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.writer.excel import ExcelWriter
from openpyxl.writer.theme import theme_xml
from openpyxl.xml.constants import (
    ARC_APP,
    ARC_CORE,
    ARC_CUSTOM,
    ARC_ROOT_RELS,
    ARC_STYLE,
    ARC_THEME,
    ARC_WORKBOOK,
    ARC_WORKBOOK_RELS,
    CPROPS_TYPE,
)
from openpyxl.xml.functions import tostring

from engine import __version__

CREATOR = f"fazhi-assess {__version__}"
COMPRESS_LEVEL = 1


def stamp(wb: Workbook, when: dt.datetime, title: str) -> None:
    """Document properties that depend only on the assessment, never on the clock."""
    utc = when.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0) if when.tzinfo else when.replace(microsecond=0)
    props = wb.properties
    props.created = props.modified = utc
    props.creator = props.lastModifiedBy = CREATOR
    props.title = title
    props.lastPrinted = None


def save_workbook(wb: Workbook, path: str | Path, title: str, when: dt.datetime | None = None) -> None:
    """Every workbook is written here or through workbook_bytes after `stamp`: title and creator
    set, the file replaced atomically. `when` (default now) dates the properties and zip members."""
    from engine.files.atomic import write_bytes_atomic
    from scoresheets.styles import fit_rows

    when = when or dt.datetime.now(dt.UTC).replace(microsecond=0)
    fit_rows(wb)
    stamp(wb, when, title)
    write_bytes_atomic(path, workbook_bytes(wb, when))


def workbook_bytes(wb: Workbook, when: dt.datetime) -> bytes:
    """The .xlsx file as bytes, every zip entry dated `when` (its wall-clock time)."""
    raw = io.BytesIO()
    # ExcelWriter directly: openpyxl's save_workbook would overwrite `modified` with now()
    with _StampedZip(raw, _zip_time(when)) as archive:
        _InMemoryWriter(wb, archive).save()
    return raw.getvalue()


class _InMemoryWriter(ExcelWriter):
    """openpyxl's writer, each worksheet's XML made in memory: openpyxl writes it to a temporary
    file, reads it back into the zip and deletes it (creating and deleting four files cost a
    sixth of saving a scoresheet); the stylesheet made once for the same style objects."""

    def write_data(self) -> None:
        """openpyxl's write_data (3.1), the stylesheet's XML taken from `_stylesheet`."""
        archive, wb = self._archive, self.workbook
        archive.writestr(ARC_APP, tostring(ExtendedProperties().to_tree()))
        archive.writestr(ARC_CORE, tostring(wb.properties.to_tree()))
        archive.writestr(ARC_THEME, wb.loaded_theme or theme_xml)
        if len(wb.custom_doc_props) >= 1:
            archive.writestr(ARC_CUSTOM, tostring(wb.custom_doc_props.to_tree()))
            self.manifest.append(_CustomOverride())
        self._write_worksheets()
        self._write_chartsheets()
        self._write_images()
        self._write_charts()
        self._write_external_links()
        archive.writestr(ARC_STYLE, _stylesheet(wb))
        writer = WorkbookWriter(wb)
        archive.writestr(ARC_ROOT_RELS, writer.write_root_rels())
        archive.writestr(ARC_WORKBOOK, writer.write())
        archive.writestr(ARC_WORKBOOK_RELS, writer.write_rels())
        self._merge_vba()
        self.manifest._write(archive, wb)

    def write_worksheet(self, ws) -> None:  # noqa: ANN001
        if self.workbook.write_only:
            super().write_worksheet(ws)
            return
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = _SheetWriter(ws, out=io.BytesIO())
        writer.write()
        ws._rels = writer._rels
        self._archive.writestr(ws.path[1:], writer.read())
        self.manifest.append(ws)


class _CustomOverride:
    path = "/" + ARC_CUSTOM
    mime_type = CPROPS_TYPE


_STYLESHEETS: dict[tuple, tuple[list, bytes]] = {}  # key -> (the objects it names, the XML)
MAX_STYLESHEETS = 16


def _stylesheet(wb: Workbook) -> bytes:
    """openpyxl's stylesheet XML for wb, made once for each set of style lists: making it (about 1.5
    ms) is a twentieth of writing a scoresheet, and every scoresheet of a batch has the same one.

    The key names the fonts, fills, borders, … by identity (openpyxl never changes one in place:
    a cell's font is replaced, not edited; the entry keeps them, so an id is never reused) and
    copies the cell styles' arrays, the named styles' and the number formats by value."""
    named = wb._named_styles
    dxfs = wb._differential_styles.styles
    tables = wb._table_styles
    if tables.tableStyle:
        return tostring(write_stylesheet(wb))  # custom table styles: not worth keying
    objects = [*wb._fonts, *wb._fills, *wb._borders, *wb._alignments, *wb._protections]
    for style in named:
        objects += (style.alignment, style.protection)
    for dxf in dxfs:
        objects += (dxf.font, dxf.numFmt, dxf.fill, dxf.alignment, dxf.border, dxf.protection, dxf.extLst)
    key = (
        tuple(len(x) for x in (wb._fonts, wb._fills, wb._borders, wb._alignments, wb._protections, dxfs)),
        tuple(map(id, objects)),
        tuple(wb._number_formats),
        tuple(map(tuple, wb._cell_styles)),
        tuple((s.name, s.builtinId, s.hidden, tuple(s._style)) for s in named),
        tuple(wb._colors),
        (tables.defaultTableStyle, tables.defaultPivotStyle),
    )
    hit = _STYLESHEETS.get(key)
    if hit is not None:
        return hit[1]
    xml = tostring(write_stylesheet(wb))
    if len(_STYLESHEETS) >= MAX_STYLESHEETS:
        _STYLESHEETS.clear()
    _STYLESHEETS[key] = (objects, xml)
    return xml


def normalise_zip(data: bytes, when: dt.datetime) -> bytes:
    """A finished archive (one another library wrote) rewritten as workbook_bytes writes one."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, _StampedZip(out, _zip_time(when)) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
    return out.getvalue()


class _StampedZip(zipfile.ZipFile):
    """A zip whose members all carry one date and the same attributes, whatever the writer asks for.

    Writing the members this way the first time costs nothing; rewriting a finished archive cost a
    tenth of writing a scoresheet. Deflate at level 1: zlib's default (6) took three times as long
    (3 ms of a scoresheet's save) for files a fifth smaller (a scoresheet 39 KB instead of 50 KB).
    """

    def __init__(self, file: io.BytesIO, date_time: tuple[int, int, int, int, int, int]):
        super().__init__(file, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self._date_time = date_time

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None) -> None:  # noqa: ANN001
        name = zinfo_or_arcname.filename if isinstance(zinfo_or_arcname, zipfile.ZipInfo) else zinfo_or_arcname
        fixed = zipfile.ZipInfo(name, date_time=self._date_time)
        fixed.compress_type = zipfile.ZIP_DEFLATED
        fixed.create_system = 3  # the same on every platform
        fixed.external_attr = 0o644 << 16
        super().writestr(fixed, data, compresslevel=COMPRESS_LEVEL)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None) -> None:  # noqa: ANN001
        # openpyxl writes each worksheet to a temporary file and adds it by name
        with open(filename, "rb") as fh:
            self.writestr(arcname or str(filename), fh.read())


class _SheetWriter(WorksheetWriter):
    """openpyxl's worksheet writer, its output byte for byte: the used range and the merged ranges
    taken from their numbers (openpyxl builds the one cell by cell and parses the others back from
    their text), cell and header elements made once per thread and written again."""

    def __init__(self, ws, out=None) -> None:  # noqa: ANN001
        super().__init__(ws, out=out)
        self.listed = _rows(ws)  # the rows and their cells, in order (None: openpyxl's to write)

    def write_dimensions(self) -> None:
        rows = [cells for _, cells in self.listed or () if cells]
        if not rows:
            super().write_dimensions()
            return
        left, right = min(cells[0].column for cells in rows), max(cells[-1].column for cells in rows)
        ref = f"{get_column_letter(left)}{rows[0][0].row}:{get_column_letter(right)}{rows[-1][0].row}"
        self.xf.send(SheetDimension(ref).to_tree())

    def write_rows(self) -> None:
        """openpyxl's rows and cells, each distinct cell element made once and written again with
        its place (`r`) set: openpyxl makes every cell's elements and attributes afresh (half of
        saving a scoresheet), and most cells of a ruleset's sheets repeat on every unit's sheet.
        Same bytes; a sheet with anything but plain text, numbers and formulas (comments, links,
        dates, rich text) is left to openpyxl."""
        rows = self.listed
        if rows is None:
            super().write_rows()
            return
        dims = self.ws.row_dimensions
        elements = _ELEMENTS.cells
        if len(elements) > MAX_CACHED:
            elements.clear()
        letters: dict[int, str] = {}
        ids: dict[int, tuple[object, str]] = {}  # id(style array) -> (the array, its id as text)
        xf = self.xf.send(True)
        with xf.element("sheetData"):
            for index, cells in rows:
                attrs = {"r": f"{index}"}
                attrs.update(dims.get(index, {}))
                with xf.element("row", attrs):
                    for cell in cells:
                        value, style = cell._value, cell._style
                        sid = None
                        if style is not None and any(style):
                            seen = ids.get(id(style))
                            if seen is None or seen[0] is not style:
                                seen = ids[id(style)] = (style, f"{cell.style_id}")
                            sid = seen[1]
                        elif value is None:
                            continue
                        kind = cell.data_type
                        key = (sid, kind, type(value), value)
                        if type(value) is float and not value:
                            key = (sid, kind, float, str(value))  # 0.0 == -0.0, written "0" and "-0"
                        element = elements.get(key)
                        if element is None:
                            element = elements[key] = _cell_element(sid, kind, value)
                        col = cell.column
                        letter = letters.get(col) or letters.setdefault(col, get_column_letter(col))
                        element.set("r", f"{letter}{index}")
                        xf.write(element)
        self.xf.send(None)

    def write_header(self) -> None:
        """openpyxl's <headerFooter>, made once for each set of texts (openpyxl builds the codes
        and a regular expression for every item of every sheet)."""
        hf = self.ws.HeaderFooter
        key = [hf.differentOddEven, hf.differentFirst, hf.scaleWithDoc, hf.alignWithMargins]
        for name in hf.__elements__:
            item = getattr(hf, name)
            for part in (item.left, item.center, item.right):
                key += (part.text, part.font, part.size, part.color)
        key = tuple(key)
        headers = _ELEMENTS.headers
        if key not in headers:
            if len(headers) >= MAX_HEADERS:
                headers.clear()
            headers[key] = hf.to_tree() if hf else None
        if headers[key] is not None:
            self.xf.send(headers[key])

    def write_merged_cells(self) -> None:
        """openpyxl's <mergeCells>, made from each range's numbers: openpyxl makes a checked
        MergeCell of each range and serialises it field by field."""
        ranges = self.ws.merged_cells.ranges
        if ranges:
            merges = Element("mergeCells", count=f"{len(ranges)}")
            for m in ranges:
                first = f"{get_column_letter(m.min_col)}{m.min_row}"
                last = f"{get_column_letter(m.max_col)}{m.max_row}"
                SubElement(merges, "mergeCell", ref=first if first == last else f"{first}:{last}")
            self.xf.send(merges)


MAX_CACHED = 4096  # cell elements kept per thread, about 1.5 KiB each: a national-model scoresheet has
# about 1,000 distinct cells, and each further unit about 80 new ones
MAX_HEADERS = 256
_PRESERVE = {"{http://www.w3.org/XML/1998/namespace}space": "preserve"}
_TYPES = {"s": "inlineStr", "n": "n", "b": "b", "e": "e", "str": "str"}


class _Elements(threading.local):
    """Cell elements by (style id, data type, value type, value), one dict per thread: an element's
    `r` is set just before it is written; header and footer elements by their texts."""

    def __init__(self) -> None:
        self.cells: dict[tuple, object] = {}
        self.headers: dict[tuple, object] = {}


_ELEMENTS = _Elements()


def _rows(ws) -> list[tuple[int, list]] | None:  # noqa: ANN001
    """(row, its cells in column order) for every row with cells or a dimension, in order, as
    openpyxl's writer lists them; None if a cell needs openpyxl's own writer."""
    cells = ws._cells
    by_row: dict[int, list] = {}
    for key in sorted(cells):
        cell = cells[key]
        kind, value = cell.data_type, cell._value
        if cell._comment is not None or cell.hyperlink is not None:
            return None
        if kind == "s" or kind == "f":
            if value is not None and type(value) is not str:
                return None  # rich text, an array or data-table formula
        elif kind not in _TYPES:
            return None  # a date: openpyxl's writer converts it
        row = by_row.get(key[0])
        if row is None:
            row = by_row[key[0]] = []
        row.append(cell)
    for index in ws.row_dimensions.keys() - by_row.keys():  # rows with a height and no cells
        by_row[index] = []
    return sorted(by_row.items())


def _cell_element(sid: str | None, kind: str, value: object):  # noqa: ANN202
    """A cell's <c> as openpyxl's lxml_write_cell writes it, its `r` to be set."""
    attrs = {"r": ""}
    if sid is not None:
        attrs["s"] = sid
    if kind != "f":
        attrs["t"] = _TYPES[kind]
    c = Element("c", attrs)
    if value is None or value == "":
        c.text = ""  # <c …></c>, as openpyxl writes it
    elif kind == "s":
        SubElement(SubElement(c, "is"), "t", _PRESERVE if value != value.strip() else None).text = value
    elif kind == "f":
        SubElement(c, "f").text = value[1:]
        SubElement(c, "v").text = ""
    else:
        SubElement(c, "v").text = safe_string(value)
    return c


def _zip_time(when: dt.datetime) -> tuple[int, int, int, int, int, int]:
    # zip dates run from 1980 to 2107 in local wall-clock time with 2-second resolution
    year = min(max(when.year, 1980), 2107)
    return (year, when.month, when.day, when.hour, when.minute, when.second - when.second % 2)
