"""The web form of a unit's submission, generated from the ruleset's indicators for its unit type.

Fields come in the order of the 填报表 (engine.intake.form_layout), so the page, the workbook and
the JSON file list the same indicators. Posted text becomes the same dict a JSON submission holds
(numbers as numbers, 是/否 as yes/no, dates as YYYY-MM-DD) and goes through the one validator, so
the messages are the same; each problem is shown beside the field its path names. Field names
are indices into the form, never indicator names: a tampered post can only name fields the
unit's form has. 单位名称, 单位类型 and 考核年度 come from the round, never from the post.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from engine.documents.numbers import format_decimal
from engine.intake.form_layout import BASIC, form_layout
from engine.ruleset.model import FieldSpec, IndicatorSpec
from engine.ruleset.ruleset import Ruleset

BLANK_ROWS = 3  # empty rows under a record list's table, to add records without JavaScript
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


@dataclass(frozen=True)
class Field:
    """One input: an indicator, or a field of a record list."""

    name: str
    label: str
    type: str
    unit: str
    options: tuple[str, ...]
    required: bool
    note: str
    bounds: tuple[Decimal | None, Decimal | None]

    @property
    def hint(self) -> str:
        """填写要求, in words."""
        parts = [self.type]
        lo, hi = self.bounds
        if lo is not None and hi is not None:
            parts.append(f"{format_decimal(lo)}–{format_decimal(hi)}")
        elif lo is not None:
            parts.append(f"不小于 {format_decimal(lo)}")
        if self.type == "日期":
            parts.append("YYYY-MM-DD")
        parts.append("必填" if self.required else "选填")
        return "，".join(parts)


@dataclass(frozen=True)
class Table:
    """A record list: one row per record, one column per field."""

    index: int
    name: str
    label: str
    note: str
    required: bool
    columns: tuple[Field, ...]
    max_records: int


@dataclass(frozen=True)
class WebForm:
    unit_type: str
    fields: tuple[Field, ...]  # indicators that are not record lists (those computed by the engine left out)
    tables: tuple[Table, ...]

    @property
    def names(self) -> list[str]:
        """Every indicator of the form, in order (for evidence and 数据说明)."""
        return [f.name for f in self.fields] + [t.name for t in self.tables]


def _field(name: str, spec: IndicatorSpec | FieldSpec) -> Field:
    return Field(
        name,
        spec.label,
        spec.type,
        spec.unit or "",
        tuple(spec.options or ()),
        bool(spec.required),
        getattr(spec, "note", None) or "",
        spec.bounds,
    )


def web_form(ruleset: Ruleset, unit_type: str) -> WebForm:
    """The form for one unit type: the indicators its 填报表 lists, in the same order."""
    basic = {n for n, _ in BASIC}
    fields, tables = [], []
    for name in form_layout(ruleset, unit_type).rows:
        if name in basic:
            continue
        spec = ruleset.indicators[name]
        if spec.overdue is not None:
            continue  # days late are computed from the date, never entered
        if spec.type == "记录列表":
            columns = tuple(_field(f, s) for f, s in (spec.fields or {}).items())
            tables.append(
                Table(len(tables), name, spec.label, spec.note or "", bool(spec.required), columns, spec.max_records)
            )
        else:
            fields.append(_field(name, spec))
    return WebForm(unit_type, tuple(fields), tuple(tables))


def parse_value(text: str, kind: str) -> Any:
    """Posted text as a JSON submission would hold it; what cannot be read stays text for the
    validator to refuse with its own message."""
    text = text.strip()
    if kind in ("数值", "百分比", "次数"):
        plain = text.replace(",", "").replace("，", "").rstrip("%")
        if _NUMBER.match(plain):
            number = Decimal(plain)
            if kind == "次数" and number == number.to_integral_value():
                return int(number)
            if kind != "次数":
                return int(number) if number == number.to_integral_value() and "." not in plain else number
        return text
    if kind == "是否":
        return {"是": True, "否": False}.get(text, text)
    return text


def shown(value: Any) -> str:
    """A stored value as the form shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, float):
        return format_decimal(Decimal(repr(value)))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return str(value)


