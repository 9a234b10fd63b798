"""The 汇总 workbook of a batch: 排名, 等次分布, 不良记录汇总, 失分分析, 错误.

Every sheet: title (row 1), a line saying what the sheet holds (row 2), the header (row 3,
repeated on each printed page), then one row per entry — or a single 无 row, so an empty
sheet says so. Text from submissions is always written as text (a unit called "=1+1" is a
string, never a formula). Same named styles and print setup as the scoresheet.

Written as a stream (a write_only workbook, each row sized and written out once it is complete),
so a batch of any size never holds the whole 汇总 in memory; `build_summary_workbook(summary,
stream=False)` builds the same workbook whole, as the tests compare.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import pickle
import re
import shutil
import signal
import sys
import tempfile
import threading
import zipfile
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties, RegularTextRun
from openpyxl.packaging.custom import StringProperty
from openpyxl.packaging.relationship import RelationshipList
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._writer import ALL_TEMP_FILES, WorksheetWriter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from engine import __version__
from engine.documents.numbers import format_decimal
from engine.ruleset.model import GRADES
from engine.tools.summary import (
    NAMES_SHOWN,
    TIE_RULE,
    BadRecordRow,
    BatchSummary,
    UnitRow,
    lost_by_category,
)
from scoresheets.cells import (
    fit_row,
    header_row,
    merge_row,
    own,
    put_formula,
    put_number,
    put_text,
    set_widths,
    title_row,
)
from scoresheets.print_setup import MIN_SCALE, PAGE_WIDTH_PT, apply_print_setup, column_points, print_at_scale
from scoresheets.reproducible import _StampedZip, _zip_time, stamp
from scoresheets.styles import _ROW_TOLERANCE_PT as ROW_TOLERANCE_PT
from scoresheets.styles import (
    BODY,
    BODY_FONT,
    BODY_PT,
    CENTER,
    HEADER,
    INFO,
    NUMBER,
    SEVERE_FILL,
    SUBHEAD,
    TITLE_PT,
    TOTAL,
    _column_width,
    cjk_width,
    fit_rows,
    line_count,
    register_styles,
    row_height,
)

RANKING, LOSSES, GRADES_SHEET, BAD_RECORDS, ITEMS, ERRORS = (
    "排名",
    "一级指标失分",
    "等次分布",
    "不良记录汇总",
    "失分分析",
    "错误",
)
REPORT_CHECK = "报告核对"  # only when some submission has its annual report beside it
RESPONSIBILITY = "责任分解"  # only when some unit has a 分工表
HEADER_ROW = 3
FIRST_ROW = HEADER_ROW + 1
DASH = "—"
NONE = "无"
CHART_HEIGHT_CM, CHART_CM = 7, 13
CHART_ROWS = 14  # rows of 15 pt a 7 cm chart covers; the charts' rows are given that height
CHART_TEXT_PT = 9  # axis labels and legend: 8.2 pt printed at the sheet's 91 %
MAX_SERIES = 3  # a chart shows each group while the legend stays small, else the 合计 row
CHART_ROWS_A_PAGE = 2  # two rows of two charts fill an A4 landscape page
DEFAULT_WIDTH = 8.43  # a column whose width is not set
MAX_PROBLEMS = 12  # a cell of more lines outgrows the tallest row a sheet may have
MAX_NAMES = NAMES_SHOWN
ITEMS_ORDER = (
    "只列有单位失分的评分项，按平均失分占分值的比例从高到低排列（比例相同的，依次按失分合计、失分单位数从多到少）；"
    "平均失分 = 失分合计 ÷（适用单位数 − 待复核单位数）。每组末行列出无单位失分的评分项。"
)
GROUP_FILL = PatternFill("solid", fgColor="DDEBF7")
LINK_FONT = Font(name=BODY_FONT, size=BODY_PT, color="0563C1", underline="single")


def _title(summary: BatchSummary, what: str) -> str:
    """The ruleset's name and what the sheet holds (several rulesets: they are named on the info line)."""
    if len(summary.rulesets) == 1:
        return f"{summary.rulesets[0][1]} · {what}"
    return f"考核结果汇总 · {what}"


def _title_row(ws: Worksheet, text: str, widths: list[float]) -> None:
    """The title over the columns, tall enough for it to wrap."""
    title_row(ws, 1, text, len(widths))
    usable = sum(widths) * BODY_PT / TITLE_PT  # column units are body-font widths
    ws.row_dimensions[1].height = max(TITLE_PT * 2, line_count(text, usable) * TITLE_PT * 1.45 + 8)


def chinese_time(iso: str) -> str:
    """2014-01-15T09:00:00+08:00 → 2014年1月15日 09:00 (the time as recorded, in its own zone)."""
    when = dt.datetime.fromisoformat(iso)
    return f"{when.year}年{when.month}月{when.day}日 {when:%H:%M}"


def _years(summary: BatchSummary) -> str:
    return "、".join(f"{y}年度" for y in summary.years) or DASH


def _info(summary: BatchSummary) -> str:
    ids = "、".join(i for i, _ in summary.rulesets)
    text = (
        f"规则集：{ids}　考核年度：{_years(summary)}　评分时间：{chinese_time(summary.assessed_at)}　"
        f"申报文件{summary.inputs}份，已评分{summary.assessed}份，未能评分{len(summary.failures)}份"
    )
    note = summary.grouping_note()
    return f"{text}\n{note}" if note else text


