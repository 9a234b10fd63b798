"""Rules files that are wrong: every problem reported, each at file:line:col with what was expected."""

from __future__ import annotations

import pytest
from conftest import DATA, rules_from_text

from engine.errors import RulesError

MINI = (DATA / "mini.yaml").read_text(encoding="utf-8")


def problems(text: str) -> list[str]:
    with pytest.raises(RulesError) as info:
        rules_from_text(text, "r.yaml")
    return [str(p) for p in info.value.problems]


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_unknown_indicator_in_condition_points_at_the_name_with_a_hint():
    text = MINI.replace("条件: 出庭应诉率 < 80 且 应诉案件数 > 0", "条件: 出庭应诉率 < 80 且 应诉案件 > 0")
    line = line_of(text, "且 应诉案件 > 0")
    col = text.splitlines()[line - 1].index("应诉案件 >") + 1
    assert problems(text) == [
        f"r.yaml:{line}:{col}: 评分细则[0].二级指标[0].评分项[4].条件: 未声明的指标 “应诉案件”（是否应为 “应诉案件数”？）"
    ]


def test_type_mismatch_date_compared_with_number():
    text = MINI.replace("报告报送日期 <= 2013-03-31", "报告报送日期 <= 31")
    [msg] = problems(text)
    assert msg.startswith(f"r.yaml:{line_of(text, '报告报送日期 <= 31')}:")
    assert "类型不一致：报告报送日期（日期） 不能与 31（数值） 比较" in msg


def test_bad_syntax_and_unknown_option_value_are_both_reported():
    text = MINI.replace("条件: 非 制定工作要点", "条件: 非 制定工作要点 <").replace('结果 == "败诉"', '结果 == "输了"')
    found = problems(text)
    assert len(found) == 2
    assert "此处应为指标名或数值，实为条件结尾" in found[0]
    assert "“输了” 不是 结果 的可选值（可选：胜诉、败诉、撤诉）" in found[1]


def test_misspelt_key_gets_a_hint_and_its_position():
    text = MINI.replace("            每件扣分: 1\n", "            每件扣份: 1\n", 1)
    found = problems(text)
    line = line_of(text, "每件扣份")
    assert (
        f"r.yaml:{line}:13: 评分细则[0].二级指标[0].评分项[0].每件扣份: 不认识的键 “每件扣份”（是否应为 “每件扣分”？）"
        in found
    )
    assert any("评分项[0].每件扣分: 缺少必填项" in p for p in found)


def test_unknown_scoring_method_lists_the_choices():
    text = MINI.replace("计分方式: 线性计分", "计分方式: 线形计分")
    [msg] = problems(text)
    assert "未知的计分方式 “线形计分”，可选：" in msg and "线性计分" in msg


def test_points_that_do_not_add_up_and_cap_above_points():
    text = MINI.replace("    分值: 10\n", "    分值: 9\n").replace("扣分上限: 0.9", "扣分上限: 1.5")
    found = problems(text)
    assert any("一级指标“制度建设”分值为 9，其评分项分值合计为 10" in p for p in found)
    assert any("扣分上限 1.5 大于本项分值 1" in p for p in found)


def test_total_mismatch_and_duplicate_id():
    text = MINI.replace("总分: 20", "总分: 25").replace("编号: B-02", "编号: B-01")
    found = problems(text)
    assert any("评分项分值合计为 20，与总分 25 不符" in p for p in found)
    assert any("编号 “B-01” 重复" in p for p in found)


def test_yaml_syntax_and_duplicate_keys():
    [msg] = problems("规则集:\n  编号: a\n  编号: b\n")
    assert msg.startswith("r.yaml:3:3:") and "重复的键 “编号”（第一次出现在第 2 行第 3 列）" in msg
    [msg] = problems("规则集: [\n")
    assert msg.startswith("r.yaml:2:") and "语法错误" in msg


def test_bad_record_template_names_must_exist():
    text = MINI.replace('事项: "规范性文件未报备{未报备件数}件"', '事项: "规范性文件未报备{未报件数}件"')
    [msg] = problems(text)
    assert "不良记录事项中的 {未报件数} 不是指标名或记录字段" in msg


def test_unknown_unit_type_and_grade_band_order():
    text = MINI.replace("适用单位: [镇街]", "适用单位: [街道]").replace("优秀: 18, 良好: 16", "优秀: 16, 良好: 18")
    found = problems(text)
    assert any("等次分数线应为 优秀 > 良好 > 合格" in p for p in found)


def test_condition_with_too_many_branches_is_refused():
    many = " 或 ".join(f"(未报备件数 > {k} 或 专题学法次数 > {k})" for k in range(32))
    text = MINI.replace("条件: 非 制定工作要点", f"条件: {many}")
    [msg] = problems(text)
    assert "条件展开后有 64 个分支，超过上限 62" in msg


