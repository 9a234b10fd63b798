"""`assess rules test`: one line per failing case, the summary line, uncovered items, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_rule_cases import GOOD_CASES, write

from engine.cli import main

ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    out, err = capsys.readouterr()
    return info.value.code, out, err


def test_shipped_ruleset_passes_with_no_uncovered_item(capsys):
    code, out, err = run(["rules", "test", str(ROOT / "rules" / "demo-district-2013.yaml")], capsys)
    assert code == 0
    assert out.splitlines()[0] == "152 passed, 0 failed"  # 148 item cases and the four examples
    assert out.splitlines()[1].startswith("整体用例 4 个")
    assert err.startswith("规则集 1 个，用例 152 个，用时 ")


def test_failing_case_and_uncovered_items_exit_1(tmp_path, capsys):
    path = write(tmp_path, GOOD_CASES.replace("预期: {扣分: 0, 状态: 满分}", "预期: {扣分: 0.5}"))
    code, out, _ = run(["rules", "test", str(path)], capsys)
    lines = out.splitlines()
    assert code == 1
    assert lines[0] == (
        "失败 mini-test A-01 「全部报备」：扣分 预期 0.5，实得 0（取值：未报备件数=0件）"
        f"  {tmp_path / 'mini.cases.yaml'}:20:5: 用例[1]"
    )
    assert lines[1] == "1 passed, 1 failed"
    assert lines[2] == "缺少用例的评分项（14项）："
    # A-01's deducting case passed; its no-deduction case failed, so that kind is missing
    assert lines[3] == "  mini-test A-01：缺少不扣分的用例、未报备件数 = 0 的用例"
    assert lines[4] == "  mini-test A-02：缺少任何用例"
    assert lines[-1] == "  mini-test F-01：缺少任何用例"


def test_allow_uncovered_exits_0_when_every_case_passes(tmp_path, capsys):
    path = write(tmp_path, GOOD_CASES)
    code, out, _ = run(["rules", "test", str(tmp_path), "--allow-uncovered"], capsys)
    assert code == 0
    assert out.splitlines()[0] == "2 passed, 0 failed"
    assert "  mini-test A-02：缺少任何用例" in out.splitlines()
    code, _, _ = run(["rules", "test", str(path)], capsys)
    assert code == 1  # the same run without --allow-uncovered


def test_verbose_lists_passing_cases(tmp_path, capsys):
    write(tmp_path, GOOD_CASES)
    _, out, _ = run(["rules", "test", str(tmp_path), "-v", "--allow-uncovered"], capsys)
    assert out.splitlines()[:2] == ["通过 mini-test A-01 「未报备1件」", "通过 mini-test A-01 「全部报备」"]


def test_invalid_case_file_exits_3_with_located_problems(tmp_path, capsys):
    write(tmp_path, GOOD_CASES.replace("评分项: A-01, 指标", "评分项: A-10, 指标"))
    code, out, err = run(["rules", "test", str(tmp_path)], capsys)
    assert code == 3 and out == ""
    assert err.splitlines()[0] == "错误：用例文件有误，未评分，未写出任何文件。"
    assert f"{tmp_path / 'mini.cases.yaml'}:19:22: 用例[0].评分项: 规则集 mini-test 没有编号为 “A-10”" in err


def test_invalid_rules_file_exits_3(tmp_path, capsys):
    write(tmp_path, GOOD_CASES, rules="规则集: [1]\n")
    code, _, err = run(["rules", "test", str(tmp_path / "mini.yaml")], capsys)
    assert code == 3
    assert err.splitlines()[0] == "错误：规则文件有误，未评分，未写出任何文件。"


def test_ruleset_without_a_case_file_is_all_uncovered(tmp_path, capsys):
    (tmp_path / "mini.yaml").write_text((ROOT / "tests" / "data" / "mini.yaml").read_text(encoding="utf-8"), "utf-8")
    code, out, _ = run(["rules", "test", str(tmp_path)], capsys)
    assert code == 1
    assert out.splitlines()[:3] == [
        "0 passed, 0 failed",
        "缺少用例的评分项（14项）：",
        "  mini-test A-01：缺少任何用例",
    ]


def test_rules_group_help_lists_test(capsys):
    code, out, _ = run(["rules", "--help"], capsys)
    assert code == 0
    assert "规则集维护" in out and "test" in out.split("命令：")[1]
