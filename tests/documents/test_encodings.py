"""Encodings and formats: BOMs, GBK/GB18030 and UTF-16, duplicate keys, NaN and Infinity, huge numbers."""

from __future__ import annotations

import io
import json

import pytest
from conftest import DATA, GOOD_MINI, with_values
from ruamel.yaml import YAML

from engine.cli import main

MINI = DATA / "mini.yaml"
MINI_TEXT = MINI.read_text(encoding="utf-8")
SAVE_AS = "本程序只读 UTF-8：请另存为 UTF-8 编码后重试（记事本：另存为 → 编码选 UTF-8）"


def run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(args)
    return info.value.code


def good_json(**changes) -> str:
    return json.dumps(dict(GOOD_MINI, **changes), ensure_ascii=False, indent=2)


def problems(capsys) -> list[str]:
    return [line[2:] for line in capsys.readouterr().err.splitlines() if line.startswith("  ")]


def test_json_and_yaml_with_a_byte_order_mark_are_read(tmp_path, capsys):
    sub = tmp_path / "s.json"
    sub.write_bytes(b"\xef\xbb\xbf" + good_json().encode())
    rules = tmp_path / "r.yaml"
    rules.write_bytes(b"\xef\xbb\xbf" + MINI_TEXT.encode())
    assert run([str(sub), "--rules", str(rules), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["unit"] == "区测试局"
    yaml_sub = tmp_path / "s.yaml"
    buf = io.StringIO()
    YAML().dump(GOOD_MINI, buf)
    yaml_sub.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode())
    assert run([str(yaml_sub), "--rules", str(rules), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == json.loads(run_json(sub, rules, capsys))["total"]


def run_json(sub, rules, capsys) -> str:
    assert run([str(sub), "--rules", str(rules), "--format", "json"]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
def test_a_gbk_submission_is_refused_naming_the_encoding_and_showing_the_line(tmp_path, capsys, encoding):
    sub = tmp_path / "s.json"
    text = good_json(单位名称="花山区人民政府𠀀" if encoding == "gb18030" else "花山区人民政府")
    sub.write_bytes(text.encode(encoding))
    out = tmp_path / "out.xlsx"
    assert run([str(sub), "--rules", str(MINI), "-o", str(out)]) == 3
    [problem] = problems(capsys)
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "单位名称" in t)
    assert problem.startswith(f"{sub}:{line}:")
    assert (
        '不是 UTF-8 编码的文本，看起来是 GBK/GB18030 编码（按 GB18030 读，此行为“"单位名称": "花山区人民政府' in problem
    )
    assert problem.endswith(SAVE_AS)
    assert not out.exists()


def test_a_gb18030_rules_file_and_a_utf16_submission_are_refused(tmp_path, capsys):
    rules = tmp_path / "r.yaml"
    rules.write_bytes(MINI_TEXT.encode("gb18030"))
    sub = tmp_path / "s.json"
    sub.write_text(good_json(), encoding="utf-8")
    assert run([str(sub), "--rules", str(rules)]) == 3
    [problem] = problems(capsys)
    assert problem.startswith(f"{rules}:1:") and "看起来是 GBK/GB18030 编码" in problem  # the first comment line
    sub.write_text(good_json(), encoding="utf-16")
    assert run([str(sub), "--rules", str(MINI)]) == 3
    assert problems(capsys) == [f"{sub}:1:1: 是 UTF-16 编码的文本；{SAVE_AS}"]


def test_duplicate_keys_are_refused_with_both_positions(tmp_path, capsys):
    sub = tmp_path / "s.json"
    sub.write_text('{\n  "单位名称": "甲",\n  "考核年度": 2013,\n    "单位名称": "乙"\n}', encoding="utf-8")
    assert run([str(sub), "--rules", str(MINI)]) == 3
    assert problems(capsys) == [f"{sub}:4:5: 重复的键 “单位名称”（第一次出现在第 2 行第 3 列）"]
    rules = tmp_path / "r.yaml"
    lines = MINI_TEXT.splitlines(keepends=True)
    at = next(n for n, t in enumerate(lines) if t.startswith("  专题学法次数:"))
    rules.write_text("".join(lines[: at + 2] + [lines[at]] + lines[at + 2 :]), encoding="utf-8")
    sub.write_text(good_json(), encoding="utf-8")
    assert run([str(sub), "--rules", str(rules)]) == 3
    assert problems(capsys) == [f"{rules}:{at + 3}:3: 重复的键 “专题学法次数”（第一次出现在第 {at + 1} 行第 3 列）"]


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("NaN", "应为有限的数字（不能是 NaN 或无穷大）"),
        ("-Infinity", "应为有限的数字（不能是 NaN 或无穷大）"),
        (".nan", "应为有限的数字（不能是 NaN 或无穷大）"),
        (".inf", "应为有限的数字（不能是 NaN 或无穷大）"),
        ("1e999", "数值过大"),
        ("9" * 40, "数字过长（超过 30 位）"),
        ("0.0000001", "小数位数不得超过 6 位"),
    ],
)
def test_nan_infinity_and_huge_numbers_in_a_submission_are_refused_at_their_place(tmp_path, capsys, token, message):
    text = json.dumps(with_values(GOOD_MINI, 备案率=12345), ensure_ascii=False, indent=2).replace("12345", token)
    sub = tmp_path / "s.json"
    sub.write_text(text, encoding="utf-8")
    assert run([str(sub), "--rules", str(MINI)]) == 3
    [problem] = problems(capsys)
    line = next(n for n, t in enumerate(text.splitlines(), 1) if token in t)
    assert problem.startswith(f"{sub}:{line}:") and message in problem, problem


@pytest.mark.parametrize("token", [".nan", ".inf", "-.inf", "NaN"])
def test_nan_and_infinity_in_a_rules_file_are_refused(tmp_path, capsys, token):
    rules = tmp_path / "r.yaml"
    rules.write_text(
        MINI_TEXT.replace("            每件扣分: 1\n", f"            每件扣分: {token}\n", 1), encoding="utf-8"
    )
    sub = tmp_path / "s.json"
    sub.write_text(good_json(), encoding="utf-8")
    assert run([str(sub), "--rules", str(rules)]) == 3
    [problem] = problems(capsys)
    assert problem.startswith(f"{rules}:") and "每件扣分" in problem
    assert "NaN" in problem or "无穷大" in problem or "应为数字" in problem, problem


def test_nesting_and_alias_bombs_are_refused(tmp_path, capsys):
    sub = tmp_path / "s.yaml"
    sub.write_text(
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in zip("abcdef", "bcdefg", strict=True)),
        encoding="utf-8",
    )
    assert run([str(sub), "--rules", str(MINI)]) == 3
    assert problems(capsys) == [f"{sub}:1:1: 别名（*）展开后的内容过多（超过 1000000 个值）"]
    sub.write_text("[" * 150 + "]" * 150, encoding="utf-8")
    assert run([str(sub), "--rules", str(MINI)]) == 3
    assert problems(capsys) == [f"{sub}:1:101: 嵌套层次过深（上限 100 层）"]


