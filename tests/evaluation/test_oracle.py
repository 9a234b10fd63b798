"""Differential testing: durable_rules and the plain-Python oracle must agree on every submission.

For every shipped ruleset (whatever engine.api loads from the rules folder) and the test
rulesets, generated submissions (tests/strategies.py) are scored by both; firings and whole
AssessmentResults must be identical. Together the runs below generate more than 2,000
submissions; `derandomize=True` makes every run (and CI) see the same ones.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from conftest import AS_OF, DATA, GOOD_MINI, rules_from_text, submission_from, with_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import boundary_numbers, literal_pools, review_decisions, submissions, validated

from engine import api
from engine.assessment import assess, compiled_for, facts
from engine.evaluation.durable.adapter import adapter
from engine.evaluation.plain import oracle_firings
from engine.ruleset import conditions as expr
from engine.ruleset.conditions import holds
from engine.ruleset.folders import rules_files
from engine.ruleset.load import load_rules

SHIPPED = rules_files(api.shipped_rules_dir())  # rulesets, not their case files
TEST_RULES = [DATA / "mini.yaml", DATA / "oracle-edge.yaml"]
EXAMPLES_PER_RULESET = 700  # 3 rulesets today → 2,100 submissions; more as rulesets are added

_LOADED: dict[str, object] = {}


def _ruleset(path):
    key = str(path)
    if key not in _LOADED:
        _LOADED[key] = api.get_ruleset(path)
    return _LOADED[key]


def test_there_is_a_shipped_ruleset_to_test():
    assert SHIPPED, "no rules/*.yaml found"


def _agree(ruleset, data, reviews=None):
    submission = validated(ruleset, data)
    compiled = compiled_for(ruleset)
    values, records = facts(ruleset, submission)  # with relative dates resolved for the year
    by_durable = adapter().run(compiled, values, records)
    by_oracle = oracle_firings(compiled, values, records)
    assert by_durable == by_oracle, (
        f"durable only: {sorted(by_durable - by_oracle)}; oracle only: {sorted(by_oracle - by_durable)}"
    )
    # scored from the firings already in hand (assess(..., firings=oracle_firings) is exactly this)
    durable_result = assess(ruleset, submission, as_of=AS_OF, reviews=reviews, firings=lambda *_: set(by_durable))
    oracle_result = assess(ruleset, submission, as_of=AS_OF, reviews=reviews, firings=lambda *_: set(by_oracle))
    assert durable_result == oracle_result
    # the normalised conditions mean what the author wrote, wherever every name has a value
    for cond in ruleset.conditions.values():
        rows = [values] if cond.record_list is None else records.get(cond.record_list, [])
        for row in rows:
            if cond.names <= row.keys() and cond.written is not None:
                assert expr.evaluate(cond.written, row) == holds(cond.node, row), cond.text
    return durable_result


@pytest.mark.parametrize("path", SHIPPED + TEST_RULES, ids=lambda p: p.stem)
@settings(
    max_examples=EXAMPLES_PER_RULESET,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
@pytest.mark.slow  # 2,100 generated submissions (~90 s)
def test_durable_and_oracle_agree_on_generated_submissions(path, data):
    ruleset = _ruleset(path)
    _agree(ruleset, data.draw(submissions(ruleset)), data.draw(review_decisions(ruleset)))


def test_the_generator_reaches_boundaries_long_lists_and_missing_values():
    ruleset = load_rules(DATA / "oracle-edge.yaml")
    pools = literal_pools(compiled_for(ruleset))
    # 经费 is compared with 0.5 and with 预算, so it shares 预算's literals (none) and keeps its own
    assert D("0.5") in pools[(None, "经费")]
    near = boundary_numbers(ruleset.indicators["及时率"], pools[(None, "及时率")])
    assert {D("99.999999"), D("100"), D("89.999999"), D("90"), D("90.000001"), D("0")} <= set(near)
    assert D("100.000001") not in near  # outside the 0–100 of a 百分比
    seen = {"long": False, "empty": False, "missing optional": False, "missing field": False}

    @settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(submissions(ruleset))
    def look(data):
        rows = data["指标"].get("案件")
        seen["long"] |= rows is not None and len(rows) == 60
        seen["empty"] |= rows == []
        seen["missing optional"] |= "规范率" not in data["指标"]
        seen["missing field"] |= any("金额" not in r for r in rows or [])

    look()
    assert all(seen.values()), seen


# -- the cases that found bugs, pinned -----------------------------------------------------


def test_a_missing_name_makes_its_comparison_false_not_the_whole_condition():
    # durable fires `a 或 b` on the branch whose field is present; the oracle must do the same
    ruleset = load_rules(DATA / "oracle-edge.yaml")
    compiled = compiled_for(ruleset)
    values = {"及时率": D(95)}  # 规范率 missing
    assert ("E-02.a", 0) in oracle_firings(compiled, values, {})
    assert ("E-02.b", 0) not in oracle_firings(compiled, values, {})
    record = {"案号": "甲", "金额": D(20)}  # 结果 missing: `结果 != "维持"` is false, `金额 > 10` true
    assert oracle_firings(compiled, {}, {"案件": [record]}) >= {("E-09", 1), ("E-11", 1)}
    assert ("E-09", 1) in adapter().run(compiled, {}, {"案件": [record]})
    assert ("E-09", 1) not in oracle_firings(compiled, {}, {"案件": [{"案号": "乙"}]})


def test_a_comparison_with_a_missing_indicator_on_the_right_does_not_fire_in_durable():
    # durable_rules holds `a OP $m(b)` for every operator when b is missing: 赔偿 > 金额 fired for a
    # record without 金额 and deducted points (found by the differential test; the compiler now
    # requires b to exist)
    ruleset = load_rules(DATA / "oracle-edge.yaml")
    compiled = compiled_for(ruleset)
    records = {"案件": [{"案号": "甲", "赔偿": D(5)}, {"案号": "乙", "赔偿": D(5), "金额": D(3)}]}
    assert {f for f in adapter().run(compiled, {}, records) if f[0] == "E-12"} == {("E-12", 2)}
    fired = adapter().run(compiled, {"经费": D(-50), "报送日期": dt.date(2013, 1, 1)}, {})
    assert ("EB-1", 0) not in fired and ("EF-2", 0) not in fired


RULES_1E6 = """
规则集: {编号: exact, 名称: 精度, 考核年度: 2013, 总分: 2, 单位类型: [区直部门], 等次: {默认: {优秀: 1.8, 良好: 1.6, 合格: 1.2}}}
指标:
  x: {标签: x, 类型: 数值}
  y: {标签: y, 类型: 数值}
