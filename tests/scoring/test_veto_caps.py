"""Vetoes and grade caps as the criteria table says: a 否决项 declares its 不良记录 (or none), and
等次限制 applies exactly the caps written — with a `rules check` note where one cap implies another."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli import main

BASE = """规则集:
  编号: veto-caps
  名称: 否决与等次限制测试
  考核年度: 2021
  适用期间: {起: 2021, 止: 2025}
  总分: 10
  单位类型: [区直部门]
  等次:
    默认: {优秀: 9, 良好: 8, 合格: 6}
CAPS
指标:
  未报备件数: {标签: 规范性文件未报备件数, 类型: 次数, 单位: 件}
  败诉件数: {标签: 因不积极应诉败诉件数, 类型: 次数, 单位: 件}
  拒不执行件数: {标签: 拒不执行生效裁判件数, 类型: 次数, 单位: 件}
评分细则:
  - 一级指标: 制度建设
    二级指标:
      - 名称: 规范性文件
        评分项:
          - 编号: A-01
            考核内容: 规范性文件报备
            分值: 5
            评分标准: 规范性文件未报备的，每件扣0.1分，并记入不良记录。
            计分方式: 按件扣分
            件数: 未报备件数
            每件扣分: 0.1
            不良记录: {事项: "规范性文件未报备{未报备件数}件", 严重程度: 一般}
          - 编号: A-02
            考核内容: 行政应诉
            分值: 5
            评分标准: 因不积极应诉败诉的，每件扣0.1分，记入严重不良记录。
            计分方式: 按件扣分
            件数: 败诉件数
            每件扣分: 0.1
            不良记录: {事项: "因不积极应诉败诉{败诉件数}件", 严重程度: 严重}
否决项:
  - 编号: FJ-01
    事项: 拒不执行人民法院生效裁判
    评分标准: 拒不执行人民法院生效裁判的，实行一票否决。
    条件: 拒不执行件数 > 0
VETO_RECORD
"""


def ruleset(tmp_path: Path, caps: str = "", veto_record: str = "") -> Path:
    text = BASE.replace("CAPS\n", caps + ("\n" if caps else "")).replace("VETO_RECORD\n", veto_record)
    path = tmp_path / "veto-caps.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def run(args: list, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return info.value.code, out, err


def assess(tmp_path: Path, rules: Path, capsys, **values) -> dict:
    counts = {"未报备件数": 0, "败诉件数": 0, "拒不执行件数": 0, **values}
    data = {"单位名称": "区测试局", "单位类型": "区直部门", "考核年度": 2022, "指标": counts}
    sub = tmp_path / "unit.json"
    sub.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code, out, err = run([sub, "--rules", rules, "--format", "json"], capsys)
    assert code == 0, err
    return json.loads(out)


def test_a_veto_may_declare_no_bad_record(tmp_path, capsys):
    rules = ruleset(tmp_path, veto_record="    不良记录: 否\n")
    result = assess(tmp_path, rules, capsys, 拒不执行件数=1)
    assert [v["rule_id"] for v in result["vetoes"]] == ["FJ-01"]
    assert result["grade"]["grade"] == "不合格"
    assert result["bad_records"] == []


def test_a_veto_may_declare_an_ordinary_bad_record(tmp_path, capsys):
    rules = ruleset(tmp_path, veto_record="    不良记录: {事项: 拒不执行生效裁判, 严重程度: 一般}\n")
    result = assess(tmp_path, rules, capsys, 拒不执行件数=1)
    assert [(b["rule_id"], b["severity"]) for b in result["bad_records"]] == [("FJ-01", "一般")]


def test_a_veto_without_a_declaration_still_writes_a_severe_record(tmp_path, capsys):
    result = assess(tmp_path, ruleset(tmp_path), capsys, 拒不执行件数=1)
    assert [(b["rule_id"], b["severity"]) for b in result["bad_records"]] == [("FJ-01", "严重")]


def test_only_the_ordinary_cap_declared_caps_a_severe_record_no_lower(tmp_path, capsys):
    # the "tried" case: only 有不良记录 was capped, yet a 严重 record capped the grade at 合格
    rules = ruleset(tmp_path, caps="  等次限制: {有不良记录: 良好}")
    result = assess(tmp_path, rules, capsys, 败诉件数=1)  # 9.90 → 优秀 by score
    assert result["total"] == "9.90"
    assert result["grade"]["band_grade"] == "优秀"
    assert result["grade"]["grade"] == "良好"


def test_no_caps_declared_means_records_do_not_cap_the_grade(tmp_path, capsys):
    result = assess(tmp_path, ruleset(tmp_path), capsys, 未报备件数=1, 败诉件数=1)
    assert result["grade"]["grade"] == "优秀" and len(result["bad_records"]) == 2


def test_both_caps_declared_apply_as_written(tmp_path, capsys):
    rules = ruleset(tmp_path, caps="  等次限制: {有不良记录: 良好, 有严重不良记录: 合格}")
    assert assess(tmp_path, rules, capsys, 未报备件数=1)["grade"]["grade"] == "良好"
    assert assess(tmp_path, rules, capsys, 败诉件数=1)["grade"]["grade"] == "合格"


def test_only_the_severe_cap_declared_leaves_ordinary_records_uncapped(tmp_path, capsys):
    rules = ruleset(tmp_path, caps="  等次限制: {有严重不良记录: 合格}")
    assert assess(tmp_path, rules, capsys, 未报备件数=1)["grade"]["grade"] == "优秀"
    assert assess(tmp_path, rules, capsys, 败诉件数=1)["grade"]["grade"] == "合格"


def check(tmp_path: Path, rules: Path, capsys) -> tuple[int, str]:
    code, out, err = run(["rules", "check", rules], capsys)
    return code, out + err


def test_rules_check_notes_that_the_ordinary_cap_also_caps_severe_records(tmp_path, capsys):
    rules = ruleset(tmp_path, caps="  等次限制: {有不良记录: 良好}")
    text = rules.read_text("utf-8")
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t.startswith("  等次限制:"))
    code, out = check(tmp_path, rules, capsys)
    assert code == 1
    note = next(t for t in out.splitlines() if "有严重不良记录" in t)
    assert note.startswith(f"{rules}:{line}:") and "良好" in note


def test_rules_check_notes_a_severe_cap_looser_than_the_ordinary_one(tmp_path, capsys):
    rules = ruleset(tmp_path, caps="  等次限制: {有不良记录: 合格, 有严重不良记录: 良好}")
    code, out = check(tmp_path, rules, capsys)
    assert code == 1
    note = next(t for t in out.splitlines() if "有严重不良记录" in t)
    assert "合格" in note


def test_rules_check_notes_bad_records_without_any_cap(tmp_path, capsys):
    code, out = check(tmp_path, ruleset(tmp_path), capsys)
    assert code == 1 and "等次限制" in out


def test_rules_check_is_quiet_when_both_caps_are_declared_in_order(tmp_path, capsys):
    rules = ruleset(tmp_path, caps="  等次限制: {有不良记录: 良好, 有严重不良记录: 合格}")
    code, out = check(tmp_path, rules, capsys)
    assert code == 0, out
