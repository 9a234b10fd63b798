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
        复核: [{评分项: NL-06, 扣分: 1, 理由: …, 复核人: …}]   # optional, as in a submission
        预期: {扣分: 1, 状态: 扣分, 不良记录: 是, 否决: 否}

预期 keys: 扣分, 得分, 状态 (扣分/满分/不适用/待复核), 标记 (the item's flags, e.g.
[出庭应诉率样本量小（3件）]) for items; 加分 for bonus items; 否决 (this veto fired — for an item
or bonus item: any veto fired); 不良记录 (是/否, or how many, written by this rule); 等次.

A ruleset that extends another (继承) also runs the parent's cases for every item it left
unchanged (same definition, same indicators), with its own baseline laid over the parent's; a case
with the same 评分项 and 名称 replaces the inherited one; `继承用例: 否` turns this off.

Coverage: every item, bonus item and veto needs a passing case where it deducts (adds, fires) and
one where it does not; rate and count items also need their boundaries: at the target and just
below it (少于目标扣分, 比率不足扣分), 0 and 1 (按件扣分), at 满分值 and just short of it (线性计分).
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationError, model_validator

from engine.assessment import assess
from engine.documents.messages import problems_from
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
    Location,
    Problem,
    SubmissionError,
)
from engine.intake.submission import Submission, validate_submission
from engine.result import AssessmentResult
from engine.ruleset.conditions import format_decimal, format_value
from engine.ruleset.folders import is_case_file, rules_files
from engine.ruleset.inheritance import unchanged_items
from engine.ruleset.load import load_rules
from engine.ruleset.methods import method_of
from engine.ruleset.model import Model, Number, Text, YesNo
from engine.ruleset.ruleset import Ruleset

AS_OF = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # cases are timeless; a fixed time keeps results reproducible
COMMON = "通用"
CASE_SUFFIX = ".cases.yaml"


def _yes_no_or_count(value: Any) -> Any:
    if isinstance(value, str) and value.strip() in ("是", "否"):
        return value.strip() == "是"
    return value


class Expectation(Model):
    deduction: Number | None = Field(None, alias="扣分")
    score: Number | None = Field(None, alias="得分")
    bonus: Number | None = Field(None, alias="加分")
    status: Literal["扣分", "满分", "不适用", "待复核"] | None = Field(None, alias="状态")
    bad_records: Annotated[bool | int | None, BeforeValidator(_yes_no_or_count)] = Field(None, alias="不良记录")
    veto: YesNo | None = Field(None, alias="否决")
    grade: Literal["优秀", "良好", "合格", "不合格"] | None = Field(None, alias="等次")
    flags: list[str] | None = Field(None, alias="标记")

    @model_validator(mode="after")
    def _something(self) -> Expectation:
        if all(getattr(self, f) is None for f in type(self).model_fields):
            raise ValueError("“预期”至少写一项：扣分、得分、加分、状态、不良记录、否决、等次、标记")
        if isinstance(self.bad_records, int) and not isinstance(self.bad_records, bool) and self.bad_records < 0:
            raise ValueError("“不良记录”应为 是/否 或条数")
        return self


class Case(Model):
    name: Text = Field(alias="名称")
    rule: Text = Field(alias="评分项")
    unit_type: str | None = Field(None, alias="单位类型")
    values: dict[str, Any] = Field(default_factory=dict, alias="指标")
    reviews: list[Any] = Field(default_factory=list, alias="复核")
    expect: Expectation = Field(alias="预期")
    note: str | None = Field(None, alias="说明")


class CaseFile(Model):
    schema_: str | None = Field(None, alias="$schema")
    ruleset: Text = Field(alias="规则集")
    inherit: YesNo = Field(True, alias="继承用例")
    baseline: dict[str, dict[str, Any] | None] = Field(default_factory=dict, alias="基线")
    cases: list[Case] = Field(default_factory=list, alias="用例")


_VOCABULARY = ["规则集", "继承用例", "基线", "用例", *(f.alias for f in Case.model_fields.values() if f.alias)]
_VOCABULARY += [f.alias for f in Expectation.model_fields.values() if f.alias]
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

    case: Case
    doc: Document
    loc: tuple  # ("用例", n) in doc
    submission: Submission
    inherited_from: str = ""  # the parent ruleset's id when the case comes from its file

    @property
    def rule(self) -> str:
        return self.case.rule

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
    """Load a ruleset and its cases (and the inherited ones), or raise RulesError / CasesError."""
    rules_file = Path(rules_file)
    ruleset = ruleset or load_rules(rules_file)
    case_path = case_file_for(rules_file)
    parent_suite = None
    spec: CaseFile | None = None
    doc: Document | None = None
    if case_path.is_file():
        doc = load_document(case_path, CasesError)
        spec = _validate_file(doc)
    inherit = spec.inherit if spec is not None else True
    if ruleset.parent is not None and inherit:
        parent_suite = load_suite(Path(ruleset.parent.file), ruleset.parent)
    errors = ErrorList()
    baseline: dict[str, dict[str, Source]] = {}
    if parent_suite is not None:
        baseline = {k: dict(v) for k, v in parent_suite.baseline.items()}
    own: list[tuple[Case, tuple]] = []
    if spec is not None and doc is not None:
        _check_file(spec, doc, ruleset, errors)
        for key, values in spec.baseline.items():
            layer = baseline.setdefault(key, {})
            for name in values or {}:
                layer[name] = Source(doc.data["基线"][key][name], doc, ("基线", key, name))
        own = [(case, ("用例", n)) for n, case in enumerate(spec.cases)]
    cases: list[LoadedCase] = []
    for case, loc in own:
        assert doc is not None
        built = _build(case, doc, loc, ruleset, baseline, errors)
        if built is not None:
            cases.append(built)
    if parent_suite is not None:
        same = unchanged_items(ruleset)
        mine = {(c.rule, c.name) for c, _ in own}
        for inherited in parent_suite.cases:
            if inherited.rule in same and (inherited.rule, inherited.name) not in mine:
                # an inherited case keeps the unit type it was written for
                unit_type = inherited.submission.unit_type
                built = _build(inherited.case, inherited.doc, inherited.loc, ruleset, baseline, errors, unit_type)
                if built is not None:
                    built.inherited_from = inherited.inherited_from or ruleset.parent.header.id
                    cases.append(built)
    if errors:
        raise CasesError(errors.problems)
    return Suite(ruleset, case_path if doc is not None else None, cases, baseline)


