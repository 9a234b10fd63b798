"""The extractor on small reports written for the purpose: each rule of reading, one at a time."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from conftest import DATA

from engine.errors import InputError
from engine.extract.extractor import (
    APPROXIMATE,
    CONFLICT,
    DERIVED,
    extract,
)
from engine.extract.report import read_report
from engine.ruleset.load import load_rules

RULES = DATA / "extract-mini.yaml"


@pytest.fixture(scope="module")
def ruleset():
    return load_rules(RULES)


def run(tmp_path, ruleset, text: str, name: str = "报告.txt", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return extract(read_report(path), ruleset)


def values(extraction) -> dict:
    return {n: (f.value, sorted(f.flags)) for n, f in extraction.findings.items() if f.value is not None}


def test_channels_add_up_and_the_rate_is_derived(tmp_path, ruleset):
    text = "市长热线共受理投诉1200件，办结1188件。\n网上投诉平台收到投诉300件，全部办结。\n"
    ex = run(tmp_path, ruleset, text)
    got = values(ex)
    assert got["受理件数"] == (1500, [DERIVED])
    assert got["办结件数"] == (1488, [DERIVED])
    assert got["办结率"] == (Decimal("99.20"), [DERIVED])  # 1488 ÷ 1500 = 0.992
    ratio = ex.findings["办结率"].ratio
    assert (ratio.num_value, ratio.den_value, ratio.result) == (1488, 1500, Decimal("99.20"))
    assert [(c.line, c.phrase) for c in ex.findings["办结件数"].citations] == [(1, "办结1188件"), (2, "全部办结")]


def test_derived_rate_rounds_half_up(tmp_path, ruleset):
    # 1 ÷ 8 = 12.5%; 2 ÷ 16 is the same; 1 ÷ 3 = 33.333… → 33.33; 2 ÷ 3 = 66.666… → 66.67
    ex = run(tmp_path, ruleset, "热线受理投诉3件，办结2件。\n")
    assert values(ex)["办结率"] == (Decimal("66.67"), [DERIVED])
    ex = run(tmp_path, ruleset, "热线受理投诉8000件，办结7999件。\n")  # 99.9875 → 99.99
    assert values(ex)["办结率"] == (Decimal("99.99"), [DERIVED])


def test_stated_rate_wins_and_a_different_computed_one_is_a_conflict(tmp_path, ruleset):
    ex = run(tmp_path, ruleset, "热线受理投诉1263件，办结1255件，办结率达到99.36%。\n")
    finding = ex.findings["办结率"]
    assert finding.value == Decimal("99.36") and finding.flags == [CONFLICT]
    assert [(v, how) for v, _, how in finding.alternatives] == [(Decimal("99.36"), "原文"), (Decimal("99.37"), "计算")]


def test_no_rate_when_the_channels_do_not_pair_up(tmp_path, ruleset):
    ex = run(tmp_path, ruleset, "热线受理投诉100件，办结90件。网上投诉50件，均已回复。\n")
    assert "办结率" not in ex.findings
    assert ex.missing["办结率"] == "办结件数与受理件数的出处数不同（1 与 2），未计算"


def test_two_different_stated_values_are_a_conflict_listing_both(tmp_path, ruleset):
    ex = run(tmp_path, ruleset, "热线投诉满意率为95%。\n\n另据统计，投诉满意度为97.5%。\n")
    finding = ex.findings["满意率"]
    assert finding.value == Decimal(95) and finding.flags == [CONFLICT]
    assert [(v, c[0].line, c[0].col, c[0].phrase) for v, c, _ in finding.alternatives] == [
        (Decimal(95), 1, 5, "满意率为95%"),
        (Decimal("97.5"), 3, 8, "满意度为97.5%"),
    ]


def test_the_same_value_twice_is_one_finding_with_two_citations(tmp_path, ruleset):
    ex = run(tmp_path, ruleset, "全年共开展4次学法。\n领导干部学法4次。\n")
    finding = ex.findings["学法次数"]
    assert finding.value == 4 and finding.flags == [] and [c.line for c in finding.citations] == [1, 2]


def test_sentences_about_another_subject_are_not_read(tmp_path, ruleset):
    ex = run(tmp_path, ruleset, "群众安全感98%，公安干警满意率95.7%。\n信访投诉1000余件。\n")
    assert "满意率" not in ex.findings and "受理件数" not in ex.findings


def test_the_subject_may_be_named_by_the_heading(tmp_path, ruleset):
    text = "三、加强人民调解工作\n全年共调处矛盾纠纷1263宗，成功1255宗。\n四、其他\n排查纠纷20件。\n"
    ex = run(tmp_path, ruleset, text)
    assert values(ex)["调解件数"] == (1263, [])


def test_plans_for_next_year_are_not_read_but_the_signature_date_is(tmp_path, ruleset):
    text = "一、主要工作\n全年学法2次。\n二、下一步工作计划\n每季度学法1次，全年学法4次。\n\n        二○一六年十二月十九日\n"
    ex = run(tmp_path, ruleset, text)
    assert values(ex)["学法次数"] == (2, [])
    assert values(ex)["报送日期"] == (dt.date(2016, 12, 19), [])
    c = ex.findings["报送日期"].citations[0]
    assert (c.line, c.col, c.phrase) == (6, 9, "二○一六年十二月十九日")


def test_approximate_markers(tmp_path, ruleset):
    for text, value in [
        ("热线受理投诉近50件。", 50),
        ("热线受理投诉4000余件。", 4000),
        ("热线受理投诉50件左右。", 50),
        ("热线受理投诉三千多件。", 3000),
    ]:
        assert values(run(tmp_path, ruleset, text))["受理件数"] == (value, [APPROXIMATE]), text
    assert values(run(tmp_path, ruleset, "热线受理投诉一千二百二十二件。"))["受理件数"] == (1222, [])
    assert values(run(tmp_path, ruleset, "热线受理投诉1.2万件。"))["受理件数"] == (12000, [])
    assert values(run(tmp_path, ruleset, "热线受理投诉１２３４件。"))["受理件数"] == (1234, [])


def test_values_the_indicator_cannot_take_are_set_aside_with_the_reason(tmp_path, ruleset):
    ex = run(tmp_path, ruleset, "法制工作人员80人。\n")
    assert "工作人员数" not in values(ex)
    assert ex.missing["工作人员数"] == "报告中的值不合要求（见草稿“未采用”）"
    [(value, why, citation)] = ex.findings["工作人员数"].rejected
    assert (value, why, citation.line, citation.phrase) == (Decimal(80), "应不大于 50", 1, "法制工作人员80人")


def test_yes_no_fixed_values_and_options(tmp_path, ruleset):
    ex = run(tmp_path, ruleset, "建立了领导干部学法制度。\n本年获评省级依法行政示范单位。\n")
    assert values(ex)["建立学法制度"] == (True, [])
    assert values(ex)["获评"] == ("省级", [])
    # 未建立学法制度 contains 学法制度: the longer phrase is the reading
    ex = run(tmp_path, ruleset, "本单位尚未建立学法制度。\n")
    assert values(ex)["建立学法制度"] == (False, [])
    ex = run(tmp_path, ruleset, "机关建立了学法制度。\n下属单位未建立学法制度。\n")
    finding = ex.findings["建立学法制度"]
    assert finding.value is True and finding.flags == [CONFLICT]
    assert [(v, c[0].line) for v, c, _ in finding.alternatives] == [(True, 1), (False, 2)]


def test_what_cannot_be_extracted_says_why(tmp_path, ruleset):
    ex = run(tmp_path, ruleset, "无关的文字。\n")
    assert ex.findings == {}
    assert ex.missing["学法次数"] == "报告中未找到"
    assert ex.missing["说明文字"] == "规则集未声明提取方式"


def test_gbk_and_gb18030_reports_are_decoded(tmp_path, ruleset):
    text = "热线受理投诉2673件，办结2656件。\n"
    for encoding in ("gbk", "gb18030"):
        path = tmp_path / f"{encoding}.txt"
        path.write_bytes(text.encode(encoding))
        report = read_report(path)
        assert report.encoding == "gb18030"
        assert values(extract(report, ruleset))["办结率"] == (Decimal("99.36"), [DERIVED])
    path = tmp_path / "utf16.txt"
    path.write_bytes(text.encode("utf-16"))
    assert read_report(path).encoding == "utf-16" and read_report(path).lines[0] == text.strip()
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert read_report(path).encoding == "utf-8" and read_report(path).lines[0] == text.strip()


def docx_bytes(paragraphs: list[str]) -> bytes:
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{p[:3]}</w:t></w:r><w:r><w:t>{p[3:]}</w:t></w:r></w:p>'
        for p in paragraphs
    )
    xml = f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{w}"><w:body>{body}</w:body></w:document>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr("word/document.xml", xml)
    return buffer.getvalue()


def test_docx_paragraphs_are_lines(tmp_path, ruleset):
    path = tmp_path / "报告.docx"
    path.write_bytes(docx_bytes(["一、工作情况", "市长热线受理投诉2673件，办结2656件。", "领导干部学法4次。"]))
    report = read_report(path)
    assert report.encoding == "docx" and report.lines[1] == "市长热线受理投诉2673件，办结2656件。"
    ex = extract(report, ruleset)
    assert values(ex)["办结率"] == (Decimal("99.36"), [DERIVED])
    c = ex.findings["学法次数"].citations[0]
    assert (c.line, c.col, c.phrase) == (3, 5, "学法4次")


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("a.docx", b"PK\x03\x04broken", "不是有效的 .docx 文件（缺少 word/document.xml 或已损坏）"),
        ("a.doc", b"\xd0\xcf\x11\xe0\xa1\xb1", "不支持此格式；请另存为 .txt（UTF-8 或 GBK）或 .docx 后重试"),
        ("a.pdf", b"%PDF-1.4", "不支持此格式；请另存为 .txt（UTF-8 或 GBK）或 .docx 后重试"),
        ("a.txt", b"abc\x00def", "不是文本文件（含有 NUL 字节）"),
        (
            "a.txt",
            "第一行\n".encode() + b"\x81\xff\n",
            "无法识别文本编码（已试 UTF-8、GB18030/GBK、Big5）；请另存为 UTF-8 后重试",
        ),
    ],
)
def test_unreadable_reports_are_located_errors(tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        read_report(path)
    assert [p.message for p in info.value.problems] == [message]
    assert info.value.problems[0].location.file == str(path)


def test_a_ruleset_without_extraction_patterns_gives_a_draft_of_pending_values(tmp_path):
    mini = load_rules(DATA / "mini.yaml")
    ex = run(tmp_path, mini, "热线受理投诉2673件，办结2656件。\n")
    assert ex.findings == {}
    assert ex.missing["备案率"] == "规则集未声明提取方式" and ex.missing["诉讼案件"] == "记录列表须逐条填写"
