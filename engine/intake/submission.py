"""A unit's submission (申报数据), validated strictly against the ruleset's declared indicators.

Strict means: `"50"` or `true` where a number is expected, `3.5` where a count is expected,
an unknown option, an unknown indicator, a missing required indicator: each is an error
naming the file, the line:col and the indicator — before the rule engine sees anything.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
)

from engine.documents.fast_json import load_data_document
from engine.documents.messages import problems_from
from engine.documents.source import Document, plain
from engine.documents.text import printable
from engine.errors import ErrorList, SubmissionError
from engine.intake.rates import reconcile
from engine.ruleset.conditions import Value
from engine.ruleset.model import (
    IndicatorSpec,
    Points,
    Text,
)
from engine.ruleset.ruleset import Ruleset
from engine.ruleset.values import type_adapter

PART_REVIEW = "酌情部分（子项）的复核写“扣分”：该部分扣多少分"
PENDING = "待填"  # a value still to be filled in (a draft from `assess extract`)


class Review(BaseModel):
    """An assessor's decision on one item (复核): a deduction or a score, with the reason."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    item: Annotated[str, Field(min_length=1)] = Field(alias="评分项")
    deduction: Points | None = Field(None, alias="扣分")
    score: Points | None = Field(None, alias="得分")
    reason: Text = Field(alias="理由")
    reviewer: Text = Field(alias="复核人")


