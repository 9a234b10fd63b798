"""待填 in a submission: optional or not-applicable ones count as not submitted; required ones are errors."""

from __future__ import annotations

import pytest
from conftest import GOOD_MINI, submission_from, with_values

from engine.errors import SubmissionError


def test_optional_and_not_applicable_pending_values_are_not_submitted(mini):
    sub = submission_from(mini, with_values(GOOD_MINI, 满意率="待填", 镇街专项="待填"))
    assert "满意率" not in sub.values and "镇街专项" not in sub.values  # 区直部门: 镇街专项 does not apply


def test_required_pending_values_are_named_with_their_place(mini):
    data = with_values(GOOD_MINI, 备案率="待填", 诉讼案件=" 待填 ")
    data["考核年度"] = "待填"
    with pytest.raises(SubmissionError) as info:
        submission_from(mini, data)
    assert [str(p) for p in info.value.problems] == [
        "test.json:4:11: 考核年度: 考核年度待填，应填被考核的工作年度（如 2012）",
        "test.json:8:12: 指标.备案率: 必填指标 “备案率”（规范性文件备案率）待填，应填0–100 的数字（单位：%）",
        "test.json:19:13: 指标.诉讼案件: 必填指标 “诉讼案件”（行政诉讼案件）待填，应填逐条记录（数组；没有记录填 []）",
    ]


def test_pending_is_only_the_exact_word(mini):
    with pytest.raises(SubmissionError) as info:
        submission_from(mini, with_values(GOOD_MINI, 备案率="待填写"))
    assert (
        str(info.value)
        == "test.json:8:12: 指标.备案率: 规范性文件备案率（备案率）应为数字（不加引号）（实为 “待填写”）"
    )


def test_a_draft_block_is_accepted_and_ignored(mini):
    data = with_values(GOOD_MINI)
    data["草稿"] = {"已提取": {"备案率": {"值": 100}}, "待填": {}}
    assert submission_from(mini, data).values["备案率"] == 100