class _Stream:
    """A sheet of a write_only workbook written row by row. The sheet code writes into `ws`, a
    worksheet outside the workbook, with the helpers every workbook here uses; `done(row)` moves
    the rows before `row` out — raised to what their text needs, as fit_rows would — and drops
    them, so the 汇总 of a batch is never whole in memory. Rows go out as the normal writer
    writes them (cells in column order, merged cells styled, every row with a cell or a height)."""

    files: dict[str, str] = {}  # sheet name → the file it is to be written into (else openpyxl makes one)

    def __init__(self, wb: Workbook, name: str):
        self.ws = Worksheet(wb, name)  # made first, so that it has the name (not "name1")
        self.out = wb.create_sheet(name)
        self.ws._stream = self
        self.rows = None
        self.max_row = self.max_col = 0

    def _start(self) -> None:
        # what openpyxl writes before the rows: these cannot change once a row is out
        for attr in ("sheet_properties", "views", "sheet_format", "column_dimensions", "row_dimensions"):
            setattr(self.out, attr, getattr(self.ws, attr))
        path = _Stream.files.pop(self.out.title, None)
        if path is not None:  # into a file made for it (as _get_writer does, but not a file of its own)
            self.out._writer = WorksheetWriter(self.out, out=path)
            self.out._writer.write_top()
        self.out._get_writer()
        self.rows = self.out._rows = self._rows()  # closed by openpyxl as it saves the sheet
        next(self.rows)

    def _rows(self):
        writer = self.out._writer
        xf = writer.xf.send(True)
        with xf.element("sheetData"):
            try:
                while True:
                    row, cells = yield
                    writer.write_row(xf, cells, row)
            except GeneratorExit:
                pass
        writer.xf.send(None)

    def done(self, upto: int | None = None) -> None:
        """Write out every row up to `upto` (all when None)."""
        ws = self.ws
        if self.rows is None:
            self._start()
        within = (lambda r: True) if upto is None else (lambda r: r <= upto)
        cells: dict[int, list] = {}
        for key in sorted(k for k in ws._cells if within(k[0])):
            cells.setdefault(key[0], []).append(ws._cells.pop(key))
        merged = [m for m in ws.merged_cells.ranges if within(m.min_row)]
        spans = {}
        for m in merged:
            ws.merged_cells.ranges.discard(m)
            self.out.merged_cells.add(m.coord)
            if m.min_row == m.max_row:
                spans[(m.min_row, m.min_col)] = sum(_column_width(ws, c) for c in range(m.min_col, m.max_col + 1))
        dims = ws.row_dimensions
        for r in sorted(set(cells) | {r for r in dims if within(r)}):
            row = cells.get(r, [])
            _fit(ws, r, row, spans)
            self.rows.send((r, row))
            dims.pop(r, None)
            if row:
                self.max_row = max(self.max_row, r)
                self.max_col = max(self.max_col, row[-1].column)

    def close(self) -> None:
        """The last rows, then what openpyxl writes after them."""
        self.done()
        for attr in (
            "page_setup",
            "print_options",
            "page_margins",
            "HeaderFooter",
            "row_breaks",
            "col_breaks",
            "protection",
            "auto_filter",
            "conditional_formatting",
            "data_validations",
            "_charts",
            "_images",
            "sheet_state",
            "print_title_rows",
            "print_title_cols",
            "print_area",
        ):
            value = getattr(self.ws, attr)
            if value is not None:
                setattr(self.out, attr, value)


def _fit(ws: Worksheet, r: int, cells: list, spans: dict) -> None:
    """Row r raised to what its text needs (fit_rows, for the cells of one row)."""
    need = 0.0
    for cell in cells:
        value = cell.value
        if isinstance(value, str) and value and not value.startswith("="):
            text = value
        elif value is None and cell.protection is not None and not cell.protection.locked:
            text = "国"
        else:
            continue
        width = spans.get((r, cell.column), _column_width(ws, cell.column))
        need = max(need, row_height([(text, width)], cell.font.size or BODY_PT))
    have = ws.row_dimensions[r].height or 15 if need else 0
    if need and have + ROW_TOLERANCE_PT < need:
        ws.row_dimensions[r].height = need


def _sheet(wb: Workbook, name: str, first: bool = False) -> Worksheet:
    if wb.write_only:
        return _Stream(wb, name).ws
    if first:
        ws = wb.active
        ws.title = name
        return ws
    return wb.create_sheet(name)


def _done(ws: Worksheet, row: int) -> None:
    """The rows before `row` are complete: out they go when the sheet is streamed."""
    stream = getattr(ws, "_stream", None)
    if stream is not None:
        stream.done(row - 1)


def _close(ws: Worksheet, print_area: str = "") -> None:
    """The sheet is complete: its print area (the cells written, unless given), and the rest out."""
    stream = getattr(ws, "_stream", None)
    if stream is not None:
        stream.done()
        last_row, last_col = stream.max_row, stream.max_col
    else:
        last_row, last_col = ws.max_row, ws.max_column
    ws.print_area = print_area or f"A1:{get_column_letter(last_col)}{last_row}"
    if stream is not None:
        stream.close()


def _head(ws: Worksheet, title: str, info: str, headers: list[str], widths: list[float], span: int = 0) -> None:
    """Title, info line and header; title and info over the first `span` columns (all by default)."""
    set_widths(ws, widths)
    top = widths[: span or len(widths)]
    _title_row(ws, title, top)
    put_text(ws, 2, 1, info, INFO)
    merge_row(ws, 2, 1, len(top))
    fit_row(ws, 2, [info], [sum(top)])
    header_row(ws, HEADER_ROW, headers, widths, HEADER)


def _none_row(ws: Worksheet, row: int, ncols: int, widths: list[float]) -> None:
    put_text(ws, row, 1, DASH, CENTER)
    put_text(ws, row, 2, NONE, BODY)
    for col in range(3, ncols + 1):
        put_text(ws, row, col, "", BODY)
    fit_row(ws, row, [NONE], widths)


