"""Test cases for rulesets (用例): policy staff state what an item should give for given values.

One case file per ruleset, next to it: `rules/X.yaml` → `rules/X.cases.yaml`:

    规则集: national-model-2021        # the 编号 of the ruleset tested
    基线:                               # "all good" values; a case changes only what it needs
      通用: {未报备规范性文件件数: 0, …}  # every unit type
      镇街: {调解件数: 40, …}             # added or overridden for one unit type
    用例:
      - 名称: 未报备1件扣1分并记不良记录
        评分项: ZD-01                   # an item, bonus item (加分项) or veto (否决项)
        单位类型: 镇街                  # optional: default the ruleset's first unit type
        指标: {未报备规范性文件件数: 1}  # `~` removes a baseline value (not submitted)
        复核: [{评分项: NL-06, 扣分: 1, 理由: …, 复核人: …}]   # optional: assessors' decisions, as in a review file
        预期: {扣分: 1, 状态: 扣分, 不良记录: 是, 否决: 否}

预期 keys: 扣分, 得分, 状态 (扣分/满分/不适用/待复核), 标记 (the item's flags, e.g.
[出庭应诉率样本量小（3件）]) for items; 加分 for bonus items; 否决 (this veto fired — for an item
or bonus item: any veto fired); 不良记录 (是/否, or how many, written by this rule); 等次.

A whole-submission case (整体用例) is a complete worked example instead: `申报` holds a submission
(inline, or a file path relative to the case file) and `预期` its 总分, 等次, 否决 (是/否 or the
ids that fired), 不良记录 (是/否 or how many), 加分 and selected items (`评分项: {ZD-01: {扣分: 1}}`):

      - 名称: 花山区2012年度（示例）
        申报: ../examples/huashan-2012.json
        预期: {总分: 93.23, 等次: 优秀, 否决: 否, 不良记录: 0, 评分项: {JD-06: {状态: 待复核}}}

A ruleset that extends another (继承) also runs the parent's cases for every item it left
unchanged (same definition, same indicators), with its own baseline laid over the parent's; a case
with the same 评分项 and 名称 replaces the inherited one; `继承用例: 否` turns this off.

Coverage: every item, bonus item and veto needs a passing case where it deducts (adds, fires) and
one where it does not; rate and count items also need their boundaries: at the target and just
below it (少于目标扣分, 比率不足扣分), 0 and 1 (按件扣分), at 满分值 and just short of it (线性计分).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from dataclasses import replace as dc_replace
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, model_validator

from engine.assessment import assess
from engine.documents.hints import did_you_mean
from engine.documents.messages import problems_from, translate
from engine.documents.numbers import format_decimal
from engine.documents.source import (
    Assembled,
    Document,
    key_location,
    load_document,
    plain,
)
from engine.errors import (
    CasesError,
    ErrorList,
    ExpressionError,
    Location,
    Problem,
    SubmissionError,
)
from engine.intake.review import Decision, Review, beyond, decisions
from engine.intake.submission import Submission, load_submission, validate_submission
from engine.result import AssessmentResult
from engine.ruleset.conditions import RelativeDate, date_literal, format_value
from engine.ruleset.folders import is_case_file, rules_files
from engine.ruleset.inheritance import unchanged_items
from engine.ruleset.load import load_rules
from engine.ruleset.methods import method_of
from engine.ruleset.model import Model, Number, Text, YesNo
from engine.ruleset.ruleset import Ruleset
from engine.ruleset.scalars import Before
from engine.ruleset.values import type_adapter

WHOLE = "整体用例"
AS_OF = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # cases are timeless; a fixed time keeps results reproducible
COMMON = "通用"
CASE_SUFFIX = ".cases.yaml"


def _yes_no_or_count(value: Any) -> Any:
    if isinstance(value, str) and value.strip() in ("是", "否"):
        return value.strip() == "是"
    return value


class Expectation(Model):
    deduction: Number | None = Field(None, alias="扣分", description="本项扣分")
    score: Number | None = Field(None, alias="得分", description="本项得分")
    bonus: Number | None = Field(None, alias="加分", description="加分项加的分")
    status: Literal["扣分", "满分", "不适用", "待复核"] | None = Field(
        None, alias="状态", description="扣分、满分、不适用 或 待复核"
    )
    bad_records: Annotated[bool | int | None, Before(_yes_no_or_count)] = Field(
        None, alias="不良记录", description="是/否，或本项写入的不良记录条数"
    )
    veto: YesNo | None = Field(
        None, alias="否决", description="是/否：本否决项成立（评分项、加分项的用例：有否决项成立）"
    )
    grade: Text | None = Field(None, alias="等次", description="评定的等次（规则集的等次名称之一）")
    flags: list[str] | None = Field(None, alias="标记", description="本项的数据提示，如 出庭应诉率样本量小（4件）")

    @model_validator(mode="after")
    def _something(self) -> Expectation:
        if all(getattr(self, f) is None for f in type(self).model_fields):
            raise ValueError("“预期”至少写一项：扣分、得分、加分、状态、不良记录、否决、等次、标记")
        if isinstance(self.bad_records, int) and not isinstance(self.bad_records, bool) and self.bad_records < 0:
            raise ValueError("“不良记录”应为 是/否 或条数")
        return self


class ItemExpectation(Model):
    """What a whole-submission case expects of one item."""

    deduction: Number | None = Field(None, alias="扣分", description="该项扣分")
    score: Number | None = Field(None, alias="得分", description="该项得分")
    status: Literal["扣分", "满分", "不适用", "待复核"] | None = Field(
        None, alias="状态", description="扣分、满分、不适用 或 待复核"
    )
    flags: list[str] | None = Field(None, alias="标记", description="该项的数据提示")


def _vetoes(value: Any) -> Any:
    return _yes_no_or_count(value) if isinstance(value, str) else value


class WholeExpectation(Model):
    total: Number | None = Field(None, alias="总分", description="总分")
    grade: Text | None = Field(None, alias="等次", description="评定的等次（规则集的等次名称之一）")
    veto: Annotated[bool | list[str] | None, Before(_vetoes)] = Field(
        None, alias="否决", description="是/否，或成立的否决项编号列表"
    )
    bad_records: Annotated[bool | int | None, Before(_yes_no_or_count)] = Field(
        None, alias="不良记录", description="是/否，或不良记录条数"
    )
    bonus: Number | None = Field(None, alias="加分", description="加分合计")
    items: dict[str, ItemExpectation] = Field(
        default_factory=dict, alias="评分项", description="评分项编号 → 该项的预期（扣分、得分、状态、标记）"
    )

    @model_validator(mode="after")
    def _something(self) -> WholeExpectation:
        if all(getattr(self, f) in (None, {}) for f in type(self).model_fields):
            raise ValueError("整体用例的“预期”至少写一项：总分、等次、否决、不良记录、加分、评分项")
        return self


class WholeCase(Model):
    """A complete worked example: a submission and what the whole assessment gives."""

    name: Text = Field(alias="名称", description="用例名称")
    submission: str | dict[str, Any] = Field(
        alias="申报", description="完整的申报数据：写在这里，或申报文件的路径（相对于用例文件所在的文件夹）"
    )
    expect: WholeExpectation = Field(alias="预期", description="预期结果")
    reviews: list[Any] = Field(default_factory=list, alias="复核", description="考核组的复核决定（同复核文件的写法）")
    note: str | None = Field(None, alias="说明", description="说明")

    @property
    def rule(self) -> None:  # not about one item
        return None

    @property
    def unit_type(self) -> None:
        return None


class Case(Model):
    name: Text = Field(alias="名称", description="用例名称（同一评分项内唯一）")
    rule: Text = Field(alias="评分项", description="评分项、加分项或否决项的编号")
    unit_type: str | None = Field(None, alias="单位类型", description="按哪类单位评分；缺省为规则集的第一个单位类型")
    values: dict[str, Any] = Field(
        default_factory=dict, alias="指标", description="在基线上改动的指标；写 ~ 表示不填报"
    )
    reviews: list[Any] = Field(default_factory=list, alias="复核", description="复核决定，写法同申报数据")
    expect: Expectation = Field(alias="预期", description="预期结果")
    note: str | None = Field(None, alias="说明", description="说明")


class CaseFile(Model):
    schema_: str | None = Field(None, alias="$schema")
    ruleset: Text = Field(alias="规则集", description="所测规则集的编号")
    inherit: YesNo = Field(True, alias="继承用例", description="继承的规则集是否运行父规则集的用例（缺省：是）")
    baseline: dict[str, dict[str, Any] | None] = Field(
        default_factory=dict, alias="基线", description="“通用”及各单位类型的达标取值；用例只写要改动的指标"
    )
    cases: list[Any] = Field(
        default_factory=list, alias="用例", description="评分项用例（写 评分项）或整体用例（写 申报）"
    )  # each validated on its own: Case or WholeCase


_VOCABULARY = ["规则集", "继承用例", "基线", "用例", *(f.alias for f in Case.model_fields.values() if f.alias)]
_VOCABULARY += [f.alias for f in Expectation.model_fields.values() if f.alias]
_WHOLE_VOCABULARY = [*_VOCABULARY, *(f.alias for m in (WholeCase, WholeExpectation) for f in m.model_fields.values())]
_WHOLE_ONLY = {"总分", "申报"}  # what an item case cannot expect: said with the way to a whole-submission case
_ITEM_KEYS = {"扣分", "得分", "状态", "标记", "不良记录", "否决", "等次"}
_BONUS_KEYS = {"加分", "不良记录", "否决", "等次"}
_VETO_KEYS = {"否决", "不良记录", "等次"}


# -- loading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A value and where it was written."""

    value: Any
    doc: Document
    loc: tuple


