"""Whole-submission cases (a worked example with its expected 总分, 等次, 否决, 不良记录 and item scores),
and errors of a case file or a form listed in one run, identical ones collapsed with a count."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from engine.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def run(capsys, args: list) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return info.value.code, out, err


def problems(err: str) -> list[str]:
    return [ln.strip() for ln in err.splitlines() if ln.startswith("  ")]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A copy of the shipped rules/ and examples/ folders, side by side as in the repository."""
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    return tmp_path


# -- whole-submission cases -------------------------------------------------------------------

MINI_CASES = """\
规则集: demo-district-2013
用例:
  - 名称: 花山区（按路径）
    申报: ../examples/huashan-2012.json
    复核: [{{评分项: XF-05, 扣分: 0.5, 理由: 宣传成效佐证不足, 复核人: 考核组}}]
    预期:
      总分: {total}
      等次: 优秀
      否决: 否
      不良记录: 0
      评分项: {{JD-06: {{状态: 待复核}}, ZZ-01: {{扣分: 0, 得分: 2}}}}
  - 名称: 问题部门（内嵌）
    申报:
{inline}
    预期: {{总分: 64.63, 等次: 不合格, 否决: [FJ-01, FJ-02], 不良记录: 是}}
"""


def write_whole_cases(workspace: Path, total: str = "93.23") -> Path:
    problem = json.loads((EXAMPLES / "problem-department.json").read_text(encoding="utf-8"))
    inline = "\n".join("      " + line for line in json.dumps(problem, ensure_ascii=False, indent=2).splitlines())
    path = workspace / "rules" / "demo-district-2013.cases.yaml"
    path.write_text(MINI_CASES.format(total=total, inline=inline), encoding="utf-8")
    return path


def test_whole_submission_cases_pass_and_are_reported(capsys, workspace):
    write_whole_cases(workspace)
    code, out, err = run(
        capsys, ["rules", "test", workspace / "rules" / "demo-district-2013.yaml", "--allow-uncovered"]
    )
    assert code == 0, out + err
    assert re.search(r"^2 passed, 0 failed$", out, re.M)
    assert "整体用例 2 个" in out  # coverage names them apart from the item cases


def test_a_wrong_total_fails_with_expected_and_got(capsys, workspace):
    path = write_whole_cases(workspace, total="93.24")
    code, out, err = run(
        capsys, ["rules", "test", workspace / "rules" / "demo-district-2013.yaml", "--allow-uncovered"]
    )
    assert code == 1
    line = next(ln for ln in out.splitlines() if ln.startswith("失败"))
    assert "「花山区（按路径）」" in line and "总分 预期 93.24，实得 93.23" in line and f"{path}:3:" in line


def test_a_whole_case_whose_submission_is_missing(capsys, workspace):
    path = write_whole_cases(workspace)
    path.write_text(
        path.read_text(encoding="utf-8").replace("huashan-2012.json", "huashan-2099.json"), encoding="utf-8"
    )
    code, out, err = run(capsys, ["rules", "test", workspace / "rules" / "demo-district-2013.yaml"])
    assert code == 3
    assert f"{path}:4:" in err and "huashan-2099.json" in err and "文件不存在" in err


def test_shipped_examples_are_whole_cases_of_their_rulesets():
    """The hand-worked totals of examples/README.md live in the case files and run with `rules test`."""
    from ruamel.yaml import YAML

    expected = {}
    for line in (EXAMPLES / "README.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| `([\w-]+\.json)` \| [^|]+ \| ([\d.]+) \| (\S+?)(?:（暂定）)? \|", line)
        if m:
            expected[m.group(1)] = (m.group(2), m.group(3))
    assert len(expected) == 7
    found = {}
    for case_file in (ROOT / "rules").glob("*.cases.yaml"):
        data = YAML(typ="safe").load(case_file.read_text(encoding="utf-8"))
        for case in data.get("用例", []):
            if isinstance(case.get("申报"), str):
                found[Path(case["申报"]).name] = (f"{case['预期']['总分']:.2f}", case["预期"]["等次"])
    assert found == expected


