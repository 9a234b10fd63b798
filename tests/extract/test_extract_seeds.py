"""The extractor on three real annual reports: the figures a person reads in them, with their lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from conftest import DATA, RULES

from engine.extract.extractor import (
    APPROXIMATE,
    CONFLICT,
    DERIVED,
    extract,
)
from engine.extract.report import read_report
from engine.ruleset.load import load_rules

REPORTS = DATA / "reports"


@pytest.fixture(scope="module")
def demo():
    return load_rules(RULES / "demo-district-2013.yaml")


@pytest.fixture(scope="module")
def huashan(demo):
    return extract(read_report(REPORTS / "000-huashan-2012.txt"), demo)


@pytest.fixture(scope="module")
def qujiang(demo):
    return extract(read_report(REPORTS / "001-qujiang-2019.txt"), demo)


@pytest.fixture(scope="module")
def gaizhou(demo):
    return extract(read_report(REPORTS / "003-gaizhou-2016.txt"), demo)


def found(extraction) -> dict:
    return {name: (f.value, sorted(f.flags)) for name, f in extraction.findings.items() if f.value is not None}


def first(extraction, name):
    c = extraction.findings[name].citations[0]
    return c.line, c.col, c.phrase


def test_huashan_2012_figures(huashan):
    got = found(huashan)
    assert got["投诉受理件数"] == (2673, [])
    assert got["投诉办结件数"] == (2656, [])
    assert got["群众投诉办结率"] == (Decimal("99.36"), [])
    assert got["人大建议件数"] == (150, [])
    assert got["政协提案件数"] == (182, [])
    assert got["建议提案办复率"] == (Decimal(100), [])
    assert got["建议提案满意率"] == (Decimal(95), [])
    assert got["规范性文件清理件数"] == (50, [APPROXIMATE])
    assert got["规范性文件备案率"] == (Decimal(100), [])
    assert first(huashan, "投诉受理件数") == (63, 145, "投诉或反映的问题共计2673件")
    assert first(huashan, "投诉办结件数") == (63, 161, "办结2656件")
    assert first(huashan, "群众投诉办结率") == (63, 169, "办结率为99.36%")
    assert first(huashan, "人大建议件数") == (61, 90, "人大代表议案、建议150件")
    assert first(huashan, "规范性文件清理件数") == (41, 327, "清理规范性文件近50件")
    assert first(huashan, "规范性文件备案率") == (41, 355, "备案率达到100%")
    assert first(huashan, "建议提案满意率") == (61, 129, "满意率在95%")


def test_huashan_stated_rate_is_checked_against_its_parts(huashan):
    finding = huashan.findings["群众投诉办结率"]
    assert finding.ratio.num_value == 2656 and finding.ratio.den_value == 2673
    assert finding.ratio.result == Decimal("99.36") and finding.ratio.matches_stated is True
    assert CONFLICT not in finding.flags and DERIVED not in finding.flags  # the report states it


def test_huashan_yes_no_items_cite_their_sentence(huashan):
    got = found(huashan)
    for name in ("成立创建领导小组", "明确分管领导", "制定年度工作要点", "五年内开展规范性文件清理", "聘请法律顾问"):
        assert got[name] == (True, []), name
    assert first(huashan, "成立创建领导小组") == (25, 111, "依法行政工作领导小组")
    assert first(huashan, "聘请法律顾问") == (39, 92, "组建区政府法律顾问")


def test_huashan_satisfaction_of_proposals_is_not_public_satisfaction(huashan):
    # 满意和基本满意率在95% is about 人大建议/政协提案: it must not become 群众满意度
    assert "群众满意度" not in huashan.findings
    assert huashan.missing["群众满意度"] == "报告中未找到"
    # and 201364 (the 落款 with 年/月/日 lost) is not a date
    assert huashan.missing["年度报告报送日期"] == "报告中未找到"


def test_gaizhou_2016_complaints_by_channel(gaizhou):
    got = found(gaizhou)
    inbound = gaizhou.findings["投诉受理件数"]
    assert [(p.value, p.citation.line, p.citation.phrase) for p in inbound.parts] == [
        (671, 168, "接到举报、投诉、政策咨询共671件"),
        (350, 168, "受理投诉案件350件"),
    ]
    closed = gaizhou.findings["投诉办结件数"]
    assert [(p.value, p.citation.phrase, p.via) for p in closed.parts] == [
        (575, "办结575件", "原文"),
        (350, "全部办结", "等于"),
    ]
    assert got["投诉受理件数"] == (1021, [DERIVED])
    assert got["投诉办结件数"] == (925, [DERIVED])
    # (575 + 350) ÷ (671 + 350) = 90.597… → 90.60, half up
    assert got["群众投诉办结率"] == (Decimal("90.60"), [DERIVED])
    assert got["投诉反馈率"] == (Decimal("85.69"), [])


def test_gaizhou_two_satisfaction_rates_are_a_conflict(gaizhou):
    finding = gaizhou.findings["群众满意度"]
    assert finding.value == Decimal("88.36") and finding.flags == [CONFLICT]
    assert [(v, cites[0].line, cites[0].phrase, how) for v, cites, how in finding.alternatives] == [
        (Decimal("88.36"), 168, "满意率88.36%", "原文"),
        (Decimal("99.14"), 168, "满意率达99.14%", "原文"),
    ]


def test_gaizhou_reconsideration_mediation_and_litigation(gaizhou):
    got = found(gaizhou)
    assert got["行政复议申请件数"] == (23, [])
    assert got["行政复议不予受理件数"] == (8, [])
    assert got["行政复议受理件数"] == (15, [])
    assert got["行政复议审结件数"] == (10, [])  # not the 未审结4件 of the same sentence
    assert got["行政复议纠错率"] == (Decimal(0), [])
    assert first(gaizhou, "行政复议纠错率") == (206, 103, "未发生被上级复议机关撤销")
    assert got["人民调解件数"] == (1263, [])
    assert got["人民调解成功件数"] == (1255, [])
    assert got["应诉案件数"] == (16, [])  # the 2 cases of the next sentence (其中…) are a part of it


def test_gaizhou_mediation_rate_stated_and_computed_differ(gaizhou):
    # the report writes 99.36%; 1255 ÷ 1263 = 99.3666… is 99.37 half up: both are listed
    finding = gaizhou.findings["人民调解成功率"]
    assert finding.value == Decimal("99.36") and finding.flags == [CONFLICT]
    assert [(v, how) for v, _, how in finding.alternatives] == [(Decimal("99.36"), "原文"), (Decimal("99.37"), "计算")]
    assert finding.ratio.matches_stated is False


def test_gaizhou_phrases_with_fixed_values_and_the_signature_date(gaizhou):
    got = found(gaizhou)
    assert got["建议提案办复率"] == (Decimal(100), [])
    assert first(gaizhou, "建议提案办复率") == (162, 180, "建议提案已全部办结")
    assert got["依申请公开逾期件数"] == (0, [])
    # 二○一六年十二月十九日 on its own line at the end, after the 下一步工作计划 section
    assert got["年度报告报送日期"] == (dt.date(2016, 12, 19), [])
    assert first(gaizhou, "年度报告报送日期") == (259, 53, "二○一六年十二月十九日")
    # proposals: only the total (110) is given, so neither count is read from 建议提案2件/22件/86件
    assert "人大建议件数" not in gaizhou.findings and "政协提案件数" not in gaizhou.findings
    # 行政调解领导小组 is not the 依法行政 leading group
    assert "成立创建领导小组" not in gaizhou.findings


def test_qujiang_2019_figures(qujiang):
    got = found(qujiang)
    assert got["会前学法次数"] == (4, [])
    assert got["法制讲座次数"] == (25, [])
    assert got["法治信息报送篇数"] == (90, [APPROXIMATE])
    assert got["规范性文件清理件数"] == (85, [])
    assert first(qujiang, "法治信息报送篇数") == (24, 152, "法治政府建设信息近90篇")
    # three channels, two of them approximate: 18000余 + 3000 + 200余
    assert got["投诉受理件数"] == (21200, [APPROXIMATE, DERIVED])
    assert [p.citation.line for p in qujiang.findings["投诉受理件数"].parts] == [16, 52, 70]


def test_qujiang_security_and_police_satisfaction_are_not_read(qujiang):
    # 安全感98%、公安干警满意率95.7%、司法部门满意率98.6% are about public security, not rule-of-law work
    assert "群众满意度" not in qujiang.findings
    for finding in qujiang.findings.values():
        assert all(c.line != 32 for c in finding.citations), finding.name
    # replies are not closures: without 办结 figures the rate is left 待填, not guessed
    assert "群众投诉办结率" not in qujiang.findings and "投诉办结件数" not in qujiang.findings


def test_qujiang_plans_for_next_year_are_not_read(qujiang):
    # 三、明年工作思路 mentions 决策…责任追究机制 and 法律顾问: plans, not facts
    for finding in qujiang.findings.values():
        assert all(c.line < 84 for c in finding.citations), finding.name
    assert "建立决策责任追究制度" not in qujiang.findings
