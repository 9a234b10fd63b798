"""Input-method mistakes in YAML and JSON files, reported in Chinese at the line and column of the mistake.

Each test changes one line of a shipped rules file (or a submission) the way a person typing Chinese
does, runs `assess` on it and reads the message: the place, the mistake by name and the fix; never
ruamel's English, never a line after the one at fault.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from engine.cli import main

ROOT = Path(__file__).resolve().parents[2]
RULES_TEXT = (ROOT / "rules" / "demo-district-2013.yaml").read_text(encoding="utf-8")
LINES = RULES_TEXT.split("\n")
HUASHAN = ROOT / "examples" / "huashan-2012.json"
ENGLISH = re.compile(r"[A-Za-z]{4,}")  # a word of ruamel's (could not, expected, mapping, found…)


def run(capsys, args: list[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return info.value.code, out, err


def line_no(text: str) -> int:
    """1-based number of the first line of the shipped rules file that is exactly `text`."""
    return LINES.index(text) + 1


def rules_with(tmp_path: Path, line: int, new: str) -> Path:
    lines = list(LINES)
    lines[line - 1] = new
    path = tmp_path / "my-rules.yaml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def problems(err: str) -> list[str]:
    return [ln.strip() for ln in err.splitlines() if ln.startswith("  ")]


def assess_rules(capsys, tmp_path, line: int, new: str) -> tuple[str, list[str]]:
    path = rules_with(tmp_path, line, new)
    code, out, err = run(capsys, [HUASHAN, "--rules", path, "-o", tmp_path / "out.xlsx"])
    assert code == 3, err
    assert not (tmp_path / "out.xlsx").exists()
    found = problems(err)
    for message in found:
        # the place and the Chinese message; the only Latin letters are the file's name
        assert not ENGLISH.search(message.replace(str(path), "")), message
    return str(path), found


POINTS = line_no("    分值: 14")  # the first 一级指标's 分值 (line 600 today)
PERIOD = line_no("  适用期间: {起: 2012, 止: 2020}   # 申报数据的考核年度（被考核的工作年度）")
TYPES = line_no("  单位类型: [区县政府, 区直部门, 镇街]")
NAME = line_no("  名称: 区依法行政示范创建考核评分细则（2013年度）")


def test_full_width_colon_is_named_at_its_own_line_and_column(capsys, tmp_path):
    path, found = assess_rules(capsys, tmp_path, POINTS, "    分值：14")
    assert found == [
        f"{path}:{POINTS}:7: 语法错误：第 {POINTS} 行第 7 列使用了全角冒号“：”，应为半角冒号“:”（冒号后加一个空格）"
    ]


def test_missing_colon_points_at_the_key_not_the_next_line(capsys, tmp_path):
    path, found = assess_rules(capsys, tmp_path, POINTS, "    分值 14")
    assert len(found) == 1 and found[0].startswith(f"{path}:{POINTS}:5: ")
    assert "缺少冒号“:”" in found[0] and "分值" in found[0]


def test_missing_space_after_colon(capsys, tmp_path):
    path, found = assess_rules(capsys, tmp_path, POINTS, "    分值:14")
    assert len(found) == 1 and found[0].startswith(f"{path}:{POINTS}:7: ")
    assert "冒号“:”后缺少空格" in found[0]


def test_full_width_braces(capsys, tmp_path):
    path, found = assess_rules(capsys, tmp_path, PERIOD, "  适用期间: ｛起: 2012, 止: 2020｝")
    assert len(found) == 1 and found[0].startswith(f"{path}:{PERIOD}:9: ")
    assert "全角大括号“｛”" in found[0] and "半角大括号“{”" in found[0]


def test_full_width_square_brackets(capsys, tmp_path):
    path, found = assess_rules(capsys, tmp_path, TYPES, "  单位类型: ［区县政府, 区直部门, 镇街］")
    assert len(found) == 1 and found[0].startswith(f"{path}:{TYPES}:9: ")
    assert "全角方括号“［”" in found[0] and "半角方括号“[”" in found[0]


def test_full_width_comma_in_a_list_is_one_problem_on_its_line(capsys, tmp_path):
    path, found = assess_rules(capsys, tmp_path, TYPES, "  单位类型: [区县政府，区直部门，镇街]")
    assert len(found) == 1, found
    assert found[0].startswith(f"{path}:{TYPES}:14: ")
    assert "全角逗号“，”" in found[0] and "半角逗号“,”" in found[0]


def test_tab_indentation(capsys, tmp_path):
    path, found = assess_rules(capsys, tmp_path, POINTS, "\t分值: 14")
    assert len(found) == 1 and found[0].startswith(f"{path}:{POINTS}:1: ")
    assert "制表符" in found[0] and "空格" in found[0]


def test_full_width_space_indentation(capsys, tmp_path):
    path, found = assess_rules(capsys, tmp_path, POINTS, "　　分值: 14")
    assert len(found) == 1 and found[0].startswith(f"{path}:{POINTS}:1: ")
    assert "全角空格" in found[0] and "半角空格" in found[0]


def test_unclosed_quote(capsys, tmp_path):
    path, found = assess_rules(capsys, tmp_path, NAME, '  名称: "区依法行政示范创建考核评分细则（2013年度）')
    assert len(found) == 1 and found[0].startswith(f"{path}:{NAME}:7: ")
    assert "引号" in found[0] and "没有配对" in found[0]


def test_unclosed_bracket(capsys, tmp_path):
    path, found = assess_rules(capsys, tmp_path, TYPES, "  单位类型: [区县政府, 区直部门, 镇街")
    assert len(found) == 1 and found[0].startswith(f"{path}:{TYPES}:9: ")
    assert "“[”" in found[0] and "没有配对" in found[0] and "“]”" in found[0]


def test_full_width_quotes_around_a_key(capsys, tmp_path):
    path, found = assess_rules(capsys, tmp_path, NAME, "  “名称”: 区依法行政示范创建考核评分细则（2013年度）")
    assert len(found) == 1 and found[0].startswith(f"{path}:{NAME}:3: ")
    assert "全角引号" in found[0]


def test_full_width_punctuation_inside_values_keeps_its_meaning(capsys, tmp_path):
    # a value may hold any of these marks: the file loads and the name is shown as written
    name = "区依法行政：示范创建“考核”，评分细则［2013］｛试行｝"
    path = rules_with(tmp_path, NAME, f"  名称: {name}")
    code, out, err = run(capsys, ["rules", "export", path, "--format", "markdown"])
    assert code == 0, err
    assert name in out


def test_case_file_mistakes_are_reported_the_same_way(capsys, tmp_path):
    (tmp_path / "r.yaml").write_text(RULES_TEXT, encoding="utf-8")
    cases = (ROOT / "rules" / "demo-district-2013.cases.yaml").read_text(encoding="utf-8").split("\n")
    at = cases.index("    法制工作人员数: 3") + 1
    cases[at - 1] = "    法制工作人员数：3"
    (tmp_path / "r.cases.yaml").write_text("\n".join(cases), encoding="utf-8")
    code, out, err = run(capsys, ["rules", "test", tmp_path / "r.yaml"])
    assert code == 3
    assert f"r.cases.yaml:{at}:12: 语法错误：第 {at} 行第 12 列使用了全角冒号“：”" in err


# -- JSON submissions ------------------------------------------------------------------------


def submission_with(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    text = HUASHAN.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path = tmp_path / "sub.json"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path, text[: text.index(old)].count("\n") + 1


def assess_json(capsys, path: Path) -> list[str]:
    code, out, err = run(capsys, [path, "-o", path.with_suffix(".xlsx")])
    assert code == 3, err
    found = problems(err)
    for message in found:
        assert not ENGLISH.search(message.replace(str(path), "")), message
    return found


def test_json_full_width_comma_between_members(capsys, tmp_path):
    unit = json.loads(HUASHAN.read_text(encoding="utf-8"))["单位名称"]
    old = f'"单位名称": "{unit}",'
    path, line = submission_with(tmp_path, old, f'"单位名称": "{unit}"，')
    found = assess_json(capsys, path)
    assert len(found) == 1 and found[0].startswith(f"{path}:{line}:")
    assert "全角逗号“，”" in found[0]


def test_json_full_width_quotes(capsys, tmp_path):
    path, line = submission_with(tmp_path, '"单位名称":', "“单位名称”:")
    found = assess_json(capsys, path)
    assert len(found) == 1 and found[0].startswith(f"{path}:{line}:")
    assert "全角引号“" in found[0] and '半角引号“"”' in found[0]


def test_json_missing_comma(capsys, tmp_path):
    unit = json.loads(HUASHAN.read_text(encoding="utf-8"))["单位名称"]
    path, line = submission_with(tmp_path, f'"单位名称": "{unit}",', f'"单位名称": "{unit}"')
    found = assess_json(capsys, path)
    assert len(found) == 1 and f"{path}:{line}:" in found[0]
    assert "缺少逗号“,”" in found[0]


@pytest.mark.parametrize(
    ("name", "text", "line", "col", "words"),
    [
        ("dedent.yaml", "a:\n  b: 1\n c: 2\n", 3, 2, "缩进"),
        ("list-and-key.yaml", "a:\n  - x\n  y: 1\n", 3, 3, "缩进"),
        ("alias.yaml", "a: *foo\n", 1, 4, "锚点"),
        ("at.yaml", "a: @x\n", 1, 4, "加引号"),
        ("after-quote.yaml", 'a: "x" y\n', 1, 8, "引号后面还有内容"),
        ("brace.json", '{"a": 1\n', 1, 1, "“{”没有配对的“}”"),
        ("double-comma.json", '{"a": 1,, "b": 2}\n', 1, 9, "多了一个逗号"),
    ],
)
def test_other_syntax_errors_are_chinese_and_located(capsys, tmp_path, name, text, line, col, words):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, [HUASHAN, "--rules", path])
    assert code == 3
    found = problems(err)
    assert len(found) == 1 and found[0].startswith(f"{path}:{line}:{col}: 语法错误：第 {line} 行第 {col} 列")
    assert words in found[0] and not ENGLISH.search(found[0].replace(str(path), ""))