def form_to_data(form: WebForm, posted: Any, *, unit: str, unit_type: str, year: int, keep: dict | None = None) -> dict:
    """The submission dict from a posted form. `keep`: the stored data, whose 自评分 (not on the web
    form) is carried over."""
    values: dict[str, Any] = {}
    notes: dict[str, str] = {}
    for k, f in enumerate(form.fields):
        raw = posted.get(f"v{k}")
        if isinstance(raw, str) and raw.strip():
            values[f.name] = parse_value(raw, f.type)
    for t in form.tables:
        rows = []
        present = {int(m.group(1)) for key in _keys(posted) if (m := re.match(rf"t{t.index}-(\d+)-\d+$", key))}
        for i in sorted(r for r in present if r < t.max_records):
            cells = {c.name: posted.get(f"t{t.index}-{i}-{j}") for j, c in enumerate(t.columns)}
            record = {}
            for c in t.columns:
                text = cells[c.name]
                if isinstance(text, str) and text.strip():
                    record[c.name] = parse_value(text, c.type)
            if record:
                rows.append(record)
        if rows or t.required:
            values[t.name] = rows
    for k, name in enumerate(form.names):
        raw = posted.get(f"n{k}")
        if isinstance(raw, str) and raw.strip():
            notes[name] = raw.strip()
    data: dict[str, Any] = {"单位名称": unit, "单位类型": unit_type, "考核年度": year, "指标": values}
    if notes:
        data["数据说明"] = notes
    if keep and keep.get("自评分"):
        data["自评分"] = keep["自评分"]
    return data


def data_to_fields(form: WebForm, data: dict) -> dict[str, str]:
    """The fields a browser posts for `data` on this form: the inverse of form_to_data."""
    values, notes = data.get("指标") or {}, data.get("数据说明") or {}
    out: dict[str, str] = {}
    for k, f in enumerate(form.fields):
        if f.name in values:
            out[f"v{k}"] = shown(values[f.name])
    for t in form.tables:
        for i, record in enumerate(values.get(t.name) or []):
            for j, c in enumerate(t.columns):
                out[f"t{t.index}-{i}-{j}"] = shown(record.get(c.name))
    for k, name in enumerate(form.names):
        if name in notes:
            out[f"n{k}"] = notes[name]
    return out


def _keys(posted: Any) -> list[str]:
    return list(posted.keys()) if hasattr(posted, "keys") else []


def rows_of(table: Table, data: dict | None) -> list[list[str]]:
    """A record list's rows as the table shows them: the stored records, then blank rows."""
    records = ((data or {}).get("指标") or {}).get(table.name) or []
    rows = [[shown(r.get(c.name)) if isinstance(r, dict) else "" for c in table.columns] for r in records]
    blanks = min(BLANK_ROWS, max(0, table.max_records - len(rows)))
    return rows + [[""] * len(table.columns) for _ in range(blanks)]


@dataclass
class Placed:
    """Problems by the place they are shown: beside a field, a note, a record cell, or above the form."""

    fields: dict[str, list[str]]
    cells: dict[tuple[str, int, str], list[str]]
    rows: dict[tuple[str, int], list[str]]
    notes: dict[str, list[str]]
    general: list[str]

    def of(self, name: str) -> list[str]:
        return self.fields.get(name, [])


def place(problems: list, form: WebForm) -> Placed:
    """Each problem beside the field its JSON path (or, for a missing value, its subject) names."""
    names = set(form.names)
    placed = Placed({}, {}, {}, {}, [])
    for p in problems:
        path = tuple(getattr(p, "path", None) or getattr(getattr(p, "location", None), "path", ()) or ())
        message = getattr(p, "message", str(p))
        subject = getattr(p, "subject", None)
        if len(path) >= 4 and path[0] == "指标" and path[1] in names and isinstance(path[2], int):
            placed.cells.setdefault((path[1], path[2], str(path[3])), []).append(message)
        elif len(path) == 3 and path[0] == "指标" and path[1] in names and isinstance(path[2], int):
            placed.rows.setdefault((path[1], path[2]), []).append(message)
        elif len(path) >= 2 and path[0] == "指标" and path[1] in names:
            placed.fields.setdefault(path[1], []).append(message)
        elif len(path) >= 2 and path[0] == "数据说明" and path[1] in names:
            placed.notes.setdefault(path[1], []).append(message)
        elif subject in names:
            placed.fields.setdefault(subject, []).append(message)
        else:
            placed.general.append(message)
    return placed


def changed(old: dict | None, new: dict) -> list[tuple[str, str, str]]:
    """What a stale post would have changed: (indicator, stored, posted), for the refused edit's page."""
    old_values = ((old or {}).get("指标")) or {}
    new_values = new.get("指标") or {}
    out = []
    for name in dict.fromkeys([*old_values, *new_values]):
        a, b = old_values.get(name), new_values.get(name)
        if a != b:
            out.append((name, _brief(a), _brief(b)))
    return out


def _brief(value: Any) -> str:
    if isinstance(value, list):
        return f"{len(value)} 条记录"
    return shown(value) or "（空）"


def parse_number(text: str) -> Decimal | None:
    """A score typed by an assessor (复核), or None."""
    try:
        number = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        return None
    return number if number.is_finite() else None
