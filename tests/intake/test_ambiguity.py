"""Ambiguous input is surfaced, never resolved silently.

A 百分比 typed as 0.98 in a plain (not percent-formatted) 填报表 cell, a count written as 3.0, a
rate submitted without the counts the ruleset declares (where the ruleset allows it), a year
outside the ruleset's period: each gets a flag on the item (JSON), on the terminal summary and
on the scoresheet — or a located error where no reasonable reading exists.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from conftest import DATA, EXAMPLES, GOOD_MINI, RULES

from engine.cli import main

MINI = DATA / "mini.yaml"
AS_OF = "2014-01-15T09:00:00+08:00"


def run(args: list, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return info.value.code, out, err


def mini_unit(**changes) -> dict:
    data = json.loads(json.dumps(GOOD_MINI, ensure_ascii=False))
    data.pop("复核", None)
    data["指标"].update(changes)
    return data


def write_json(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def form_with(tmp_path: Path, capsys, name: str, value, number_format: str | None = None) -> tuple[Path, str]:
    """A filled mini 填报表 with one indicator's input cell set by hand; returns (path, cell)."""
    src = write_json(tmp_path / "unit.json", mini_unit())
    form = tmp_path / "填报表.xlsx"
    code, _, err = run(["template", MINI, "-o", form, "--from", src], capsys)
    assert code == 0, err
    wb = openpyxl.load_workbook(form)
    ws = wb["指标"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == name)
    cell = ws.cell(row, 7)
    cell.value = value
    if number_format is not None:
        cell.number_format = number_format
    wb.save(form)
    return form, cell.coordinate


def item(result: dict, rule_id: str) -> dict:
    return next(i for i in result["items"] if i["rule_id"] == rule_id)


def test_a_fraction_in_a_plain_percent_cell_is_flagged_everywhere(tmp_path, capsys):
    # the "tried" case: 0.98 meant 98% but was read as 0.98%
    form, cell = form_with(tmp_path, capsys, "备案率", 0.98)
    code, out, err = run([form, "--rules", MINI, "--format", "json", "--as-of", AS_OF], capsys)
    assert code == 0, err
    a02 = item(json.loads(out), "A-02")
    [flag] = [f for f in a02["flags"] if "0.98" in f]
    assert f"指标!{cell}" in flag and "百分比" in flag and "98" in flag.replace("0.98", "")
    sheet = tmp_path / "评分表.xlsx"
    code, _, err = run([form, "--rules", MINI, "-o", sheet, "--as-of", AS_OF], capsys)
    assert code == 0
    assert flag in err  # the terminal summary
    ws = openpyxl.load_workbook(sheet)["评分表"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 10).value == "A-02")
    assert flag in ws.cell(row, 9).value  # 扣分说明 on the sheet


@pytest.mark.parametrize("value", [1, 0.5])
def test_any_value_up_to_one_in_a_plain_percent_cell_is_flagged(tmp_path, capsys, value):
    form, _ = form_with(tmp_path, capsys, "备案率", value)
    code, out, err = run([form, "--rules", MINI, "--format", "json"], capsys)
    assert code == 0, err
    assert item(json.loads(out), "A-02")["flags"]


def test_a_percent_formatted_cell_is_read_as_percent_without_a_flag(tmp_path, capsys):
    form, _ = form_with(tmp_path, capsys, "备案率", 0.98, "0%")
    code, out, err = run([form, "--rules", MINI, "--format", "json"], capsys)
    assert code == 0, err
    a02 = item(json.loads(out), "A-02")
    assert a02["deduction"] == "1.00" and a02["flags"] == []


def test_a_plain_percent_above_one_is_not_flagged(tmp_path, capsys):
    form, _ = form_with(tmp_path, capsys, "备案率", 98)
    code, out, err = run([form, "--rules", MINI, "--format", "json"], capsys)
    assert code == 0, err
    assert item(json.loads(out), "A-02")["flags"] == []


def test_a_count_written_as_a_decimal_is_read_as_the_count_with_a_flag(tmp_path, capsys):
    sub = write_json(tmp_path / "unit.json", mini_unit(专题学法次数=3.0))
    code, out, err = run([sub, "--rules", MINI, "--format", "json"], capsys)
    assert code == 0, err
    a03 = item(json.loads(out), "A-03")
    assert a03["deduction"] == "0.30"
    assert any("3.0" in f and "3" in f for f in a03["flags"])


def test_a_count_with_a_fraction_is_still_an_error(tmp_path, capsys):
    sub = write_json(tmp_path / "unit.json", mini_unit(专题学法次数=3.5))
    code, _, err = run([sub, "--rules", MINI, "--format", "json"], capsys)
    assert code == 3 and "整数" in err


