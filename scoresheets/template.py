"""The fill-in workbook (填报表) a unit completes instead of writing JSON (`assess template`).

Where each thing goes is engine.intake.form_layout's, which the reader recomputes; this module
only draws it: light-yellow input cells with validations and number formats by type, the 自评分
sheet grouped by 一级 with subtotal and 合计 formulas, a signature block, A4 landscape printing.
"""

from __future__ import annotations

import datetime as dt
from copy import copy
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import NamedStyle, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from engine.documents.numbers import format_decimal
from engine.intake.form_layout import (
    ALL_TYPES,
    COL_APPLIES,
    COL_EVIDENCE,
    COL_NOTE,
    COL_VALUE,
    CORRECTION_ROWS,
    CORRECTION_SPEC,
    CORRECTIONS,
    HEADER_ROW,
    INDICATORS,
    NO,
    SELF_COL_ID,
    SELF_COL_POINTS,
    SELF_COL_SCORE,
    SELF_HEADERS,
    SELF_SCORE,
    STRUCTURE,
    YES,
    FormLayout,
    RecordLayout,
    form_layout,
    structure_of,
)
from engine.ruleset.model import FieldSpec, IndicatorSpec
from engine.ruleset.ruleset import Ruleset
from scoresheets.cells import (
    between_zero_and_points,
    fit_row,
    header_row,
    merge_row,
    own,
    protect_sheet,
    put_formula,
    put_number,
    put_text,
    set_widths,
    title_row,
)
from scoresheets.print_setup import apply_print_setup
from scoresheets.styles import (
    BODY,
    BODY_PT,
    CENTER,
    HEADER,
    INFO,
    INPUT,
    TITLE_PT,
    TOTAL,
    row_height,
    styled_workbook,
)

IND_WIDTHS = [6, 18, 36, 8, 6, 22, 16, 24, 24]
APPLIES_WIDTH = 24
SELF_WIDTHS = [6, 12, 64, 8, 10, 34]
INPUT_FILL = PatternFill("solid", fgColor="FFFF99")  # the 浅黄色 the instructions name
GREY_FILL = PatternFill("solid", fgColor="D9D9D9")
FORM_NUMBER = "填报数字"  # unlocked, light yellow; the number format is set per type
FORM_TEXT = "填报文字"  # the same, stored as text
LABEL = "签字栏"

# Number formats by indicator type. A 百分比 is typed as 0–100 (as the instructions say), so its
# format only appends a literal "%" and does not scale the value.
FORMATS = {"次数": "0", "数值": "General", "百分比": '0.00"%"', "日期": "yyyy-mm-dd"}
# The 类型 column in a clerk's words (the rules file's type names are the engine's).
KIND_WORDS = {
    "数值": "数字",
    "百分比": "百分比",
    "次数": "整数",
    "是否": "是/否",
    "日期": "日期",
    "选项": "选择",
    "文本": "文字",
    "记录列表": "逐条填写",
}

INSTRUCTIONS = (
    "填写说明：只在浅黄色单元格填写。数值、百分比填数字（百分比填0–100，如 99.36）；次数填整数；"
    "是否填“是”或“否”；日期填年-月-日（如 2013-03-01）；选项从下拉列表中选择。没有的数据留空，不要填“无”或“—”。"
    "“佐证材料”写明材料名称或文号，“数据说明”写明数据出处。"
)
ALL_TYPES_NOTE = (
    "本表适用于所有单位类型：先选“单位类型”，“适用单位”不含本单位类型的行变为灰色，不必填写（填了也不计分）。"
)
SIGNATURE = [("填报单位（盖章）", "填报人", "联系电话"), ("负责人签字", "日期", "")]