# -- one pass, grouped ------------------------------------------------------------------------


def test_a_new_required_indicator_is_one_message_with_a_count(capsys, workspace):
    rules = workspace / "rules" / "demo-district-2013.yaml"
    text = rules.read_text(encoding="utf-8")
    text = text.replace("\n指标:\n", "\n指标:\n  新增指标甲: {标签: 新增的必填指标, 类型: 次数, 单位: 件}\n", 1)
    rules.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, ["rules", "test", rules])
    assert code == 3
    found = problems(err)
    grouped = [p for p in found if "个用例缺少它" in p]
    assert len(grouped) == 1, found
    assert "新增必填指标 新增指标甲（新增的必填指标）：148 个用例缺少它，请在 基线 中加入" in grouped[0]
    assert "demo-district-2013.cases.yaml:" in grouped[0]
    assert len(found) == len(set(found)) and len(found) <= 8


def test_every_problem_of_a_case_file_in_one_run(capsys, workspace):
    path = workspace / "rules" / "demo-district-2013.cases.yaml"
    lines = path.read_text(encoding="utf-8").split("\n")
    first = next(n for n, ln in enumerate(lines) if ln.startswith("  - {名称: 领导小组、分管领导、法制人员均到位"))
    lines[first] = lines[first].replace("扣分: 0,", "扣分: 零,")  # a value pydantic refuses
    lines[first + 1] = lines[first + 1].replace("评分项: ZZ-01", "评分项: ZZ-99")  # an id the ruleset lacks
    path.write_text("\n".join(lines), encoding="utf-8")
    code, out, err = run(capsys, ["rules", "test", workspace / "rules" / "demo-district-2013.yaml"])
    assert code == 3
    found = problems(err)
    assert any(f":{first + 1}:" in p and "应为数字" in p for p in found), found
    assert any(f":{first + 2}:" in p and "ZZ-99" in p for p in found), found


def _cell(ws, name: str) -> str:
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == name:
                return f"G{cell.row}"
    raise AssertionError(name)


def test_every_problem_of_a_form_in_one_run(capsys, tmp_path):
    form = tmp_path / "填报表.xlsx"
    code, _, err = run(
        capsys,
        ["template", ROOT / "rules" / "demo-district-2013.yaml", "-o", form, "--from", EXAMPLES / "huashan-2012.json"],
    )
    assert code == 0, err
    wb = load_workbook(form)
    ws = wb["指标"]
    year, formula, number = _cell(ws, "考核年度"), _cell(ws, "法制工作人员数"), _cell(ws, "会前学法次数")
    ws[year] = "2013年"
    ws[formula] = "=1+2"
    ws[number] = "四次"
    wb.save(form)
    code, out, err = run(
        capsys, [form, "--rules", ROOT / "rules" / "demo-district-2013.yaml", "-o", tmp_path / "x.xlsx"]
    )
    assert code == 3
    found = problems(err)
    assert any(f"!指标!{year}" in p and "考核年度" in p for p in found), found
    assert any(f"!指标!{formula}" in p and "公式" in p for p in found), found
    assert any(f"!指标!{number}" in p and "四次" in p for p in found), found


def test_a_total_expected_of_an_item_case_points_at_whole_cases(capsys, workspace):
    path = workspace / "rules" / "demo-district-2013.cases.yaml"
    text = path.read_text(encoding="utf-8")
    old = "  - {名称: 领导小组、分管领导、法制人员均到位, 评分项: ZZ-01, 预期: {扣分: 0, 状态: 满分}}"
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, old.replace("扣分: 0, 状态: 满分", "总分: 90")), encoding="utf-8")
    code, out, err = run(capsys, ["rules", "test", workspace / "rules" / "demo-district-2013.yaml"])
    assert code == 3
    assert problems(err) == [
        f"{path}:{line}:46: 用例[0].预期.总分: 评分项的用例不能预期“总分”：预期总分的是整体用例，"
        "要用“申报”写出完整的申报数据（或申报文件的路径），不写“评分项”"
    ]
