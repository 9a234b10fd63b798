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
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine.documents.source import Document
from engine.errors import Location, Problem, SubmissionError
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
    SELF_COL_ID,
    SELF_COL_SCORE,
    SELF_SCORE,
    STRUCTURE,
    YES,
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
    """Read a filled 填报表; only an unreadable workbook raises (engine.intake.submission.validate_form
    checks the values and lists everything at once)."""
    form = source if isinstance(source, OpenedForm) else open_form(source)
    name, raw, wb = form.name, form.raw, form.workbook
    ws = wb[INDICATORS]
    if ws.cell(HEADER_ROW, COL_VALUE).value != IND_HEADERS[COL_VALUE - 1]:
        where = f"{INDICATORS}!{ws.cell(HEADER_ROW, COL_VALUE).coordinate}"
        raise SubmissionError(
            Problem(Location(name, cell=where), "表头不符：请使用 assess template 生成的填报表", "form.not-a-form")
        )
    reader = _Reader(name, ruleset)
    reader.indicators(ws)
    reader.records(wb)
    if SELF_SCORE in wb.sheetnames:
        reader.self_scores(wb[SELF_SCORE])
    if REVIEW in wb.sheetnames:
        reader.reviews(wb[REVIEW])
    doc = Document(name, reader.data, hashlib.sha256(raw).hexdigest(), cells=reader.cells, readings=reader.readings)
    return FormReading(doc, reader.problems, reader.refused)


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
    basic = dict(BASIC)
    for r in range(HEADER_ROW + 1, ws.max_row + 1):
        key = ws.cell(r, COL_NAME).value
        if isinstance(key, str) and key.strip() in basic:
            value = convert(
                ws.cell(r, COL_VALUE).value,
                ws.cell(r, COL_VALUE).number_format,
                _YEAR if key.strip() == "考核年度" else None,
            )
            if value is not None:
                data[key.strip()] = value
            cells[(key.strip(),)] = f"{INDICATORS}!{_col(COL_VALUE)}{r}"
    return Document(name, data, hashlib.sha256(raw).hexdigest(), cells=cells)


def _read_guarded(path: Path) -> bytes:
    """The file's bytes, refused before anything is expanded if it is too big, a zip bomb,
    encrypted or carries macros (engine.documents.xlsx_guard)."""
    from engine.documents.xlsx_guard import check_xlsx

    return check_xlsx(path, SubmissionError)


class _Reader:
    def __init__(self, file: str, ruleset: Ruleset):
        self.file = file
        self.ruleset = ruleset
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

    def indicators(self, ws) -> None:
        specs = self.ruleset.indicators
        basic = dict(BASIC)
        notes: dict[str, str] = {}
        for r in range(HEADER_ROW + 1, ws.max_row + 1):
            key = ws.cell(r, COL_NAME).value
            if not isinstance(key, str) or not key.strip():
                continue
            key = key.strip()
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
        if STRUCTURE not in wb.sheetnames:
            return
        mapping = {row[1]: row[2] for row in wb[STRUCTURE].iter_rows(values_only=True) if row and row[0] == "记录列表"}
        for name, title in mapping.items():
            spec = self.ruleset.indicators.get(name)
            if spec is None or spec.type != "记录列表" or title not in wb.sheetnames:
                continue
            ws = wb[title]
            fields = {}
            for col in range(2, ws.max_column + 1):
                header = ws.cell(HEADER_ROW, col).value
                if isinstance(header, str) and header.strip():
                    fields[col] = header.strip()
            rows = []
            for r in range(HEADER_ROW + 2, ws.max_row + 1):
                cells = {col: ws.cell(r, col) for col in fields}
                if all(_blank(c.value) for c in cells.values()):
                    continue
                index = len(rows)
                record: dict[str, Any] = {}
                self.cells[("指标", name, index)] = f"{title}!A{r}"
                for col, field in fields.items():
                    where = f"{title}!{_col(col)}{r}"
                    self.cells[("指标", name, index, field)] = where
                    field_spec = (spec.fields or {}).get(field)
                    value = self.value(cells[col], field_spec, where)
                    if value is not None:
                        record[field] = value
                        reading = percent_reading(f"{name}第{index + 1}条的{field}", cells[col], field_spec, where)
                        if reading:
                            self.readings[("指标", name, index, field)] = reading
                rows.append(record)
            self.data["指标"][name] = rows
            self.cells[("指标", name)] = f"{title}!A{HEADER_ROW}"

    def self_scores(self, ws) -> None:
        scores = {}
        for r in range(HEADER_ROW + 1, ws.max_row + 1):
            item = ws.cell(r, SELF_COL_ID).value
            cell = ws.cell(r, SELF_COL_SCORE)
            if not isinstance(item, str) or _blank(cell.value):
                continue
            where = f"{SELF_SCORE}!{_col(SELF_COL_SCORE)}{r}"
            value = self.value(cell, None, where)
            if value is not None:
                scores[item.strip()] = value
                self.cells[("自评分", item.strip())] = where
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
    if spec is None or spec.type != "百分比" or "%" in (cell.number_format or ""):
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
        if "%" in (number_format or "") and kind in ("百分比", "数值"):
            number *= 100
        if number == number.to_integral_value() and (kind in ("次数", None) or isinstance(value, int)):
            return int(number)
        return float(number) if kind is None else number
    return value


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    return "" if _blank(value) else str(value).strip()


def _col(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)