def requirement(spec: IndicatorSpec | FieldSpec) -> str:
    """The rule for a value, in words (the 填写要求 column and the validation prompt)."""
    if spec.type == "选项":
        return "从下拉列表选择：" + "、".join(spec.options or ())
    if spec.type == "是否":
        return "填“是”或“否”"
    if spec.type == "日期":
        return "日期，如 2013-03-01"
    if spec.type == "文本":
        return "文字"
    lo, hi = spec.bounds
    kind = "整数" if spec.type == "次数" else "数字"
    if lo is not None and hi is not None:
        text = f"{format_decimal(lo)}–{format_decimal(hi)} 的{kind}"
    elif lo is not None:
        text = f"不小于 {format_decimal(lo)} 的{kind}"
    else:
        text = kind
    return text + ("" if getattr(spec, "required", True) else "（选填）")


def validation(spec: IndicatorSpec | FieldSpec, prompt_title: str) -> DataValidation:
    lo, hi = spec.bounds
    common = dict(
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        promptTitle=prompt_title[:32],
        prompt=requirement(spec)[:255],
        errorTitle="填写有误",
        error=f"应为{requirement(spec)}"[:255],
    )
    if spec.type in ("数值", "百分比", "次数"):
        kind = "whole" if spec.type == "次数" else "decimal"
        if lo is not None and hi is not None:
            return DataValidation(
                type=kind, operator="between", formula1=format_decimal(lo), formula2=format_decimal(hi), **common
            )
        if lo is not None:
            return DataValidation(type=kind, operator="greaterThanOrEqual", formula1=format_decimal(lo), **common)
        return DataValidation(
            type=kind, operator="between", formula1="-1000000000000", formula2="1000000000000", **common
        )
    if spec.type == "是否":
        return DataValidation(type="list", formula1=f'"{YES},{NO}"', **common)
    if spec.type == "选项":
        return DataValidation(type="list", formula1='"' + ",".join(spec.options or ()) + '"', **common)
    if spec.type == "日期":
        # Excel's serial numbers of 1900-01-01 and 2100-12-31: a date, not any number
        return DataValidation(type="date", operator="between", formula1="1", formula2="73415", **common)
    return DataValidation(type="textLength", operator="lessThanOrEqual", formula1="2000", **common)


def build_template(ruleset: Ruleset, unit_type: str | None = None) -> Workbook:
    """The 填报表 for ruleset: for one unit type (only what applies to it), or for every type."""
    if unit_type is not None and unit_type not in ruleset.header.unit_types:
        raise ValueError(f"unit type {unit_type!r} is not one of the ruleset's")
    layout = form_layout(ruleset, unit_type)
    wb = styled_workbook()
    _form_styles(wb)
    ws = wb.active
    ws.title = INDICATORS
    _indicator_sheet(ws, ruleset, layout)
    for rec in layout.records:
        spec = ruleset.indicators[rec.name]
        _record_sheet(wb.create_sheet(rec.title), spec, rec, ruleset, f"{spec.label}（{rec.name}）")
    _record_sheet(
        wb.create_sheet(CORRECTIONS),
        CORRECTION_SPEC,
        CORRECTION_ROWS,
        ruleset,
        "上年不良记录整改情况",
        _CORRECTIONS_TEXT,
        "行号",
    )
    _self_score_sheet(wb.create_sheet(SELF_SCORE), ruleset, layout)
    meta = wb.create_sheet(STRUCTURE)
    meta.sheet_state = "hidden"
    meta.append(["规则集编号", ruleset.header.id])
    meta.append(["规则文件sha256", ruleset.sha256])
    meta.append(["单位类型", unit_type or ALL_TYPES])
    meta.append(["版式sha256", layout.digest])
    for rec in layout.records:
        meta.append(["记录列表", rec.name, rec.title])
    meta.protection.sheet = True
    return wb


def form_title(ruleset: Ruleset, unit_type: str | None) -> str:
    return f"{ruleset.header.name} 填报表" + (f"（{unit_type}）" if unit_type else "")


def _form_styles(wb: Workbook) -> None:
    base = next(s for s in wb._named_styles if s.name == INPUT)
    for name, fmt in ((FORM_NUMBER, "General"), (FORM_TEXT, "@")):
        wb.add_named_style(
            NamedStyle(
                name,
                font=copy(base.font),
                fill=copy(INPUT_FILL),
                border=copy(base.border),
                alignment=copy(base.alignment),
                protection=Protection(locked=False),
                number_format=fmt,
            )
        )
    info = next(s for s in wb._named_styles if s.name == INFO)
    wb.add_named_style(NamedStyle(LABEL, font=copy(info.font), alignment=copy(info.alignment)))