@dataclass
class LoadedCase:
    """A case ready to run: its submission is built and validated."""

    case: Case | WholeCase
    doc: Document
    loc: tuple  # ("用例", n) in doc
    submission: Submission
    inherited_from: str = ""  # the parent ruleset's id when the case comes from its file
    reviews: dict[str, Decision] = field(default_factory=dict)  # the case's 复核, by item

    @property
    def whole(self) -> bool:
        return isinstance(self.case, WholeCase)

    @property
    def rule(self) -> str:
        return self.case.rule or WHOLE

    @property
    def name(self) -> str:
        return self.case.name

    @property
    def location(self) -> Location:
        return self.doc.locate(self.loc)


@dataclass
class Suite:
    """A ruleset and every case that applies to it."""

    ruleset: Ruleset
    case_file: Path | None
    cases: list[LoadedCase]
    baseline: dict[str, dict[str, Source]] = field(default_factory=dict)

    @property
    def rule_ids(self) -> list[str]:
        model = self.ruleset.model
        return [e.item.id for e in self.ruleset.entries] + [b.id for b in model.bonuses] + [v.id for v in model.vetoes]


def case_file_for(rules_file: Path) -> Path:
    return rules_file.with_name(rules_file.stem + CASE_SUFFIX)


def discover(paths: Iterable[Path]) -> list[Path]:
    """Ruleset files named by `paths` (files, or folders whose rulesets are taken); case files are skipped."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(rules_files(path))
        elif is_case_file(path):
            stem = path.name.rsplit(".cases.", 1)[0]
            out.append(path.with_name(stem + ".yaml"))
        else:
            out.append(path)
    return list(dict.fromkeys(out))


def load_suite(rules_file: Path | str, ruleset: Ruleset | None = None) -> Suite:
    """Load a ruleset and its cases (and the inherited ones), or raise RulesError / CasesError
    listing every problem of the case file at once."""
    rules_file = Path(rules_file)
    ruleset = ruleset or load_rules(rules_file)
    case_path = case_file_for(rules_file)
    parent_suite = None
    spec: CaseFile | None = None
    doc: Document | None = None
    errors = ErrorList()
    valid: list[tuple[int, Case | WholeCase]] = []
    if case_path.is_file():
        doc = load_document(case_path, CasesError)
        spec, valid = _validate_file(doc, errors)
    inherit = spec.inherit if spec is not None else True
    if ruleset.parent is not None and inherit:
        parent_suite = load_suite(Path(ruleset.parent.file), ruleset.parent)
    baseline: dict[str, dict[str, Source]] = {}
    if parent_suite is not None:
        baseline = {k: dict(v) for k, v in parent_suite.baseline.items()}
    own: list[tuple[Case | WholeCase, tuple]] = []
    if spec is not None and doc is not None:
        valid = _check_file(spec, valid, doc, ruleset, errors)
        for key, values in spec.baseline.items():
            layer = baseline.setdefault(key, {})
            for name in values or {}:
                layer[name] = Source(doc.data["基线"][key][name], doc, ("基线", key, name))
        own = [(case, ("用例", n)) for n, case in valid]
    cases: list[LoadedCase] = []
    found: list[tuple[str, Problem]] = []  # (case name, problem) of every case, grouped below
    for case, loc in own:
        assert doc is not None
        built = _build(case, doc, loc, ruleset, baseline, found)
        if built is not None:
            cases.append(built)
    if parent_suite is not None:
        same = unchanged_items(ruleset)
        mine = {(c.rule, c.name) for c, _ in own}
        for inherited in parent_suite.cases:
            if inherited.rule in same and (inherited.rule, inherited.name) not in mine:
                # an inherited case keeps the unit type it was written for
                unit_type = inherited.submission.unit_type
                built = _build(inherited.case, inherited.doc, inherited.loc, ruleset, baseline, found, unit_type)
                if built is not None:
                    built.inherited_from = inherited.inherited_from or ruleset.parent.header.id
                    cases.append(built)
    for problem in _grouped(found, ruleset, doc):
        errors.add(problem.location, problem.message)
    if errors:
        raise CasesError(errors.problems)
    return Suite(ruleset, case_path if doc is not None else None, cases, baseline)


def _validate_file(doc: Document, errors: ErrorList) -> tuple[CaseFile | None, list[tuple[int, Case | WholeCase]]]:
    """The file's header and each case that is valid on its own; the problems of the others go to `errors`."""
    if not isinstance(doc.data, dict):
        raise CasesError(Problem(doc.locate(()), "用例文件的顶层应为键值表（规则集、基线、用例）", "schema.invalid"))
    try:
        spec = CaseFile.model_validate(doc.data)
    except ValidationError as exc:
        errors.problems.extend(problems_from(exc, doc.file, doc.data, _VOCABULARY))
        return None, []
    valid = []
    for n, raw in enumerate(spec.cases):
        whole = isinstance(raw, dict) and "申报" in raw
        expect = raw.get("预期") if isinstance(raw, dict) else None
        if not whole and isinstance(expect, dict) and _WHOLE_ONLY & set(expect):
            key = next(k for k in expect if k in _WHOLE_ONLY)
            errors.add(
                key_location(doc.file, doc.data, ("用例", n, "预期", key)),
                f"评分项的用例不能预期“{key}”：预期总分的是整体用例，要用“申报”写出完整的申报数据"
                "（或申报文件的路径），不写“评分项”",
            )
            continue
        try:
            valid.append((n, (WholeCase if whole else Case).model_validate(raw)))
        except ValidationError as exc:
            vocabulary = _WHOLE_VOCABULARY if whole else _VOCABULARY
            errors.problems.extend(problems_from(exc, doc.file, doc.data, vocabulary, prefix=("用例", n)))
    return spec, valid


