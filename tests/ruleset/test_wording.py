"""Conditions told in words as evaluated: each comparison that decided the outcome, with the
submitted value, the standard and the relation between them, for a true and a false outcome."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from engine.ruleset import conditions as expr
from engine.ruleset.wording import Words, chinese_date, record_name, records_named, yes_no


@dataclass(frozen=True)
class S:
    label: str
    type: str
    unit: str | None = None


SPECS = {
    "制定工作要点": S("是否制定年度工作要点", "是否"),
    "中介清单": S("保留的中介服务事项是否实行清单管理（无保留事项的填是）", "是否"),
    "上年优秀": S("上一年度考核是否为优秀", "是否"),
    "拒不履行": S("败诉后是否拒不履行生效裁判", "是否"),
    "弄虚作假": S("考核材料是否经核查存在弄虚作假", "是否"),
    "出庭应诉率": S("负责人出庭应诉率", "百分比", "%"),
    "应诉案件数": S("行政应诉案件数", "次数", "件"),
    "逾期天数": S("年度报告逾期天数", "次数", "天"),
    "考评分": S("考评分", "数值"),
    "报送日期": S("年度报告报送日期", "日期"),
    "整改期限": S("整改期限", "日期"),
    "示范创建获评": S("示范创建获评等级", "选项"),
}


def told(condition: str, year: int = 2012, **values) -> str:
    values = {
        k: Decimal(str(v)) if isinstance(v, (int, float)) and not isinstance(v, bool) else v for k, v in values.items()
    }
    return Words(SPECS, values, year).told(expr.parse(condition))


@pytest.mark.parametrize(
    ("condition", "values", "words"),
    [
        # yes/no indicators: a phrase from the label, whatever way the condition was written
        ("非 制定工作要点", {"制定工作要点": False}, "未制定年度工作要点"),
        ("制定工作要点 == 否", {"制定工作要点": False}, "未制定年度工作要点"),
        ("非 制定工作要点", {"制定工作要点": True}, "已制定年度工作要点"),
        ("非 中介清单", {"中介清单": False}, "保留的中介服务事项未实行清单管理"),
        ("上年优秀", {"上年优秀": True}, "上一年度考核为优秀"),
        ("上年优秀", {"上年优秀": False}, "上一年度考核不是优秀"),
        ("拒不履行", {"拒不履行": True}, "败诉后拒不履行生效裁判"),
        ("弄虚作假", {"弄虚作假": True}, "考核材料经核查存在弄虚作假"),
        # numbers with the indicator's unit; the word says how the value stands to the standard
        ("出庭应诉率 < 80", {"出庭应诉率": 25}, "出庭应诉率25%，低于80%"),
        ("出庭应诉率 < 80", {"出庭应诉率": 85}, "出庭应诉率85%，不低于80%"),
        ("出庭应诉率 >= 80", {"出庭应诉率": 80}, "出庭应诉率80%，不低于80%"),
        ("非 (出庭应诉率 >= 80)", {"出庭应诉率": 79.5}, "出庭应诉率79.5%，低于80%"),
        ("考评分 <= 60", {"考评分": 61}, "考评分61，高于60"),
        ("应诉案件数 >= 3", {"应诉案件数": 2}, "应诉案件数2件，少于3件"),
        ("应诉案件数 < 3", {"应诉案件数": 5}, "应诉案件数5件，不少于3件"),
        ("逾期天数 == 0", {"逾期天数": 12}, "逾期天数12天，多于0天"),
        ("逾期天数 == 0", {"逾期天数": 0}, "逾期天数0天"),
        # a count above zero beside another part is told as context, in brackets
        (
            "出庭应诉率 < 80 且 应诉案件数 > 0",
            {"出庭应诉率": 25, "应诉案件数": 4},
            "出庭应诉率25%，低于80%（应诉案件数4件）",
        ),
        ("应诉案件数 > 0", {"应诉案件数": 4}, "应诉案件数4件"),
        ("应诉案件数 > 0", {"应诉案件数": 0}, "应诉案件数0件"),
        # a false "and" is told by the parts that failed; a true "or" by the parts that held
        ("出庭应诉率 < 80 且 应诉案件数 > 0", {"出庭应诉率": 25, "应诉案件数": 0}, "应诉案件数0件"),
        ("非 制定工作要点 或 出庭应诉率 < 80", {"制定工作要点": True, "出庭应诉率": 60}, "出庭应诉率60%，低于80%"),
        (
            "非 制定工作要点 或 出庭应诉率 < 80",
            {"制定工作要点": True, "出庭应诉率": 90},
            "已制定年度工作要点；出庭应诉率90%，不低于80%",
        ),
        # predicates on one subject are joined
        ("出庭应诉率 >= 60 且 出庭应诉率 < 80", {"出庭应诉率": 75}, "出庭应诉率75%，不低于60%、低于80%"),
        # dates in Chinese, relative dates resolved for the 考核年度
        ("报送日期 > 次年3月31日", {"报送日期": dt.date(2013, 4, 2)}, "报送日期为2013年4月2日，晚于2013年3月31日"),
        ("报送日期 <= 2013-03-31", {"报送日期": dt.date(2013, 3, 31)}, "报送日期为2013年3月31日，不晚于2013年3月31日"),
        (
            "报送日期 > 整改期限",
            {"报送日期": dt.date(2013, 5, 1), "整改期限": dt.date(2013, 4, 30)},
            "报送日期为2013年5月1日，晚于整改期限2013年4月30日",
        ),
        # options: the value, and what it is not
        ("示范创建获评 == “市级”", {"示范创建获评": "市级"}, "示范创建获评为市级"),
        ("示范创建获评 == “市级”", {"示范创建获评": "省级"}, "示范创建获评为省级，不是市级"),
        ("示范创建获评 属于 [“市级”, “省级”]", {"示范创建获评": "省级"}, "示范创建获评为省级"),
        ("示范创建获评 != “市级”", {"示范创建获评": "省级"}, "示范创建获评为省级，不是市级"),
    ],
)
def test_a_condition_is_told_as_evaluated(condition, values, words):
    assert told(condition, **values) == words


def test_a_criterion_without_values():
    words = Words(SPECS, {}, 2012)
    assert words.criterion(expr.parse("示范创建获评 属于 [“市级”, “省级”] 且 非 拒不履行")) == (
        "示范创建获评为市级或省级、败诉后拒不履行生效裁判：否"
    )
    assert words.criterion(expr.parse("出庭应诉率 < 80")) == "出庭应诉率低于80%"
    assert words.criterion(expr.parse("报送日期 > 次年3月1日")) == "报送日期晚于2013年3月1日"
    assert words.criterion(expr.parse("制定工作要点")) == "制定年度工作要点"


def test_yes_no_phrases_fall_back_to_the_label_and_its_answer():
    assert yes_no(S("领导小组", "是否"), "领导小组", True) == "领导小组"
    assert yes_no(S("领导小组", "是否"), "领导小组", False) == "领导小组：否"
    assert yes_no(S("是否有专职人员", "是否"), "专职", False) == "没有专职人员"


def test_records_are_named_by_their_identifying_fields():
    fields = {"案号": S("案号", "文本"), "案由": S("案由", "文本"), "结果": S("审理结果", "选项")}
    record = {"案号": "（2012）基行初字第2号", "案由": "行政许可", "结果": "败诉"}
    assert record_name(record, fields) == "案号：（2012）基行初字第2号，案由：行政许可"
    records = [dict(record, 案号=f"{k}号") for k in range(1, 8)]
    assert records_named(records, fields) == "1号、2号、3号、4号、5号等"
    # without text fields, the first fields in the order declared
    counted = {"日期": S("日期", "日期"), "金额": S("金额", "数值", "元")}
    assert (
        record_name({"日期": dt.date(2013, 1, 5), "金额": Decimal("20")}, counted) == "日期：2013年1月5日，金额：20元"
    )


def test_chinese_dates():
    assert chinese_date(dt.date(2026, 12, 6)) == "2026年12月6日"