def _band_row(ws: Worksheet, row: int, text: str, widths: list[float], fill: PatternFill | None = GROUP_FILL) -> int:
    """A line across the table (a group's heading, or a note under it); returns the next row."""
    cell = put_text(ws, row, 1, text, BODY)
    if fill is not None:
        own(cell).fill = fill
    merge_row(ws, row, 1, len(widths))
    fit_row(ws, row, [text], [sum(widths)])
    return row + 1


def _lines(lines: tuple[tuple[str, Decimal], ...]) -> str:
    return "、".join(f"{w}{format_decimal(v)}分" for w, v in lines)


def _group_heading(summary: BatchSummary, label: str) -> str:
    """What a group's heading row says: its label, its size and its grade lines."""
    group = next((g for g in summary.groups if g.label == label), None)
    count = next((g for g in summary.grades if g.group == label), None)
    text = f"{label}（{group.units if group else 0}个单位）"
    if count is not None and count.lines:
        text += f"　等次线：{_lines(count.lines)}"
    return text


def _finish(ws: Worksheet, widths: list[float], freeze: str = f"A{FIRST_ROW}", title_cols: str = "") -> None:
    ws.freeze_panes = freeze
    apply_print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}", header_right="考核结果汇总")
    print_at_scale(ws, widths, title_cols=title_cols)


def _amount(ws: Worksheet, row: int, col: int, value: Decimal | None) -> None:
    if value is None:
        put_text(ws, row, col, DASH, CENTER)
    else:
        put_number(ws, row, col, value, NUMBER)


def hyperlink_formula(name: str) -> str:
    """=HYPERLINK to a file beside the 汇总, shown by its name ("#" and "%" would be read as URL syntax)."""
    target = name.replace("%", "%25").replace("#", "%23").replace('"', '""')
    return f'=HYPERLINK("{target}","{name.replace(chr(34), chr(34) * 2)}")'


def _id_lines(ids: tuple[str, ...], width: float) -> str:
    """Rule ids joined with "、", broken into lines between ids (an application would break "JD-06" at its hyphen)."""
    lines: list[str] = []
    for rule_id in ids:
        if lines and cjk_width(lines[-1] + "、" + rule_id) <= width - 2:
            lines[-1] += "、" + rule_id
        else:
            lines.append(rule_id)
    return "、\n".join(lines)


def _vetoes(row: UnitRow) -> str:
    return "是（" + "、".join(i for i, _ in row.vetoes) + "）" if row.vetoes else "否"


def _trend(row: UnitRow) -> tuple[Decimal | None, str, str, str]:
    """上年总分, 变化, 上年等次 and the 等次后果 of a unit (dashes without a previous result)."""
    p = row.previous
    after = "；".join(f"{c.rule_id} {c.event}" for c in row.consequences) or NONE
    if p is None:
        return None, DASH, DASH, after
    return p.total, f"{row.change:+.2f}", p.grade or DASH, after


def write_ranking(wb: Workbook, summary: BatchSummary) -> Worksheet:
    """One line a unit, a block per comparable group (its heading gives the grade lines); with
    earlier results (--history), 上年总分, 变化, 上年等次 and 等次后果 after the grade."""
    ws = _sheet(wb, RANKING, first=True)
    trend = summary.has_trend
    extra = (["上年总分", "变化", "上年等次", "等次后果"], [7, 7, 8, 18]) if trend else ([], [])
    headers = ["名次", "单位", "单位类型", "总分", "等次", *extra[0], "一票否决", "不良记录", "待复核项", "评分表"]
    # with the trend columns the others narrow so the page still prints at 80 % or more
    widths = [5, 24, 10, 7, 10, *extra[1], 11, 8, 12, 25] if trend else [5, 30, 12, 7, 14, 11, 8, 16, 34]
    _head(ws, _title(summary, "考核结果排名"), f"{_info(summary)}\n排名规则：{TIE_RULE}", headers, widths)
    _finish(ws, widths)
    r = FIRST_ROW
    group = None
    k = len(extra[0])  # the columns after 等次 move right by this many
    for ranked in summary.ranking.of(items=False):
        row = ranked.row
        if ranked.group != group:
            group = ranked.group
            r = _band_row(ws, r, _group_heading(summary, group), widths)
        vetoes, pending = _vetoes(row), _id_lines(row.pending, widths[7 + k]) or NONE
        put_number(ws, r, 1, ranked.rank, CENTER)
        put_text(ws, r, 2, row.unit, BODY)
        put_text(ws, r, 3, row.unit_type, CENTER)
        put_number(ws, r, 4, row.total, NUMBER)
        put_text(ws, r, 5, row.grade_shown, CENTER)
        shown = ["", row.unit, row.unit_type, "", row.grade_shown]
        if trend:
            before, change, grade, after = _trend(row)
            _amount(ws, r, 6, before)
            put_text(ws, r, 7, change, CENTER)
            put_text(ws, r, 8, grade, CENTER)
            put_text(ws, r, 9, after, BODY)
            shown += ["", change, grade, after]
        put_text(ws, r, 6 + k, vetoes, CENTER)
        put_number(ws, r, 7 + k, len(row.bad_records), CENTER)
        put_text(ws, r, 8 + k, pending, CENTER)
        if row.sheet:  # a formula, not a cell hyperlink: LibreOffice does not wrap a hyperlink's text
            own(put_formula(ws, r, 9 + k, hyperlink_formula(row.sheet), BODY)).font = LINK_FONT
        else:
            put_text(ws, r, 9 + k, "", BODY)
        fit_row(ws, r, [*shown, vetoes, "", pending, row.sheet], widths)
        r += 1
        _done(ws, r)
    if not summary.ranking:
        _none_row(ws, r, len(headers), widths)
    _close(ws)
    return ws


