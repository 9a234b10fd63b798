"""Submissions that are wrong: strict types, every problem at file:line:col, hints for typos."""

from __future__ import annotations

import pytest
from conftest import GOOD_MINI, submission_from, with_values

from engine.errors import SubmissionError


def problems(mini, data) -> list[str]:
    with pytest.raises(SubmissionError) as info:
        submission_from(mini, data, "unit.json")
    return [str(p) for p in info.value.problems]


def test_wrong_types_are_each_reported_with_line_and_column(mini):
    data = with_values(GOOD_MINI, 备案率="96", 专题学法次数=3.5, 制定工作要点="是", 报告报送日期="2013/03/01")
    found = problems(mini, data)
    # json.dumps(indent=2) puts 指标 entries on lines 6.. in declaration order
    assert any(
        p.startswith("unit.json:") and "指标.备案率: 规范性文件备案率（备案率）应为数字（不加引号）（实为 “96”）" in p
        for p in found
    )
    assert any("指标.专题学法次数: 专题学法次数（专题学法次数）应为整数" in p for p in found)
    assert any("指标.制定工作要点" in p and "应为 是/否" in p for p in found)
    assert any("指标.报告报送日期" in p and "应为日期" in p for p in found)
    assert len(found) == 4
    line, col = found[0].split(":")[1:3]
    assert int(line) > 1 and int(col) > 1


def test_range_option_and_nan_checks(mini):
    found = problems(mini, with_values(GOOD_MINI, 备案率=101, 获评示范="国家级", 未报备件数=-1))
    assert any("备案率" in p and "应不大于 100" in p for p in found)
    assert any("获评示范" in p and "应为以下之一：无、市级、省级" in p for p in found)
    assert any("未报备件数" in p and "应不小于 0" in p for p in found)


def test_unknown_indicator_and_unit_type_get_hints(mini):
    data = with_values(GOOD_MINI, 备案律=100)
    data["单位类型"] = "区直部门x"
    found = problems(mini, data)
    assert any("规则集没有声明指标 “备案律”（是否应为 “备案率”？）" in p for p in found)
    assert any("未知的单位类型 “区直部门x”" in p for p in found)


def test_record_fields_are_validated(mini):
    data = with_values(GOOD_MINI, 诉讼案件=[{"案号": "1", "结果": "赢了"}, {"案号": "2", "结论": "败诉"}])
    found = problems(mini, data)
    assert any("指标.诉讼案件[0].结果" in p and "应为以下之一" in p for p in found)
    assert any("诉讼案件 的记录没有字段 “结论”（是否应为 “结果”？）" in p for p in found)


def test_review_of_unknown_item(mini):
    data = with_values(GOOD_MINI)
    data["复核"] = [{"评分项": "B-4", "扣分": 1, "理由": "x", "复核人": "y"}]
    assert any("没有编号为 “B-4” 的评分项" in p for p in problems(mini, data))


def test_header_fields(mini):
    data = with_values(GOOD_MINI)
    data["考核年度"] = "2013"
    del data["单位名称"]
    found = problems(mini, data)
    assert any("考核年度" in p and "应为整数" in p for p in found)
    assert any("单位名称: 缺少必填项" in p for p in found)
