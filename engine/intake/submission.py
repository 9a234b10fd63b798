"""A unit's submission (申报数据), validated strictly against the ruleset's declared indicators.

Strict means: `"50"` or `true` where a number is expected, `3.5` where a count is expected,
an unknown option, an unknown indicator, a missing required indicator: each is an error
naming the file, the line:col and the indicator — before the rule engine sees anything.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
)
from pydantic.json_schema import SkipJsonSchema

from engine.documents.fast_json import load_data_document
from engine.documents.hints import did_you_mean
from engine.documents.messages import problems_from
from engine.documents.source import Document, plain
from engine.documents.text import one_line, printable, visible_line
from engine.errors import ErrorList, Location, SubmissionError
from engine.intake.deadlines import count_days_late
from engine.intake.rates import reconcile
from engine.intake.review import REFUSED
from engine.ruleset.conditions import Value
from engine.ruleset.model import (
    IndicatorSpec,
    Points,
)
from engine.ruleset.ruleset import Ruleset
from engine.ruleset.scalars import After, Before
from engine.ruleset.values import type_adapter, written

PENDING = "待填"  # a value still to be filled in (a draft from `assess extract`)


class CorrectionReport(BaseModel):
    """One of last year's 不良记录 and whether the unit has corrected it (整改) since."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        defer_build=True,
        title="上年不良记录整改",
        json_schema_extra={"description": "上年评分表所列的一条不良记录及其整改情况；未列出的上年不良记录按未整改计"},
    )
    rule_id: Annotated[StrictStr, Field(min_length=1, max_length=64), After(one_line)] = Field(
        alias="评分项", description="上年写出该不良记录的评分项编号（见上年评分表的不良记录）"
    )
    seq: StrictInt | None = Field(None, alias="序号", ge=1, description="上年不良记录的序号；同一评分项有多条时填写")
    done: StrictBool = Field(alias="整改完成", description="是否已整改完成")
    note: Annotated[StrictStr, Field(max_length=2000), After(printable)] = Field(
        "", alias="说明", description="整改情况、完成日期或佐证材料"
    )