def _check_file(
    spec: CaseFile, valid: list[tuple[int, Case | WholeCase]], doc: Document, ruleset: Ruleset, errors: ErrorList
) -> list[tuple[int, Case | WholeCase]]:
    """The cases that fit the ruleset; what does not fit goes to `errors`."""
    header = ruleset.header
    if spec.ruleset != header.id:
        errors.add(
            doc.locate(("规则集",)),
            f"用例文件写的是规则集 “{spec.ruleset}”，而 {ruleset.file} 的编号是 “{header.id}”",
            "cases.wrong-ruleset",
            spec.ruleset,
        )
    for key in spec.baseline:
        if key != COMMON and key not in header.unit_types:
            errors.add(
                key_location(doc.file, doc.data, ("基线", key)),
                f"基线的键应为“{COMMON}”或单位类型（{'、'.join(header.unit_types)}），实为 “{key}”",
                "cases.unknown-unit-type",
                str(key),
            )
    kinds = _kinds(ruleset)
    seen: dict[tuple[str, str], int] = {}
    fitting = []
    for n, case in valid:
        loc = ("用例", n)
        before = len(errors.problems)
        if isinstance(case, WholeCase):
            for rid in case.expect.items:
                if kinds.get(rid) != "评分项":
                    hint = did_you_mean(rid, [k for k, v in kinds.items() if v == "评分项"])
                    errors.add(
                        key_location(doc.file, doc.data, loc + ("预期", "评分项", rid)),
                        f"规则集 {header.id} 没有编号为 “{rid}” 的评分项{hint}",
                        "cases.unknown-item",
                        rid,
                    )
        else:
            kind = kinds.get(case.rule)
            if kind is None:
                hint = did_you_mean(case.rule, kinds)
                errors.add(
                    doc.locate(loc + ("评分项",)),
                    f"规则集 {header.id} 没有编号为 “{case.rule}” 的评分项、加分项或否决项{hint}",
                    "cases.unknown-item",
                    case.rule,
                )
            else:
                allowed = {"评分项": _ITEM_KEYS, "加分项": _BONUS_KEYS, "否决项": _VETO_KEYS}[kind]
                for key in doc.data["用例"][n]["预期"]:
                    if key not in allowed:
                        hint = "；整体用例用“申报”写出完整的申报数据" if key in ("总分", "评分项") else ""
                        errors.add(
                            doc.locate(loc + ("预期", key)),
                            f"{kind}的用例不能预期“{key}”（可写：{'、'.join(k for k in _KEY_ORDER if k in allowed)}）{hint}",
                        )
            if case.unit_type is not None and case.unit_type not in header.unit_types:
                errors.add(
                    doc.locate(loc + ("单位类型",)),
                    f"未声明的单位类型 “{case.unit_type}”（已声明：{'、'.join(header.unit_types)}）",
                )
        key2 = (case.rule or WHOLE, case.name)
        if key2 in seen:
            errors.add(doc.locate(loc + ("名称",)), f"{key2[0]} 已有名为 “{case.name}” 的用例（用例[{seen[key2]}]）")
        seen.setdefault(key2, n)
        if len(errors.problems) == before:
            fitting.append((n, case))
    return fitting


