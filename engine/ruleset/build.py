"""Building a ruleset from a parsed rules file: pydantic model → checked conditions → `Ruleset`.

Every problem found is collected and raised together as one `RulesError`, each with
file:line:col and the path inside the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ValidationError

from engine.documents.hints import did_you_mean
from engine.documents.messages import problems_from
from engine.documents.source import Document, PlacedMap, PlacedSeq, quoted, value_at
from engine.errors import (
    ErrorList,
    ExpressionError,
    Location,
    Problem,
    RulesError,
)
from engine.ruleset import conditions as expr
from engine.ruleset.extraction_check import check_ruleset as check_extraction
from engine.ruleset.methods import METHODS, method_of
from engine.ruleset.model import OUTCOME_WORDS, PREVIOUS_WORDS, IndicatorSpec, RulesFile
from engine.ruleset.ruleset import MAX_BRANCHES, Condition, ItemEntry, Ruleset, item_locs

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def _plain(value: Any) -> Any:
    """The parsed data with plain dicts and lists: pydantic reads ruamel's commented maps one
    `.get` at a time (a third of a large file's validation); scalars keep their quoting types.
    The engine's own containers (a file read back from the cache) are plain already."""
    if isinstance(value, PlacedMap | PlacedSeq):
        return value
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def extends_of(data: Any) -> Any:
    """The 规则集.继承 value of a parsed rules file, or None."""
    header = data.get("规则集") if isinstance(data, dict) else None
    return header.get("继承") if isinstance(header, dict) else None


def build_ruleset(doc: Document, *, sha256: str | None = None) -> Ruleset:
    if not isinstance(doc.data, dict):
        raise RulesError(
            Problem(doc.locate(()), "规则文件的顶层应为键值表（规则集、指标、评分细则…）", "schema.invalid")
        )
    try:
        model = RulesFile.model_validate(_plain(doc.data))
    except ValidationError as exc:
        raise RulesError(problems_from(exc, doc.file, doc.data, _vocabulary(), _TAGS, model=RulesFile)) from None
    errors = ErrorList()
    entries = list(_entries(model, doc))
    ruleset = Ruleset(doc.file, sha256 or doc.sha256, model, entries, document=doc, sources=((doc.file, doc.sha256),))
    _check_header(model, doc, errors)
    _check_indicators(model, doc, errors)
    check_extraction(model, doc, errors)
    _check_items(ruleset, doc, errors)
    if errors:
        raise RulesError(errors.problems)
    return ruleset


# -- helpers ------------------------------------------------------------------------------

_TAGS = tuple(METHODS)  # the 计分方式 a rules file may name


def _vocabulary() -> list[str]:
    words: list[str] = []

    def walk(model: type[BaseModel]) -> None:
        for f in model.model_fields.values():
            if f.alias:
                words.append(f.alias)
            for arg in _model_args(f.annotation):
                if arg.__name__ not in seen:
                    seen.add(arg.__name__)
                    walk(arg)

    seen: set[str] = set()
    walk(RulesFile)
    return words


def _model_args(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for arg in getattr(annotation, "__args__", ()) or ():
        yield from _model_args(arg)
    for meta in getattr(annotation, "__metadata__", ()) or ():
        del meta
    origin = getattr(annotation, "__origin__", None)
    if origin is not None and origin is not annotation:
        yield from _model_args(origin)


def _entries(model: RulesFile, doc: Document) -> Iterator[ItemEntry]:
    for i, cat1 in enumerate(model.categories):
        for j, cat2 in enumerate(cat1.subcategories):
            for k, item in enumerate(cat2.items):
                loc = ("评分细则", i, "二级指标", j, "评分项", k)
                yield ItemEntry(item, cat1.name, cat2.name, doc.locate(loc))


def _check_header(model: RulesFile, doc: Document, errors: ErrorList) -> None:
    header = model.header
    types = header.unit_types
    if len(set(types)) != len(types):
        errors.add(doc.locate(("规则集", "单位类型")), "单位类型有重复", "rules.duplicate-unit-type")
    for key in header.grades:
        if key != "默认" and key not in types:
            errors.add(
                doc.locate(("规则集", "等次", key)),
                f"“{key}” 既不是“默认”也不是已声明的单位类型（{'、'.join(types)}）",
                "rules.unknown-unit-type",
                key,
            )
    _check_grades(header, doc, errors)


def _check_grades(header: Any, doc: Document, errors: ErrorList) -> None:
    """等次名称, their lines per unit type, 等次限制 and 否决结果 fit together."""
    words = list(header.grade_words)
    types = header.unit_types
    if len(set(words)) != len(words):
        errors.add(doc.locate(("规则集", "等次名称")), "等次名称有重复")
    if len(words) == 1:
        errors.add(doc.locate(("规则集", "等次名称")), "等次名称至少两个（从高到低），或写 [] 表示不评等次")
    if not words:
        if header.grades:
            errors.add(doc.locate(("规则集", "等次")), "等次名称为 []（不评等次）时不写“等次”分数线")
    elif len(words) > 1 and "默认" not in header.grades:
        lacking = [t for t in types if t not in header.grades]
        if lacking:
            errors.add(doc.locate(("规则集", "等次")), f"缺少“默认”等次分数线，或为 {'、'.join(lacking)} 单独设定")
    lined = words[:-1]
    for key, bands in header.grades.items() if words else ():
        for word in bands:
            if word not in lined:
                allowed = "、".join(lined)
                errors.add(doc.locate_key(("规则集", "等次", key, word)), f"“{word}” 不是有分数线的等次（{allowed}）")
        missing = [w for w in lined if w not in bands]
        if missing:
            errors.add(doc.locate(("规则集", "等次", key)), f"缺少 {'、'.join(missing)} 的分数线")
            continue
        lines = [bands[w] for w in lined]
        if any(a <= b for a, b in zip(lines, lines[1:], strict=False)):
            errors.add(doc.locate(("规则集", "等次", key)), f"等次分数线应为 {' > '.join(lined)}")
        if lines and lines[0] > header.total:
            errors.add(
                doc.locate(("规则集", "等次", key, lined[0])), f"{lined[0]}分数线 {lines[0]} 超过总分 {header.total}"
            )
    for key, word in (("有不良记录", header.grade_caps.ordinary), ("有严重不良记录", header.grade_caps.severe)):
        if word is not None and word not in words:
            errors.add(doc.locate(("规则集", "等次限制", key)), _not_a_grade(word, words))
    if header.veto_result is not None and words and header.veto_result not in words:
        errors.add(doc.locate(("规则集", "否决结果")), _not_a_grade(header.veto_result, words))


def _not_a_grade(word: str, words: list[str]) -> str:
    if not words:
        return f"“{word}” 不是等次：本规则集不评等次"
    return f"“{word}” 不是等次名称（{'、'.join(words)}）"


def _check_unit_types(values: list[str] | None, doc: Document, loc: tuple, types: list[str], errors: ErrorList) -> None:
    for n, value in enumerate(values or []):
        if value not in types:
            message = f"未声明的单位类型 “{value}”（已声明：{'、'.join(types)}）"
            errors.add(doc.locate(loc + (n,)), message, "rules.unknown-unit-type", value)


def _check_indicators(model: RulesFile, doc: Document, errors: ErrorList) -> None:
    types = model.header.unit_types
    for name, spec in model.indicators.items():
        _check_unit_types(spec.applies_to, doc, ("指标", name, "适用单位"), types, errors)
        for key, part in (("分子", spec.numerator), ("分母", spec.denominator)):
            if part is not None:
                _check_rate_part(model, name, spec, key, part, doc, errors)
        if spec.overdue is not None:
            _check_overdue(model, name, spec, doc, errors)
        if model.header.missing == "按缺省值" and not spec.required and spec.default is None:
            errors.add(doc.locate(("指标", name)), "缺项处理为“按缺省值”，选填指标须给出“缺省值”", "rules.default")
        if spec.default is not None:
            from engine.ruleset.values import check_value

            message = check_value(spec, spec.default)
            if message:
                errors.add(doc.locate(("指标", name, "缺省值")), f"缺省值{message}", "rules.default")


def _check_overdue(model: RulesFile, name: str, spec: IndicatorSpec, doc: Document, errors: ErrorList) -> None:
    """`逾期: {日期: …, 期限: …}`: a declared 日期 indicator and a deadline that is a date."""
    overdue = spec.overdue
    assert overdue is not None
    other = model.indicators.get(overdue.date)
    if other is None:
        import difflib

        close = difflib.get_close_matches(overdue.date, list(model.indicators), n=1, cutoff=0.5)
        hint = f"（是否应为 “{close[0]}”？）" if close else ""
        errors.add(doc.locate(("指标", name, "逾期", "日期")), f"日期“{overdue.date}”不是已声明的指标{hint}")
    elif other.type != "日期":
        errors.add(doc.locate(("指标", name, "逾期", "日期")), f"“{overdue.date}” 是{other.type}型，应为日期型指标")
    try:
        expr.date_literal(overdue.deadline)
    except ExpressionError as exc:
        errors.add(_offset(doc, ("指标", name, "逾期", "期限"), exc.offset), exc.message)
    except ValueError as exc:
        errors.add(doc.locate(("指标", name, "逾期", "期限")), str(exc))


CATEGORIES = {
    "数值": expr.NUMBER,
    "百分比": expr.NUMBER,
    "次数": expr.NUMBER,
    "日期": expr.DATE,
    "是否": expr.BOOL,
    "选项": expr.ENUM,
    "文本": expr.TEXT,
}  # indicator type → what a condition may do with it


def symbol(spec: Any) -> expr.Symbol:
    return expr.Symbol(CATEGORIES[spec.type], tuple(spec.options or ()))


def _check_rate_part(
    model: RulesFile, rate: str, spec: IndicatorSpec, key: str, part: str, doc: Document, errors: ErrorList
) -> None:
    where = doc.locate(("指标", rate, key))
    other = model.indicators.get(part)
    if other is None:
        message = f"{key}“{part}”不是已声明的指标{did_you_mean(part, model.indicators)}"
        errors.add(where, message, "rules.unknown-indicator", part)
    elif part == rate:
        errors.add(where, f"{key}不能是比率本身", "rules.rate-part")
    elif other.type not in ("次数", "数值"):
        errors.add(where, f"{key}应为次数或数值型指标，“{part}” 是{other.type}型", "rules.rate-part", part)
    elif other.applies_to is not None and (
        spec.applies_to is None or not set(spec.applies_to) <= set(other.applies_to)
    ):
        errors.add(where, f"{key}“{part}”的适用单位应包含比率“{rate}”的适用单位", "rules.rate-part", part)


def _symbols(specs: dict[str, Any]) -> dict[str, expr.Symbol]:
    return {name: symbol(spec) for name, spec in specs.items() if spec.type != "记录列表"}


class _Validator:
    """The checks a method asks for at load time (methods.base.Validator), collecting problems."""

    def __init__(self, ruleset: Ruleset, doc: Document, errors: ErrorList) -> None:
        self.ruleset, self.doc, self.errors = ruleset, doc, errors
        self.indicators = ruleset.model.indicators
        self.symbols = _symbols(ruleset.value_specs)  # the indicators and the year before's result

    def error(self, loc: tuple, message: str, code: str = "rules.invalid", subject: str | None = None) -> None:
        self.errors.add(self.doc.locate(loc), message, code, subject)

    def condition(self, key: str, text: str, loc: tuple, record_list: str | None = None, outcome: bool = False) -> None:
        doc = self.doc
        if outcome:  # 等次后果: this year's result and the year before's, not the indicators
            syms = self.ruleset.outcome_symbols
        elif record_list is not None:
            spec = self.indicators.get(record_list)
            if spec is None or spec.type != "记录列表":
                return  # reported where the list is named
            syms = _symbols(spec.fields or {})
        else:
            syms = self.symbols
        where = doc.locate(loc)
        try:
            node = expr.parse(text)
            names = expr.check(node, syms)
        except ExpressionError as exc:
            subject = exc.token if exc.code == "rules.unknown-indicator" else None
            message = exc.message
            if outcome and subject is not None:
                message = f"等次后果的条件只读本年和上年的结果（{OUTCOME_WORDS}），没有 “{subject}”" + (
                    "；指标请在评分项或否决项中使用" if subject in self.indicators else ""
                )
            elif subject is not None and subject in self.ruleset.outcome_symbols:  # 总分, 等次, 得分[…], 较上年增减
                message = (
                    f"“{subject}”是本年评定的结果，评分项和否决项的条件不能读它（本年的分数尚未算出）；"
                    f"请写成等次后果，或改读上年结果（{PREVIOUS_WORDS}）"
                )
            self.errors.add(_offset(doc, loc, exc.offset), message, exc.code, subject)
            return
        written = node
        node = expr.normalize(node)
        branches = expr.branch_count(node)
        if branches > MAX_BRANCHES:
            message = f"条件展开后有 {branches} 个分支，超过上限 {MAX_BRANCHES}；请拆成几个评分项"
            self.errors.add(where, message, "rules.condition-too-complex")
            return
        into = self.ruleset.outcome_conditions if outcome else self.ruleset.conditions
        into[key] = Condition(text, node, frozenset(names), where, record_list, written, loc)

    def indicator(self, name: str, loc: tuple, allowed: tuple[str, ...], what: str) -> None:
        spec = self.ruleset.value_specs.get(name)
        if spec is None:
            message = f"未声明的指标 “{name}”{did_you_mean(name, self.indicators)}"
            self.error(loc, message, "rules.unknown-indicator", name)
        elif spec.type not in allowed:
            self.error(
                loc, f"{what}应为{'/'.join(allowed)}型指标，“{name}” 是{spec.type}型", "rules.indicator-type", name
            )

    def cap(self, value: Decimal | None, points: Decimal, loc: tuple, label: str = "扣分上限") -> None:
        if value is not None and value > points:
            self.error(loc, f"{label} {value} 大于本项分值 {points}", "rules.above-points")


def _check_items(ruleset: Ruleset, doc: Document, errors: ErrorList) -> None:
    model = ruleset.model
    header = model.header
    seen_ids: dict[str, tuple] = {}
    v = _Validator(ruleset, doc, errors)

    total = Decimal(0)
    for i, cat1 in enumerate(model.categories):
        subtotal = sum((it.points for c2 in cat1.subcategories for it in c2.items), Decimal(0))
        total += subtotal
        if cat1.points is not None and subtotal != cat1.points:
            errors.add(
                doc.locate(("评分细则", i, "分值")),
                f"一级指标“{cat1.name}”分值为 {cat1.points}，其评分项分值合计为 {subtotal}",
                "rules.category-points-mismatch",
                cat1.name,
            )
    if total != header.total:
        message = f"评分项分值合计为 {total}，与总分 {header.total} 不符"
        errors.add(doc.locate(("评分细则",)), message, "rules.total-mismatch")

    for loc, item in item_locs(model):
        if item.id in seen_ids:
            message = f"编号 “{item.id}” 重复（另见 {doc.locate(seen_ids[item.id])}）"
            errors.add(doc.locate(loc + ("编号",)), message, "rules.duplicate-id", item.id)
        else:
            seen_ids[item.id] = loc + ("编号",)
        _check_unit_types(item.applies_to, doc, loc + ("适用单位",), header.unit_types, errors)
        if loc[0] == "否决项":
            if item.records is not None:
                v.indicator(item.records, loc + ("记录",), ("记录列表",), "记录")
            if item.condition is not None:
                v.condition(item.id, item.condition, loc + ("条件",), item.records)
        else:
            method_of(item).validate(item, loc, v)
        bad = getattr(item, "bad_record", None)
        if bad:  # a veto's `不良记录: 否` is False
            _check_template(ruleset, item, bad.event, doc, loc + ("不良记录", "事项"), errors)
    for k, outcome in enumerate(model.outcomes):
        loc = ("等次后果", k)
        if outcome.id in seen_ids:
            message = f"编号 “{outcome.id}” 重复（另见 {doc.locate(seen_ids[outcome.id])}）"
            errors.add(doc.locate(loc + ("编号",)), message, "rules.duplicate-id", outcome.id)
        seen_ids[outcome.id] = loc + ("编号",)
        v.condition(outcome.id, outcome.condition, loc + ("条件",), outcome=True)


def _check_template(ruleset: Ruleset, item: Any, text: str, doc: Document, loc: tuple, errors: ErrorList) -> None:
    allowed = set(ruleset.value_specs) | {"扣分", "单位名称", "考核年度"}
    records = getattr(item, "records", None)
    if records and records in ruleset.model.indicators:
        allowed |= set(ruleset.model.indicators[records].fields or {})
    for match in _PLACEHOLDER.finditer(text):
        name = match.group(1).strip()
        if name not in allowed:
            message = f"不良记录事项中的 {{{name}}} 不是指标名或记录字段"
            errors.add(_offset(doc, loc, match.start()), message, "rules.unknown-placeholder", name)


def _offset(doc: Document, loc: tuple, offset: int) -> Location:
    """Location of a character inside a one-line string value."""
    base = doc.locate(loc)
    value = value_at(doc.data, loc)
    if base.line is None or base.col is None or base.via is not None:
        return base  # an inherited value is located at the child's 继承 line; no column to offset
    return replace(base, col=base.col + offset + (1 if quoted(value) else 0))
