"""Sheet 申报数据: the submitted values, then one table per record list."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from engine.result import AssessmentResult, RecordRow
from scoresheets.cells import (
    chinese_date,
    fit_row,
    header_row,
    merge_row,
    put_number,
    put_text,
    restyle,
    set_height,
    set_widths,
    title_row,
)
from scoresheets.print_setup import apply_print_setup
from scoresheets.styles import (
    BODY,
    CENTER,
    HEADER,
    MISSING_FILL,
    QUIET_FILL,
    QUIET_FONT,
    SUBHEAD,
    SUBHEAD_PT,
    cjk_width,
    row_height,
)

SHEET = "申报数据"
HEADERS = ["序号", "指标", "名称", "单位", "申报值", "数据说明"]
WIDTHS = [6, 22, 30, 8, 18, 40]
HEADER_ROW = 2
MISSING = "未填报"
# Record-table columns: wide enough for their contents, within these bounds.
MIN_FIELD_WIDTH, MAX_FIELD_WIDTH = 10, 40


def _record_lists(rows: list[RecordRow]) -> dict[str, list[RecordRow]]:
    lists: dict[str, list[RecordRow]] = {}
    for row in rows:
        lists.setdefault(row.list_name, []).append(row)
    for name in lists:
        lists[name].sort(key=lambda r: r.index)
    return lists


def _fields(rows: list[RecordRow]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row.values))
    return list(seen)


def _widths(result: AssessmentResult) -> list[float]:
    """Main table widths, widened where a record table needs more room in the same column."""
    widths = list(WIDTHS)
    for rows in _record_lists(result.records).values():
        for i, field in enumerate(_fields(rows), start=1):
            need = max([cjk_width(field), *(cjk_width(r.values.get(field, "")) for r in rows)]) + 3  # + cell padding
            need = min(max(need, MIN_FIELD_WIDTH), MAX_FIELD_WIDTH)
            if i < len(widths):
                widths[i] = max(widths[i], need)
            else:
                widths.append(need)
    return widths


def write_submitted_sheet(wb: Workbook, result: AssessmentResult) -> Worksheet:
    ws = wb.create_sheet(SHEET)
    widths = _widths(result)
    set_widths(ws, widths)
    title_row(ws, 1, f"{result.year}年度{result.unit}申报数据", len(HEADERS))
    header_row(ws, HEADER_ROW, HEADERS, widths, HEADER)
    r = HEADER_ROW + 1
    labels = {}
    for seq, sv in enumerate(result.submitted, start=1):
        labels[sv.name] = sv.label
        value, note = MISSING if sv.missing else chinese_date(sv.value), sv.note
        if sv.use:
            # not a gap: the unit was not asked for it, or it is only counted; grey, so it does not read as scored
            value = value or sv.use
            why = "仅统计，不计分" if sv.use == "仅统计" else f"不适用于{result.unit_type}，不计分"
            note = f"{why}；{note}" if note else why
        put_number(ws, r, 1, seq, CENTER)
        put_text(ws, r, 2, sv.name, BODY)
        put_text(ws, r, 3, sv.label, BODY)
        put_text(ws, r, 4, sv.unit, CENTER)
        put_text(ws, r, 5, value, BODY)
        put_text(ws, r, 6, note, BODY)
        if sv.missing:
            restyle(ws.cell(r, 5), fill=MISSING_FILL)
        elif sv.use:
            for col in range(1, len(HEADERS) + 1):
                restyle(ws.cell(r, col), fill=QUIET_FILL, font=QUIET_FONT)
        fit_row(ws, r, ["", sv.name, sv.label, sv.unit, value, note], widths)
        r += 1

    for name, rows in _record_lists(result.records).items():
        fields = _fields(rows)
        r += 1  # a blank row between tables
        label = labels.get(name, "")
        heading = f"{label}（{name}）" if label and label != name else name
        heading += f"：{len(rows)} 条"
        put_text(ws, r, 1, heading, SUBHEAD)
        span = max(len(fields) + 1, len(HEADERS))
        merge_row(ws, r, 1, span)
        set_height(ws, r, row_height([(heading, sum(widths[:span]))], SUBHEAD_PT))
        r += 1
        header_row(ws, r, ["序号", *fields], widths, HEADER)
        r += 1
        # Position in the list, 1-based: what a reader counts, whatever RecordRow.index's base.
        for seq, row in enumerate(rows, start=1):
            put_number(ws, r, 1, seq, CENTER)
            texts = [""]
            for col, field in enumerate(fields, start=2):
                text = chinese_date(row.values.get(field, ""))
                put_text(ws, r, col, text, BODY)
                texts.append(text)
            fit_row(ws, r, texts, widths)
            r += 1

    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    apply_print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}", header_right=result.unit)
    return ws