# -- hints that say what is wrong: a look-alike character, a key in the wrong place, the format -------


def test_a_key_with_a_look_alike_character_shows_the_code_points():
    # ⽅ is the Kangxi radical U+2F45; it looks like 方 U+65B9 and an editor may put it there
    text = MINI.replace("            计分方式: 按件扣分\n", "            计分⽅式: 按件扣分\n", 1)
    [msg] = problems(text)
    assert msg.endswith(
        "评分细则[0].二级指标[0].评分项[0]: 缺少“计分方式”：写成了 “计分⽅式”"
        "（与 “计分方式” 看似相同，但字符不同：“⽅” 是 U+2F45，应为 “方” U+65B9）"
    )
    # any other key: reported as unknown, with the same detail (⼩ U+2F29 for 小; an invisible U+200B)
    text = MINI.replace("  名称: 测试规则集\n", "  名称: 测试规则集\n  \u2f29样本: 5\n", 1)
    [msg] = problems(text)
    assert msg.endswith("不认识的键 “⼩样本”（与 “小样本” 看似相同，但字符不同：“⼩” 是 U+2F29，应为 “小” U+5C0F）")
    text = MINI.replace("  名称: 测试规则集\n", "  名称: 测试规则集\n  小样本\u200b: 5\n", 1)
    [msg] = problems(text)
    assert msg.endswith("（与 “小样本” 看似相同，但字符不同：含看不见的字符 U+200B）")


def test_a_known_key_in_the_wrong_place_names_the_keys_allowed_there():
    text = MINI.replace(
        "            计分方式: 酌情扣分\n", "            计分方式: 酌情扣分\n            条件: 非 制定工作要点\n", 1
    )
    found = problems(text)
    assert any(
        p.endswith(
            "不认识的键 “条件”（“条件” 不能写在这里；这里可写：编号、考核内容、分值、评分标准、适用单位、不适用时、"
            "不良记录、数据来源、计分方式）"
        )
        for p in found
    ), found
    assert not any("是否应为 “条件”" in p for p in found)


def test_a_format_error_names_the_expected_format():
    text = MINI.replace("{编号: a,", "{编号: 甲,", 1)
    [msg] = problems(text)
    assert msg.endswith("子项[0].编号: 格式不正确，应为子项编号：1～8 个字母或数字（如 a、b、2）（实为 “甲”）")
    text = MINI.replace("编号: A-01", "编号: A 01", 1)
    [msg] = problems(text)
    assert msg.endswith(
        "评分项[0].编号: 格式不正确，应为编号：1～40 个字母、数字、汉字或 - _ .，以字母、数字或汉字开头（如 ZD-01）（实为 “A 01”）"
    )


# -- a table's own grade words -------------------------------------------------------------------


def test_own_grade_words_are_checked_against_their_lines_caps_and_veto_result():
    header = "    默认: {优秀: 18, 良好: 16, 合格: 12}\n"
    assert header in MINI
    own = (
        "  等次名称: [达标, 基本达标, 不达标]\n"
        "  等次:\n    默认: {达标: 16, 基本达标: 17}\n    区直部门: {达标: 18, 合格: 12}\n"
        "  等次限制: {有不良记录: 良好}\n"
        "  否决结果: 不合格\n"
    )
    text = MINI.replace("  等次:\n" + header, own).replace(
        "  等次限制: {有不良记录: 良好, 有严重不良记录: 合格}\n", "", 1
    )
    found = [p.split(": ", 2)[-1] for p in problems(text)]
    assert found == [
        "等次分数线应为 达标 > 基本达标",
        "“合格” 不是有分数线的等次（达标、基本达标）",
        "缺少 基本达标 的分数线",
        "“良好” 不是等次名称（达标、基本达标、不达标）",
        "“不合格” 不是等次名称（达标、基本达标、不达标）",
    ]


def test_no_grades_takes_no_lines():
    no_caps = MINI.replace("  等次限制: {有不良记录: 良好, 有严重不良记录: 合格}\n", "", 1)
    text = no_caps.replace("  等次:\n", "  等次名称: []\n  等次:\n", 1)
    assert [p.split(": ", 2)[-1] for p in problems(text)] == ["等次名称为 []（不评等次）时不写“等次”分数线"]
    text = no_caps.replace("  等次:\n    默认: {优秀: 18, 良好: 16, 合格: 12}\n", "  等次名称: [达标]\n")
    assert [p.split(": ", 2)[-1] for p in problems(text)] == [
        "等次名称至少两个（从高到低），或写 [] 表示不评等次",
    ]