def test_control_characters_are_refused_with_their_place(tmp_path, capsys):
    sub = tmp_path / "s.json"
    sub.write_text(json.dumps(dict(GOOD_MINI, 单位名称="区\u001b[2J局"), ensure_ascii=True, indent=2), encoding="utf-8")
    assert run([str(sub), "--rules", str(MINI)]) == 3
    [problem] = problems(capsys)
    assert problem.endswith("单位名称: 含有不可见的控制字符 U+001B（第 2 个字符），请删除（实为 “区\\u001b[2J局”）")
    sub.write_bytes(good_json().encode().replace("区测试局".encode(), b"\xc2\x85\xc2\x91"))
    assert run([str(sub), "--rules", str(MINI)]) == 3
    [problem] = problems(capsys)
    assert problem.startswith(f"{sub}:2:") and "不允许的控制字符 U+0091" in problem


def _yaml_submission(**raw: str) -> str:
    lines = ["单位名称: 区测试局", "单位类型: 区直部门", "考核年度: 2013", "指标:"]
    for name, value in GOOD_MINI["指标"].items():
        lines.append(f"  {name}: {raw.get(name, json.dumps(value, ensure_ascii=False))}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("name", "written", "message"),
    [
        ("专题学法次数", "0x4", "“0x4” 是十六进制写法：数字请写成十进制；若是文字请加引号"),
        ("专题学法次数", "0o4", "“0o4” 是八进制或带前导零的写法"),
        ("专题学法次数", "04", "“04” 是八进制或带前导零的写法"),
        ("专题学法次数", "0b100", "“0b100” 是二进制写法"),
        ("备案率", "1_00", "“1_00” 含下划线：数字请写成 100"),
        ("备案率", "99_9.5", "“99_9.5” 含下划线：数字请写成 999.5"),
        ("备案率", ".inf", "应为有限的数字（不能是 NaN 或无穷大）"),
        ("报告报送日期", "2013-02-20T10:00:00", "“2013-02-20T10:00:00” 带有时间：日期请写作 YYYY-MM-DD"),
        ("报告报送日期", "2013-02-20 10:00:00", "“2013-02-20 10:00:00” 带有时间"),
        ("报告报送日期", "2013-02-20 00:00:00", "带有时间"),  # a midnight time is no less a time
        ("制定工作要点", "0x1", "十六进制"),
    ],
)
def test_yaml_number_and_time_forms_are_text_refused_where_a_number_or_date_is_expected(
    tmp_path, capsys, name, written, message
):
    sub = tmp_path / "s.yaml"
    text = _yaml_submission(**{name: written})
    sub.write_text(text, encoding="utf-8")
    assert run([str(sub), "--rules", str(MINI)]) == 3
    [problem] = problems(capsys)
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t.startswith(f"  {name}:"))
    assert problem.startswith(f"{sub}:{line}:{len(name) + 5}: 指标.{name}: ") and message in problem, problem