def _input(ws: Worksheet, r: int, col: int, kind: str | None) -> None:
    """An empty input cell for a value of `kind` (None: free text)."""
    if kind in FORMATS:
        put_text(ws, r, col, "", FORM_NUMBER)
        own(ws.cell(r, col)).number_format = FORMATS[kind]
    else:
        put_text(ws, r, col, "", FORM_TEXT)


def _intro(ws: Worksheet, title: str, ncols: int, widths: list[int], text: str = INSTRUCTIONS) -> None:
    title_row(ws, 1, title, ncols)
    ws.row_dimensions[1].height = max(TITLE_PT * 2, row_height([(title, sum(widths) * BODY_PT / TITLE_PT)], TITLE_PT))
    put_text(ws, 2, 1, text, INFO)
    merge_row(ws, 2, 1, ncols)
    ws.row_dimensions[2].height = row_height([(text, sum(widths))])


def _indicator_sheet(ws: Worksheet, ruleset: Ruleset, layout: FormLayout) -> None:
    unit_type = layout.unit_type
    widths = IND_WIDTHS + ([] if unit_type else [APPLIES_WIDTH])
    set_widths(ws, widths)
    ncols = len(layout.headers)
    _intro(ws, form_title(ruleset, unit_type), ncols, widths, INSTRUCTIONS + ("" if unit_type else ALL_TYPES_NOTE))
    header_row(ws, HEADER_ROW, list(layout.headers), widths, HEADER)
    types = ruleset.header.unit_types
    basic_specs = {
        "单位名称": IndicatorSpec(标签="单位全称", 类型="文本"),
        "单位类型": IndicatorSpec(标签="单位类型", 类型="选项", 选项=types),
        "考核年度": IndicatorSpec(标签="考核年度（被考核的工作年度）", 类型="次数", 范围=[1990, 2100]),
    }
    seq = 0
    for name, r in layout.rows.items():
        if name in basic_specs:
            given = unit_type if name == "单位类型" else None  # a form for one type: given, not chosen
            _indicator_row(ws, r, f"基本{r - HEADER_ROW}", name, basic_specs[name], widths, layout, given)
        else:
            seq += 1
            _indicator_row(ws, r, str(seq), name, ruleset.indicators[name], widths, layout)
    last = max(layout.rows.values())
    if not unit_type:
        _grey_what_does_not_apply(ws, layout.rows["单位类型"], HEADER_ROW + 1 + 3, last, ncols)
    _signature_block(ws, last + 2)
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    protect_sheet(ws)
    apply_print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}", header_right=ruleset.header.name)


def _indicator_row(
    ws: Worksheet,
    r: int,
    seq: str,
    name: str,
    spec: IndicatorSpec,
    widths: list[int],
    layout: FormLayout,
    given: str | None = None,
) -> None:
    label = spec.label + ("" if spec.required else "（选填）")
    listed = next((rec.title for rec in layout.records if rec.name == name), None)
    kind = "年份" if name == "考核年度" else KIND_WORDS[spec.type]
    cells = [seq, name, label, kind, spec.unit or "", requirement(spec) if listed is None else ""]
    for col, text in enumerate(cells, start=1):
        put_text(ws, r, col, text, BODY if col in (3, 6) else CENTER)
    if listed is not None:
        put_text(ws, r, COL_VALUE, f"见工作表“{listed}”", CENTER)
        cells[5] = f"在工作表“{listed}”逐条填写"
        put_text(ws, r, 6, cells[5], BODY)
    elif given is not None:
        cells[5] = "本表只适用于此单位类型"
        put_text(ws, r, COL_VALUE, given, CENTER)
        put_text(ws, r, 6, cells[5], BODY)
    elif spec.overdue is not None:  # counted by the engine from a date: nothing to type in
        cells[5] = f"不必填写：由系统按“{spec.overdue.date}”与期限{spec.overdue.deadline}计算"
        put_text(ws, r, COL_VALUE, "（系统计算）", CENTER)
        put_text(ws, r, 6, cells[5], BODY)
    else:
        _input(ws, r, COL_VALUE, "次数" if name == "考核年度" else spec.type)
        dv = validation(spec, name)
        ws.add_data_validation(dv)
        dv.add(ws.cell(r, COL_VALUE).coordinate)
    _input(ws, r, COL_EVIDENCE, None)
    _input(ws, r, COL_NOTE, None)
    applies = ""
    if not layout.unit_type:
        applies = "、".join(spec.applies_to) if spec.applies_to else ALL_TYPES
        put_text(ws, r, COL_APPLIES, applies, CENTER)
    fit_row(ws, r, [*cells, "", "", "", applies], widths)


