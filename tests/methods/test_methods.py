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

预期 keys: 扣分, 得分, 状态, 加分 (bonus methods), 理由 (the reasons, exactly), 不良记录 (how many),
解释 (lines `assess explain` must contain), 边界 (the coverage boundaries the values hit).
Optional case keys: 规则集 (header keys laid over the default), 指标 (more indicators), 复核.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from engine.assessment import assess
from engine.documents.source import parse_document, plain
from engine.errors import RulesError, SubmissionError
from engine.intake.submission import validate_submission
from engine.ruleset.build import build_ruleset
from engine.ruleset.methods import METHODS, method_of
from engine.tools.explain import explain, render_text

HERE = Path(__file__).resolve().parent
AS_OF = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
UNIT_TYPE = "单位"
FILE_KEYS = {"计分方式", "说明", "指标", "评分项"}
CASE_KEYS = {"说明", "规则集", "指标", "评分项", "值", "复核", "预期", "错误"}
EXPECT_KEYS = {"扣分", "得分", "状态", "加分", "理由", "不良记录", "解释", "边界"}


def _load(path: Path) -> dict[str, Any]:
    return plain(YAML(typ="rt").load(path.read_text(encoding="utf-8")))


def _cases() -> list[Any]:
    out = []
    for path in sorted(HERE.glob("*.yaml")):
        spec = _load(path)
        for name, case in spec.items():
            if name.startswith("test_"):
                out.append(pytest.param(path.stem, spec, name, case, id=f"{path.stem}::{name}"))
    return out


def _merge(base: dict, changes: dict) -> dict:
    out = dict(base)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def _rules(spec: dict, case: dict) -> dict:
    item = _merge(spec["评分项"], case.get("评分项") or {})
    bonus = METHODS[item["计分方式"]].bonus if item.get("计分方式") in METHODS else False
    filler = {"编号": "Z-00", "考核内容": "占位", "分值": 1, "评分标准": "占位。", "计分方式": "酌情扣分"}
    total = Decimal(str(filler["分值"] if bonus else item.get("分值", 1)))
    header = {
        "编号": "method-cases",
        "名称": "计分方式用例",
        "考核年度": 2024,
        "总分": total,
        "加分上限": Decimal(str(item.get("分值", 0))) if bonus else 0,
        "单位类型": [UNIT_TYPE],
        "等次": {
            "默认": {"优秀": total * Decimal("0.9"), "良好": total * Decimal("0.8"), "合格": total * Decimal("0.6")}
        },
    }
    return {
        "规则集": _merge(header, case.get("规则集") or {}),
        # optional unless a case says otherwise: a case submits only what its item reads
        "指标": {k: {"必填": False, **v} for k, v in {**(spec.get("指标") or {}), **(case.get("指标") or {})}.items()},
        "评分细则": [{"一级指标": "测试", "二级指标": [{"名称": "测试", "评分项": [filler if bonus else item]}]}],
        **({"加分项": [item]} if bonus else {}),
    }


def _yaml_text(data: dict) -> str:
    yaml = YAML(typ="safe")
    yaml.default_flow_style = False
    yaml.representer.add_representer(Decimal, lambda r, v: r.represent_scalar("tag:yaml.org,2002:float", str(v)))
    buf = io.StringIO()
    yaml.dump(data, buf)
    return buf.getvalue()


def _submission(ruleset, case: dict):
    data = {"单位名称": "测试单位", "单位类型": UNIT_TYPE, "考核年度": 2024, "指标": case.get("值") or {}}
    if case.get("复核"):
        data["复核"] = case["复核"]
    text = json.dumps(data, ensure_ascii=False, default=str)
    doc = parse_document(text, "case.json", hashlib.sha256(text.encode()).hexdigest(), SubmissionError)
    return validate_submission(doc, ruleset)


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
    if name.startswith("test_invalid_"):
        with pytest.raises(RulesError) as caught:
            build_ruleset(doc)
        messages = [p.message for p in caught.value.problems]
        assert any(case["错误"] in m for m in messages), messages
        return
    assert "错误" not in case
    ruleset = build_ruleset(doc)
    item = _merge(spec["评分项"], case.get("评分项") or {})
    rid = item["编号"]
    submission = _submission(ruleset, case)
    result = assess(ruleset, submission, as_of=AS_OF)
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
    assert acted == name.startswith("test_fail_"), f"a test_pass_ case must not deduct or add: {got.reasons}"
    if "理由" in expect:
        assert got.reasons == expect["理由"]
    if "不良记录" in expect:
        assert len([b for b in result.bad_records if b.rule_id == rid]) == expect["不良记录"]
    if "解释" in expect:
        _, explained = explain(ruleset, submission, [rid], as_of=AS_OF)
        shown = render_text(explained)
        for line in expect["解释"]:
            assert line in shown, shown
    if "边界" in expect:
        model = next(e.item for e in ruleset.entries if e.item.id == rid)
        assert method_of(model).boundaries(model, submission.values) == set(expect["边界"])