class Header(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    schema_: str | None = Field(None, alias="$schema")
    unit: Annotated[StrictStr, Field(min_length=1, max_length=200), After(one_line)] = Field(alias="单位名称")
    unit_type: Annotated[StrictStr, After(one_line)] = Field(alias="单位类型")
    unit_id: Annotated[StrictStr, Field(min_length=1, max_length=64), After(one_line)] | None = Field(
        None, alias="单位编码"
    )
    year: Annotated[StrictInt, Before(written)] = Field(alias="考核年度", ge=1990, le=2100)
    indicators: dict[str, Any] = Field(alias="指标")
    notes: dict[str, Annotated[StrictStr, Field(max_length=2000), After(printable)]] = Field(
        default_factory=dict, alias="数据说明"
    )
    # refused (see validate_submission): decisions come only from the assessors' review file
    reviews: SkipJsonSchema[Any] = Field(None, alias="复核")
    self_scores: dict[str, Points] = Field(default_factory=dict, alias="自评分")
    draft: dict[str, Any] | None = Field(None, alias="草稿")  # written by `assess extract`; not scored
    corrections: list[CorrectionReport] = Field(default_factory=list, alias="上年不良记录整改", max_length=500)


@dataclass(frozen=True)
class Correction:
    """A reported 整改 of one of last year's 不良记录, with where it is written."""

    rule_id: str
    seq: int | None
    done: bool
    note: str
    location: Location


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
    defaulted: frozenset[str] = frozenset()
    self_scores: dict[str, Decimal] = field(default_factory=dict)
    computed: dict[str, str] = field(default_factory=dict)  # rate → how it was recomputed (分子÷分母)
    undefined: dict[str, str] = field(default_factory=dict)  # rate with 分母 0 → why it is not applicable
    small_samples: dict[str, str] = field(default_factory=dict)  # rate → flag text (样本量小)
    flags: dict[str, tuple[str, ...]] = field(default_factory=dict)  # indicator → how an ambiguous value was read
    unit_id: str = ""  # 单位编码: links the unit's results across years (--history)
    corrections: tuple[Correction, ...] = ()  # 上年不良记录整改: the unit's word on last year's records


def load_submission(path: Path | str, ruleset: Ruleset) -> Submission:
    """Load a submission from JSON/YAML, or from a filled 填报表 workbook (.xlsx)."""
    if str(path).lower().endswith((".xlsx", ".xlsm")):
        return validate_form(path, ruleset)
    return validate_submission(load_data_document(path, SubmissionError), ruleset)


def validate_form(path: Any, ruleset: Ruleset) -> Submission:
    """A filled 填报表 (a path, or one already opened by xlsx_form.open_form) validated, with every problem of the form in one run: the cells refused while
    reading (formulas) and what the values read get wrong (not "missing" again for a refused cell)."""
    from engine.intake.xlsx_form import read_form

    reading = read_form(path, ruleset)
    try:
        submission = validate_submission(reading.document, ruleset)
    except SubmissionError as exc:
        others = [p for p in exc.problems if not any(f"“{key}”" in p.message for key in reading.refused)]
        raise SubmissionError(reading.problems + others) from None
    if reading.problems:
        raise SubmissionError(reading.problems)
    return submission


def validate_submission(doc: Document, ruleset: Ruleset) -> Submission:
    data = doc.data
    if not isinstance(data, dict):
        raise SubmissionError(
            _at(doc, (), "申报数据的顶层应为键值表（单位名称、单位类型、考核年度、指标…）", "schema.invalid")
        )
    errors = ErrorList()
    types = ruleset.header.unit_types
    pending_header = _pending_header(doc, data, types, errors)
    given = {**plain(data), **pending_header}
    try:
        header = Header.model_validate(given)
    except ValidationError as exc:
        # say what is wrong in the header, then check the rest with stand-ins: every problem in one run
        errors.problems.extend(problems_from(exc, doc.file, data, _HEADER_WORDS, doc=doc))
        failed = {str(err["loc"][0]) for err in exc.errors(include_url=False) if err["loc"]}
        patched = {k: v for k, v in given.items() if k not in failed}
        patched.update({k: v for k, v in _STAND_IN.items() if k in failed})
        pending_header.update({k: v for k, v in _STAND_IN.items() if k in failed})
        try:
            header = Header.model_validate(patched)
        except ValidationError:
            raise SubmissionError(errors.problems) from None
    if header.unit_type not in types and "单位类型" not in pending_header:
        errors.add(
            doc.locate(("单位类型",)),
            f"未知的单位类型 “{header.unit_type}”，可选：{'、'.join(types)}",
            "submission.unknown-unit-type",
            header.unit_type,
        )
    specs = ruleset.indicators
    values: dict[str, Value] = {}
    records: dict[str, list[dict[str, Value]]] = {}
    raw = _without_pending(doc, data.get("指标"), specs, header.unit_type, errors)
    counts: dict[str, str] = {}  # a count written as 3.0: read as 3, and said so
    for name in raw:
        if name not in specs:
            errors.add(
                _key(doc, ("指标", name)),
                f"规则集没有声明指标 “{name}”{did_you_mean(name, specs)}",
                "submission.unknown-indicator",
                str(name),
            )
            continue
        spec = specs[name]
        given = raw[name]
        if spec.type == "次数" and _whole_but_decimal(given):
            counts[name] = f"{name}填为{_show(given)}，按{int(given)}计（次数应填整数）"
            given = int(given)
        try:
            value = type_adapter(spec).validate_python(plain(given))
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
                    msg = f"{name} 的记录没有字段 “{key}”{did_you_mean(key, spec.fields or {})}"
                    errors.add(_key(doc, err_loc), msg, "submission.unknown-field", key)
                else:
                    errors.add(doc.locate(err_loc), msg, "submission.invalid-value", str(name))
            continue
        if spec.type == "记录列表":
            records[name] = [_record_values(spec, rec) for rec in value]
        else:
            values[name] = Decimal(value) if isinstance(value, int) and not isinstance(value, bool) else value
    rates = reconcile(ruleset, doc, values, header.unit_type, errors)
    values.update(rates.values)
    late = count_days_late(ruleset, doc, values, header.year, header.unit_type, errors)
    values.update(late.values)
    defaulted: set[str] = set()
    for name, spec in specs.items():
        if name in raw or name in values or name in rates.undefined or name in rates.rejected:
            continue
        if name in late.derived:
            continue  # follows from its date: a missing date is reported (or pending) there
        if name in rates.parts_of_alone:
            continue  # the counts of a rate submitted alone, as the ruleset allows
        if not _applies(spec, header.unit_type):
            continue
        if spec.required and _is_pending(data.get("指标", {}).get(name)):
            continue  # reported as 待填 above
        if spec.required:
            errors.add(
                doc.locate(("指标",)), f"缺少必填指标 “{name}”（{spec.label}）", "submission.missing-value", name
            )
        elif spec.default is not None:
            value = type_adapter(spec).validate_python(plain(spec.default))
            if spec.type == "记录列表":
                records[name] = [_record_values(spec, rec) for rec in value]
            else:
                values[name] = Decimal(value) if isinstance(value, int) and not isinstance(value, bool) else value
            defaulted.add(name)
    for name in header.notes:
        if name not in specs:
            errors.add(
                _key(doc, ("数据说明", name)),
                f"数据说明中的 “{name}” 不是规则集声明的指标",
                "submission.unknown-indicator",
                str(name),
            )
    if "复核" in data:
        errors.add(_key(doc, ("复核",)), f"{REFUSED}；请删除“复核”", "submission.review-refused")
    points = {e.item.id: e.item.points for e in ruleset.entries}
    for item_id, value in header.self_scores.items():
        if item_id not in points:
            hint = did_you_mean(item_id, points)
            errors.add(
                _key(doc, ("自评分", item_id)),
                f"没有编号为 “{item_id}” 的评分项{hint}",
                "submission.unknown-item",
                item_id,
            )
        elif value > points[item_id]:
            errors.add(
                doc.locate(("自评分", item_id)),
                f"自评分 {value} 大于该项分值 {points[item_id]}",
                "submission.self-score",
                item_id,
            )
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
        frozenset(defaulted),
        dict(header.self_scores),
        {**rates.explained, **late.explained},
        rates.undefined,
        rates.small,
        _flags(doc, counts, rates.alone),
        header.unit_id or "",
        tuple(
            Correction(c.rule_id, c.seq, c.done, c.note, doc.locate(("上年不良记录整改", n)))
            for n, c in enumerate(header.corrections)
        ),
    )