def _grey_what_does_not_apply(ws: Worksheet, type_row: int, first: int, last: int, ncols: int) -> None:
    """On a form for every unit type: rows whose 适用单位 leaves out the chosen type turn grey.

    Cells cannot be locked by a formula, so greying is the signal; the reader ignores nothing
    (a value given anyway is kept, and scores nothing, as in a JSON submission)."""
    if last < first:
        return
    chosen = f"${get_column_letter(COL_VALUE)}${type_row}"
    applies = f"${get_column_letter(COL_APPLIES)}{first}"
    formula = f'AND({chosen}<>"",{applies}<>"{ALL_TYPES}",ISERROR(SEARCH("、"&{chosen}&"、","、"&{applies}&"、")))'
    ws.conditional_formatting.add(
        f"A{first}:{get_column_letter(ncols)}{last}", FormulaRule(formula=[formula], fill=GREY_FILL, stopIfTrue=True)
    )


def _signature_block(ws: Worksheet, r: int) -> None:
    """填报单位（盖章）/填报人/联系电话, 负责人签字/日期: labels, then light-yellow cells to fill."""
    places = [(2, 3), (4, 6), (7, 8)]  # (label column, input column) of each entry in a row
    for k, labels in enumerate(SIGNATURE):
        row = r + k
        for text, (label_col, input_col) in zip(labels, places, strict=True):
            if not text:
                continue
            put_text(ws, row, label_col, f"{text}：", LABEL)
            if input_col - label_col > 1:
                merge_row(ws, row, label_col, input_col - 1)
            _input(ws, row, input_col, "日期" if text == "日期" else None)
            if text == "日期":
                dv = DataValidation(type="date", operator="between", formula1="1", formula2="73415", allow_blank=True)
                ws.add_data_validation(dv)
                dv.add(ws.cell(row, input_col).coordinate)
        ws.row_dimensions[row].height = 36


_CORRECTIONS_TEXT = (
    "上年评分表“不良记录”表列出的每一条，各填一行：评分项编号、序号（同一评分项有多条时）、是否已整改完成、"
    "说明（整改情况、完成日期或佐证材料）；第4行写明每一列的填写要求。未列出的上年不良记录按未整改计；"
    "上年没有不良记录的单位不填此表。"
)


