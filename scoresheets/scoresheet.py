"""Sheet 评分表: one row per scored item, live subtotal/total formulas, assessor-editable 扣分."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Protection
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from engine.documents.numbers import format_decimal
from engine.result import AssessmentResult, BonusResult, ItemResult
from scoresheets.audit import write_audit_block
from scoresheets.cells import (
    between_zero_and_points,
    chinese_time,
    fit_row,
    header_row,
    merge_row,
    protect_sheet,
    put_formula,
    put_number,
    put_text,
    restyle,
    set_height,
    set_widths,
    style_row,
    title_row,
)
from scoresheets.print_setup import apply_print_setup
from scoresheets.styles import (
    BODY,
    CENTER,
    DEDUCTION_FILL,
    HEADER,
    INFO,
    INPUT,
    NUMBER,
    PENDING_FILL,
    QUIET_FILL,
    QUIET_FONT,
    SELF_DIFF_FILL,
    TOTAL,
    row_height,
)

SHEET = "评分表"
HEADERS = [
    "序号",
    "一级指标",
    "二级指标",
    "考核内容及评分标准",
    "分值",
    "申报值",
    "扣分",
    "得分",
    "扣分说明",
    "规则编号",
    "自评分",
]
WIDTHS = [6, 14, 14, 48, 8, 18, 8, 8, 40, 10, 8]
NCOLS = len(HEADERS)
HEADER_ROW = 3
FIRST_ROW = HEADER_ROW + 1
DASH = "—"
UNLOCKED = Protection(locked=False)
# Column numbers (A=1).
SEQ, CAT1, CAT2, CONTENT, MAX, VALUES, DED, SCORE, NOTE, RULE, SELF = range(1, NCOLS + 1)
LABEL_END = CONTENT  # summary labels span A:D


def _content(content: str, standard: str) -> str:
    return f"{content}\n评分标准：{standard}" if standard else content


def _item_note(item: ItemResult) -> str:
    parts = list(item.reasons)
    said = "；".join(parts)
    # The status word, unless the engine's reasons already say it.
    if item.status == "不适用" and "不适用" not in said:
        parts.append("不适用（按满分计）" if item.counted else "不适用（不计分值，剔除后折算）")
    elif item.status == "待复核" and "待复核" not in said:
        parts.append("待复核")
    if item.reviewed and "复核" not in said:
        parts.append("已人工复核")
    parts += item.flags
    return "；".join(parts)


def _ranges(rows: list[int], col: str) -> str:
    """Consecutive rows collapsed into a space-separated sqref, e.g. "G4:G6 G8:G9"."""
    out: list[str] = []
    start = prev = None
    for r in rows:
        if prev is not None and r == prev + 1:
            prev = r
            continue
        if start is not None:
            out.append(f"{col}{start}:{col}{prev}")
        start = prev = r
    if start is not None:
        out.append(f"{col}{start}:{col}{prev}")
    return " ".join(out)


def _group(items: list[ItemResult]) -> dict[str, list[ItemResult]]:
    groups: dict[str, list[ItemResult]] = {}
    for item in items:
        groups.setdefault(item.category1, []).append(item)
    return groups


class _Writer:
    def __init__(self, ws: Worksheet, result: AssessmentResult):
        self.ws = ws
        self.result = result
        self.row = FIRST_ROW
        self.input_rows: list[int] = []  # counted item rows: 扣分 editable
        self.bonus_rows: list[int] = []
        self.self_rows: list[int] = []  # rows with a 自评分

    # -- rows -----------------------------------------------------------------------------

    def item(self, it: ItemResult) -> None:
        ws, r = self.ws, self.row
        content = _content(it.content, it.standard)
        note = _item_note(it)
        put_number(ws, r, SEQ, it.seq, CENTER)
        put_text(ws, r, CAT1, it.category1, CENTER)
        put_text(ws, r, CAT2, it.category2, CENTER)
        put_text(ws, r, CONTENT, content, BODY)
        put_text(ws, r, VALUES, it.values, BODY)
        put_text(ws, r, NOTE, note, BODY)
        put_text(ws, r, RULE, it.rule_id, CENTER)
        if it.self_score is not None:
            put_number(ws, r, SELF, it.self_score, NUMBER)
            self.self_rows.append(r)
        else:
            put_text(ws, r, SELF, "", CENTER)
        if it.counted:
            put_number(ws, r, MAX, it.max_points, NUMBER)
            put_number(ws, r, DED, it.deduction, INPUT)
            put_formula(ws, r, SCORE, f"=ROUND(MAX(0,E{r}-G{r}),2)", NUMBER)
            restyle(ws.cell(r, NOTE), protection=UNLOCKED)  # an assessor who changes 扣分 says why
            self.input_rows.append(r)
        else:
            # Text, so the category SUMs skip the excluded item.
            for col in (MAX, DED, SCORE):
                put_text(ws, r, col, DASH, CENTER)
        values = it.values
        if it.status == "待复核":
            for col in range(1, NCOLS + 1):
                restyle(ws.cell(r, col), fill=PENDING_FILL)
        elif it.status == "不适用":
            # grey and italic: it is not a scored row; the word says why in 申报值 too
            values = f"不适用{'；' if it.values else ''}{it.values}"
            put_text(ws, r, VALUES, values, BODY)
            for col in range(1, NCOLS + 1):
                restyle(ws.cell(r, col), fill=QUIET_FILL, font=QUIET_FONT)
        fit_row(
            ws,
            r,
            [str(it.seq), it.category1, it.category2, content, "", values, "", "", note, it.rule_id, ""],
            WIDTHS,
        )
        self.row += 1

    def label_row(self, label: str, note: str = "", label_end: int = LABEL_END) -> int:
        """A summary row: bold label merged over A:D, bordered empty cells, a note in 扣分说明."""
        ws, r = self.ws, self.row
        put_text(ws, r, SEQ, label, TOTAL)
        merge_row(ws, r, SEQ, label_end)
        style_row(ws, r, label_end + 1, NCOLS, TOTAL)
        put_text(ws, r, NOTE, note, BODY)
        set_height(ws, r, row_height([(label, sum(WIDTHS[:label_end])), (note, WIDTHS[NOTE - 1])]))
        self.row += 1
        return r

    def subtotal(self, name: str, first: int, last: int) -> int:
        r = self.label_row(f"{name} 小计")
        for col, letter in ((MAX, "E"), (DED, "G"), (SCORE, "H")):
            put_formula(self.ws, r, col, f"=SUM({letter}{first}:{letter}{last})", TOTAL)
        return r

    def bonus(self, b: BonusResult) -> None:
        ws, r = self.ws, self.row
        content = _content(b.content, b.standard)
        note = "；".join([*b.reasons, *([] if b.applicable else ["不适用"])])
        put_number(ws, r, SEQ, b.seq, CENTER)
        put_text(ws, r, CAT1, "加分项", CENTER)
        put_text(ws, r, CAT2, "", CENTER)
        put_text(ws, r, CONTENT, content, BODY)
        put_number(ws, r, MAX, b.max_points, NUMBER)
        put_text(ws, r, VALUES, b.values, BODY)
        put_text(ws, r, DED, "", CENTER)
        put_number(ws, r, SCORE, b.bonus, INPUT)
        put_text(ws, r, NOTE, note, BODY)
        put_text(ws, r, RULE, b.rule_id, CENTER)
        put_text(ws, r, SELF, "", CENTER)
        fit_row(ws, r, ["", "加分项", "", content, "", b.values, "", "", note, b.rule_id, ""], WIDTHS)
        self.bonus_rows.append(r)
        self.row += 1

    # -- whole sheet ----------------------------------------------------------------------

    def write(self) -> None:
        ws, res = self.ws, self.result
        title_row(ws, 1, res.heading, NCOLS)
        self.info_row()
        header_row(ws, HEADER_ROW, HEADERS, WIDTHS, HEADER)

        subtotals = []
        for name, items in _group(res.items).items():
            first = self.row
            for it in items:
                self.item(it)
            subtotals.append(self.subtotal(name, first, self.row - 1))

        total_pts = format_decimal(res.total_points)
        base = self.label_row("基础得分", "各一级指标小计得分之和")
        put_formula(ws, base, SCORE, _sum_of(subtotals, "H"), TOTAL)
        applicable = self.label_row("适用分值", "剔除不适用项后的分值合计")
        put_formula(ws, applicable, SCORE, _sum_of(subtotals, "E"), TOTAL)
        scaled = self.label_row("折算得分", f"基础得分×{total_pts}÷适用分值")
        formula = f"ROUND(H{base}*{total_pts}/H{applicable},2)"
        if res.applicable_points == 0:  # every item excluded: avoid #DIV/0!
            formula = f"IF(H{applicable}=0,0,{formula})"
        put_formula(ws, scaled, SCORE, "=" + formula, TOTAL)

        for b in res.bonuses:
            self.bonus(b)
        bonus = self.label_row("加分合计", f"加分上限 {format_decimal(res.bonus_cap)} 分")
        if self.bonus_rows:
            bonus_sum = f"=MIN({format_decimal(res.bonus_cap)},SUM(H{self.bonus_rows[0]}:H{self.bonus_rows[-1]}))"
            put_formula(ws, bonus, SCORE, bonus_sum, TOTAL)
        else:
            put_number(ws, bonus, SCORE, 0, TOTAL)

        total = self.label_row("总分", "折算得分＋加分合计")
        put_formula(ws, total, SCORE, f"=ROUND(H{scaled}+H{bonus},2)", TOTAL)
        if res.open_totals is not None:
            # static: what reviews may still deduct; once they are entered above, 总分 is final
            note = f"{res.open_totals.summary}（按申报数据计算；复核扣分填入上表后以“总分”为准）"
            open_row = self.label_row("待复核分值", note)
            put_number(ws, open_row, SCORE, res.open_totals.open_points, TOTAL)
        rate = self.label_row("得分率（%）", f"折算得分（不含加分）÷{total_pts}×100，各单位之间比较用")
        put_formula(ws, rate, SCORE, f"=ROUND(H{scaled}/{total_pts}*100,2)", TOTAL)
        grade_note = "；".join(res.grade.reasons)
        grade = self.label_row("等次" if res.grade.grade is not None else "说明", grade_note)
        formula = grade_formula(f"H{total}", res)
        if formula is None:
            put_text(ws, grade, SCORE, res.grade.grade or DASH, TOTAL)
        else:
            put_formula(ws, grade, SCORE, formula, TOTAL)
        self.total_row, self.grade_row = total, grade
        for v in res.vetoes:
            self.veto_row(v.rule_id, v.event, v.standard, v.detail)
        for notice in res.notices:  # e.g. the year is outside the ruleset's period
            self.label_row("注意", notice)
        system = self.label_row(
            "系统计算总分", "规则引擎按申报数据算出的总分；与上方“总分”不同，说明评分表中的扣分或加分已被修改"
        )
        put_number(ws, system, SCORE, res.total, NUMBER)
        self.row = self.signatures(self.row + 1)
        self.row = write_audit_block(ws, self.row + 1, res, LABEL_END, NCOLS)

        ws.parent.defined_names["总分"] = DefinedName("总分", attr_text=f"'{SHEET}'!$H${total}")
        self.inputs_and_checks()

    def info_row(self) -> None:
        ws, res = self.ws, self.result
        left = f"{ruleset_line(res)}　单位类型：{res.unit_type}　评分时间：{chinese_time(res.audit.assessed_at)}"
        put_text(ws, 2, 1, left, INFO)
        merge_row(ws, 2, 1, NCOLS)
        set_height(ws, 2, row_height([(left, sum(WIDTHS))]))

    def signatures(self, row: int) -> int:
        """考核组 and 复核人 sign and date the sheet: room for a hand-written name on each line."""
        ws = self.ws
        for label in ("考核组（签字）：", "复核人（签字）："):
            put_text(ws, row, SEQ, label, INFO)
            merge_row(ws, row, SEQ, CONTENT)
            put_text(ws, row, MAX, "日期：　　　　年　　月　　日", INFO)
            merge_row(ws, row, MAX, NCOLS)
            set_height(ws, row, 36)
            row += 1
        return row

    def veto_row(self, rule_id: str, event: str, standard: str, detail: str) -> None:
        r = self.label_row("一票否决", detail, label_end=CAT2)
        content = _content(event, standard)
        put_text(self.ws, r, CONTENT, content, BODY)
        put_text(self.ws, r, RULE, rule_id, CENTER)
        fit_row(self.ws, r, ["", "", "", content, "", "", "", "", detail, rule_id, ""], WIDTHS)

    def inputs_and_checks(self) -> None:
        if self.input_rows:
            sqref = _ranges(self.input_rows, "G")
            self.ws.add_data_validation(between_zero_and_points(sqref, "扣分"))
            rule = CellIsRule(operator="greaterThan", formula=["0"], fill=DEDUCTION_FILL)
            self.ws.conditional_formatting.add(sqref, rule)
        if self.bonus_rows:
            self.ws.add_data_validation(between_zero_and_points(_ranges(self.bonus_rows, "H"), "加分"))
        if self.self_rows:
            # a 自评分 that differs from the (possibly edited) 得分 is highlighted
            first = self.self_rows[0]
            rule = FormulaRule(formula=[f"AND(ISNUMBER(K{first}),K{first}<>H{first})"], fill=SELF_DIFF_FILL)
            self.ws.conditional_formatting.add(_ranges(self.self_rows, "K"), rule)


def ruleset_line(res: AssessmentResult) -> str:
    extends = f"，继承 {'、'.join(res.ruleset_extends)}" if res.ruleset_extends else ""
    return f"规则集：{res.ruleset_name}（{res.ruleset_id}{extends}）"


def grade_formula(total: str, res: AssessmentResult) -> str | None:
    """等次 as a formula over the cell `total`: the unit type's grade lines, capped as the 不良记录 and
    一票否决 cap it (arithmetic.grade); None for a ruleset without grades."""
    words, bands, cap = res.grade_words, res.grade.bands, res.grade.cap
    if not words or res.grade.grade is None:
        return None
    if res.vetoes:  # the veto's grade, whatever the total
        return f'="{res.grade.grade}"'
    start = words.index(cap) if cap in words else 0
    expr = f'"{words[-1]}"'
    for word in reversed(words[start + 1 : -1]):
        if word in bands:
            expr = f'IF({total}>={format_decimal(bands[word])},"{word}",{expr})'
    head = words[start]
    at_least = [w for w in words[: start + 1] if w in bands]  # a band this good or better is capped at head
    if head == words[-1]:
        expr = f'"{head}"'
    elif at_least:
        expr = f'IF({total}>={format_decimal(bands[at_least[-1]])},"{head}",{expr})'
    return "=" + expr


def _sum_of(rows: list[int], col: str) -> str:
    if not rows:
        return "=0"
    return "=SUM(" + ",".join(f"{col}{r}" for r in rows) + ")"


def write_scoresheet_sheet(wb: Workbook, result: AssessmentResult) -> tuple[Worksheet, int]:
    """The sheet and the row of its 总分."""
    ws = wb.active
    ws.title = SHEET
    set_widths(ws, WIDTHS)
    writer = _Writer(ws, result)
    writer.write()
    ws.freeze_panes = f"A{FIRST_ROW}"
    protect_sheet(ws)
    apply_print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}", header_right=result.unit)
    return ws, writer.total_row