def _validate_file(doc: Document) -> CaseFile:
    if not isinstance(doc.data, dict):
        raise CasesError(Problem(doc.locate(()), "用例文件的顶层应为键值表（规则集、基线、用例）"))
    try:
        return CaseFile.model_validate(doc.data)
    except ValidationError as exc:
        raise CasesError(problems_from(exc, doc.file, doc.data, _VOCABULARY)) from None


def _check_file(spec: CaseFile, doc: Document, ruleset: Ruleset, errors: ErrorList) -> None:
    header = ruleset.header
    if spec.ruleset != header.id:
        errors.add(
            doc.locate(("规则集",)), f"用例文件写的是规则集 “{spec.ruleset}”，而 {ruleset.file} 的编号是 “{header.id}”"
        )
    for key in spec.baseline:
        if key != COMMON and key not in header.unit_types:
            errors.add(
                key_location(doc.file, doc.data, ("基线", key)),
                f"基线的键应为“{COMMON}”或单位类型（{'、'.join(header.unit_types)}），实为 “{key}”",
            )
    kinds = _kinds(ruleset)
    seen: dict[tuple[str, str], int] = {}
    for n, case in enumerate(spec.cases):
        loc = ("用例", n)
        kind = kinds.get(case.rule)
        if kind is None:
            close = difflib.get_close_matches(case.rule, list(kinds), n=1, cutoff=0.5)
            hint = f"（是否应为 “{close[0]}”？）" if close else ""
            errors.add(
                doc.locate(loc + ("评分项",)),
                f"规则集 {header.id} 没有编号为 “{case.rule}” 的评分项、加分项或否决项{hint}",
            )
        else:
            allowed = {"评分项": _ITEM_KEYS, "加分项": _BONUS_KEYS, "否决项": _VETO_KEYS}[kind]
            for key in doc.data["用例"][n]["预期"]:
                if key not in allowed:
                    errors.add(
                        doc.locate(loc + ("预期", key)),
                        f"{kind}的用例不能预期“{key}”（可写：{'、'.join(k for k in _KEY_ORDER if k in allowed)}）",
                    )
        if case.unit_type is not None and case.unit_type not in header.unit_types:
            errors.add(
                doc.locate(loc + ("单位类型",)),
                f"未声明的单位类型 “{case.unit_type}”（已声明：{'、'.join(header.unit_types)}）",
            )
        key2 = (case.rule, case.name)
        if key2 in seen:
            errors.add(doc.locate(loc + ("名称",)), f"{case.rule} 已有名为 “{case.name}” 的用例（用例[{seen[key2]}]）")
        seen.setdefault(key2, n)


_KEY_ORDER = ["扣分", "得分", "加分", "状态", "标记", "不良记录", "否决", "等次"]


def _kinds(ruleset: Ruleset) -> dict[str, str]:
    out = {e.item.id: "评分项" for e in ruleset.entries}
    out.update({b.id: "加分项" for b in ruleset.model.bonuses})
    out.update({v.id: "否决项" for v in ruleset.model.vetoes})
    return out


def _build(
    case: Case,
    doc: Document,
    loc: tuple,
    ruleset: Ruleset,
    baseline: dict[str, dict[str, Source]],
    errors: ErrorList,
    default_unit_type: str | None = None,
) -> LoadedCase | None:
    """The submission a case describes: baseline for its unit type, then the case's own values."""
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
    data["指标"] = values
    data.map(("指标",), doc, loc)
    if raw.get("复核"):
        data["复核"] = raw["复核"]
        data.map(("复核",), doc, loc + ("复核",))
    text = json.dumps(plain(dict(data)), ensure_ascii=False, sort_keys=True, default=str)
    sub_doc = Document(doc.file, data, hashlib.sha256(text.encode()).hexdigest())
    try:
        submission = validate_submission(sub_doc, ruleset)
    except SubmissionError as exc:
        for problem in exc.problems:
            if problem.location.path.startswith("基线"):  # wrong for every case: say it once
                if not any(p.location == problem.location and p.message == problem.message for p in errors.problems):
                    errors.add(problem.location, problem.message)
            else:
                errors.add(problem.location, f"用例“{case.name}”：{problem.message}")
        return None
    return LoadedCase(case, doc, loc, submission)


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
    result = assess(ruleset, loaded.submission, as_of=AS_OF)
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