def _record_sheet(
    ws: Worksheet,
    spec: IndicatorSpec,
    rec: RecordLayout,
    ruleset: Ruleset,
    title: str,
    text: str | None = None,
    counter: str = "序号",
) -> None:
    """A record list's sheet (or the 上年不良记录整改 sheet): one record a row, a 要求 row above;
    `counter` heads the row numbers (行号 where a field is itself called 序号)."""
    names = rec.fields
    fields = spec.fields or {}
    headers = [counter, *names]
    widths = [6] + [max(12, min(40, 2 * len(fields[f].label) + 4)) for f in names]
    if sum(widths) < 120:  # a few narrow fields: widen them to the page rather than print half of it
        k = (120 - 6) / (sum(widths) - 6)
        widths = [6] + [round(w * k) for w in widths[1:]]
    set_widths(ws, widths)
    text = text or (
        f"{spec.label}：每行填写一条记录，最多 {spec.max_records} 条；第4行写明每一列的填写要求。"
        "没有记录时留空。" + INSTRUCTIONS.split("。", 1)[1]
    )
    _intro(ws, title, len(headers), widths, text)
    header_row(ws, HEADER_ROW, headers, widths, HEADER)
    put_text(ws, HEADER_ROW + 1, 1, "要求", CENTER)
    wants = [f"{fields[f].label}：{requirement(fields[f])}" for f in names]
    for col, want in enumerate(wants, start=2):
        put_text(ws, HEADER_ROW + 1, col, want, BODY)
    fit_row(ws, HEADER_ROW + 1, ["", *wants], widths)
    for col, fname in enumerate(names, start=2):
        dv = validation(fields[fname], fname)
        ws.add_data_validation(dv)
        letter = get_column_letter(col)
        dv.add(f"{letter}{rec.first}:{letter}{rec.last}")
    style_rows = min(rec.last, rec.first + 49)  # style the first 50 input rows; the rest stay unlocked below
    for r in range(rec.first, style_rows + 1):
        put_number(ws, r, 1, r - rec.first + 1, CENTER)
        for col, fname in enumerate(names, start=2):
            _input(ws, r, col, fields[fname].type)
    for r in range(style_rows + 1, rec.last + 1):
        for col in range(2, len(headers) + 1):
            own(ws.cell(r, col)).protection = Protection(locked=False)
    ws.freeze_panes = f"B{rec.first}"
    protect_sheet(ws)
    apply_print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW + 1}", header_right=ruleset.header.name)
    ws.print_area = f"A1:{get_column_letter(len(headers))}{style_rows}"


def _self_score_sheet(ws: Worksheet, ruleset: Ruleset, layout: FormLayout) -> None:
    set_widths(ws, SELF_WIDTHS)
    text = "自评分：对照评分标准给出本单位各评分项的自评得分（0至该项分值），可不填；考核组评分后将与之对照。"
    if layout.unit_type:
        text += f"只列适用于{layout.unit_type}的评分项；不适用的剔除，总分按适用项折算。"
    title = f"{ruleset.header.name} 自评表" + (f"（{layout.unit_type}）" if layout.unit_type else "")
    _intro(ws, title, len(SELF_HEADERS), SELF_WIDTHS, text)
    header_row(ws, HEADER_ROW, SELF_HEADERS, SELF_WIDTHS, HEADER)
    at = {row: e.item for e in ruleset.entries if (row := layout.self_rows.get(e.item.id))}
    points, scores = get_column_letter(SELF_COL_POINTS), get_column_letter(SELF_COL_SCORE)
    seq = 0
    for k, (category, head, rows) in enumerate(layout.groups, start=1):
        put_text(ws, head, 1, _chinese_number(k), TOTAL)
        put_text(ws, head, 2, f"{category}（小计）", TOTAL)
        merge_row(ws, head, 2, 3)
        put_formula(ws, head, SELF_COL_POINTS, f"=SUM({points}{rows[0]}:{points}{rows[-1]})", TOTAL)
        put_formula(ws, head, SELF_COL_SCORE, f"=SUM({scores}{rows[0]}:{scores}{rows[-1]})", TOTAL)
        put_text(ws, head, 6, "", TOTAL)
        for r in rows:
            seq += 1
            item = at[r]
            put_number(ws, r, 1, seq, CENTER)
            put_text(ws, r, SELF_COL_ID, item.id, CENTER)
            content = f"{item.content}\n评分标准：{item.standard}"
            if not layout.unit_type and item.applies_to:
                content += f"\n适用单位：{'、'.join(item.applies_to)}"
            put_text(ws, r, 3, content, BODY)
            put_number(ws, r, SELF_COL_POINTS, item.points, CENTER)
            put_text(ws, r, SELF_COL_SCORE, "", FORM_NUMBER)
            own(ws.cell(r, SELF_COL_SCORE)).number_format = "0.00"
            put_text(ws, r, 6, "", FORM_TEXT)
            ws.add_data_validation(between_zero_and_points(f"{scores}{r}", "自评分", points))
            fit_row(ws, r, ["", item.id, content, "", "", ""], SELF_WIDTHS)
    total = layout.total_row
    put_text(ws, total, 1, "", TOTAL)
    put_text(ws, total, 2, "合计", TOTAL)
    merge_row(ws, total, 2, 3)
    heads = [head for _, head, _ in layout.groups]
    for col, letter in ((SELF_COL_POINTS, points), (SELF_COL_SCORE, scores)):
        put_formula(ws, total, col, "=" + ("+".join(f"{letter}{h}" for h in heads) or "0"), TOTAL)
    put_text(ws, total, 6, "", TOTAL)
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    protect_sheet(ws)
    apply_print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}", header_right=ruleset.header.name)


