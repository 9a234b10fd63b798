"""Sheet 考核结果, the first page: the result, why, where points were lost and what to fix first."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.worksheet.worksheet import Worksheet

from engine.documents.numbers import format_decimal
from engine.result import AssessmentResult
from scoresheets.cells import (
    chinese_time,
    fit_row,
    header_row,
    merge_row,
    own,
    protect_sheet,
    put_formula,
    put_number,
    put_text,
    set_height,
    set_widths,
    style_row,
    subhead_row,
    title_row,
)
from scoresheets.print_setup import apply_print_setup
from scoresheets.scoresheet import SHEET as SCORESHEET
from scoresheets.scoresheet import grade_formula, ruleset_line
from scoresheets.styles import (
    ALARM_FONT,
    BIG,
    BIG_LABEL,
    BIG_LABEL_PT,
    BIG_PT,
    BODY,
    CENTER,
    HEADER,
    INFO,
    NUMBER,
    TOTAL,
    row_height,
)

SHEET = "考核结果"
HEADERS = ["序号", "规则编号", "考核内容", "存在问题", "扣分", "整改可增分", "整改后总分", "整改后等次"]
WIDTHS = [6, 10, 30, 56, 8, 11, 11, 15]
NCOLS = len(HEADERS)
LARGEST = 5
LABEL = 2  # labels span A:B, text C:H


def one_line_reason(res: AssessmentResult) -> str:
    """Why the grade is what it is: the veto, the cap or the pending items if any, else the grade line."""
    g = res.grade
    if res.vetoes:
        events = "；".join(f"{v.event}（{v.rule_id}）" for v in res.vetoes)
        return f"触发一票否决：{events}，等次为{g.grade}"
    # caps that bind; the pending items have their own line (暂定)
    said = [why for why in g.reasons[1:] if "不影响" not in why]
    if res.pending and said:
        said = said[:-1]
    return "；".join(said) if said else g.reasons[0]


class _Overview:
    def __init__(self, ws: Worksheet, res: AssessmentResult, total_row: int):
        self.ws, self.res, self.row = ws, res, 1
        self.total = f"'{SCORESHEET}'!$H${total_row}"

    def line(self, label: str, text: str, style: str = BODY) -> int:
        ws, r = self.ws, self.row
        put_text(ws, r, 1, label, HEADER)
        merge_row(ws, r, 1, LABEL)
        put_text(ws, r, LABEL + 1, text, style)
        merge_row(ws, r, LABEL + 1, NCOLS)
        set_height(ws, r, row_height([(label, sum(WIDTHS[:LABEL])), (text, sum(WIDTHS[LABEL:]))]))
        self.row += 1
        return r

    def head(self) -> None:
        ws, res = self.ws, self.res
        title_row(ws, 1, res.heading, NCOLS)
        lines = [
            f"被考核单位：{res.unit}（{res.unit_type}）　考核年度：{res.year}年度",
            f"{ruleset_line(res)}　评分时间：{chinese_time(res.audit.assessed_at)}",
        ]
        for r, info in enumerate(lines, start=2):
            put_text(ws, r, 1, info, INFO)
            merge_row(ws, r, 1, NCOLS)
            set_height(ws, r, row_height([(info, sum(WIDTHS))]))
        self.row = 4

    def result(self) -> None:
        """总分 and 等次, large: formulas over the 评分表's 总分, so they follow an assessor's edit."""
        ws, res, r = self.ws, self.res, self.row
        put_text(ws, r, 1, "总分", BIG_LABEL)
        merge_row(ws, r, 1, LABEL)
        put_formula(ws, r, 3, f"={self.total}", BIG)
        put_text(
            ws,
            r,
            4,
            f"满分{format_decimal(res.total_points)}分（含加分，加分上限{format_decimal(res.bonus_cap)}分）",
            CENTER,
        )
        put_text(ws, r, 5, "等次（暂定）" if res.grade.provisional else "等次", BIG_LABEL)
        merge_row(ws, r, 5, 6)
        formula = grade_formula(self.total, res)
        if formula is None:
            put_text(ws, r, 7, res.grade.grade or "本表不评定等次", BIG if res.grade.grade else CENTER)
        else:
            put_formula(ws, r, 7, formula, BIG)
        merge_row(ws, r, 7, NCOLS)
        if res.grade_words:
            worst = CellIsRule(operator="equal", formula=[f'"{res.grade_words[-1]}"'], font=ALARM_FONT)
            ws.conditional_formatting.add(f"G{r}:H{r}", worst)
        set_height(ws, r, max(BIG_PT * 2.2, row_height([("总分", 16)], BIG_LABEL_PT)))
        self.row += 1
        if res.grade.provisional:
            self.line("暂定", f"等次暂定：{res.grade.reasons[-1]}")
        elif res.open_totals is not None:
            self.line("待复核", res.grade.reasons[-1])
        self.line("等次说明", one_line_reason(res))
        if res.grade.bands and res.grade_words:
            lines = "、".join(f"{g}≥{format_decimal(v)}分" for g, v in res.grade.bands.items())
            self.line(
                "等次线", f"{lines}，低于{format_decimal(list(res.grade.bands.values())[-1])}分为{res.grade_words[-1]}"
            )
        if res.previous is not None:
            self.line("较上年", res.versus_previous)
        for c in res.consequences:
            self.line("等次后果", c.text)
        records = res.bad_records
        severe = sum(1 for b in records if b.severity == "严重")
        said = f"{len(records)}条{f'（其中严重{severe}条）' if severe else ''}，见“不良记录”表" if records else "无"
        self.line("不良记录", said)
        if res.follow_ups:  # last year's records as the unit reports their 整改
            each = "；".join(f"{f.rule_id} {f.event}：{f.state}" for f in res.follow_ups)
            still = sum(not f.corrected for f in res.follow_ups)
            self.line("上年不良记录", f"{len(res.follow_ups)}条，本年度内未整改{still}条（{each}）")
        if res.vetoes:
            self.line("一票否决", "；".join(f"{v.rule_id} {v.event}：{v.detail}" for v in res.vetoes))
        deducted = sorted((i for i in res.items if i.deduction > 0), key=lambda i: (-i.deduction, i.seq))
        if deducted:
            top = "；".join(f"{i.rule_id} {i.content}（扣{format_decimal(i.deduction)}分）" for i in deducted[:LARGEST])
            self.line(f"扣分最多的{min(LARGEST, len(deducted))}项", f"{top}（共{len(deducted)}项扣分）")
        else:
            self.line("扣分", "无扣分项")

    def remedies(self) -> int:
        """The 整改清单 as the engine computed it; returns its header row (repeated on each page)."""
        ws, res = self.ws, self.res
        self.row += 1
        subhead_row(ws, self.row, "整改清单", WIDTHS)
        self.row += 1
        note = (
            "每一项单独整改（该项不再扣分；一票否决项解除否决）后由规则引擎重新评分的结果，按整改后等次、增分排序；"
            "按系统计算的扣分，评分表中的扣分修改后请重新评分。"
        )
        put_text(ws, self.row, 1, note, INFO)
        merge_row(ws, self.row, 1, NCOLS)
        set_height(ws, self.row, row_height([(note, sum(WIDTHS))]))
        self.row += 1
        header = self.row
        header_row(ws, header, HEADERS, WIDTHS, HEADER)
        self.row += 1
        for k, m in enumerate(res.remedies, start=1):
            r = self.row
            grade = (m.grade or "—") + ("（暂定）" if m.provisional else "")
            put_number(ws, r, 1, k, CENTER)
            put_text(ws, r, 2, m.rule_id, CENTER)
            put_text(ws, r, 3, m.content, BODY)
            put_text(ws, r, 4, m.problem, BODY)
            put_number(ws, r, 5, m.deduction, NUMBER)
            put_number(ws, r, 6, m.gain, TOTAL)
            put_number(ws, r, 7, m.total, NUMBER)
            put_text(ws, r, 8, grade, CENTER)
            fit_row(ws, r, ["", m.rule_id, m.content, m.problem, "", "", "", grade], WIDTHS)
            self.row += 1
        if not res.remedies:
            put_text(ws, self.row, 1, "无扣分项，无需整改", BODY)
            merge_row(ws, self.row, 1, NCOLS)
            style_row(ws, self.row, 2, NCOLS, BODY)
            set_height(ws, self.row, row_height([("无扣分项，无需整改", sum(WIDTHS))]))
            self.row += 1
        return header


RESP_HEADERS = ["序号", "规则编号", "考核内容", "规划任务（出处）", "扣分", "牵头单位", "", "配合单位"]


def _responsibility(page: _Overview) -> None:
    """扣分的责任单位: each deduction with the plan tasks behind it and their 牵头/配合 units (分工表)."""
    ws, res = page.ws, page.res
    share = format_decimal(res.partner_share)
    page.row += 1
    subhead_row(ws, page.row, "扣分的责任单位", WIDTHS)
    page.row += 1
    note = (
        f"按分工表 {res.responsibility_map}：每项扣分对应的规划任务及其牵头、配合单位。"
        f"责任分解时牵头单位承担该任务的失分（多个牵头单位均分），配合单位各承担{share}倍，“各有关部门”不承担。"
    )
    put_text(ws, page.row, 1, note, INFO)
    merge_row(ws, page.row, 1, NCOLS)
    set_height(ws, page.row, row_height([(note, sum(WIDTHS))]))
    page.row += 1
    header_row(ws, page.row, RESP_HEADERS, WIDTHS, HEADER)
    merge_row(ws, page.row, 6, 7)
    page.row += 1
    deducted = [i for i in res.items if i.deduction > 0]
    for k, item in enumerate(deducted, start=1):
        tasks = item.responsible or [None]
        first = page.row
        for task in tasks:
            r = page.row
            where = f"{task.task} {task.name}（{task.source}）" if task else "未对应规划任务"
            leads = "、".join(task.leads) if task else "—"
            partners = "、".join(task.partners) if task and task.partners else "—"
            put_text(ws, r, 4, where, BODY)
            put_text(ws, r, 6, leads, BODY if task else CENTER)
            merge_row(ws, r, 6, 7)
            put_text(ws, r, 8, partners, BODY if task and task.partners else CENTER)
            texts = [
                (item.content, WIDTHS[2]),
                (where, WIDTHS[3]),
                (leads, WIDTHS[5] + WIDTHS[6]),
                (partners, WIDTHS[7]),
            ]
            set_height(ws, r, row_height(texts))
            page.row += 1
        put_number(ws, first, 1, k, CENTER)
        put_text(ws, first, 2, item.rule_id, CENTER)
        put_text(ws, first, 3, item.content, BODY)
        put_number(ws, first, 5, item.deduction, NUMBER)
        for col in (1, 2, 3, 5):
            if page.row - 1 > first:
                own(ws.cell(first, col))  # merge_cells draws the range's borders on it
                ws.merge_cells(start_row=first, start_column=col, end_row=page.row - 1, end_column=col)
    if not deducted:
        put_text(ws, page.row, 1, "无扣分项", BODY)
        merge_row(ws, page.row, 1, NCOLS)
        page.row += 1


def write_overview_sheet(wb: Workbook, result: AssessmentResult, total_row: int) -> Worksheet:
    """The first sheet; `total_row` is the 评分表's 总分 row."""
    ws = wb.create_sheet(SHEET, 0)
    set_widths(ws, WIDTHS)
    page = _Overview(ws, result, total_row)
    page.head()
    page.result()
    header = page.remedies()
    if result.responsibility_map:
        _responsibility(page)
    protect_sheet(ws)
    apply_print_setup(ws, f"{header}:{header}", header_right=result.unit)
    return ws
