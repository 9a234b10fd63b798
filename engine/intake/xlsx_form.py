"""Reading a filled 填报表 (.xlsx) as a submission, every value located at its sheet!cell.

The workbook becomes the same document a JSON submission is (单位名称, 单位类型, 考核年度,
指标, 数据说明, 自评分), so one validator checks both and both score identically. Excel has no
integer type and users format percentages their own way, so the reader adapts what is
unambiguous (3.0 → 3 for counts, a cell formatted as 96.5% → 96.5, 是/否 → yes/no); anything
else goes to the validator as typed, which reports it at its cell. Formulas in input cells are
refused: a value must be what the unit submits, not something computed from other cells.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine.documents.source import Document
from engine.errors import Location, Problem, SubmissionError
from engine.intake.form_layout import (
    ALL_TYPES,
    BASIC,
    COL_EVIDENCE,
    COL_NAME,
    COL_NOTE,
    COL_VALUE,
    CORRECTION_ROWS,
    CORRECTION_SPEC,
    CORRECTIONS,
    HEADER_ROW,
    INDICATORS,
    NO,
    REVIEW,
    REVIEW_HEADERS,
    SELF_COL_ID,
    SELF_COL_SCORE,
    SELF_SCORE,
    STRUCTURE,
    YES,
    FormLayout,
    RecordLayout,
    form_layout,
    structure_of,
)
from engine.intake.review import REFUSED
from engine.ruleset.conditions import format_decimal
from engine.ruleset.model import FieldSpec, IndicatorSpec
from engine.ruleset.ruleset import Ruleset


@dataclass
class FormReading:
    """What a filled 填报表 holds as a document, and what was refused while reading it (formulas)."""

    document: Document
    problems: list[Problem]
    refused: set[str]  # indicators whose cell was refused: their "missing" is not said again


def read_workbook_submission(path: Path | str, ruleset: Ruleset) -> Document:
    """The document of a filled 填报表, or a SubmissionError with what reading it refused."""
    reading = read_form(path, ruleset)
    if reading.problems:
        raise SubmissionError(reading.problems)
    return reading.document


def read_form(source: Path | str | OpenedForm, ruleset: Ruleset) -> FormReading:
    """Read a filled 填报表; only an unreadable workbook, or one not made for this ruleset (and
    unit type), raises (engine.intake.submission.validate_form checks the values, all at once)."""
    form = source if isinstance(source, OpenedForm) else open_form(source)
    name, raw, wb = form.name, form.raw, form.workbook
    ws = wb[INDICATORS]
    layout = form_layout_of(form, ruleset)
    reader = _Reader(name, ruleset, layout)
    reader.indicators(ws)
    reader.records(wb)
    reader.corrections(wb)
    if SELF_SCORE in wb.sheetnames:
        reader.self_scores(wb[SELF_SCORE])
    if REVIEW in wb.sheetnames:
        reader.reviews(wb[REVIEW])
    doc = Document(name, reader.data, hashlib.sha256(raw).hexdigest(), cells=reader.cells, readings=reader.readings)
    return FormReading(doc, reader.problems, reader.refused)


def form_layout_of(form: OpenedForm, ruleset: Ruleset) -> FormLayout:
    """The layout the ruleset gives for the form's unit type, once the hidden 结构 sheet agrees
    with it (by digest): a form for another ruleset, another version of it or another unit type,
    or with its 结构 altered, is refused naming both sides."""
    name, wb = form.name, form.workbook
    structure = structure_of(wb)

    def refuse(cell: str, message: str, code: str) -> SubmissionError:
        return SubmissionError(Problem(Location(name, cell=cell), message, code))

    again = f"请用 assess template {ruleset.header.id} 重新生成填报表"
    if not {"规则集编号", "单位类型", "版式sha256"} <= structure.keys():
        raise refuse(
            f"{STRUCTURE}!A1",
            f"缺少隐藏工作表“{STRUCTURE}”或其内容不全：不是当前版本 assess template 生成的填报表；{again}并转抄数据",
            "form.structure",
        )
    theirs, ours = structure["规则集编号"], ruleset.header.id
    if theirs != ours:
        raise refuse(
            f"{STRUCTURE}!B1",
            f"此填报表是按规则集“{theirs}”生成的，评分用的是规则集“{ours}”（{ruleset.header.name}）："
            f"评分时用 --rules {theirs}，或{again}",
            "form.other-ruleset",
        )
    kind = structure["单位类型"]
    unit_type = None if kind == ALL_TYPES else kind
    if unit_type is not None and unit_type not in ruleset.header.unit_types:
        raise refuse(
            f"{STRUCTURE}!B3",
            f"此填报表是为单位类型“{unit_type}”生成的，规则集“{ours}”没有这一类型"
            f"（只有{'、'.join(ruleset.header.unit_types)}）：{again}",
            "form.other-unit-type",
        )
    layout = form_layout(ruleset, unit_type)
    listed = [row for row in wb[STRUCTURE].iter_rows(min_row=5, max_col=3, values_only=True) if any(row)]
    if structure["版式sha256"] != layout.digest or listed != [("记录列表", r.name, r.title) for r in layout.records]:
        if structure["版式sha256"] == layout.digest or structure.get("规则文件sha256") == ruleset.sha256:
            message = f"隐藏工作表“{STRUCTURE}”与规则集“{ours}”给出的版式不符（已被改动）：{again}并转抄数据"
        else:
            message = (
                f"此填报表是按规则集“{ours}”的另一版本（规则文件sha256 {structure.get('规则文件sha256', '未知')[:12]}…）"
                f"生成的，与评分用的版本（{ruleset.sha256[:12]}…，{ruleset.file}）版式不同：{again}并转抄数据"
            )
        raise refuse(f"{STRUCTURE}!B4", message, "form.structure")
    ws = wb[INDICATORS]
    for col, header in enumerate(layout.headers, start=1):
        if ws.cell(HEADER_ROW, col).value != header:
            where = f"{INDICATORS}!{ws.cell(HEADER_ROW, col).coordinate}"
            raise refuse(where, f"表头应为“{header}”：请使用 assess template 生成的填报表", "form.not-a-form")
    if unit_type is not None:
        row = layout.rows["单位类型"]
        given = _text(ws.cell(row, COL_VALUE).value)
        if given != unit_type:
            raise refuse(
                f"{INDICATORS}!{_col(COL_VALUE)}{row}",
                f"此填报表是为单位类型“{unit_type}”生成的，单位类型却是“{given or '空'}”："
                f"请用 assess template {ours} --unit-type {given or '…'} 生成该类型的填报表",
                "form.other-unit-type",
            )
    return layout


@dataclass(frozen=True)
class OpenedForm:
    """A 填报表 read once (after the xlsx guard) and opened: choosing the ruleset and reading the values share it."""

    name: str
    raw: bytes
    workbook: Any


def open_form(path: Path | str) -> OpenedForm:
    """The guarded bytes of a 填报表 and its workbook; refused if it is not a workbook with the 指标 sheet."""
    from io import BytesIO

    from openpyxl import load_workbook

    name = str(path)
    raw = _read_guarded(Path(path))
    try:
        wb = load_workbook(BytesIO(raw), data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise SubmissionError(
            Problem(Location(name), f"不是有效的 xlsx 文件（{type(exc).__name__}）", "xlsx.not-a-workbook")
        ) from None
    if INDICATORS not in wb.sheetnames:
        raise SubmissionError(
            Problem(Location(name), f"缺少工作表“{INDICATORS}”：请使用 assess template 生成的填报表", "form.not-a-form")
        )
    return OpenedForm(name, raw, wb)


def peek_header(source: Path | str | OpenedForm) -> Document:
    """Only the basic-information cells (单位名称, 单位类型, 考核年度): enough to choose a ruleset."""
    form = source if isinstance(source, OpenedForm) else open_form(source)
    name, raw, wb = form.name, form.raw, form.workbook
    ws = wb[INDICATORS]
    data: dict[str, Any] = {}
    cells: dict[tuple, str] = {}
    for k, (key, _) in enumerate(BASIC):  # the first rows of every form; anywhere else is not read
        r = HEADER_ROW + 1 + k
        if _text(ws.cell(r, COL_NAME).value) != key:
            continue  # reported at its cell when the form is read
        cell = ws.cell(r, COL_VALUE)
        value = convert(cell.value, cell.number_format, _YEAR if key == "考核年度" else None)
        if value is not None:
            data[key] = value
        cells[(key,)] = f"{INDICATORS}!{_col(COL_VALUE)}{r}"
    return Document(name, data, hashlib.sha256(raw).hexdigest(), cells=cells)


def _read_guarded(path: Path) -> bytes:
    """The file's bytes, refused before anything is expanded if it is too big, a zip bomb,
    encrypted or carries macros (engine.documents.xlsx_guard)."""
    from engine.documents.xlsx_guard import check_xlsx

    return check_xlsx(path, SubmissionError)


class _Reader:
    def __init__(self, file: str, ruleset: Ruleset, layout: FormLayout):
        self.file = file
        self.ruleset = ruleset
        self.layout = layout
        self.data: dict[str, Any] = {"指标": {}}
        self.cells: dict[tuple, str] = {("指标",): f"{INDICATORS}!{_col(COL_VALUE)}{HEADER_ROW}"}
        self.problems: list[Problem] = []
        self.readings: dict[tuple, str] = {}  # path → how an ambiguous cell was read
        self.refused: set[str] = set()  # cells whose value was refused (and reported) here

    def value(self, cell, spec: IndicatorSpec | FieldSpec | None, where: str) -> Any:
        if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("=")):
            self.problems.append(Problem(Location(self.file, cell=where), "应直接填写数值，不能是公式", "form.formula"))
            self.refused.add(where)
            return None
        if isinstance(cell.value, float) and not math.isfinite(cell.value):  # <v>1e400</v> reads as inf
            message = "数字超出范围（Excel 也无法表示）；请填写实际的数"
            self.problems.append(Problem(Location(self.file, cell=where), message, "form.out-of-range"))
            self.refused.add(where)
            return None
        return convert(cell.value, cell.number_format, spec)

    def misplaced(self, ws, col: int, places: dict[str, int], what: str, known: set[str]) -> None:
        """Each label where the layout puts it, and nowhere else: a moved or duplicated row is an
        error at its cell, never read (the last copy would otherwise win)."""
        sheet = ws.title
        for label, row in places.items():
            found = _text(ws.cell(row, col).value)
            if found != label:
                self.problems.append(
                    Problem(
                        Location(self.file, cell=f"{sheet}!{_col(col)}{row}"),
                        f"第{row}行应是{what}“{label}”，实为“{found or '空'}”：填报表的行不能移动、插入、删除或复制，"
                        "请在 assess template 生成的填报表中填写",
                        "form.moved-row",
                        label,
                    )
                )
        for cell in _existing(ws, HEADER_ROW + 1, col, col):
            label = _text(cell.value)
            if label in known and places.get(label) != cell.row:
                where = places.get(label)
                said = (
                    f"应只在第{where}行（{sheet}!{_col(col)}{where}），这里是复制或移动的行，不读取：请删除此行"
                    if where is not None
                    else f"不在本填报表中（不适用于{self.layout.unit_type}），不读取：请删除此行"
                )
                self.problems.append(
                    Problem(
                        Location(self.file, cell=f"{sheet}!{cell.coordinate}"),
                        f"{what}“{label}”{said}",
                        "form.duplicate-row",
                        label,
                    )
                )

    def indicators(self, ws) -> None:
        specs = self.ruleset.indicators
        basic = dict(BASIC)
        notes: dict[str, str] = {}
        self.misplaced(ws, COL_NAME, self.layout.rows, "指标", set(specs) | set(basic))
        for key, r in self.layout.rows.items():
            where = f"{INDICATORS}!{_col(COL_VALUE)}{r}"
            spec = specs.get(key)
            is_list = spec is not None and spec.type == "记录列表"  # its values are on its own sheet
            computed = spec is not None and spec.overdue is not None  # the engine counts it
            if key in basic:
                spec = {"考核年度": _YEAR}.get(key)
            value = None if is_list or computed else self.value(ws.cell(r, COL_VALUE), spec, where)
            if where in self.refused:
                self.refused.add(key)
            if value is not None:
                if key in basic:
                    self.data[key] = value
                    self.cells[(key,)] = where
                else:
                    self.data["指标"][key] = value
                    self.cells[("指标", key)] = where
                    reading = percent_reading(key, ws.cell(r, COL_VALUE), spec, where)
                    if reading:
                        self.readings[("指标", key)] = reading
            note = _text(ws.cell(r, COL_NOTE).value)
            evidence = _text(ws.cell(r, COL_EVIDENCE).value)
            if key not in basic and (note or evidence):
                notes[key] = "；".join(p for p in (note, f"佐证材料：{evidence}" if evidence else "") if p)
                self.cells[("数据说明", key)] = f"{INDICATORS}!{_col(COL_NOTE)}{r}"
        if notes:
            self.data["数据说明"] = notes

    def records(self, wb) -> None:
        for rec in self.layout.records:
            name, title = rec.name, rec.title
            if title not in wb.sheetnames:
                self.problems.append(
                    Problem(
                        Location(self.file),
                        f"缺少工作表“{title}”（{name}的记录）：请使用 assess template 生成的填报表",
                        "form.moved-row",
                        name,
                    )
                )
                continue
            self.data["指标"][name] = self.record_rows(wb[title], rec, self.ruleset.indicators[name], ("指标", name))
            self.cells[("指标", name)] = f"{title}!A{HEADER_ROW}"

    def corrections(self, wb) -> None:
        """The 上年不良记录整改 sheet (forms made before it existed have none: nothing reported)."""
        if CORRECTIONS not in wb.sheetnames:
            return
        rows = self.record_rows(wb[CORRECTIONS], CORRECTION_ROWS, CORRECTION_SPEC, (CORRECTIONS,))
        if rows:
            self.data[CORRECTIONS] = rows
            self.cells[(CORRECTIONS,)] = f"{CORRECTIONS}!A{HEADER_ROW}"

    def record_rows(self, ws, rec: RecordLayout, spec: IndicatorSpec, path: tuple) -> list[dict[str, Any]]:
        """The records of a record sheet, each value located at its cell under `path`."""
        name, title = rec.name, rec.title
        fields = dict(enumerate(rec.fields, start=2))
        for col, field in fields.items():
            if _text(ws.cell(HEADER_ROW, col).value) != field:
                self.problems.append(
                    Problem(
                        Location(self.file, cell=f"{title}!{_col(col)}{HEADER_ROW}"),
                        f"表头应为字段“{field}”：填报表的列不能移动、插入或删除",
                        "form.moved-row",
                        name,
                    )
                )
        width = len(fields) + 1
        below = [c for c in _existing(ws, rec.last + 1, 2, width) if not _blank(c.value)]
        for cell in below[:1]:
            self.problems.append(
                Problem(
                    Location(self.file, cell=f"{title}!{cell.coordinate}"),
                    f"超出填报区域：{spec.label}最多 {spec.max_records} 条（第{rec.first}至{rec.last}行）",
                    "form.outside",
                    name,
                )
            )
        rows = []
        for r in range(rec.first, min(rec.last, ws.max_row) + 1):
            cells = {col: ws.cell(r, col) for col in fields}
            if all(_blank(c.value) for c in cells.values()):
                continue
            index = len(rows)
            record: dict[str, Any] = {}
            self.cells[(*path, index)] = f"{title}!A{r}"
            for col, field in fields.items():
                where = f"{title}!{_col(col)}{r}"
                self.cells[(*path, index, field)] = where
                field_spec = (spec.fields or {}).get(field)
                value = self.value(cells[col], field_spec, where)
                if value is not None:
                    record[field] = value
                    reading = percent_reading(f"{name}第{index + 1}条的{field}", cells[col], field_spec, where)
                    if reading:
                        self.readings[(*path, index, field)] = reading
            rows.append(record)
        return rows

    def self_scores(self, ws) -> None:
        scores = {}
        self.misplaced(ws, SELF_COL_ID, self.layout.self_rows, "评分项", {e.item.id for e in self.ruleset.entries})
        for item, r in self.layout.self_rows.items():
            cell = ws.cell(r, SELF_COL_SCORE)
            if _blank(cell.value):
                continue
            where = f"{SELF_SCORE}!{_col(SELF_COL_SCORE)}{r}"
            value = self.value(cell, None, where)
            if value is not None:
                scores[item] = value
                self.cells[("自评分", item)] = where
        if scores:
            self.data["自评分"] = scores

    def reviews(self, ws) -> None:
        """An old form's 复核 sheet: empty is fine; filled in, it is refused (decisions are the assessors')."""
        for r in range(HEADER_ROW + 1, ws.max_row + 1):
            for col in range(2, len(REVIEW_HEADERS) + 1):
                if not _blank(ws.cell(r, col).value):
                    where = f"{REVIEW}!{ws.cell(r, col).coordinate}"
                    message = f"{REFUSED}；请清空“{REVIEW}”表（新版填报表没有此表：assess template）"
                    self.problems.append(Problem(Location(f"{self.file}!{where}"), message))
                    return


_YEAR = IndicatorSpec(标签="考核年度", 类型="次数")


def percent_reading(name: str, cell, spec: IndicatorSpec | FieldSpec | None, where: str) -> str | None:
    """A 百分比 between 0 and 1 in a cell not formatted as a percentage: 0.98 may mean 98%.

    It is read as written (0.98%) and flagged on the item, the summary and the sheet.
    """
    value = cell.value
    if spec is None or spec.type != "百分比" or scales_percent(cell.number_format):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        return None
    shown = format_decimal(Decimal(repr(value)) if isinstance(value, float) else Decimal(value))
    meant = format_decimal((Decimal(repr(value)) if isinstance(value, float) else Decimal(value)) * 100)
    return (
        f"{name}填为{shown}（{where} 不是百分比格式），按{shown}%计；如指{meant}%，请填{meant}或把单元格设为百分比格式"
    )


def convert(value: Any, number_format: str, spec: IndicatorSpec | FieldSpec | None) -> Any:
    """A cell's value as the validator expects it (see the module docstring)."""
    if _blank(value):
        return None
    kind = spec.type if spec is not None else None
    if isinstance(value, str):
        text = value.strip()
        if kind == "是否" and text in (YES, NO):
            return text == YES
        return text
    if isinstance(value, dt.datetime):
        return value.date() if kind in ("日期", None) else value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # refused by the validator, never converted
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if scales_percent(number_format) and kind in ("百分比", "数值"):
            number *= 100
        if number == number.to_integral_value() and (kind in ("次数", None) or isinstance(value, int)):
            return int(number)
        return float(number) if kind is None else number
    return value


_LITERALS = re.compile(r'"[^"]*"|\\.')


def scales_percent(number_format: str | None) -> bool:
    """Whether a number format multiplies by 100 (`0.0%`), not just shows a "%" (`0.00"%"`)."""
    return "%" in _LITERALS.sub("", number_format or "")


def _existing(ws, min_row: int, min_col: int, max_col: int) -> list:
    """The cells the file holds from min_row down in columns min_col..max_col, in row order, never
    creating the empty ones between (iterating to a cell at row 1,000,000 would make them all)."""
    keys = sorted(k for k in ws._cells if k[0] >= min_row and min_col <= k[1] <= max_col)
    return [ws._cells[k] for k in keys]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    return "" if _blank(value) else str(value).strip()


def _col(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)