def _chinese_number(k: int) -> str:
    digits = "零一二三四五六七八九"
    if k < 10:
        return digits[k]
    return ("" if k < 20 else digits[k // 10]) + "十" + ("" if k % 10 == 0 else digits[k % 10])


def fill_template(wb: Workbook, ruleset: Ruleset, data: dict[str, Any]) -> Workbook:
    """Put a submission's values (JSON form) into a template: for conversions and round-trip tests.

    Values of indicators the form leaves out (not applicable to its unit type) are left out too."""
    structure = structure_of(wb)
    kind = structure.get("单位类型")
    layout = form_layout(ruleset, None if kind in (None, ALL_TYPES) else kind)
    ws = wb[INDICATORS]
    for key in ("单位名称", "单位类型", "考核年度"):
        if key in data and not (key == "单位类型" and layout.unit_type):
            _set(ws.cell(layout.rows[key], COL_VALUE), data[key])
    sheets = {rec.name: rec for rec in layout.records}
    for name, value in data.get("指标", {}).items():
        spec = ruleset.indicators[name]
        if name not in layout.rows:
            continue
        if spec.type == "记录列表":
            rec = sheets[name]
            sheet = wb[rec.title]
            for i, record in enumerate(value):
                for col, fname in enumerate(rec.fields, start=2):
                    if fname in record:
                        _set(sheet.cell(rec.first + i, col), _cell_value(spec.fields[fname], record[fname]))
        else:
            _set(ws.cell(layout.rows[name], COL_VALUE), _cell_value(spec, value))
    for name, note in data.get("数据说明", {}).items():
        if name in layout.rows:
            _set(ws.cell(layout.rows[name], COL_NOTE), note)
    if CORRECTIONS in wb.sheetnames:
        sheet, rec = wb[CORRECTIONS], CORRECTION_ROWS
        for i, report in enumerate(data.get(CORRECTIONS) or []):
            for col, fname in enumerate(rec.fields, start=2):
                if fname in report:
                    _set(sheet.cell(rec.first + i, col), _cell_value(CORRECTION_SPEC.fields[fname], report[fname]))
    sheet = wb[SELF_SCORE]
    for item_id, score in (data.get("自评分") or {}).items():
        if item_id in layout.self_rows:
            sheet.cell(layout.self_rows[item_id], SELF_COL_SCORE).value = score
    return wb


def _set(cell, value: Any) -> None:
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # text stays text, even "=…"


def _cell_value(spec: IndicatorSpec | FieldSpec, value: Any) -> Any:
    if spec.type == "是否" and isinstance(value, bool):
        return YES if value else NO
    if spec.type == "日期" and isinstance(value, str):
        try:
            return dt.datetime.combine(dt.date.fromisoformat(value), dt.time())
        except ValueError:
            return value
    return value


def write_template(
    ruleset: Ruleset, path: str | Path, data: dict[str, Any] | None = None, unit_type: str | None = None
) -> None:
    from scoresheets.reproducible import save_workbook

    wb = build_template(ruleset, unit_type)
    if data is not None:
        fill_template(wb, ruleset, data)
    save_workbook(wb, path, form_title(ruleset, unit_type))