class Header(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    schema_: str | None = Field(None, alias="$schema")
    unit: Annotated[StrictStr, Field(min_length=1, max_length=200), AfterValidator(printable)] = Field(alias="单位名称")
    unit_type: Annotated[StrictStr, AfterValidator(printable)] = Field(alias="单位类型")
    year: StrictInt = Field(alias="考核年度", ge=1990, le=2100)
    indicators: dict[str, Any] = Field(alias="指标")
    notes: dict[str, Annotated[StrictStr, Field(max_length=2000), AfterValidator(printable)]] = Field(
        default_factory=dict, alias="数据说明"
    )
    reviews: list[Review] = Field(default_factory=list, alias="复核")
    self_scores: dict[str, Points] = Field(default_factory=dict, alias="自评分")
    draft: dict[str, Any] | None = Field(None, alias="草稿")  # written by `assess extract`; not scored


@dataclass(frozen=True)
class Submission:
    """A validated submission: typed values ready for the engine."""

    file: str
    sha256: str
    unit: str
    unit_type: str
    year: int
    values: dict[str, Value]
    records: dict[str, list[dict[str, Value]]]
    notes: dict[str, str] = field(default_factory=dict)
    reviews: tuple[Review, ...] = ()
    defaulted: frozenset[str] = frozenset()
    self_scores: dict[str, Decimal] = field(default_factory=dict)
    computed: dict[str, str] = field(default_factory=dict)  # rate → how it was recomputed (分子÷分母)
    undefined: dict[str, str] = field(default_factory=dict)  # rate with 分母 0 → why it is not applicable
    small_samples: dict[str, str] = field(default_factory=dict)  # rate → flag text (样本量小)


def load_submission(path: Path | str, ruleset: Ruleset) -> Submission:
    """Load a submission from JSON/YAML, or from a filled 填报表 workbook (.xlsx)."""
    if str(path).lower().endswith((".xlsx", ".xlsm")):
        from engine.intake.xlsx_form import read_workbook_submission

        doc = read_workbook_submission(path, ruleset)
    else:
        doc = load_data_document(path, SubmissionError)
    return validate_submission(doc, ruleset)


def validate_submission(doc: Document, ruleset: Ruleset) -> Submission:
    data = doc.data
    if not isinstance(data, dict):
        raise SubmissionError(_at(doc, (), "申报数据的顶层应为键值表（单位名称、单位类型、考核年度、指标…）"))
    errors = ErrorList()
    types = ruleset.header.unit_types
    pending_header = _pending_header(doc, data, types, errors)
    try:
        header = Header.model_validate({**plain(data), **pending_header})
    except ValidationError as exc:
        raise SubmissionError(errors.problems + problems_from(exc, doc.file, data, _HEADER_WORDS, doc=doc)) from None
    if header.unit_type not in types and "单位类型" not in pending_header:
        errors.add(doc.locate(("单位类型",)), f"未知的单位类型 “{header.unit_type}”，可选：{'、'.join(types)}")
    specs = ruleset.indicators
    values: dict[str, Value] = {}
    records: dict[str, list[dict[str, Value]]] = {}
    raw = _without_pending(doc, data.get("指标"), specs, header.unit_type, errors)
    for name in raw:
        if name not in specs:
            close = difflib.get_close_matches(str(name), list(specs), n=1, cutoff=0.5)
            hint = f"（是否应为 “{close[0]}”？）" if close else ""
            errors.add(_key(doc, ("指标", name)), f"规则集没有声明指标 “{name}”{hint}")
            continue
        spec = specs[name]
        try:
            value = type_adapter(spec).validate_python(plain(raw[name]))
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                err_loc = ("指标", name) + tuple(_record_loc(spec, err["loc"]))
                from engine.documents.messages import translate

                msg = f"{spec.label}（{name}）{translate(err)}"
                shown = err.get("input")
                if err["type"] != "missing" and isinstance(shown, (str, int, float, bool, Decimal)):
                    msg += f"（实为 {_show(shown)}）"
                if err["type"] == "extra_forbidden":
                    key = str(err["loc"][-1])
                    close = difflib.get_close_matches(key, list(spec.fields or {}), n=1, cutoff=0.5)
                    hint = f"（是否应为 “{close[0]}”？）" if close else ""
                    msg = f"{name} 的记录没有字段 “{key}”{hint}"
                    errors.add(_key(doc, err_loc), msg)
                else:
                    errors.add(doc.locate(err_loc), msg)
            continue
        if spec.type == "记录列表":
            records[name] = [_record_values(spec, rec) for rec in value]
        else:
            values[name] = Decimal(value) if isinstance(value, int) and not isinstance(value, bool) else value
    rates = reconcile(ruleset, doc, values, header.unit_type, errors)
    values.update(rates.values)
    defaulted: set[str] = set()
    for name, spec in specs.items():
        if name in raw or name in values or name in rates.undefined or name in rates.rejected:
            continue
        if not _applies(spec, header.unit_type):
            continue
        if spec.required and _is_pending(data.get("指标", {}).get(name)):
            continue  # reported as 待填 above
        if spec.required:
            errors.add(doc.locate(("指标",)), f"缺少必填指标 “{name}”（{spec.label}）")
        elif spec.default is not None:
            value = type_adapter(spec).validate_python(plain(spec.default))
            if spec.type == "记录列表":
                records[name] = [_record_values(spec, rec) for rec in value]
            else:
                values[name] = Decimal(value) if isinstance(value, int) and not isinstance(value, bool) else value
            defaulted.add(name)
    for name in header.notes:
        if name not in specs:
            errors.add(_key(doc, ("数据说明", name)), f"数据说明中的 “{name}” 不是规则集声明的指标")
    item_ids = ruleset.review_ids
    for n, review in enumerate(header.reviews):
        if review.item not in item_ids:
            close = difflib.get_close_matches(review.item, sorted(item_ids), n=1, cutoff=0.5)
            hint = f"（是否应为 “{close[0]}”？）" if close else ""
            errors.add(doc.locate(("复核", n, "评分项")), f"没有编号为 “{review.item}” 的评分项{hint}")
        elif (review.deduction is None) == (review.score is None):
            errors.add(doc.locate(("复核", n)), "复核应给出“扣分”或“得分”之一")
        elif review.item in ruleset.open_parts and review.deduction is None:
            errors.add(doc.locate(("复核", n)), PART_REVIEW)
    points = {e.item.id: e.item.points for e in ruleset.entries}
    for item_id, value in header.self_scores.items():
        if item_id not in points:
            close = difflib.get_close_matches(item_id, sorted(points), n=1, cutoff=0.5)
            hint = f"（是否应为 “{close[0]}”？）" if close else ""
            errors.add(_key(doc, ("自评分", item_id)), f"没有编号为 “{item_id}” 的评分项{hint}")
        elif value > points[item_id]:
            errors.add(doc.locate(("自评分", item_id)), f"自评分 {value} 大于该项分值 {points[item_id]}")
    if errors:
        raise SubmissionError(errors.problems)
    return Submission(
        doc.file,
        doc.sha256,
        header.unit,
        header.unit_type,
        header.year,
        values,
        records,
        dict(header.notes),
        tuple(header.reviews),
        frozenset(defaulted),
        dict(header.self_scores),
        rates.explained,
        rates.undefined,
        rates.small,
    )


def _is_pending(value: Any) -> bool:
    return isinstance(value, str) and value.strip() == PENDING


def _pending_header(doc: Document, data: Any, types: list[str], errors: ErrorList) -> dict[str, Any]:
    """Header fields still 待填: reported, and stood in for so that the rest can be checked."""
    stand_in = {"单位名称": PENDING, "单位类型": PENDING, "考核年度": 2000}
    what = {
        "单位名称": "单位全称",
        "单位类型": f"以下之一：{'、'.join(types)}",
        "考核年度": "被考核的工作年度（如 2012）",
    }
    out: dict[str, Any] = {}
    for key in ("单位名称", "单位类型", "考核年度"):
        if _is_pending(data.get(key)):
            errors.add(doc.locate((key,)), f"{key}待填，应填{what[key]}")
            out[key] = stand_in[key]
    return out


def _without_pending(doc: Document, raw: dict, specs: dict, unit_type: str, errors: ErrorList) -> dict:
    """Drop 待填 values; a required one that applies to the unit is an error naming it.

    An optional indicator left 待填 counts as not submitted (the ruleset's 缺项处理 applies).
    """
    kept = {}
    for name, value in raw.items():
        spec = specs.get(name)
        if spec is None or not _is_pending(value):
            kept[name] = value
            continue
        if spec.required and _applies(spec, unit_type):
            errors.add(doc.locate(("指标", name)), f"必填指标 “{name}”（{spec.label}）待填，应填{_expected(spec)}")
    return kept


def _expected(spec: IndicatorSpec) -> str:
    what = {
        "数值": "数字",
        "百分比": "0–100 的数字",
        "次数": "整数",
        "是否": " true 或 false",
        "日期": '日期（"YYYY-MM-DD"）',
        "选项": f"以下之一：{'、'.join(spec.options or [])}",
        "文本": "文字",
        "记录列表": "逐条记录（数组；没有记录填 []）",
    }[spec.type]
    return what + (f"（单位：{spec.unit}）" if spec.unit and spec.type != "记录列表" else "")


_HEADER_WORDS = [
    "单位名称",
    "单位类型",
    "考核年度",
    "指标",
    "数据说明",
    "复核",
    "评分项",
    "扣分",
    "得分",
    "理由",
    "复核人",
]


def _applies(spec: IndicatorSpec, unit_type: str) -> bool:
    return spec.applies_to is None or unit_type in spec.applies_to


def _record_values(spec: IndicatorSpec, record: BaseModel) -> dict[str, Value]:
    out: dict[str, Value] = {}
    for n, name in enumerate(spec.fields or {}):
        value = getattr(record, f"f{n}")
        if value is None:
            continue
        out[name] = Decimal(value) if isinstance(value, int) and not isinstance(value, bool) else value
    return out


def _record_loc(spec: IndicatorSpec, loc: tuple) -> list:
    # loc inside a record list: (index, alias, ...) — aliases are already field names
    return list(loc)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"“{value[:30]}”"
    if isinstance(value, Decimal):
        return format(value, "f") if abs(value.adjusted()) < 30 else str(value)
    return str(value)


def _at(doc: Document, loc: tuple, message: str):
    from engine.errors import Problem

    return Problem(doc.locate(loc), message)


def _key(doc: Document, loc: tuple):
    return doc.locate_key(loc)
