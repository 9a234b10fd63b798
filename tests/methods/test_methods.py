"""Every scoring method's own cases: one YAML file per 计分方式, tests/methods/<计分方式>.yaml.

A file declares the indicators and one item of its method; each `test_*` key is a case that
changes what it needs (a `~` removes a key of the item) and states what the engine must give:

    计分方式: 按件扣分
    指标: {违法件数: {标签: 违法件数, 类型: 次数, 单位: 件}}
    评分项: {编号: T-01, 考核内容: …, 分值: 5, 评分标准: …, 计分方式: 按件扣分, 件数: 违法件数, 每件扣分: 1}
    test_pass_none:                       # the method does not act: nothing deducted, nothing added
      值: {违法件数: 0}
      预期: {扣分: 0, 得分: 5, 状态: 满分}
    test_fail_two:                        # the method acts: a deduction (a bonus, or 待复核)
      值: {违法件数: 2}
      预期: {扣分: 2, 理由: [违法件数 2件，每件扣1分，扣2分]}
    test_invalid_cap:                     # the rules file is refused at load time
      评分项: {扣分上限: 6}
      错误: 扣分上限 6 大于本项分值 5

预期 keys: 扣分, 得分, 状态, 待复核分 (what a review may still deduct), 加分 (bonus methods), 理由 (the
reasons, exactly), 不良记录 (how many), 解释 (lines `assess explain` must contain), 边界 (the coverage
boundaries the values hit). A `test_invalid_*` case whose rules file loads expects its submission (复核) refused.
Optional case keys: 规则集 (header keys laid over the default), 指标 (more indicators), 复核.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

import pytest
from method_cases import (
    AS_OF,
    CASE_KEYS,
    EXPECT_KEYS,
    FILE_KEYS,
    HERE,
    _cases,
    _load,
    _merge,
    _rules,
    _submission,
    _yaml_text,
)

from engine.assessment import assess
from engine.documents.source import parse_document
from engine.errors import RulesError, SubmissionError
from engine.intake.review import Override, Overrides, Review, decisions
from engine.ruleset.build import build_ruleset
from engine.ruleset.methods import METHODS, method_of
from engine.tools.explain import explain, render_text


def _num(value: Any) -> Decimal:
    return Decimal(str(value))


def test_every_method_has_its_cases():
    files = {p.stem for p in HERE.glob("*.yaml")}
    assert files == set(METHODS), f"missing: {sorted(set(METHODS) - files)}; unknown: {sorted(files - set(METHODS))}"
    for stem in files:
        spec = _load(HERE / f"{stem}.yaml")
        assert spec["计分方式"] == stem
        assert set(spec) - FILE_KEYS == {k for k in spec if k.startswith("test_")}, f"{stem}: unknown keys"
        names = [k for k in spec if k.startswith("test_")]
        assert any(k.startswith("test_pass_") for k in names) and any(k.startswith("test_fail_") for k in names)


@pytest.mark.parametrize(("method", "spec", "name", "case"), _cases())
def test_method_case(method: str, spec: dict, name: str, case: dict):
    assert set(case) <= CASE_KEYS, f"unknown case keys {set(case) - CASE_KEYS}"
    assert name.startswith(("test_pass_", "test_fail_", "test_invalid_")), name
    text = _yaml_text(_rules(spec, case))
    doc = parse_document(text, f"{method}.yaml", hashlib.sha256(text.encode()).hexdigest(), RulesError)
    if name.startswith("test_invalid_"):  # the rules file, or else the submission (a 复核), is refused
        with pytest.raises((RulesError, SubmissionError)) as caught:
            ruleset = build_ruleset(doc)
            submission = _submission(ruleset, case)
            # a case's 复核 stands for the assessors' review file: its entries are checked as the file's are
            entries = tuple(Override.model_validate({**r, "复核日期": "2024-04-01"}) for r in case.get("复核") or [])
            Overrides("review.yaml", "0" * 64, entries).for_unit(submission.unit, submission.year, ruleset)
        messages = [p.message for p in caught.value.problems]
        assert any(case["错误"] in m for m in messages), messages
        return
    assert "错误" not in case
    ruleset = build_ruleset(doc)
    item = _merge(spec["评分项"], case.get("评分项") or {})
    rid = item["编号"]
    submission = _submission(ruleset, case)
    # a case's 复核 stands for the assessors' review file (a submission cannot carry decisions)
    reviews = decisions([Review.model_validate(r) for r in case.get("复核") or []], "review.yaml", "0" * 64)
    result = assess(ruleset, submission, as_of=AS_OF, reviews=reviews)
    expect = case["预期"]
    assert set(expect) <= EXPECT_KEYS, f"unknown 预期 keys {set(expect) - EXPECT_KEYS}"
    bonus = METHODS[method].bonus
    if bonus:
        got = next(b for b in result.bonuses if b.rule_id == rid)
        acted = got.bonus > 0
        if "加分" in expect:
            assert got.bonus == _num(expect["加分"])
    else:
        got = next(i for i in result.items if i.rule_id == rid)
        acted = got.deduction > 0 or got.status == "待复核"
        if "扣分" in expect:
            assert got.deduction == _num(expect["扣分"]), got.reasons
        if "得分" in expect:
            assert got.score == _num(expect["得分"]), got.reasons
        if "状态" in expect:
            assert got.status == expect["状态"], got.reasons
        if "待复核分" in expect:
            assert got.open_points == _num(expect["待复核分"])
    assert acted == name.startswith("test_fail_"), f"a test_pass_ case must not deduct or add: {got.reasons}"
    if "理由" in expect:
        assert got.reasons == expect["理由"]
    if "不良记录" in expect:
        assert len([b for b in result.bad_records if b.rule_id == rid]) == expect["不良记录"]
    if "解释" in expect:
        _, explained = explain(ruleset, submission, [rid], as_of=AS_OF, reviews=reviews)
        shown = render_text(explained)
        for line in expect["解释"]:
            assert line in shown, shown
    if "边界" in expect:
        model = next(e.item for e in ruleset.entries if e.item.id == rid)
        assert method_of(model).boundaries(model, submission.values) == set(expect["边界"])