def write_losses(wb: Workbook, summary: BatchSummary) -> list[Worksheet]:
    """Points lost per 一级指标, a line a unit: a sheet per ruleset (each has its own 一级指标);
    one too wide for a page prints across pages, 名次 and 单位 repeated on each."""
    rulesets = list(summary.categories_of) or [""]
    names = dict(summary.rulesets)
    sheets = []
    for n, ruleset_id in enumerate(rulesets, start=1):
        ws = _sheet(wb, LOSSES if len(rulesets) == 1 else f"{LOSSES}（{n}）")
        ranking = summary.ranking.of(ruleset_id, items=False) if ruleset_id else ()
        cats = list(summary.categories_of.get(ruleset_id, ()))
        headers = ["名次", "单位", "总分", "加分", *cats]
        widths = [5, 24, 7, 6, *([9] * len(cats))]
        span = _first_page_columns(widths)
        title = f"{names[ruleset_id]} · 各一级指标失分" if ruleset_id else _title(summary, "各一级指标失分")
        _head(ws, title, f"{_info(summary)}\n各一级指标下的失分，按排名顺序列出", headers, widths, span=span)
        _finish(ws, widths, freeze=f"C{FIRST_ROW}", title_cols="A:B" if span < len(widths) else "")
        r = FIRST_ROW
        group = None
        for ranked in ranking:
            row = ranked.row
            if ranked.group != group:
                group = ranked.group
                r = _band_row(ws, r, _group_heading(summary, group), widths[:span])
            put_number(ws, r, 1, ranked.rank, CENTER)
            put_text(ws, r, 2, row.unit, BODY)
            put_number(ws, r, 3, row.total, NUMBER)
            put_number(ws, r, 4, row.bonus, NUMBER)
            for col, lost in enumerate(lost_by_category(row, cats), start=5):
                _amount(ws, r, col, lost)
            fit_row(ws, r, ["", row.unit], widths)
            r += 1
            _done(ws, r)
        if not ruleset_id:  # nothing assessed
            _none_row(ws, r, len(headers), widths)
        _close(ws)
        sheets.append(ws)
    return sheets


def _first_page_columns(widths: list[float]) -> int:
    """How many columns the first printed page holds (all when they fit it at MIN_SCALE or more; at least 1)."""
    if sum(column_points(w) for w in widths) * MIN_SCALE / 100 <= PAGE_WIDTH_PT[True] * 0.98:
        return len(widths)
    room, n = PAGE_WIDTH_PT[True] * 0.98, 0
    while n < len(widths) and room >= column_points(widths[n]):
        room -= column_points(widths[n])
        n += 1
    return max(n, 1)


def _count_table(
    ws: Worksheet, top: int, labels: list[str], rows: list[tuple[str, list[int | None], int]], widths: list[float]
) -> int:
    """A table of counts per group (name, counts, units) with a 合计 column (the group's units) and
    row ("—" where a group's ruleset has no such grade); returns the row after it."""
    header_row(ws, top, ["分组", *labels, "合计"], widths, HEADER)
    r = top + 1
    for name, counts, total in rows:
        put_text(ws, r, 1, name, CENTER)
        for col, count in enumerate([*counts, total], start=2):
            if count is None:
                put_text(ws, r, col, DASH, CENTER)
            else:
                put_number(ws, r, col, count, CENTER)
        fit_row(ws, r, [name, *labels], widths)
        r += 1
    put_text(ws, r, 1, "合计", TOTAL)
    sums = [sum(counts[i] or 0 for _, counts, _ in rows) for i in range(len(labels))]
    for col, count in enumerate([*sums, sum(total for *_, total in rows)], start=2):
        own(put_number(ws, r, col, count, TOTAL)).number_format = "0"  # counts, not points
    return r + 1


def _text_props(size_pt: float, bold: bool = False) -> RichText:
    cp = CharacterProperties(sz=int(size_pt * 100), b=bold)
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=cp), endParaRPr=cp)])


def _chart(ws: Worksheet, title: str, x_title: str, top: int, nrows: int, ncats: int, peak: int, anchor: str) -> None:
    """A clustered bar chart of a count table: a series per group (table rows, each labelled) while
    the legend stays small, else one series of the 合计 row; categories = the table's columns."""
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "clustered"
    cp = CharacterProperties(sz=1100, b=True)
    run = RegularTextRun(rPr=cp, t=title)
    chart.title = Title(tx=Text(rich=RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=cp), r=[run])])))
    chart.title.overlay = False
    chart.y_axis.title = "单位数"
    chart.x_axis.title = x_title
    if peak <= 10:
        chart.y_axis.majorUnit = 1  # whole units, not 0.5 steps
    chart.x_axis.delete = False  # openpyxl ≥3.1 hides axes unless told otherwise
    chart.y_axis.delete = False
    chart.x_axis.txPr = chart.y_axis.txPr = _text_props(CHART_TEXT_PT)
    first, last = (top + 1, top + nrows) if nrows <= MAX_SERIES else (top + nrows + 1, top + nrows + 1)
    data = Reference(ws, min_col=1, max_col=1 + ncats, min_row=first, max_row=last)
    chart.add_data(data, from_rows=True, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=2, max_col=1 + ncats, min_row=top, max_row=top))
    chart.height = CHART_HEIGHT_CM
    chart.width = CHART_CM
    if last == first:
        chart.legend = None  # one series: its name is the title's
    else:
        chart.legend.position = "b"  # below: at the right it squeezes the bars
        chart.legend.txPr = _text_props(CHART_TEXT_PT)
    ws.add_chart(chart, anchor)