RATES = """规则集:
  编号: rate-alone
  名称: 只报比率测试
  考核年度: 2021
  适用期间: {起: 2021, 止: 2025}
  总分: 4
  单位类型: [区直部门]
  等次:
    默认: {优秀: 3.6, 良好: 3.2, 合格: 2.4}
指标:
  应诉案件数: {标签: 开庭审理数, 类型: 次数, 单位: 件}
  出庭件数: {标签: 负责人出庭件数, 类型: 次数, 单位: 件}
  出庭应诉率: {标签: 负责人出庭应诉率, 类型: 百分比, 单位: "%", 分子: 出庭件数, 分母: 应诉案件数, 可只报比率: 是}
  办结件数: {标签: 投诉办结件数, 类型: 次数, 单位: 件}
  受理件数: {标签: 投诉受理件数, 类型: 次数, 单位: 件}
  办结率: {标签: 投诉办结率, 类型: 百分比, 单位: "%", 分子: 办结件数, 分母: 受理件数}
评分细则:
  - 一级指标: 应诉
    二级指标:
      - 名称: 应诉
        评分项:
          - {编号: M-01, 考核内容: 出庭应诉, 分值: 2, 评分标准: 出庭应诉率须达100%，每低1个百分点扣0.1分。,
             计分方式: 比率不足扣分, 指标: 出庭应诉率, 每低一个百分点扣分: 0.1}
          - {编号: M-02, 考核内容: 投诉办结, 分值: 2, 评分标准: 办结率须达100%，每低1个百分点扣0.1分。,
             计分方式: 比率不足扣分, 指标: 办结率, 每低一个百分点扣分: 0.1}
"""


def test_a_rate_without_its_counts_is_scored_and_flagged_where_the_ruleset_allows_it(tmp_path, capsys):
    rules = tmp_path / "rates.yaml"
    rules.write_text(RATES, encoding="utf-8")
    data = {
        "单位名称": "区测试局",
        "单位类型": "区直部门",
        "考核年度": 2022,
        "指标": {"出庭应诉率": 98.5, "办结件数": 10, "受理件数": 10},
    }
    sub = write_json(tmp_path / "unit.json", data)
    code, out, err = run([sub, "--rules", rules, "--format", "json"], capsys)
    assert code == 0, err
    m01 = item(json.loads(out), "M-01")
    assert m01["deduction"] == "0.15"
    assert any("未提供分子分母，无法复核" in f for f in m01["flags"])
    sheet = tmp_path / "评分表.xlsx"
    code, _, err = run([sub, "--rules", rules, "-o", sheet], capsys)
    assert code == 0 and "未提供分子分母，无法复核" in err


def test_a_rate_without_its_counts_is_refused_where_the_ruleset_does_not_allow_it(tmp_path, capsys):
    rules = tmp_path / "rates.yaml"
    rules.write_text(RATES, encoding="utf-8")
    data = {
        "单位名称": "区测试局",
        "单位类型": "区直部门",
        "考核年度": 2022,
        "指标": {"出庭应诉率": 98.5, "办结率": 98.5},
    }
    sub = write_json(tmp_path / "unit.json", data)
    line = next(n for n, t in enumerate(sub.read_text("utf-8").splitlines(), 1) if '"办结率"' in t)
    code, _, err = run([sub, "--rules", rules, "--format", "json"], capsys)
    assert code == 3
    assert f"{sub}:{line}:" in err and "办结件数" in err and "受理件数" in err


def test_a_year_outside_the_rulesets_period_is_on_the_summary_and_the_sheet(tmp_path, capsys):
    data = json.loads((EXAMPLES / "huashan-2012.json").read_text("utf-8"))
    data.pop("复核", None)
    data["考核年度"] = 2030
    sub = write_json(tmp_path / "unit.json", data)
    sheet = tmp_path / "评分表.xlsx"
    code, _, err = run([sub, "--rules", RULES / "demo-district-2013.yaml", "-o", sheet], capsys)
    assert code == 0
    assert "适用期间为2012—2020年度" in err
    texts = [str(c.value) for row in openpyxl.load_workbook(sheet)["评分表"].iter_rows() for c in row if c.value]
    assert any("适用期间为2012—2020年度" in t and "2030" in t for t in texts)


def test_a_year_outside_every_shipped_rulesets_period_is_an_error_at_the_year(tmp_path, capsys):
    data = json.loads((EXAMPLES / "huashan-2012.json").read_text("utf-8"))
    data.pop("复核", None)
    data["考核年度"] = 2030
    sub = write_json(tmp_path / "unit.json", data)
    line = next(n for n, t in enumerate(sub.read_text("utf-8").splitlines(), 1) if '"考核年度"' in t)
    code, _, err = run([sub, "--format", "json"], capsys)
    assert code == 3 and f"{sub}:{line}:" in err and "2030" in err


def test_the_readme_lists_every_reading_the_form_intake_makes():
    readme = (Path(__file__).resolve().parents[2] / "docs" / "详细说明.md").read_text("utf-8")  # the README's reference
    section = readme.split("### How the 填报表 is read", 1)[1].split("\n## ", 1)[0]
    for reading in ("百分比格式", "Excel 日期", "文本格式的数字", "全角数字", "3.0", "公式"):
        assert reading in section, reading
