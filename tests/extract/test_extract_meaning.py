"""What a figure means in its sentence: each failure class of reading real reports, on made-up sentences."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from conftest import RULES

from engine.errors import InputError
from engine.extract import meaning
from engine.extract.extractor import NEGATED, RANGE, UNCERTAIN, extract
from engine.extract.report import read_report
from engine.ruleset.load import load_rules


@pytest.fixture(scope="module")
def national():
    return load_rules(RULES / "national-model-2021.yaml")


@pytest.fixture(scope="module")
def district():
    return load_rules(RULES / "demo-district-2013.yaml")


def read(tmp_path, ruleset, text: str, encoding: str = "utf-8", name: str = "报告.txt"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return extract(read_report(path), ruleset)


def value(ex, name):
    finding = ex.findings.get(name)
    return None if finding is None else finding.value


def rejected(ex, name) -> list[tuple]:
    finding = ex.findings.get(name)
    return [] if finding is None else [(v, why) for v, why, _ in finding.rejected]


def test_a_subject_named_by_the_survey_is_enough(tmp_path, district):
    ex = read(tmp_path, district, "测评显示，群众对本区法治政府建设的满意度为86.1%。\n")
    assert value(ex, "群众满意度") == Decimal("86.1")


def test_a_hotline_number_between_verb_and_count(tmp_path, national):
    ex = read(tmp_path, national, "全年受理12345诉求1,204件，按期回复1,200件。\n")
    assert value(ex, "工单件数") == 1204
    assert value(ex, "工单按期回复件数") == 1200
    assert value(ex, "工单按期回复率") == Decimal("99.67")  # derived, 1200 ÷ 1204


def test_ordinals_are_not_counts(tmp_path, national):
    ex = read(tmp_path, national, "区政府召开第十二次常务会议学法。\n")
    assert value(ex, "会前学法次数") is None


def test_ranges_are_kept_with_a_flag(tmp_path, national):
    ex = read(tmp_path, national, "全年举办法治讲座3至5次。\n承办人大代表建议40—50件。\n")
    assert (value(ex, "法治讲座次数"), ex.findings["法治讲座次数"].flags) == (3, [RANGE])
    assert RANGE in ex.findings["建议提案件数"].flags and value(ex, "建议提案件数") == 40


def test_changes_are_not_rates(tmp_path, national, district):
    ex = read(tmp_path, district, "群众投诉办结率同比提高2.5%。\n")
    assert value(ex, "群众投诉办结率") is None
    assert rejected(ex, "群众投诉办结率") == [(Decimal("2.5"), meaning.REASONS[meaning.CHANGE])]
    ex = read(tmp_path, national, "行政机关负责人出庭应诉率较上年提高15个百分点，达到90%。\n")
    assert value(ex, "出庭应诉率") == 90
    ex = read(tmp_path, national, "出庭应诉率由75%提高到90%。\n")
    assert value(ex, "出庭应诉率") == 90


@pytest.mark.parametrize(
    "text",
    [
        "要求各单位执法人员持证率达到100%。",
        "力争执法人员持证率达到95%。",
        "下一步，确保执法人员持证率达到100%。",
        "执法人员持证率未达到100%。",
    ],
)
def test_targets_and_negations_are_not_results(tmp_path, national, text):
    ex = read(tmp_path, national, text + "\n")
    assert value(ex, "执法人员持证率") is None
    assert rejected(ex, "执法人员持证率")  # set aside with the reason, cited in the draft


def test_a_requirement_met_is_a_result(tmp_path, national):
    ex = read(tmp_path, national, "按照上级要求，执法人员持证率达到100%。\n")
    assert value(ex, "执法人员持证率") == 100


def test_a_negated_yes_no_phrase_is_no_and_flagged(tmp_path, national):
    ex = read(tmp_path, national, "本单位尚未聘请法律顾问。\n")
    assert (value(ex, "聘请法律顾问"), ex.findings["聘请法律顾问"].flags) == (False, [NEGATED])
    ex = read(tmp_path, national, "计划明年聘请法律顾问。\n")
    assert value(ex, "聘请法律顾问") is None


def test_counts_in_sessions_and_items(tmp_path, national):
    ex = read(tmp_path, national, "全年举办法治讲座3场。\n召开党组会议4次专题研究法治建设。\n")
    assert (value(ex, "法治讲座次数"), value(ex, "专题研究法治建设次数")) == (3, 4)


def test_an_aside_after_qizhong_keeps_the_total(tmp_path, district):
    ex = read(tmp_path, district, "本年度行政诉讼案件5件，其中败诉1件。\n")
    assert value(ex, "应诉案件数") == 5


def test_respectively_pairs_names_and_figures(tmp_path, national):
    ex = read(tmp_path, national, "建议提案办复率和满意率分别为100%、95%。\n")
    assert (value(ex, "建议提案办复率"), value(ex, "建议提案满意率")) == (100, 95)
    assert ex.findings["建议提案满意率"].citations[0].phrase == "满意率分别为100%、95%"
    ex = read(tmp_path, national, "建议提案办复率、满意率和见面率分别为100%、95%。\n")
    assert UNCERTAIN in ex.findings["建议提案满意率"].flags


def test_both_reached_the_same_figure(tmp_path, national):
    ex = read(tmp_path, national, "网上学法考试参考率和合格率均达100%。\n")
    assert value(ex, "学法考试参考率") == 100


def test_a_web_page_date_is_not_the_report_date(tmp_path, district):
    text = "发布时间：2017年02月28日\n某区2016年依法行政工作报告\n一、工作\n全年办结投诉10件。\n2017年2月20日\n"
    ex = read(tmp_path, district, text)
    assert value(ex, "年度报告报送日期") == dt.date(2017, 2, 20)
    text = "某区2016年依法行政工作报告\n2017-02-28 09:30\n"
    assert value(read(tmp_path, district, text), "年度报告报送日期") is None


def test_traditional_characters_read_through_opencc(tmp_path, national):
    text = "某縣衛生健康局2022年度法治政府建設情況報告\n全年被申請行政復議案件3件，復議糾錯率為0%。\n規範性文件報備及時率100%。\n"
    ex = read(tmp_path, national, text)
    assert ex.report.traditional
    assert (value(ex, "被申请复议件数"), value(ex, "复议纠错率"), value(ex, "规范性文件报备及时率")) == (3, 0, 100)
    cite = ex.findings["复议纠错率"].citations[0]
    assert cite.phrase == "糾錯率為0%" and cite.sentence.startswith("全年被申請行政復議")  # the original characters
    assert cite.col == text.splitlines()[1].index("糾錯率") + 1


def test_big5_is_recognised_and_named(tmp_path, national):
    text = "某縣衛生健康局2022年度法治政府建設情況報告\n全年被申請行政復議案件3件，復議糾錯率為0%。\n"
    ex = read(tmp_path, national, text, encoding="big5")
    assert ex.report.encoding == "big5" and value(ex, "被申请复议件数") == 3


def test_bytes_no_codec_reads_name_the_codecs_tried(tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes("第一行\n".encode() + b"\x81\xff\n")
    with pytest.raises(InputError) as info:
        read_report(path)
    assert "Big5" in info.value.problems[0].message