def test_yaml_1_1_forms_are_not_read_as_numbers_or_yes_no_either(tmp_path, capsys):
    sub = tmp_path / "s.yaml"
    sub.write_text("%YAML 1.1\n---\n" + _yaml_submission(专题学法次数="010", 制定工作要点="yes"), encoding="utf-8")
    assert run([str(sub), "--rules", str(MINI)]) == 3
    found = problems(capsys)
    assert len(found) == 2 and "“010” 是八进制或带前导零的写法" in found[0] and "“yes” 是文字，不是是否值" in found[1]


def test_the_forms_are_the_text_written_where_text_is_expected(tmp_path, capsys):
    sub = tmp_path / "s.yaml"
    text = _yaml_submission(诉讼案件="[{案号: 0x1F, 结果: 胜诉}, {案号: 2013-03-31T10:00:00, 结果: 胜诉}]")
    sub.write_text(text.replace("单位名称: 区测试局", "单位名称: 1_000"), encoding="utf-8")
    out = run_json(sub, MINI, capsys)
    data = json.loads(out)
    assert data["unit"] == "1_000"
    assert "0x1F" in json.dumps(data["records"]) and "2013-03-31T10:00:00" in json.dumps(data["records"])


@pytest.mark.parametrize(
    ("char", "kind"),
    [
        ("\u202e", "改变文字显示方向"),
        ("\u2067", "改变文字显示方向"),
        ("\u061c", "改变文字显示方向"),
        ("\n", "换行符或制表符"),
        ("\u2028", "换行符或制表符"),
        ("\x1b", "不可见的控制字符"),
    ],
)
def test_a_unit_name_is_one_line_of_visible_text(tmp_path, capsys, char, kind):
    sub = tmp_path / "s.json"
    sub.write_text(good_json(单位名称=f"区{char}测试局"), encoding="utf-8")
    assert run([str(sub), "--rules", str(MINI)]) == 3
    [problem] = problems(capsys)
    assert f"单位名称: 含有{kind}" in problem and f"U+{ord(char):04X}（第 2 个字符）" in problem, problem
    assert "\n" not in problem and char not in problem  # the quoted value is escaped too


def test_record_text_keeps_line_breaks_but_not_direction_controls(tmp_path, capsys):
    sub = tmp_path / "s.json"
    records = [{"案号": "第1号\n（续）", "结果": "胜诉"}]
    sub.write_text(json.dumps(with_values(GOOD_MINI, 诉讼案件=records), ensure_ascii=False), encoding="utf-8")
    assert run([str(sub), "--rules", str(MINI), "--format", "json"]) == 0
    records = [{"案号": "第\u20661\u2069号", "结果": "胜诉"}]
    sub.write_text(json.dumps(with_values(GOOD_MINI, 诉讼案件=records), ensure_ascii=False), encoding="utf-8")
    capsys.readouterr()
    assert run([str(sub), "--rules", str(MINI), "--format", "json"]) == 3
    [problem] = problems(capsys)
    assert "指标.诉讼案件[0].案号: " in problem and "含有改变文字显示方向的控制字符 U+2066（第 2 个字符）" in problem, (
        problem
    )
