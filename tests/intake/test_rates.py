"""Rates declared with 分子/分母: recomputed in Decimal, mismatches rejected, small samples flagged, 分母 0."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import rules_from_text, score, submission_from

from engine.errors import RulesError, SubmissionError

RULES = """\
规则集:
  编号: rates-test
  名称: 比率测试细则
  考核年度: 2022
  总分: 4
  单位类型: [部门]
  等次: {默认: {优秀: 3.6, 良好: 3.2, 合格: 2.4}}
  小样本: 5
指标:
  受理件数: {标签: 投诉受理件数, 类型: 次数, 单位: 件}
  办结件数: {标签: 投诉办结件数, 类型: 次数, 单位: 件}
  办结率: {标签: 投诉办结率, 类型: 百分比, 单位: "%", 分子: 办结件数, 分母: 受理件数}
  应诉件数: {标签: 应诉案件数, 类型: 次数, 单位: 件}
  出庭件数: {标签: 负责人出庭件数, 类型: 次数, 单位: 件}
  出庭率: {标签: 负责人出庭应诉率, 类型: 百分比, 单位: "%", 分子: 出庭件数, 分母: 应诉件数, 小样本: 3}
评分细则:
  - 一级指标: 监督
    二级指标:
      - 名称: 投诉与应诉
        评分项:
          - {编号: R-01, 考核内容: 投诉办结, 分值: 2, 评分标准: 办结率须达到100%，每低1个百分点扣0.2分。, 计分方式: 比率不足扣分, 指标: 办结率, 每低一个百分点扣分: 0.2}
          - {编号: R-02, 考核内容: 出庭应诉, 分值: 2, 评分标准: 出庭应诉率须达到90%，每低1个百分点扣0.1分；无案件的不扣分。, 计分方式: 比率不足扣分, 指标: 出庭率, 目标: 90, 每低一个百分点扣分: 0.1, 不适用时: 按满分计}