_KEY_ORDER = ["扣分", "得分", "加分", "状态", "标记", "不良记录", "否决", "等次"]


def _kinds(ruleset: Ruleset) -> dict[str, str]:
    out = {e.item.id: "评分项" for e in ruleset.entries}
    out.update({b.id: "加分项" for b in ruleset.model.bonuses})
    out.update({v.id: "否决项" for v in ruleset.model.vetoes})
    return out


def _grouped(found: list[tuple[str, Problem]], ruleset: Ruleset, doc: Document | None) -> list[Problem]:
    """The problems of the cases, each said once: what many cases share becomes one line with a count."""
    groups: dict[tuple[str, str], list[tuple[str, Problem]]] = {}
    for name, problem in found:
        # the same message in many cases is one problem; a case-less one (a baseline value) once per place
        shared = name and not name.startswith(WHOLE)
        key = ("", problem.message) if shared else (f"{name}{problem.location}", problem.message)
        groups.setdefault(key, []).append((name, problem))
    out = []
    for (_, message), members in groups.items():
        name, first = members[0]
        if not name:  # a baseline value, wrong for every case: said once at its place
            out.append(first)
            continue
        if len(members) == 1:
            who = f"整体用例“{name.removeprefix(WHOLE + '：')}”" if name.startswith(WHOLE) else f"用例“{name}”"
            out.append(Problem(first.location, f"{who}：{message}"))
            continue
        missing = MISSING.fullmatch(message)
        indicator = missing.group(1) if missing else ""
        spec = ruleset.indicators.get(indicator) if indicator else None
        if spec is not None:
            where = (
                key_location(doc.file, doc.data, ("基线",))
                if doc is not None and "基线" in doc.data
                else first.location
            )
            out.append(
                Problem(
                    where,
                    f"新增必填指标 {indicator}（{spec.label}）：{len(members)} 个用例缺少它，请在 基线 中加入"
                    f"（如 基线.{COMMON}.{indicator}），或在规则文件中把它设为 必填: 否",
                )
            )
        else:
            out.append(Problem(first.location, f"{len(members)} 个用例：{message}（如用例“{name}”）"))
    return out