def _column_at(widths: list[float], points: float) -> int:
    """The first 1-based column that starts at least `points` from the left edge (unset columns at the default width)."""
    x, col = 0.0, 0
    while x < points:
        x += column_points(widths[col] if col < len(widths) else DEFAULT_WIDTH)
        col += 1
    return col + 1


def write_grades(wb: Workbook, summary: BatchSummary) -> Worksheet:
    """Grade counts per group, then score bands by each group's own grade lines (groups with the
    same lines share a table and a chart); the charts on pages of their own after the tables."""
    ws = _sheet(wb, GRADES_SHEET)
    # every group's own grade words (rulesets may name their grades), in order of first use
    grades = list(dict.fromkeys(k for g in summary.grades for k in g.counts)) or list(GRADES)
    band_sets: dict[tuple[str, ...], list] = {}
    for g in summary.grades:
        band_sets.setdefault(tuple(g.bands), []).append(g)
    ncols = max([len(grades), *(len(b) for b in band_sets)]) + 2  # the widest table
    widths = [30] + [12] * (ncols - 1)
    set_widths(ws, widths)
    _title_row(ws, _title(summary, "等次分布"), widths)
    info = f"{_info(summary)}\n等次含一票否决、不良记录的限制；暂定等次按其暂定结果计；总分分布按各分组自己的等次线分段"
    put_text(ws, 2, 1, info, INFO)
    merge_row(ws, 2, 1, ncols)
    fit_row(ws, 2, [info], [sum(widths)])
    grade_rows = [(g.group, [g.counts.get(k) for k in grades], g.total) for g in summary.grades]
    r = _count_table(ws, HEADER_ROW, grades, grade_rows, widths)
    tables = [("各等次单位数", "等次", HEADER_ROW, grade_rows, grades)]
    for bands, members in band_sets.items():
        r += 1
        lines = members[0].lines
        what = f"总分分布（单位数，按等次线 {_lines(lines)} 分段）" if lines else "总分分布（单位数）"
        put_text(ws, r, 1, what, SUBHEAD)
        merge_row(ws, r, 1, ncols)
        fit_row(ws, r, [what], [sum(widths)])
        top = r + 1
        rows = [(g.group, [g.bands[k] for k in bands], g.total) for g in members]
        # "合格（60–80分）" as two lines: the chart's labels then stay level instead of turning aslant
        labels = [re.sub(r"^(.+)（(.+)）$", "\\1\n\\2", band) for band in bands]
        r = _count_table(ws, top, labels, rows, widths)
        chart_title = f"总分分布（{_lines(lines)}）" if lines else "总分分布"
        tables.append((chart_title, "总分", top, rows, labels))
    # the charts two a row, two rows a page; the second of a row starts where the first ends
    chart_pt = CHART_CM / 2.54 * 72
    second = _column_at(widths, chart_pt + 24)  # LibreOffice draws a chart a little wider than asked
    second_x = sum(column_points(w) for w in [*widths, *([DEFAULT_WIDTH] * second)][: second - 1])
    last = max(_column_at(widths, second_x + chart_pt + 24) - 1, ncols)  # the column the second chart ends in
    first_chart_row = r + 1
    for n, (title, x_title, top, rows, labels) in enumerate(tables):
        line = n // 2
        if n % 2 == 0 and line % CHART_ROWS_A_PAGE == 0:
            ws.row_breaks.append(Break(id=first_chart_row + line * (CHART_ROWS + 1) - 2))  # a blank row above
        at = first_chart_row + line * (CHART_ROWS + 1)
        col = 1 if n % 2 == 0 else second
        peak = max((c or 0 for _, counts, _ in rows for c in counts), default=0)
        _chart(ws, title, x_title, top, len(rows), len(labels), peak, f"{get_column_letter(col)}{at}")
    end = first_chart_row + (len(tables) + 1) // 2 * (CHART_ROWS + 1)
    for row in range(first_chart_row, end):
        ws.row_dimensions[row].height = 15  # the charts are placed by rows: rows of a known height
    print_widths = [*widths, *([DEFAULT_WIDTH] * (last - ncols))]
    set_widths(ws, print_widths)  # every printed column's width given: applications differ on the default
    ws.freeze_panes = f"A{FIRST_ROW}"
    apply_print_setup(ws, "", header_right="考核结果汇总")  # several tables: no one header to repeat
    print_at_scale(ws, print_widths)
    _close(ws, print_area=f"A1:{get_column_letter(last)}{end - 1}")
    return ws


BAD_RECORD_HEADERS = ["序号", "单位", "单位类型", "规则编号", "事项", "依据", "扣分", "严重程度", "后果", "说明"]
BAD_RECORD_WIDTHS = [5, 20, 9, 8, 30, 28, 6, 8, 18, 16]


def write_bad_records(wb: Workbook, summary: BatchSummary) -> Worksheet:
    ws = _sheet(wb, BAD_RECORDS)
    _bad_records_head(ws, summary)
    r = FIRST_ROW
    for n, b in enumerate(summary.bad_records, start=1):
        _bad_record_row(ws, r, n, b)
        r += 1
        _done(ws, r)
    if not summary.bad_records:
        _none_row(ws, r, len(BAD_RECORD_HEADERS), BAD_RECORD_WIDTHS)
    _close(ws)
    return ws


def _bad_records_head(ws: Worksheet, summary: BatchSummary) -> None:
    count = len(summary.bad_records)
    severe = summary.bad_records.severe
    _head(
        ws,
        _title(summary, "不良记录汇总"),
        f"{_info(summary)}\n不良记录{count}条（其中严重{severe}条），按排名顺序列出",
        BAD_RECORD_HEADERS,
        BAD_RECORD_WIDTHS,
    )
    _finish(ws, BAD_RECORD_WIDTHS)


