"""The 提取 declaration in rules files: the pattern language, and located errors at load."""

from __future__ import annotations

import re

import pytest
from conftest import DATA, rules_from_text

from engine.errors import RulesError
from engine.extract.patterns import compile_template
from engine.ruleset.extraction import parse_template

MINI = (DATA / "mini.yaml").read_text(encoding="utf-8")
LINES = {
    "备案率": '  备案率: {标签: 规范性文件备案率, 类型: 百分比, 单位: "%"}',
    "未报备件数": "  未报备件数: {标签: 规范性文件未报备件数, 类型: 次数, 单位: 件}",
    "制定工作要点": "  制定工作要点: {标签: 是否制定年度工作要点, 类型: 是否}",
    "诉讼案件": "  诉讼案件:\n    标签: 行政诉讼案件",
    "报告报送日期": "  报告报送日期: {标签: 年度报告报送日期, 类型: 日期}",
}


def with_extraction(**blocks: str) -> str:
    """mini.yaml with a 提取 block (YAML lines, indented under 提取) added to the named indicators."""
    text = MINI
    for name, block in blocks.items():
        line = LINES[name]
        assert line in text
        if "{标签" in line:
            head, body = line.split(": {", 1)
            fields = body.rstrip("}").split(", ")
            expanded = head + ":\n" + "\n".join(f"    {f}" for f in fields)
        else:
            expanded = line
        indented = "\n".join("      " + b for b in block.strip("\n").split("\n"))
        text = text.replace(line, expanded + "\n    提取:\n" + indented, 1)
    return text


def load_error(text: str) -> list[str]:
    with pytest.raises(RulesError) as info:
        rules_from_text(text)
    return [str(p) for p in info.value.problems]


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_ruleset_with_extraction_loads():
    text = with_extraction(备案率='关键词: [备案率]\n模式: ["{关键词}…{率}"]\n排除: [及时率]')
    ruleset = rules_from_text(text)
    spec = ruleset.indicators["备案率"].extraction
    assert spec.keywords == ["备案率"] and spec.patterns[0].template == "{关键词}…{率}" and spec.gap == 12


def test_unknown_placeholder_is_located_at_the_pattern():
    text = with_extraction(备案率='关键词: [备案率]\n模式: ["{关键词}{百分数}"]')
    n = line_of(text, "{百分数}")
    assert load_error(text) == [
        f"test-rules.yaml:{n}:12: 指标.备案率.提取.模式[0]: 不认识的占位符 {{百分数}}；可用：{{关键词}}、{{数}}、{{率}}、{{日期}}、{{句首}}、{{句尾}}"
    ]


def test_unbalanced_braces_and_two_values_are_errors():
    text = with_extraction(备案率='关键词: [备案率]\n模式: ["{关键词…{率}", "{率}与{数}"]')
    problems = load_error(text)
    assert any("模式[0]: 第 1 个字的“{”没有对应的“}”" in p for p in problems)
    assert any("模式[1]: 一个模式只能有一个取值占位符，这里有 2 个：{率}、{数}" in p for p in problems)


def test_keyword_placeholder_needs_keywords():
    problems = load_error(with_extraction(备案率='模式: ["{关键词}{率}"]'))
    assert problems[0].endswith("指标.备案率.提取: 模式中用了 {关键词}，须列出“关键词”")


def test_value_placeholder_must_suit_the_indicator_type():
    text = with_extraction(未报备件数='模式: ["未报备{率}"]', 报告报送日期='模式: ["报送于{数}"]')
    problems = load_error(text)
    assert f"test-rules.yaml:{line_of(text, '未报备{率}')}:" in problems[0]
    assert problems[0].endswith("指标.未报备件数.提取.模式[0]: 次数型指标应使用 {数}，不能用 {率}")
    assert problems[1].endswith("指标.报告报送日期.提取.模式[0]: 日期型指标应使用 {日期}，不能用 {数}")