MISSING = re.compile(r"缺少必填指标 “(.+?)”（.*）")  # as engine.intake.submission says it


def _build(
    case: Case | WholeCase,
    doc: Document,
    loc: tuple,
    ruleset: Ruleset,
    baseline: dict[str, dict[str, Source]],
    found: list[tuple[str, Problem]],
    default_unit_type: str | None = None,
) -> LoadedCase | None:
    """The submission a case describes: baseline for its unit type, then the case's own values."""
    if isinstance(case, WholeCase):
        return _build_whole(case, doc, loc, ruleset, found)
    header = ruleset.header
    unit_type = case.unit_type or default_unit_type or header.unit_types[0]
    if unit_type not in header.unit_types:
        return None  # reported by _check_file (or not applicable to an inheriting ruleset's types)
    raw = doc.data["用例"][loc[1]]
    data = Assembled((doc, loc))
    data["单位名称"] = f"用例：{case.name}"
    data["单位类型"] = unit_type
    data.map(("单位类型",), doc, loc + ("单位类型",) if case.unit_type else loc)
    data["考核年度"] = header.period.start if header.period else header.year
    values: dict[str, Any] = {}
    for layer in (baseline.get(COMMON, {}), baseline.get(unit_type, {})):
        for name, src in layer.items():
            if src.value is None:
                values.pop(name, None)
            else:
                values[name] = src.value
                data.map(("指标", name), src.doc, src.loc)
    for name, value in (raw.get("指标") or {}).items():
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value
            data.map(("指标", name), doc, loc + ("指标", name))
    # the year before's result (上年总分, 上年未整改不良记录数 …) is given like an indicator, checked by its type
    earlier = {name: values.pop(name) for name in list(values) if name in ruleset.previous_specs}
    data["指标"] = {name: _dated(ruleset, name, value, data["考核年度"]) for name, value in values.items()}
    data.map(("指标",), doc, loc)
    text = json.dumps(plain(dict(data)), ensure_ascii=False, sort_keys=True, default=str)
    sub_doc = Document(doc.file, data, hashlib.sha256(text.encode()).hexdigest())
    try:
        submission = validate_submission(sub_doc, ruleset)
    except SubmissionError as exc:
        for problem in exc.problems:
            # a baseline value is wrong for every case: no case name, said once
            found.append(("" if problem.location.path[:1] == ("基线",) else case.name, problem))
        return None
    given = _previous(case.name, earlier, ruleset, doc, loc, found)
    if given is None:
        return None
    if given:
        submission = dc_replace(submission, values={**submission.values, **given})
    reviews = _reviews(case, raw.get("复核") or [], doc, loc, ruleset, found)
    return LoadedCase(case, doc, loc, submission, reviews=reviews)