def _bad_record_row(ws: Worksheet, r: int, n: int, b: BadRecordRow) -> None:
    rec = b.record
    texts = ["", b.unit, b.unit_type, rec.rule_id, rec.event, rec.basis, "", rec.severity, rec.consequence, rec.note]
    put_number(ws, r, 1, n, CENTER)
    for col in (2, 5, 6, 9, 10):
        put_text(ws, r, col, texts[col - 1], BODY)
    for col in (3, 4, 8):
        put_text(ws, r, col, texts[col - 1], CENTER)
    put_number(ws, r, 7, rec.deduction, NUMBER)
    if rec.severity == "严重":
        own(ws.cell(r, 8)).fill = SEVERE_FILL
    fit_row(ws, r, texts, BAD_RECORD_WIDTHS)


# 不良记录 rows from which that sheet is written by a copy of this process while this one writes the
# sheets before it (about 0.13 ms a row; making the copy costs some milliseconds)
ASIDE_FROM = 500


def _seed_bad_record_styles(wb: Workbook, summary: BatchSummary) -> None:
    """Register every style the 不良记录汇总 sheet uses before any sheet is written (its head, a
    severe row, a 无 row, in a scratch sheet), so that whichever process writes it finds them all
    and adds none: the style numbers are the same whether it is written here or by a copy."""
    ws = Worksheet(wb, BAD_RECORDS)  # never added to the workbook
    _bad_records_head(ws, summary)
    record = next(iter(summary.bad_records))
    _bad_record_row(ws, FIRST_ROW, 1, replace(record, record=record.record.model_copy(update={"severity": "严重"})))
    _none_row(ws, FIRST_ROW + 1, len(BAD_RECORD_HEADERS), BAD_RECORD_WIDTHS)
    for key in sorted(ws._cells):
        ws._cells[key].style_id  # noqa: B018  (registers the cell's style)


def _sizes(wb: Workbook) -> tuple[int, ...]:
    return tuple(len(getattr(wb, name)) for name in (*_STYLE_LISTS, "_cell_styles"))


_STYLE_LISTS = ("_fonts", "_fills", "_borders", "_alignments", "_protections", "_number_formats")


class _Written:
    """A worksheet's XML already written to a file (what ExcelWriter asks of a sheet's writer)."""

    def __init__(self, path: str):
        self.out = path
        self._rels = RelationshipList()

    def cleanup(self) -> None:
        _forget(self.out)


