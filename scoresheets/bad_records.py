"""Sheet 不良记录: one row per bad record, or a single 无 row."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from engine.result import AssessmentResult
from scoresheets.cells import (
    fit_row,
    header_row,
    own,
    put_number,
    put_text,
    set_widths,
    title_row,
)
from scoresheets.print_setup import apply_print_setup
from scoresheets.styles import (
    BODY,
    CENTER,
    HEADER,
    NUMBER,
    SEVERE_FILL,
)

SHEET = "不良记录"
HEADERS = ["序号", "事项", "依据", "扣分", "严重程度", "后果", "说明"]
WIDTHS = [6, 32, 40, 8, 10, 26, 26]
HEADER_ROW = 2


def write_bad_records_sheet(wb: Workbook, result: AssessmentResult) -> Worksheet:
    ws = wb.create_sheet(SHEET)
    set_widths(ws, WIDTHS)
    title_row(ws, 1, f"{result.year}年度{result.unit}不良记录", len(HEADERS))
    header_row(ws, HEADER_ROW, HEADERS, WIDTHS, HEADER)
    r = HEADER_ROW + 1
    for rec in result.bad_records:
        put_number(ws, r, 1, rec.seq, CENTER)
        put_text(ws, r, 2, rec.event, BODY)
        put_text(ws, r, 3, rec.basis, BODY)
        put_number(ws, r, 4, rec.deduction, NUMBER)
        put_text(ws, r, 5, rec.severity, CENTER)
        put_text(ws, r, 6, rec.consequence, BODY)
        put_text(ws, r, 7, rec.note, BODY)
        if rec.severity == "严重":
            own(ws.cell(r, 5)).fill = SEVERE_FILL
        fit_row(ws, r, ["", rec.event, rec.basis, "", rec.severity, rec.consequence, rec.note], WIDTHS)
        r += 1
    if not result.bad_records:
        put_text(ws, r, 1, "—", CENTER)
        put_text(ws, r, 2, "无", BODY)
        for col in range(3, len(HEADERS) + 1):
            put_text(ws, r, col, "", BODY)
        fit_row(ws, r, ["无"], WIDTHS)
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    apply_print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}", header_right=result.unit)
    return ws
