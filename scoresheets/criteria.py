"""The published criteria table (评分细则.xlsx): the same visual standard as the scoresheet."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from engine.tools.criteria import HEADERS, Criteria, CriteriaRow
from scoresheets.cells import (
    fit_row,
    header_row,
    merge_row,
    put_text,
    set_widths,
    style_row,
    title_row,
)
from scoresheets.print_setup import apply_print_setup
from scoresheets.styles import (
    BODY,
    CENTER,
    HEADER,
    INFO,
    SUBHEAD,
    SUBHEAD_PT,
    row_height,
    styled_workbook,
)

WIDTHS = [14, 14, 6, 30, 7, 50, 26, 14]
IND_HEADERS = ["指标", "名称", "类型", "单位", "取值", "适用单位"]
IND_WIDTHS = [18, 36, 10, 8, 30, 16]


def build_criteria_workbook(c: Criteria) -> Workbook:
    wb = styled_workbook()
    ws = wb.active
    ws.title = "评分细则"
    set_widths(ws, WIDTHS)
    ncols = len(HEADERS)
    title_row(ws, 1, c.title, ncols)
    put_text(ws, 2, 1, c.info, INFO)
    merge_row(ws, 2, 1, ncols)
    ws.row_dimensions[2].height = row_height([(c.info, sum(WIDTHS))])
    header_row(ws, 3, HEADERS, WIDTHS, HEADER)
    r = 4

    def section(label: str) -> None:
        nonlocal r
        put_text(ws, r, 1, label, SUBHEAD)
        merge_row(ws, r, 1, ncols)
        ws.row_dimensions[r].height = max(20, row_height([(label, sum(WIDTHS))], SUBHEAD_PT))
        r += 1

    def rows(items: list[CriteriaRow]) -> None:
        nonlocal r
        for row in items:
            fields = [
                row.category1,
                row.category2,
                row.seq,
                row.content,
                row.points,
                row.standard,
                row.source,
                row.applies_to,
            ]
            for col, text in enumerate(fields, start=1):
                put_text(ws, r, col, text, CENTER if col in (1, 2, 3, 5, 8) else BODY)
            fit_row(ws, r, fields, WIDTHS)
            r += 1

    for name, points, items in c.categories:
        section(f"{name}（{points}分）")
        rows(items)
    if c.bonuses:
        section("加分项")
        rows(c.bonuses)
    if c.vetoes:
        section("一票否决事项")
        rows(c.vetoes)
    section("等次评定")
    for rule in c.grade_rules:
        put_text(ws, r, 1, rule, BODY)
        merge_row(ws, r, 1, ncols)
        ws.row_dimensions[r].height = row_height([(rule, sum(WIDTHS))])
        r += 1
    ws.freeze_panes = "A4"
    apply_print_setup(ws, "3:3", header_right=c.title)

    ind = wb.create_sheet("申报指标")
    set_widths(ind, IND_WIDTHS)
    title_row(ind, 1, f"{c.title} · 申报指标", len(IND_HEADERS))
    header_row(ind, 2, IND_HEADERS, IND_WIDTHS, HEADER)
    for k, row in enumerate(c.indicators, start=3):
        for col, text in enumerate(row, start=1):
            put_text(ind, k, col, text, BODY if col in (2, 5) else CENTER)
        fit_row(ind, k, list(row), IND_WIDTHS)
    style_row(ind, 2, 1, len(IND_HEADERS), HEADER)
    ind.freeze_panes = "A3"
    apply_print_setup(ind, "2:2", header_right=c.title)
    return wb


def write_criteria(c: Criteria, path: str | Path) -> None:
    from scoresheets.reproducible import save_workbook

    save_workbook(build_criteria_workbook(c), path, c.title)