def _forget(path: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(path)
    with contextlib.suppress(ValueError):
        ALL_TEMP_FILES.remove(path)


class _Aside:
    """The 不良记录汇总 sheet written by a copy of this process (os.fork) into a file this process
    made for it, while this process writes the sheets before it; `join` puts it in its place, or
    says it could not (the caller then writes it). Only where a copy is safe: Linux, one thread."""

    def __init__(self, wb: Workbook, summary: BatchSummary):
        fd, self.path = tempfile.mkstemp(prefix="openpyxl.")
        os.close(fd)
        ALL_TEMP_FILES.append(self.path)  # removed at exit, as openpyxl's own, whatever happens
        for stream in (sys.stdout, sys.stderr):  # what is buffered would be written twice
            with contextlib.suppress(Exception):
                stream.flush()
        self._fd, child = os.pipe()
        try:
            self.pid = os.fork()
        except OSError:
            os.close(self._fd)
            os.close(child)
            _forget(self.path)
            raise
        if self.pid == 0:  # the copy: write the sheet and leave at once, cleaning up nothing
            os.close(self._fd)
            os._exit(_write_aside(wb, summary, self.path, child))
        os.close(child)

    @staticmethod
    def start(wb: Workbook, summary: BatchSummary) -> _Aside | None:
        if not sys.platform.startswith("linux") or threading.active_count() != 1:
            return None
        try:
            return _Aside(wb, summary)
        except OSError:  # no process or file to spare: written here instead
            return None

    def join(self, wb: Workbook) -> bool:
        with os.fdopen(self._fd, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        if status != 0 or not data:
            _forget(self.path)
            return False
        printing, state = pickle.loads(data)
        out = wb.create_sheet(BAD_RECORDS)
        out._print_area, out._print_rows, out._print_cols = printing
        out.sheet_state = state
        out._writer = _Written(self.path)
        out._WriteOnlyWorksheet__saved = True  # written: ExcelWriter copies the file in as it is
        return True

    def abandon(self) -> None:
        """Stop the copy (if `join` has not waited for it) and remove its file."""
        if self.pid:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(self.pid, 0)
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self.pid = 0
            _forget(self.path)


def _write_aside(wb: Workbook, summary: BatchSummary, path: str, pipe: int) -> int:
    """In the copy: the sheet written into `path` and closed, its print set-up and state sent down
    `pipe`. Returns the exit status (1: not written — a style the seeding missed, or anything else)."""
    try:
        sizes = _sizes(wb)
        _Stream.files[BAD_RECORDS] = path
        out = write_bad_records(wb, summary)._stream.out
        out.close()
        plain = not (out._charts or out._images or out._rels or out.auto_filter.ref or out.defined_names)
        if _sizes(wb) != sizes or not plain or out._writer.out != path:
            return 1
        data = pickle.dumps(((out._print_area, out._print_rows, out._print_cols), out.sheet_state))
        with os.fdopen(pipe, "wb") as fh:
            fh.write(data)
        return 0
    except BaseException:
        return 1


def _names(names: tuple[str, ...], count: int) -> str:
    """The first names of `count` (the summary may keep no more than MAX_NAMES)."""
    if count <= MAX_NAMES:
        return "、".join(names)
    return "、".join(names[:MAX_NAMES]) + f"等{count}个单位"


def _no_loss_note(stats: list) -> str:
    """The line under a group's items: the items nobody lost points on, and those that apply to nobody."""
    scored = [s for s in stats if s.applicable]
    pending = sum(1 for s in scored if s.pending)
    text = f"无单位失分的评分项{len(scored)}项"
    if pending:
        text += f"（其中{pending}项有待复核的单位）"
    text += f"：{'、'.join(s.rule_id for s in scored)}" if scored else ""
    idle = [s.rule_id for s in stats if not s.applicable]
    if idle:
        text += f"\n不适用于本组单位的评分项{len(idle)}项：{'、'.join(idle)}"
    return text


def write_items(wb: Workbook, summary: BatchSummary) -> Worksheet:
    """Items somebody lost points on, hardest first, a block per group; a line for the rest."""
    ws = _sheet(wb, ITEMS)
    headers = [
        "序号",
        "评分项",
        "一级指标",
        "考核内容",
        "分值",
        "适用单位数",
        "失分单位数",
        "待复核单位数",
        "失分合计",
        "平均失分",
        "失分率（%）",
        "失分单位",
    ]
    # the 评分项 column as wide as its longest id (an id is never wrapped or clipped)
    rule_width = max([cjk_width(s.rule_id) for s in summary.items] + [6]) + 2
    widths = [5, rule_width, 12, 30, 6, 7, 7, 7, 7, 7, 7, 30]
    _head(ws, _title(summary, "失分分析"), f"{_info(summary)}\n{ITEMS_ORDER}", headers, widths)
    _finish(ws, widths)
    r = FIRST_ROW
    groups = list(dict.fromkeys(s.group for s in summary.items))
    for group in groups:
        stats = [s for s in summary.items if s.group == group]
        r = _band_row(ws, r, _group_heading(summary, group), widths)
        lost = [s for s in stats if s.lost_count]
        for n, s in enumerate(lost, start=1):
            names = _names(s.lost_units, s.lost_count)
            put_number(ws, r, 1, n, CENTER)
            put_text(ws, r, 2, s.rule_id, CENTER)
            put_text(ws, r, 3, s.category1, BODY)
            put_text(ws, r, 4, s.content, BODY)
            put_number(ws, r, 5, s.max_points, NUMBER)
            put_number(ws, r, 6, s.applicable, CENTER)
            put_number(ws, r, 7, s.lost_count, CENTER)
            put_number(ws, r, 8, s.pending, CENTER)
            put_number(ws, r, 9, s.lost_total, NUMBER)
            put_number(ws, r, 10, s.average, NUMBER)
            put_number(ws, r, 11, s.loss_rate, NUMBER)
            put_text(ws, r, 12, names, BODY)
            fit_row(ws, r, ["", s.rule_id, s.category1, s.content, "", "", "", "", "", "", "", names], widths)
            r += 1
        r = _band_row(ws, r, _no_loss_note([s for s in stats if not s.lost_count]), widths, fill=None)
    if not summary.items:
        _none_row(ws, r, len(headers), widths)
    _close(ws)
    return ws


def write_errors(wb: Workbook, summary: BatchSummary) -> Worksheet:
    ws = _sheet(wb, ERRORS)
    headers = ["序号", "申报文件", "错误类别", "原因"]
    widths = [5, 28, 10, 90]
    _head(
        ws,
        _title(summary, "未能评分的申报文件"),
        f"{_info(summary)}\n原因按“文件:行:列: 位置: 说明”给出",
        headers,
        widths,
    )
    _finish(ws, widths)
    r = FIRST_ROW
    for n, failure in enumerate(summary.failures, start=1):
        shown = failure.problems[:MAX_PROBLEMS]
        more = len(failure.problems) - len(shown)
        reason = "\n".join(shown) + (f"\n……另有{more}处问题（单独评分此文件可看到全部）" if more else "")
        put_number(ws, r, 1, n, CENTER)
        put_text(ws, r, 2, failure.file, BODY)
        put_text(ws, r, 3, failure.kind, CENTER)
        put_text(ws, r, 4, reason, BODY)
        fit_row(ws, r, ["", failure.file, failure.kind, reason], widths)
        r += 1
        _done(ws, r)
    if not summary.failures:
        _none_row(ws, r, len(headers), widths)
    _close(ws)
    return ws


def write_report_check(wb: Workbook, summary: BatchSummary) -> Worksheet:
    """Where a submission differs from its unit's own annual report (a report found beside the submission)."""
    ws = _sheet(wb, REPORT_CHECK)
    headers = ["序号", "单位", "申报文件", "年度报告", "核对结果", "指标", "申报值", "报告值", "报告原文"]
    widths = [5, 14, 18, 18, 8, 14, 10, 10, 50]
    _head(
        ws,
        _title(summary, "申报数据与年度报告核对"),
        f"{_info(summary)}\n不一致：两值不同；待核：报告为约数、范围或推算；申报未填：报告写明而申报未填",
        headers,
        widths,
    )
    _finish(ws, widths)
    r = FIRST_ROW
    n = 0
    for ranked in summary.ranking.of(among=summary.reported, items=False):
        row = ranked.row
        lines = row.report_check or (None,)
        for line in lines:
            n += 1
            cells = [row.unit, row.file, row.report]
            cells += (
                ["一致", "", "", "", ""]
                if line is None
                else [line.kind, line.indicator, line.submitted, line.stated, line.where]
            )
            put_number(ws, r, 1, n, CENTER)
            for c, value in enumerate(cells, start=2):
                put_text(ws, r, c, value, CENTER if c == 6 else BODY)
            fit_row(ws, r, ["", *cells], widths)
            r += 1
        _done(ws, r)
    _close(ws)
    return ws


def write_responsibility(wb: Workbook, summary: BatchSummary) -> Worksheet:
    """责任分解: each department's share of each unit's lost points, from the unit's 分工表."""
    from engine.ruleset.responsibility import UNASSIGNED

    ws = _sheet(wb, RESPONSIBILITY)
    headers = ["序号", "部门", "牵头任务失分", "配合任务失分", "合计", "涉及任务", "涉及评分项"]
    widths = [5, 28, 11, 11, 9, 30, 30]
    note = (
        "每项扣分按其对应的规划任务均分；任务的失分由牵头单位承担（多个牵头单位均分），"
        "具名配合单位各承担分工表所定比例，“各有关部门”不承担；未对应规划任务的扣分单列"
    )
    _head(ws, _title(summary, "责任分解"), f"{_info(summary)}\n{note}", headers, widths)
    _finish(ws, widths)
    r = FIRST_ROW
    for ranked in summary.ranking.of(among=summary.assigned):
        row = ranked.row
        lost = sum((i.deduction for i in row.items), Decimal(0))
        text = f"{row.unit}：共扣{format_decimal(lost)}分，配合扣分比例{format_decimal(row.partner_share)}"
        r = _band_row(ws, r, text, widths)
        for n, share in enumerate(row.responsibility, start=1):
            tasks = _id_lines(tuple(share.tasks), widths[5]) if share.tasks else DASH
            items = _id_lines(tuple(share.items), widths[6])
            put_number(ws, r, 1, n, CENTER)
            put_text(ws, r, 2, share.department, BODY)
            if share.department == UNASSIGNED:
                put_text(ws, r, 3, DASH, CENTER)
                put_text(ws, r, 4, DASH, CENTER)
            else:
                put_number(ws, r, 3, share.as_lead, NUMBER)
                put_number(ws, r, 4, share.as_partner, NUMBER)
            put_number(ws, r, 5, share.total, TOTAL)
            put_text(ws, r, 6, tasks, BODY)
            put_text(ws, r, 7, items, BODY)
            fit_row(ws, r, ["", share.department, "", "", "", tasks, items], widths)
            r += 1
        _done(ws, r)
    _close(ws)
    return ws


def summary_properties(summary: BatchSummary) -> dict[str, str]:
    """What the 汇总 was computed from, as custom document properties (like the scoresheet's)."""
    props = {
        "规则集编号": "、".join(i for i, _ in summary.rulesets),
        "考核年度": "、".join(str(y) for y in summary.years),
        "评分时间": summary.assessed_at,
        "引擎版本": __version__,
    }
    for ruleset_id, file, sha in summary.rules_files:
        props[f"规则文件（{ruleset_id}）"] = file
        props[f"规则文件SHA-256（{ruleset_id}）"] = sha
    return props


def build_summary_workbook(summary: BatchSummary, stream: bool = True) -> Workbook:
    """The 汇总, streamed: a write_only workbook whose sheets are written row by row (their rows
    sized as they go) and kept in temporary files until it is saved; `stream=False`: the same
    workbook built whole in memory, as it was before (for comparison)."""
    from engine.files.naming import repair_surrogates  # a file name from the file system may not be valid text

    wb = Workbook(write_only=stream)
    register_styles(wb)
    aside = None
    if stream and len(summary.bad_records) >= ASIDE_FROM:
        _seed_bad_record_styles(wb, summary)
        aside = _Aside.start(wb, summary)
    try:
        write_ranking(wb, summary)
        write_losses(wb, summary)
        write_grades(wb, summary)
        if aside is None or not aside.join(wb):
            write_bad_records(wb, summary)
    finally:
        if aside is not None:
            aside.abandon()
    write_items(wb, summary)
    write_errors(wb, summary)
    if summary.has_reports:
        write_report_check(wb, summary)
    if summary.has_responsibility:
        write_responsibility(wb, summary)
    for name, value in summary_properties(summary).items():
        wb.custom_doc_props.append(StringProperty(name=name, value=repair_surrogates(value)))
    wb.active = 0
    if not stream:
        fit_rows(wb)  # the last word on heights: text some sheets size by hand is checked once more
    return wb


class _SheetsInPieces(_StampedZip):
    """The reproducible zip (scoresheets.reproducible), each streamed sheet copied in from its
    temporary file a piece at a time (read whole, the 排名 of 10,000 units was some 10 MB more at
    the batch's peak)."""

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None) -> None:  # noqa: ANN001
        fixed = zipfile.ZipInfo(arcname or str(filename), date_time=self._date_time)
        fixed.compress_type = zipfile.ZIP_DEFLATED
        fixed.create_system = 3
        fixed.external_attr = 0o644 << 16
        fixed.file_size = os.path.getsize(filename)
        with open(filename, "rb") as src, self.open(fixed, "w") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)


def _save(wb: Workbook, when: dt.datetime, target: Path) -> None:
    with _SheetsInPieces(target, _zip_time(when)) as archive:
        ExcelWriter(wb, archive).save()


def write_summary_workbook(summary: BatchSummary, path: str | Path) -> None:
    """Write 汇总.xlsx atomically (a reader sees the old file or the complete new one), the zip
    straight into the temporary file (the bytes workbook_bytes would give, never whole in memory)."""
    from engine.files.atomic import write_atomic

    wb = build_summary_workbook(summary)
    when = dt.datetime.fromisoformat(summary.assessed_at)  # the batch's time, not the clock
    stamp(wb, when, "汇总")
    write_atomic(path, lambda tmp: _save(wb, when, tmp))