"""


@pytest.fixture(scope="module")
def ruleset():
    return rules_from_text(RULES, "rates.yaml")


def unit(**values) -> dict:
    base = {"受理件数": 2673, "办结件数": 2656, "应诉件数": 10, "出庭件数": 9}
    base.update(values)
    return {
        "单位名称": "区测试局",
        "单位类型": "部门",
        "考核年度": 2022,
        "指标": {k: v for k, v in base.items() if v is not None},
    }


def problems(ruleset, data) -> list[str]:
    with pytest.raises(SubmissionError) as info:
        submission_from(ruleset, data, "unit.json")
    return [str(p) for p in info.value.problems]


def item(result, rule_id):
    return next(i for i in result.items if i.rule_id == rule_id)


def test_rate_left_out_is_computed_from_its_counts(ruleset):
    result = score(ruleset, unit())
    r1 = item(result, "R-01")
    # 2656 ÷ 2673 = 99.3640… → 99.36; (100 − 99.36) × 0.2 = 0.128 → 0.13
    assert r1.deduction == Decimal("0.13")
    assert r1.values == "办结率=99.36%"
    assert r1.flags == []
    shown = next(s for s in result.submitted if s.name == "办结率")
    assert (shown.value, shown.note) == ("99.36", "按 办结件数÷受理件数 = 2656÷2673 计算为 99.36%")


def test_rate_within_tolerance_is_scored_with_the_computed_value(ruleset):
    result = score(ruleset, unit(办结率=99.8))  # 0.44 points above 99.364…: within 0.5
    assert item(result, "R-01").deduction == Decimal("0.13")
    note = next(s.note for s in result.submitted if s.name == "办结率")
    assert note == "按 办结件数÷受理件数 = 2656÷2673 计算为 99.36%（申报 99.8%，在容差内，按计算值评分）"


def test_rate_beyond_tolerance_is_rejected_at_its_line_with_both_values(ruleset):
    [found] = problems(ruleset, unit(办结率=99.9))
    # json.dumps(indent=2): 单位名称, 单位类型, 考核年度, "指标": {…4 counts…, then 办结率 on line 10
    assert found == (
        "unit.json:10:12: 指标.办结率: 投诉办结率（办结率）申报为 99.9%，按 办结件数÷受理件数 = 2656÷2673 计算为 99.36%，"
        "相差 0.54 个百分点，超过容差 0.5 个百分点"
    )


def test_tolerance_is_set_by_the_ruleset(ruleset):
    strict = rules_from_text(RULES.replace("  小样本: 5\n", "  小样本: 5\n  比率容差: 0\n"), "strict.yaml")
    assert problems(strict, unit(办结率=99.36))[0].endswith("相差 0 个百分点，超过容差 0 个百分点")
    assert score(strict, unit(办结件数=2673, 受理件数=2673, 办结率=100)).total == Decimal("4.00")


def test_small_samples_are_flagged_without_changing_the_score(ruleset):
    result = score(ruleset, unit(受理件数=4, 办结件数=4, 应诉件数=3, 出庭件数=3))
    assert item(result, "R-01").flags == ["办结率样本量小（4件）"]  # fewer than the ruleset's 5
    assert item(result, "R-01").deduction == Decimal("0.00")
    assert item(result, "R-02").flags == []  # the indicator's own threshold is 3
    result = score(ruleset, unit(应诉件数=2, 出庭件数=1))
    r2 = item(result, "R-02")
    assert r2.flags == ["出庭率样本量小（2件）"]
    assert r2.deduction == Decimal("2.00")  # 50%: 40 points below 90 × 0.1, capped at 2


def test_zero_denominator_makes_the_items_not_applicable(ruleset):
    result = score(ruleset, unit(受理件数=0, 办结件数=0, 应诉件数=0, 出庭件数=0))
    r1, r2 = item(result, "R-01"), item(result, "R-02")
    assert (r1.status, r1.counted, r1.reasons) == ("不适用", False, ["受理件数为0，办结率不适用，剔除后折算"])
    assert (r2.status, r2.counted, r2.score) == ("不适用", True, Decimal("2.00"))  # 不适用时: 按满分计
    assert result.applicable_points == Decimal("2.00") and result.total == Decimal("4.00")
    shown = next(s for s in result.submitted if s.name == "办结率")
    assert (shown.value, shown.missing, shown.note) == ("", True, "受理件数为0，办结率不适用")


def test_zero_denominator_with_a_rate_or_a_numerator_is_an_error(ruleset):
    found = problems(ruleset, unit(受理件数=0, 办结件数=0, 办结率=100))
    assert found == [
        "unit.json:10:12: 指标.办结率: 分母“受理件数”为0，办结率无从计算，请不填此项（读取它的评分项按不适用处理）"
    ]
    found = problems(ruleset, unit(受理件数=0, 办结件数=2))
    assert found == ["unit.json:7:13: 指标.办结件数: 分母“受理件数”为0，分子“办结件数”也应为0（实为 2）"]


def test_numerator_above_denominator_and_missing_parts(ruleset):
    [found] = problems(ruleset, unit(办结件数=2700))
    assert found == "unit.json:7:13: 指标.办结件数: 分子“办结件数”（2700）大于分母“受理件数”（2673），办结率将超过100%"
    found = problems(ruleset, unit(办结件数=None, 办结率=99))
    assert "unit.json:9:12: 指标.办结率: 投诉办结率（办结率）须同时申报分子、分母：缺少“办结件数”" in found
    assert any("缺少必填指标 “办结件数”" in p for p in found)


def test_the_scoresheet_shows_the_flag_in_the_deduction_note(ruleset, tmp_path):
    from openpyxl import load_workbook

    from scoresheets import write_scoresheet

    result = score(ruleset, unit(应诉件数=2, 出庭件数=1))
    target = tmp_path / "sheet.xlsx"
    write_scoresheet(result, target)
    ws = load_workbook(target)["评分表"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 10).value == "R-02")
    assert ws.cell(row, 9).value == (
        "出庭率50%，低于90%（差40个百分点），每低1个百分点扣0.1分，计4分，以2分为限，扣2分；出庭率样本量小（2件）"
    )


def rules_problems(text: str) -> list[str]:
    with pytest.raises(RulesError) as info:
        rules_from_text(text, "r.yaml")
    return [str(p) for p in info.value.problems]


def at(text: str, needle: str, offset: int = 0) -> str:
    """line:col of `needle` (plus `offset` characters) in `text`."""
    for n, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return f"{n}:{line.index(needle) + offset + 1}"
    raise AssertionError(needle)


def test_rate_declarations_are_checked():
    text = RULES.replace("分子: 办结件数, 分母: 受理件数", "分子: 办结数, 分母: 办结率")
    assert rules_problems(text) == [
        f"r.yaml:{at(text, '办结数, 分母')}: 指标.办结率.分子: 分子“办结数”不是已声明的指标（是否应为 “办结件数”？）",
        f"r.yaml:{at(text, '办结率}')}: 指标.办结率.分母: 分母不能是比率本身",
    ]
    text = RULES.replace("分子: 出庭件数, 分母: 应诉件数", "分子: 出庭件数")
    assert rules_problems(text) == [f"r.yaml:{at(text, '出庭率:', 5)}: 指标.出庭率: “分子”和“分母”须同时写出"]
    text = RULES.replace("受理件数: {标签: 投诉受理件数, 类型: 次数", "受理件数: {标签: 投诉受理件数, 类型: 是否")
    assert rules_problems(text) == [
        f"r.yaml:{at(text, '受理件数}')}: 指标.办结率.分母: 分母应为次数或数值型指标，“受理件数” 是是否型"
    ]
    text = RULES.replace("单位: 件}\n  办结率", "单位: 件, 小样本: 3}\n  办结率")
    assert rules_problems(text) == [
        f"r.yaml:{at(text, '办结件数: {', 6)}: 指标.办结件数: “小样本”只用于写明了“分母”的比率"
    ]


def test_rate_parts_must_apply_wherever_the_rate_does():
    text = RULES.replace(
        "应诉件数: {标签: 应诉案件数, 类型: 次数, 单位: 件}",
        "应诉件数: {标签: 应诉案件数, 类型: 次数, 单位: 件, 适用单位: [部门]}",
    )
    text = text.replace("  单位类型: [部门]", "  单位类型: [部门, 镇街]")
    assert rules_problems(text) == [
        f"r.yaml:{at(text, '应诉件数, 小样本')}: 指标.出庭率.分母: 分母“应诉件数”的适用单位应包含比率“出庭率”的适用单位"
    ]
