"""The fill-in workbook (填报表) a unit completes instead of writing JSON (`assess template`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from engine.files.atomic import atomic_path
from engine.intake.form_layout import (
    BASIC,
    COL_EVIDENCE,
    COL_NAME,
    COL_NOTE,
    COL_VALUE,
    HEADER_ROW,
    IND_HEADERS,
    INDICATORS,
    NO,
    REVIEW,
    REVIEW_HEADERS,
    REVIEW_ROWS,
    SELF_COL_ID,
    SELF_COL_SCORE,
    SELF_HEADERS,
    SELF_SCORE,
    STRUCTURE,
    YES,
    sheet_title,
)
from engine.ruleset.conditions import format_decimal
from engine.ruleset.model import FieldSpec, IndicatorSpec
from engine.ruleset.ruleset import Ruleset
from scoresheets.cells import (
    fit_row,
    header_row,
    merge_row,
    protect_sheet,
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
    INFO,
    INPUT,
    register_styles,
    row_height,
)

IND_WIDTHS = [6, 18, 36, 8, 6, 22, 16, 24, 24]
SELF_WIDTHS = [6, 12, 44, 8, 10, 30]
INPUT_TEXT = "输入文本"  # an unlocked text style for free-text inputs

INSTRUCTIONS = (
    "填写说明：只在浅黄色单元格填写。数值、百分比填数字（百分比填0–100，如 99.36）；次数填整数；"
    "是否填“是”或“否”；日期填年-月-日（如 2013-03-01）；选项从下拉列表中选择。没有的数据留空，不要填“无”或“—”。"
    "“佐证材料”写明材料名称或文号，“数据说明”写明数据出处。"
)


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
    lo, hi = spec.range if spec.range is not None else (None, None)
    if spec.type == "百分比" and spec.range is None:
        lo, hi = Decimal(0), Decimal(100)
    kind = "整数" if spec.type == "次数" else "数字"
    if spec.type == "次数" and lo is None:
        lo = Decimal(0)
    if lo is not None and hi is not None:
        text = f"{format_decimal(lo)}–{format_decimal(hi)} 的{kind}"
    elif lo is not None:
        text = f"不小于 {format_decimal(lo)} 的{kind}"
    else:
        text = kind
    return text + ("" if getattr(spec, "required", True) else "（选填）")


def validation(spec: IndicatorSpec | FieldSpec, prompt_title: str) -> DataValidation:
    lo, hi = spec.range if spec.range is not None else (None, None)
    if spec.type == "百分比" and spec.range is None:
        lo, hi = Decimal(0), Decimal(100)
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
        if spec.type == "次数" and lo is None:
            lo = Decimal(0)
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
        return DataValidation(type="date", operator="greaterThan", formula1="1", **common)
    return DataValidation(type="textLength", operator="lessThanOrEqual", formula1="2000", **common)


def build_template(ruleset: Ruleset) -> Workbook:
    wb = Workbook()
    register_styles(wb)
    _input_text_style(wb)
    ws = wb.active
    ws.title = INDICATORS
    taken = {INDICATORS, SELF_SCORE, REVIEW, STRUCTURE}
    lists = {name: sheet_title(name, taken) for name, spec in ruleset.indicators.items() if spec.type == "记录列表"}
    _indicator_sheet(ws, ruleset, lists)
    for name, title in lists.items():
        _record_sheet(wb.create_sheet(title), name, ruleset.indicators[name], ruleset)
    _self_score_sheet(wb.create_sheet(SELF_SCORE), ruleset)
    _review_sheet(wb.create_sheet(REVIEW), ruleset)
    meta = wb.create_sheet(STRUCTURE)
    meta.sheet_state = "hidden"
    meta.append(["规则集编号", ruleset.header.id])
    meta.append(["规则文件sha256", ruleset.sha256])
    for name, title in lists.items():
        meta.append(["记录列表", name, title])
    meta.protection.sheet = True
    return wb


def _input_text_style(wb: Workbook) -> None:
    from copy import copy

    from openpyxl.styles import NamedStyle, Protection

    if INPUT_TEXT in wb.named_styles:
        return
    base = next(s for s in wb._named_styles if s.name == INPUT)
    style = NamedStyle(
        INPUT_TEXT,
        font=copy(base.font),
        fill=copy(base.fill),
        border=copy(base.border),
        alignment=copy(base.alignment),
        protection=Protection(locked=False),
        number_format="@",
    )
    wb.add_named_style(style)


def _intro(ws: Worksheet, title: str, ncols: int, widths: list[int], text: str = INSTRUCTIONS) -> None:
    title_row(ws, 1, title, ncols)
    put_text(ws, 2, 1, text, INFO)
    merge_row(ws, 2, 1, ncols)
    ws.row_dimensions[2].height = row_height([(text, sum(widths))])


def _indicator_sheet(ws: Worksheet, ruleset: Ruleset, lists: dict[str, str]) -> None:
    set_widths(ws, IND_WIDTHS)
    _intro(ws, f"{ruleset.header.name} 填报表", len(IND_HEADERS), IND_WIDTHS)
    header_row(ws, HEADER_ROW, IND_HEADERS, IND_WIDTHS, HEADER)
    r = HEADER_ROW + 1
    types = ruleset.header.unit_types
    basic_specs = {
        "单位名称": IndicatorSpec(标签="单位全称", 类型="文本"),
        "单位类型": IndicatorSpec(标签="单位类型", 类型="选项", 选项=types),
        "考核年度": IndicatorSpec(标签="考核年度（被考核的工作年度）", 类型="次数", 范围=[1990, 2100]),
    }
    for seq, (name, _) in enumerate(BASIC, start=1):
        _indicator_row(ws, r, f"基本{seq}", name, basic_specs[name], None)
        r += 1
    for seq, (name, spec) in enumerate(ruleset.indicators.items(), start=1):
        _indicator_row(ws, r, str(seq), name, spec, lists.get(name))
        r += 1
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    protect_sheet(ws)
    apply_print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}", header_right=ruleset.header.name)


def _indicator_row(ws: Worksheet, r: int, seq: str, name: str, spec: IndicatorSpec, sheet: str | None) -> None:
    label = spec.label + ("" if spec.required else "（选填）")
    cells = [seq, name, label, spec.type, spec.unit or "", requirement(spec) if sheet is None else ""]
    for col, text in enumerate(cells, start=1):
        put_text(ws, r, col, text, BODY if col in (3, 6) else CENTER)
    if sheet is not None:
        put_text(ws, r, COL_VALUE, f"见工作表“{sheet}”", CENTER)
        put_text(ws, r, 6, f"在工作表“{sheet}”逐条填写", BODY)
    else:
        style = INPUT_TEXT if spec.type in ("文本", "选项", "是否") else INPUT
        put_text(ws, r, COL_VALUE, "", style)
        if spec.type == "日期":
            ws.cell(r, COL_VALUE).number_format = "yyyy-mm-dd"
        dv = validation(spec, name)
        ws.add_data_validation(dv)
        dv.add(ws.cell(r, COL_VALUE).coordinate)
    put_text(ws, r, COL_EVIDENCE, "", INPUT_TEXT)
    put_text(ws, r, COL_NOTE, "", INPUT_TEXT)
    fit_row(ws, r, [*cells, "", "", ""], IND_WIDTHS)


def _record_sheet(ws: Worksheet, name: str, spec: IndicatorSpec, ruleset: Ruleset) -> None:
    fields = spec.fields or {}
    headers = ["序号", *fields]
    widths = [6] + [max(12, min(40, 2 * len(f.label) + 4)) for f in fields.values()]
    set_widths(ws, widths)
    text = (
        f"{spec.label}：每行填写一条记录，最多 {spec.max_records} 条；第4行写明每一列的填写要求。"
        "没有记录时留空。" + INSTRUCTIONS.split("。", 1)[1]
    )
    _intro(ws, f"{spec.label}（{name}）", len(headers), widths, text)
    header_row(ws, HEADER_ROW, headers, widths, HEADER)
    put_text(ws, HEADER_ROW + 1, 1, "要求", CENTER)
    for col, fspec in enumerate(fields.values(), start=2):
        put_text(ws, HEADER_ROW + 1, col, f"{fspec.label}：{requirement(fspec)}", BODY)
    fit_row(ws, HEADER_ROW + 1, ["", *(f"{f.label}：{requirement(f)}" for f in fields.values())], widths)
    first, last = HEADER_ROW + 2, HEADER_ROW + 1 + spec.max_records
    for col, (fname, fspec) in enumerate(fields.items(), start=2):
        dv = validation(fspec, fname)
        ws.add_data_validation(dv)
        letter = get_column_letter(col)
        dv.add(f"{letter}{first}:{letter}{last}")
    style_rows = min(last, first + 49)  # style the first 50 input rows; the rest stay unlocked below
    for r in range(first, style_rows + 1):
        put_number(ws, r, 1, r - first + 1, CENTER)
        for col, fspec in enumerate(fields.values(), start=2):
            put_text(ws, r, col, "", INPUT_TEXT if fspec.type in ("文本", "选项", "是否") else INPUT)
            if fspec.type == "日期":
                ws.cell(r, col).number_format = "yyyy-mm-dd"
    from openpyxl.styles import Protection

    for r in range(style_rows + 1, last + 1):
        for col in range(2, len(headers) + 1):
            ws.cell(r, col).protection = Protection(locked=False)
    ws.freeze_panes = f"B{first}"
    protect_sheet(ws)
    apply_print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW + 1}", header_right=ruleset.header.name)
    ws.print_area = f"A1:{get_column_letter(len(headers))}{style_rows}"


def _self_score_sheet(ws: Worksheet, ruleset: Ruleset) -> None:
    set_widths(ws, SELF_WIDTHS)
    text = "自评分：对照评分标准给出本单位各评分项的自评得分（0至该项分值），可不填；考核组评分后将与之对照。"
    _intro(ws, f"{ruleset.header.name} 自评表", len(SELF_HEADERS), SELF_WIDTHS, text)
    header_row(ws, HEADER_ROW, SELF_HEADERS, SELF_WIDTHS, HEADER)
    for r, entry in enumerate(ruleset.entries, start=HEADER_ROW + 1):
        item = entry.item
        put_number(ws, r, 1, r - HEADER_ROW, CENTER)
        put_text(ws, r, SELF_COL_ID, item.id, CENTER)
        content = f"{item.content}\n评分标准：{item.standard}"
        put_text(ws, r, 3, content, BODY)
        put_number(ws, r, 4, item.points, CENTER)
        put_text(ws, r, SELF_COL_SCORE, "", INPUT)
        put_text(ws, r, 6, "", INPUT_TEXT)
        dv = DataValidation(
            type="decimal",
            operator="between",
            formula1="0",
            formula2=f"D{r}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="自评分超出范围",
            error="自评分须介于0与该项分值之间",
        )
        ws.add_data_validation(dv)
        dv.add(f"E{r}")
        fit_row(ws, r, ["", item.id, content, "", "", ""], SELF_WIDTHS)
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    protect_sheet(ws)
    apply_print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}", header_right=ruleset.header.name)


def _review_sheet(ws: Worksheet, ruleset: Ruleset) -> None:
    widths = [6, 12, 8, 8, 50, 20]
    set_widths(ws, widths)
    text = (
        "复核（由考核组填写，单位无需填写）：对某一评分项的复核决定，填“扣分”或“得分”之一，并写明理由和复核人；"
        "酌情扣分项须在此赋分。"
    )
    parts = ruleset.open_parts
    if parts:
        text += f"评分项中的酌情部分（{'、'.join(sorted(parts))}）按其编号复核，只填“扣分”。"
    _intro(ws, f"{ruleset.header.name} 复核表", len(REVIEW_HEADERS), widths, text)
    header_row(ws, HEADER_ROW, REVIEW_HEADERS, widths, HEADER)
    ids = [
        rid for e in ruleset.entries for rid in (e.item.id, *sorted(p for p in parts if p.startswith(e.item.id + ".")))
    ]
    ids += [b.id for b in ruleset.model.bonuses]
    pick = (
        DataValidation(type="list", formula1='"' + ",".join(ids) + '"', allow_blank=True)
        if len(",".join(ids)) < 250
        else None
    )
    for r in range(HEADER_ROW + 1, HEADER_ROW + 1 + REVIEW_ROWS):
        put_number(ws, r, 1, r - HEADER_ROW, CENTER)
        for col in range(2, len(REVIEW_HEADERS) + 1):
            put_text(ws, r, col, "", INPUT if col in (3, 4) else INPUT_TEXT)
    if pick is not None:
        ws.add_data_validation(pick)
        pick.add(f"B{HEADER_ROW + 1}:B{HEADER_ROW + REVIEW_ROWS}")
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    protect_sheet(ws)
    apply_print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}", header_right=ruleset.header.name)


def fill_template(wb: Workbook, ruleset: Ruleset, data: dict[str, Any]) -> Workbook:
    """Put a submission's values (JSON form) into a template: for conversions and round-trip tests."""
    ws = wb[INDICATORS]
    rows = {ws.cell(r, COL_NAME).value: r for r in range(HEADER_ROW + 1, ws.max_row + 1)}
    for key in ("单位名称", "单位类型", "考核年度"):
        if key in data:
            _set(ws.cell(rows[key], COL_VALUE), data[key])
    meta = {row[1].value: row[2].value for row in wb[STRUCTURE].iter_rows() if row[0].value == "记录列表"}
    for name, value in data.get("指标", {}).items():
        spec = ruleset.indicators[name]
        if spec.type == "记录列表":
            sheet = wb[meta[name]]
            for i, record in enumerate(value):
                for col, fname in enumerate(spec.fields or {}, start=2):
                    if fname in record:
                        _set(sheet.cell(HEADER_ROW + 2 + i, col), _cell_value(spec.fields[fname], record[fname]))
        else:
            _set(ws.cell(rows[name], COL_VALUE), _cell_value(spec, value))
    for name, note in data.get("数据说明", {}).items():
        _set(ws.cell(rows[name], COL_NOTE), note)
    for n, review in enumerate(data.get("复核", [])):
        sheet = wb[REVIEW]
        for col, key in enumerate(REVIEW_HEADERS[1:], start=2):
            if key in review:
                _set(sheet.cell(HEADER_ROW + 1 + n, col), review[key])
    if data.get("自评分"):
        sheet = wb[SELF_SCORE]
        by_id = {sheet.cell(r, SELF_COL_ID).value: r for r in range(HEADER_ROW + 1, sheet.max_row + 1)}
        for item_id, score in data["自评分"].items():
            sheet.cell(by_id[item_id], SELF_COL_SCORE).value = score
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


def write_template(ruleset: Ruleset, path: str | Path, data: dict[str, Any] | None = None) -> None:
    wb = build_template(ruleset)
    if data is not None:
        fill_template(wb, ruleset, data)
    with atomic_path(path) as tmp:
        wb.save(tmp)