def _previous(
    case: str, given: dict[str, Any], ruleset: Ruleset, doc: Document, loc: tuple, found: list[tuple[str, Problem]]
) -> dict[str, Any] | None:
    """A case's values of the year before's result, typed; 有上年结果 is 是 when any is given (None: refused)."""
    out: dict[str, Any] = {}
    for name, value in given.items():
        try:
            out[name] = type_adapter(ruleset.previous_specs[name]).validate_python(value)
        except ValidationError as exc:
            message = f"“{name}”{translate(exc.errors(include_url=False)[0])}"
            found.append((case, Problem(doc.locate(loc + ("指标", name)), message, "cases.invalid", name)))
            return None
    if out and "有上年结果" in ruleset.previous_specs:
        out.setdefault("有上年结果", True)
    return out


def _build_whole(
    case: WholeCase, doc: Document, loc: tuple, ruleset: Ruleset, found: list[tuple[str, Problem]]
) -> LoadedCase | None:
    """The submission of a whole-submission case: written inline, or a file beside the case file."""
    from engine.ruleset.names import native

    raw = doc.data["用例"][loc[1]]["申报"]
    try:
        if isinstance(case.submission, str):
            path = native(Path(os.path.normpath(Path(doc.file).parent / case.submission.replace("\\", "/"))))
            if not path.is_file():
                found.append(
                    (
                        "",
                        Problem(
                            doc.locate(loc + ("申报",)),
                            f"文件不存在：{case.submission}（按用例文件所在的文件夹找，即 {os.path.normpath(path)}）",
                        ),
                    )
                )
                return None
            submission = load_submission(path, ruleset)  # JSON, YAML or a filled 填报表
        else:
            text = json.dumps(plain(raw), ensure_ascii=False, sort_keys=True, default=str)
            submission = validate_submission(
                Document(doc.file, raw, hashlib.sha256(text.encode()).hexdigest()), ruleset
            )
    except SubmissionError as exc:
        # each in the example's own file, so never grouped with the item cases' problems
        found.extend((f"{WHOLE}：{case.name}", problem) for problem in exc.problems)
        return None
    reviews = _reviews(case, doc.data["用例"][loc[1]].get("复核") or [], doc, loc, ruleset, found)
    return LoadedCase(case, doc, loc, submission, reviews=reviews)


def _dated(ruleset: Ruleset, name: str, value: Any, year: int) -> Any:
    """A date written by the case's 考核年度 (次年3月2日) as the date it is; anything else as written."""
    spec = ruleset.indicators.get(name)
    if spec is None:
        return value
    if spec.type == "日期":
        return _on(value, year)
    if spec.type == "记录列表" and isinstance(value, list):
        dates = {f for f, s in (spec.fields or {}).items() if s.type == "日期"}
        return [
            {k: _on(v, year) if k in dates else v for k, v in rec.items()} if isinstance(rec, dict) else rec
            for rec in value
        ]
    return value


def _on(value: Any, year: int) -> Any:
    if not isinstance(value, str) or value.strip()[:2] not in ("当年", "次年", "上年"):
        return value
    try:
        when = date_literal(value)
    except (ValueError, ExpressionError):
        return value  # the submission check reports it at its place
    return when.on(year).isoformat() if isinstance(when, RelativeDate) else value