def _whole_but_decimal(value: Any) -> bool:
    """3.0 (a number written with a fraction that is zero), not 3 and not 3.5."""
    if isinstance(value, float):
        return value.is_integer() and abs(value) < 10**15
    if isinstance(value, Decimal):
        return value.is_finite() and value == value.to_integral_value() and value.as_tuple().exponent < 0
    return False


def _flags(doc: Document, counts: dict[str, str], alone: dict[str, str]) -> dict[str, tuple[str, ...]]:
    """Indicator → how its value was read where the reading was not the only one possible."""
    out: dict[str, list[str]] = {}
    for path, text in doc.readings.items():
        if len(path) >= 2 and path[0] == "指标":
            out.setdefault(str(path[1]), []).append(text)
    for name, text in (*counts.items(), *alone.items()):
        out.setdefault(name, []).append(text)
    return {name: tuple(texts) for name, texts in out.items()}


def _is_pending(value: Any) -> bool:
    return isinstance(value, str) and value.strip() == PENDING


_STAND_IN = {"单位名称": PENDING, "单位类型": PENDING, "考核年度": 2000}  # for header fields to report, not to use


def _pending_header(doc: Document, data: Any, types: list[str], errors: ErrorList) -> dict[str, Any]:
    """Header fields still 待填: reported, and stood in for so that the rest can be checked."""
    what = {
        "单位名称": "单位全称",
        "单位类型": f"以下之一：{'、'.join(types)}",
        "考核年度": "被考核的工作年度（如 2012）",
    }
    out: dict[str, Any] = {}
    for key in ("单位名称", "单位类型", "考核年度"):
        if _is_pending(data.get(key)):
            errors.add(doc.locate((key,)), f"{key}待填，应填{what[key]}", "submission.missing-value", key)
            out[key] = _STAND_IN[key]
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
            errors.add(
                doc.locate(("指标", name)),
                f"必填指标 “{name}”（{spec.label}）待填，应填{_expected(spec)}",
                "submission.missing-value",
                name,
            )
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
    "单位编码",
    "上年不良记录整改",
    "整改完成",
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
        return f"“{visible_line(value[:30])}”"
    if isinstance(value, Decimal):
        return format(value, "f") if abs(value.adjusted()) < 30 else str(value)
    return str(value)


def _at(doc: Document, loc: tuple, message: str, code: str):
    from engine.errors import Problem

    return Problem(doc.locate(loc), message, code)


def _key(doc: Document, loc: tuple):
    return doc.locate_key(loc)
