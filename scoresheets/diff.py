"""The changes between two rules files as a workbook (`assess rules diff OLD NEW -o diff.xlsx`)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from engine.files.atomic import atomic_path
from engine.tools.diff import Change
from scoresheets.cells import (
    fit_row,
    header_row,
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
    register_styles,
)

HEADERS = ["序号", "变更", "部分", "编号/指标", "考核内容/名称", "变更项", "原值", "新值"]
WIDTHS = [6, 9, 8, 12, 30, 12, 40, 40]


def write_diff(changes: list[Change], old_name: str, new_name: str, path: str | Path) -> None:
    wb = Workbook()
    register_styles(wb)
    ws = wb.active
    ws.title = "变更"
    set_widths(ws, WIDTHS)
    title_row(ws, 1, f"评分细则变更：{old_name} → {new_name}", len(HEADERS))
    header_row(ws, 2, HEADERS, WIDTHS, HEADER)
    for r, c in enumerate(changes, start=3):
        put_number(ws, r, 1, r - 2, CENTER)
        fields = [c.kind, c.section, c.key, c.label, c.field, c.old, c.new]
        for col, text in enumerate(fields, start=2):
            put_text(ws, r, col, text, BODY if col >= 5 else CENTER)
        fit_row(ws, r, ["", *fields], WIDTHS)
    if not changes:
        put_text(ws, 3, 2, "无变更", BODY)
    ws.freeze_panes = "A3"
    apply_print_setup(ws, "2:2", header_right=new_name)
    with atomic_path(path) as tmp:
        wb.save(tmp)