def _reviews(
    case: Case | WholeCase, raw: list, doc: Document, loc: tuple, ruleset: Ruleset, found: list[tuple[str, Problem]]
) -> dict:
    """A case's 复核: the assessors' decisions it is run with (as a review file would give them)."""
    errors = ErrorList()
    ids = ruleset.review_ids
    given = []
    for n, entry in enumerate(raw):
        where = doc.locate(loc + ("复核", n))
        try:
            review = Review.model_validate(plain(entry))
        except ValidationError as exc:
            errors.add(
                where, f"用例“{case.name}”：复核应写 评分项、扣分或得分、理由、复核人（{translate(exc.errors()[0])}）"
            )
            continue
        if review.item not in ids:
            errors.add(
                where,
                f"用例“{case.name}”：没有编号为 “{review.item}” 的评分项{did_you_mean(review.item, ids)}",
                "case.unknown-item",
                review.item,
            )
        elif (review.deduction is None) == (review.score is None):
            errors.add(where, f"用例“{case.name}”：复核应给出“扣分”或“得分”之一")
        elif (over := beyond(review, ruleset)) is not None:
            amount = doc.locate(loc + ("复核", n, over[0]))
            errors.add(amount, f"用例“{case.name}”：{over[1]}", "review.out-of-range", review.item)
        else:
            given.append(review)
    found.extend(("", problem) for problem in errors.problems)
    return decisions(given, doc.file, doc.sha256)


# -- running ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mismatch:
    what: str  # 扣分, 状态, …
    expected: str
    got: str


@dataclass
class Outcome:
    """One case run: what it expected, what the engine gave, the values the rule read."""

    case: LoadedCase
    ruleset_id: str
    mismatches: list[Mismatch]
    values: str
    reasons: list[str]
    deducts: bool | None  # True: the rule deducted (added, fired); False: it did not; None: not applicable
    boundary: set[str] = field(default_factory=set)  # boundary kinds this case hits

    @property
    def passed(self) -> bool:
        return not self.mismatches

    def line(self) -> str:
        """One line for a failing case: rule, name, expected vs got, the values, where it is written."""
        diff = "；".join(f"{m.what} 预期 {m.expected}，实得 {m.got}" for m in self.mismatches)
        values = f"（取值：{self.values}）" if self.values else ""
        why = f"（{'；'.join(self.reasons)}）" if self.reasons else ""
        source = f"［继承自 {self.case.inherited_from} 的用例］" if self.case.inherited_from else ""
        return f"失败 {self.ruleset_id} {self.case.rule} 「{self.case.name}」：{diff}{values}{why}{source}  {self.case.location}"


@dataclass(frozen=True)
class Gap:
    """An item that lacks a kind of case."""

    ruleset_id: str
    rule: str
    missing: list[str]

    def line(self) -> str:
        return f"{self.ruleset_id} {self.rule}：缺少{'、'.join(self.missing)}"


@dataclass
class SuiteResult:
    suite: Suite
    outcomes: list[Outcome]
    gaps: list[Gap]

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.passed]


def run_case(suite: Suite, loaded: LoadedCase) -> Outcome:
    ruleset = suite.ruleset
    result = assess(ruleset, loaded.submission, as_of=AS_OF, reviews=loaded.reviews)
    return compare(ruleset, loaded, result)


def run_suite(suite: Suite, progress: Callable[[Outcome], None] | None = None) -> SuiteResult:
    outcomes = []
    for loaded in suite.cases:
        outcome = run_case(suite, loaded)
        outcomes.append(outcome)
        if progress is not None:
            progress(outcome)
    return SuiteResult(suite, outcomes, coverage(suite, outcomes))


def compare(ruleset: Ruleset, loaded: LoadedCase, result: AssessmentResult) -> Outcome:
    if loaded.whole:
        return _compare_whole(ruleset, loaded, result)
    case, expect = loaded.case, loaded.case.expect
    rid = case.rule
    kind = _kinds(ruleset)[rid]
    bad = sum(1 for b in result.bad_records if b.rule_id == rid)
    mismatches: list[Mismatch] = []

    def check(what: str, expected: Any, got: Any, same: bool | None = None) -> None:
        if expected is None:
            return
        if same is None:
            same = expected == got
        if not same:
            mismatches.append(Mismatch(what, _show(expected), _show(got)))

    values, reasons, deducts = "", [], None
    if kind == "评分项":
        item = next(i for i in result.items if i.rule_id == rid)
        check("扣分", expect.deduction, item.deduction)
        check("得分", expect.score, item.score)
        check("状态", expect.status, item.status)
        check("标记", expect.flags, item.flags)
        values, reasons = item.values, item.reasons
        if item.status != "不适用":
            deducts = item.deduction > 0
    elif kind == "加分项":
        bonus = next(b for b in result.bonuses if b.rule_id == rid)
        check("加分", expect.bonus, bonus.bonus)
        values, reasons = bonus.values, bonus.reasons
        if bonus.applicable:
            deducts = bonus.bonus > 0
    else:
        reads = ruleset.item_reads.get(rid, ())
        sub = loaded.submission
        values = "；".join(f"{n}={_value(sub, n)}" for n in reads if n in sub.values or n in sub.records)
        veto = next((v for v in result.vetoes if v.rule_id == rid), None)
        reasons = [veto.detail] if veto else []
        deducts = veto is not None
    if isinstance(expect.bad_records, bool):
        check("不良记录", _show(expect.bad_records), f"{bad}条", expect.bad_records == (bad > 0))
    elif expect.bad_records is not None:
        check("不良记录", f"{expect.bad_records}条", f"{bad}条")
    vetoed = any(v.rule_id == rid for v in result.vetoes) if kind == "否决项" else bool(result.vetoes)
    check("否决", expect.veto, vetoed)
    check("等次", expect.grade, result.grade.grade)
    outcome = Outcome(loaded, ruleset.header.id, mismatches, values, list(reasons), deducts)
    outcome.boundary = _boundaries(ruleset, rid, loaded.submission, deducts is not None)
    return outcome


