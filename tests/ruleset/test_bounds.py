"""An indicator's effective bounds are a property of its spec, and every reader of them agrees."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import rules_from_text, submission_from

from engine.errors import SubmissionError
from engine.ruleset.model import FieldSpec, IndicatorSpec
from engine.tools.check import _domains
from engine.tools.schema import _value_schema
from scoresheets.template import requirement, validation


@pytest.mark.parametrize(
    ("spec", "bounds"),
    [
        ({"类型": "百分比"}, (Decimal(0), Decimal(100))),
        ({"类型": "百分比", "范围": [60, 100]}, (Decimal(60), Decimal(100))),
        ({"类型": "次数"}, (Decimal(0), None)),
        ({"类型": "次数", "范围": [1, 5]}, (Decimal(1), Decimal(5))),
        ({"类型": "数值"}, (None, None)),
        ({"类型": "数值", "范围": [-3, 2.5]}, (Decimal(-3), Decimal("2.5"))),
        ({"类型": "是否"}, (None, None)),
        ({"类型": "文本"}, (None, None)),
    ],
)
def test_bounds_of_each_type(spec, bounds):
    assert IndicatorSpec.model_validate({"标签": "甲", **spec}).bounds == bounds
    assert FieldSpec.model_validate({"标签": "甲", **spec}).bounds == bounds


RULES = """
规则集: {编号: t, 名称: 测试, 考核年度: 2024, 总分: 1, 单位类型: [部门], 等次: {默认: {优秀: 1, 良好: 0.8, 合格: 0.6}}}
指标:
  件数: {标签: 违规件数, 类型: 次数, 范围: [0, 5]}
  率: {标签: 办结率, 类型: 百分比}
评分细则:
  - 一级指标: 甲
    二级指标:
      - 名称: 乙
        评分项:
          - {编号: A-01, 考核内容: x, 分值: 0.5, 评分标准: x, 计分方式: 按件扣分, 件数: 件数, 每件扣分: 0.5}
          - {编号: A-02, 考核内容: x, 分值: 0.5, 评分标准: x, 计分方式: 条件扣分, 条件: 率 < 90, 扣分: 0.5}
"""


def _unit(**values):
    return {"单位名称": "甲局", "单位类型": "部门", "考核年度": 2024, "指标": {"件数": 0, "率": 95, **values}}


def test_a_count_with_a_range_is_checked_against_it():
    ruleset = rules_from_text(RULES)
    assert submission_from(ruleset, _unit(件数=5)).values["件数"] == 5
    with pytest.raises(SubmissionError) as info:
        submission_from(ruleset, _unit(件数=6))
    assert [str(p) for p in info.value.problems] == ["test.json:6:11: 指标.件数: 违规件数（件数）应不大于 5（实为 6）"]


def test_the_submission_check_the_schema_the_form_and_rules_check_agree():
    ruleset = rules_from_text(RULES)
    rate, count = ruleset.indicators["率"], ruleset.indicators["件数"]
    assert (_value_schema(rate)["minimum"], _value_schema(rate)["maximum"]) == (0, 100)
    assert (_value_schema(count)["minimum"], _value_schema(count)["maximum"]) == (0, 5)
    assert requirement(rate) == "0–100 的数字" and requirement(count) == "0–5 的整数"
    assert (validation(rate, "率").formula1, validation(rate, "率").formula2) == ("0", "100")
    domain = _domains(ruleset, None)["率"]
    assert (domain.lo, domain.hi) == (Decimal(0), Decimal(100))
    with pytest.raises(SubmissionError):
        submission_from(ruleset, _unit(率=100.5))


def test_indicators_of_one_kind_share_a_check_and_other_bounds_or_options_get_their_own():
    from engine.ruleset.values import check_value, type_adapter

    def spec(**given):
        return IndicatorSpec.model_validate({"标签": "甲", **given})

    assert type_adapter(spec(类型="次数", 范围=[0, 5])) is type_adapter(spec(类型="次数", 范围=[0, 5]))
    assert check_value(spec(类型="次数", 范围=[0, 5]), 5) is None
    assert check_value(spec(类型="次数", 范围=[0, 4]), 5) is not None  # the same kind, a lower bound
    assert check_value(spec(类型="数值", 范围=[0, 2.5]), 2.6) is not None
    assert check_value(spec(类型="数值", 范围=[0, 2.50]), 2.5) is None
    assert check_value(spec(类型="选项", 选项=["是", "否"]), "否") is None
    assert check_value(spec(类型="选项", 选项=["是", "部分"]), "否") is not None