评分细则:
  - 一级指标: 精度
    二级指标:
      - 名称: 精度
        评分项:
          - {编号: P-1, 考核内容: 小, 分值: 1, 评分标准: x小于0.000002扣1分。, 计分方式: 条件扣分, 条件: x < 0.000002}
          - {编号: P-2, 考核内容: 大, 分值: 1, 评分标准: y小于10^12扣1分。, 计分方式: 条件扣分, 条件: y < 1000000000000}
"""


@pytest.mark.parametrize(
    ("x", "y", "fired"),
    [
        # 0.000001 used to reach durable as the float 1e-06, which its JSON parser rejects (error 204)
        ("0.000001", "0", {"P-1", "P-2"}),
        # 999999999999.999999 became the double 1e12, so `y < 10^12` did not fire
        ("0.000002", "999999999999.999999", {"P-2"}),
        ("-0.000001", "1000000000000", {"P-1"}),
    ],
)
def test_numbers_reach_durable_exactly(x, y, fired):
    ruleset = rules_from_text(RULES_1E6, "exact.yaml")
    data = {"单位名称": "精度局", "单位类型": "区直部门", "考核年度": 2012, "指标": {"x": D(x), "y": D(y)}}
    sub = validated(ruleset, data)
    assert {rid for rid, _ in adapter().run(compiled_for(ruleset), sub.values, sub.records)} == fired
    assert assess(ruleset, sub, as_of=AS_OF) == assess(ruleset, sub, as_of=AS_OF, firings=oracle_firings)


def test_a_json_number_keeps_every_digit_as_written(tmp_path):
    ruleset = rules_from_text(RULES_1E6, "exact.yaml")
    path = tmp_path / "s.json"
    path.write_text(
        '{"单位名称": "精度局", "单位类型": "区直部门", "考核年度": 2012, '
        '"指标": {"x": 0.000002, "y": 999999999999.999999}}',
        encoding="utf-8",
    )
    from engine.intake.submission import load_submission

    sub = load_submission(path, ruleset)
    assert sub.values["y"] == D("999999999999.999999")
    result = assess(ruleset, sub, as_of=AS_OF)
    assert [i.deduction for i in result.items] == [D("0.00"), D("1.00")]


def test_conditions_with_more_precision_than_the_engine_compares_are_refused():
    text = RULES_1E6.replace("x < 0.000002", "x < 0.0000015")
    with pytest.raises(Exception) as info:
        rules_from_text(text, "too-precise.yaml")
    assert "数值 0.0000015 的小数位数超过 6 位" in str(info.value)
    assert "too-precise.yaml:" in str(info.value)


def test_the_oracle_scores_the_mini_examples_like_durable():
    ruleset = load_rules(DATA / "mini.yaml")
    for data in (GOOD_MINI, with_values(GOOD_MINI, 未报备件数=3, 备案率=96.5, 获评示范="省级", 满意率=80)):
        sub = submission_from(ruleset, data)
        assert assess(ruleset, sub, as_of=AS_OF) == assess(ruleset, sub, as_of=AS_OF, firings=oracle_firings)
    assert dt.date(2013, 3, 1) in {v for vs in literal_pools(compiled_for(ruleset)).values() for v in vs}