def _compare_whole(ruleset: Ruleset, loaded: LoadedCase, result: AssessmentResult) -> Outcome:
    expect = loaded.case.expect
    mismatches: list[Mismatch] = []

    def check(what: str, expected: Any, got: Any) -> None:
        if expected is not None and expected != got:
            mismatches.append(Mismatch(what, _show(expected), _show(got)))

    check("总分", expect.total, result.total)
    check("等次", expect.grade, result.grade.grade)
    check("加分", expect.bonus, result.bonus_total)
    fired = sorted(v.rule_id for v in result.vetoes)
    if isinstance(expect.veto, bool):
        check("否决", expect.veto, bool(fired))
    elif expect.veto is not None:
        check("否决", sorted(expect.veto), fired)
    bad = len(result.bad_records)
    if isinstance(expect.bad_records, bool):
        if expect.bad_records != (bad > 0):
            mismatches.append(Mismatch("不良记录", _show(expect.bad_records), f"{bad}条"))
    elif expect.bad_records is not None:
        check("不良记录", f"{expect.bad_records}条", f"{bad}条")
    items = {i.rule_id: i for i in result.items}
    for rid, want in expect.items.items():
        item = items[rid]
        check(f"{rid} 扣分", want.deduction, item.deduction)
        check(f"{rid} 得分", want.score, item.score)
        check(f"{rid} 状态", want.status, item.status)
        check(f"{rid} 标记", want.flags, item.flags)
    values = f"{result.unit}，{result.year}年度，{result.unit_type}"
    return Outcome(loaded, ruleset.header.id, mismatches, values, [], None)


def _value(sub: Submission, name: str) -> str:
    if name in sub.records:
        return f"{len(sub.records[name])}条"
    return format_value(sub.values[name])


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, list):
        return "［" + "、".join(str(v) for v in value) + "］" if value else "无"
    if value is None:
        return "无"
    return str(value)


# -- coverage ---------------------------------------------------------------------------------


def _boundary_needs(ruleset: Ruleset, rid: str) -> dict[str, str]:
    """Boundary kind → how it reads in a gap message, for the item's scoring method."""
    item = next((e.item for e in ruleset.entries if e.item.id == rid), None)
    return method_of(item).boundary_needs(item, ruleset.indicators) if item is not None else {}


def _boundaries(ruleset: Ruleset, rid: str, sub: Submission, applicable: bool) -> set[str]:
    if not applicable:
        return set()
    item = next((e.item for e in ruleset.entries if e.item.id == rid), None)
    return method_of(item).boundaries(item, sub.values) if item is not None else set()


def coverage(suite: Suite, outcomes: list[Outcome]) -> list[Gap]:
    """Items that lack a passing case of a required kind."""
    ruleset = suite.ruleset
    kinds = _kinds(ruleset)
    seen: dict[str, list[Outcome]] = {}
    for o in outcomes:
        if o.passed:
            seen.setdefault(o.case.rule, []).append(o)
    gaps = []
    for rid in suite.rule_ids:
        got = seen.get(rid, [])
        if not any(o.case.rule == rid for o in outcomes):
            gaps.append(Gap(ruleset.header.id, rid, ["任何用例"]))
            continue
        words = {"评分项": ("扣分", "不扣分"), "加分项": ("加分", "不加分"), "否决项": ("触发否决", "不触发否决")}[
            kinds[rid]
        ]
        missing = []
        if not any(o.deducts is True for o in got):
            missing.append(f"{words[0]}的用例")
        if not any(o.deducts is False for o in got):
            missing.append(f"{words[1]}的用例")
        for key, text in _boundary_needs(ruleset, rid).items():
            if not any(key in o.boundary for o in got):
                missing.append(text)
        if missing:
            gaps.append(Gap(ruleset.header.id, rid, missing))
    return gaps
