"""The changes between two rules files as a workbook (`assess rules diff OLD NEW -o diff.xlsx`).

A row per change, coloured by its kind (added green, removed red, changed yellow); in a long
text changed in place, the words taken out are struck through in red in 原值 and the words put
in are bold green in 新值 (a character diff). A summary line above the table counts the items
added, removed and changed and the points that moved.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles import PatternFill

from engine.tools.diff import Change, Summary, summarize
from scoresheets.cells import (
    fit_row,
    header_row,
    merge_row,
    own,
    put_number,
    put_text,
    set_widths,
    title_row,
)
from scoresheets.print_setup import apply_print_setup, print_at_scale
from scoresheets.reproducible import save_workbook
from scoresheets.styles import (
    BODY,
    BODY_FONT,
    BODY_PT,
    CENTER,
    HEADER,
    INFO,
    styled_workbook,
)

HEADERS = ["序号", "变更", "部分", "编号/指标", "考核内容/名称", "变更项", "原值", "新值"]
WIDTHS = [5, 9, 8, 12, 26, 12, 42, 42]
HEADER_ROW = 3
FILLS = {  # light fills, so the red and green of the marked text stay readable on them
    "新增": PatternFill("solid", fgColor="E2EFDA"),
    "删除": PatternFill("solid", fgColor="FCE4D6"),
    "修改": PatternFill("solid", fgColor="FFF2CC"),
    "更名": PatternFill("solid", fgColor="FFF2CC"),
    "编号变更": PatternFill("solid", fgColor="FFF2CC"),
}
LEGEND = "底色：绿＝新增，红＝删除，黄＝修改、更名、编号变更。长文本中删去的文字在原值中以红色删除线标出，新加的文字在新值中以绿色粗体标出。"
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[A-Za-z]+|.", re.S)
MARK_FROM = 12  # a changed value this long or longer has its changed part marked
_font = {"rFont": BODY_FONT, "sz": BODY_PT}
DELETED = InlineFont(color="C00000", strike=True, **_font)
INSERTED = InlineFont(color="00863D", b=True, **_font)
PLAIN = InlineFont(**_font)


def _runs(old: str, new: str) -> list[tuple[bool, str, str]]:
    """(same, old part, new part) runs of a character diff (a number or a Latin word counts as one), with stray one- or two-character
    matches inside a change folded into it (“national-model” → “demo-district” is one change,
    not a dozen). Mostly different values are one change."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.ratio() < 0.4:
        return [(False, old, new)]
    runs: list[tuple[bool, str, str]] = []
    ops = matcher.get_opcodes()
    for n, (op, i1, i2, j1, j2) in enumerate(ops):
        part_a, part_b = "".join(a[i1:i2]), "".join(b[j1:j2])
        same = op == "equal" and (len(part_a) > 2 or n in (0, len(ops) - 1))
        if runs and not same and not runs[-1][0]:
            _, was_a, was_b = runs.pop()
            runs.append((False, was_a + part_a, was_b + part_b))
        else:
            runs.append((same, part_a, part_b))
    return runs


def marked(old: str, new: str) -> tuple[CellRichText | str, CellRichText | str]:
    """原值 and 新值 with the changed characters marked (unchanged text plain); short or one-sided
    values as they are."""
    if not old or not new or max(len(old), len(new)) < MARK_FROM:
        return old, new
    before, after = CellRichText(), CellRichText()
    for same, a, b in _runs(old, new):
        if a:
            before.append(TextBlock(PLAIN if same else DELETED, a))
        if b:
            after.append(TextBlock(PLAIN if same else INSERTED, b))
    return before, after


def write_diff(
    changes: list[Change], old_name: str, new_name: str, path: str | Path, summary: Summary | None = None
) -> None:
    wb = styled_workbook()
    ws = wb.active
    ws.title = "变更"
    set_widths(ws, WIDTHS)
    title_row(ws, 1, f"评分细则变更：{old_name} → {new_name}", len(HEADERS))
    summary = summary or summarize(changes)
    info = f"{summary}。\n{LEGEND}" if changes else "两份规则文件的评分细则没有差别。"
    put_text(ws, 2, 1, info, INFO)
    merge_row(ws, 2, 1, len(HEADERS))
    fit_row(ws, 2, [info], [sum(WIDTHS)])
    header_row(ws, HEADER_ROW, HEADERS, WIDTHS, HEADER)
    for r, c in enumerate(changes, start=HEADER_ROW + 1):
        put_number(ws, r, 1, r - HEADER_ROW, CENTER)
        fields = [c.kind, c.section, c.key, c.label, c.field, c.old, c.new]
        for col, text in enumerate(fields, start=2):
            put_text(ws, r, col, text, BODY if col >= 5 else CENTER)
        before, after = marked(c.old, c.new)
        if isinstance(before, CellRichText):
            ws.cell(r, 7).value, ws.cell(r, 8).value = before, after
        fill = FILLS.get(c.kind)
        if fill is not None:
            for col in range(1, len(HEADERS) + 1):
                own(ws.cell(r, col)).fill = fill
        # bold inserted text and ids broken at their hyphens take more room than plain text: size for less
        fit_row(ws, r, ["", *fields], WIDTHS[:6] + [w - 8 for w in WIDTHS[6:]])
    if not changes:
        put_text(ws, HEADER_ROW + 1, 2, "无变更", BODY)
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    apply_print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}", header_right=new_name)
    print_at_scale(ws, WIDTHS)
    save_workbook(wb, path, f"评分细则变更：{old_name} → {new_name}")