def test_fixed_values_are_checked_against_the_indicator():
    text = with_extraction(
        备案率="模式: [{模式: 全部备案, 值: 120}]",
        制定工作要点="模式: [{模式: 未制定…工作要点, 值: 否}, 印发…工作要点]",
    )
    n = line_of(text, "值: 120")
    # 值: 否 is a yes/no value, so 制定工作要点 is fine
    assert load_error(text) == [f"test-rules.yaml:{n}:26: 指标.备案率.提取.模式[0].值: 值应不大于 100"]
    problems = load_error(with_extraction(备案率="模式: [{模式: 未备案, 值: 0, 等于: 未报备件数}]"))
    assert problems[0].endswith("指标.备案率.提取.模式[0]: “值”和“等于”只能写一个")


def test_a_count_pattern_without_a_value_slot_needs_a_value():
    problems = load_error(with_extraction(未报备件数='模式: ["全部报备"]'))
    assert problems[0].endswith("指标.未报备件数.提取.模式[0]: 模式没有取值占位符（{数}），须写“值”或“等于”")


def test_references_must_name_extractable_numeric_indicators_and_not_loop():
    text = with_extraction(
        备案率="模式: ['{率}']\n计算: {分子: 未报备件数, 分母: 备按率}",
        未报备件数="模式: [{模式: 全部, 等于: 备案率}]\n计算: {分子: 备案率, 分母: 备案率}",
    )
    problems = load_error(text)
    assert any(p.endswith("指标.备案率.提取.计算.分母: 未声明的指标 “备按率”（是否应为 “备案率”？）") for p in problems)
    assert any(
        p.endswith("指标.未报备件数.提取.计算: “计算”只用于百分比或数值型指标，“未报备件数” 是次数型") for p in problems
    )
    assert any(
        p.endswith("指标.未报备件数.提取: “等于”/“计算”循环引用：未报备件数 → 备案率 → 未报备件数") for p in problems
    )


def test_record_lists_cannot_be_extracted_and_unknown_keys_get_a_hint():
    text = with_extraction(诉讼案件='模式: ["诉讼"]')
    assert load_error(text)[0].endswith("指标.诉讼案件.提取: 记录列表型指标不能从报告中提取，请逐条填写")
    problems = load_error(with_extraction(备案率='关建词: [备案率]\n模式: ["备案率{率}"]'))
    assert problems[0].endswith("指标.备案率.提取.关建词: 不认识的键 “关建词”（是否应为 “关键词”？）")


def test_templates_are_literal_text_not_regular_expressions():
    pattern = compile_template("备案率(含报备).*{率}", [], 12)
    assert pattern.regex.search("备案率(含报备).*100%").group("v") == "100%"
    assert pattern.regex.search("备案率含报备xx100%") is None
    # NFKC folding: a full-width bracket in the template matches a half-width one in the text
    assert compile_template("（审核）{数}件", [], 12).regex.search("(审核)5件")


def test_gaps_stay_in_the_sentence_and_take_the_nearest_number():
    pattern = compile_template("{关键词}…{数}件", ["投诉", "受理"], 5)
    assert pattern.regex.search("投诉问题共计12件").group("v") == "12"
    assert pattern.regex.search("投诉。共计12件") is None  # not across a sentence end
    assert pattern.regex.search("投诉的问题和建议共计12件") is None  # more than 间隔 5 characters
    assert pattern.regex.search("投诉2019年共12件") is None  # the gap before {数} skips no other number
    assert compile_template("制定…要点", [], 30).regex.search("制定了《2016年工作要点》")  # other gaps may


def test_parse_template_tokens():
    assert parse_template("{关键词}……{数}件") == ["{关键词}", "…", "{数}", "件"]
    assert parse_template("办结率...{率}") == ["办结率", "…", "{率}"]
    with pytest.raises(ValueError, match="模式不能只有“…”"):
        parse_template("……")
    assert re.fullmatch(r"\^.*\$", compile_template("{句首}{日期}{句尾}", [], 12).regex.pattern)
