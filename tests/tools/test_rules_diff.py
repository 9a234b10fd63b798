"""`assess rules diff`: what changed between two years' criteria, as text and xlsx."""

from __future__ import annotations

import pytest
from conftest import DATA
from openpyxl import load_workbook

from engine.cli import main

MINI = (DATA / "mini.yaml").read_text(encoding="utf-8")


def run(args, capsys):
    with pytest.raises(SystemExit) as info:
        main(args)
    return (info.value.code, *capsys.readouterr())


def next_year() -> str:
    text = MINI.replace("考核年度: 2013", "考核年度: 2014")
    text = text.replace(
        "每低1个百分点扣0.5分。\n            计分方式: 比率不足扣分\n            指标: 备案率\n            每低一个百分点扣分: 0.5",
        "每低1个百分点扣1分。\n            计分方式: 比率不足扣分\n            指标: 备案率\n            每低一个百分点扣分: 1",
    )
    text = text.replace("            考核内容: 专题学法\n", "            考核内容: 领导干部专题学法\n")
    text = text.replace("编号: B-05", "编号: B-07")  # renumbered, same content
    text = text.replace("适用单位: [镇街]\n加分项", "适用单位: [镇街, 区直部门]\n加分项")
    text = text.replace(
        "{条件: 报告报送日期 <= 2013-03-31, 得分: 0.5}", "{条件: 报告报送日期 <= 2013-04-15, 得分: 0.5}"
    )
    # drop A-04, add C-01 (same points, so the total still adds up)
    start = text.index("          - 编号: A-04")
    end = text.index("          - 编号: A-05")
    text = text[:start] + text[end:]
    text = text.replace("  - 一级指标: 制度建设\n    分值: 10", "  - 一级指标: 制度建设\n    分值: 9")
    text = text.replace(
        "加分项:",
        """  - 一级指标: 新增
    二级指标:
      - 名称: 新增
        评分项:
          - 编号: C-01
            考核内容: 合法性审核
            分值: 1
            评分标准: 未经合法性审核的，扣1分。
            计分方式: 条件扣分
            条件: 非 制定工作要点
加分项:""",
    )
    return text


def test_diff_lists_every_kind_of_change(tmp_path, capsys):
    old = tmp_path / "2013.yaml"
    new = tmp_path / "2014.yaml"
    old.write_text(MINI, encoding="utf-8")
    new.write_text(next_year(), encoding="utf-8")
    out_xlsx = tmp_path / "diff.xlsx"
    code, out, err = run(["rules", "diff", str(old), str(new), "-o", str(out_xlsx), "--exit-code"], capsys)
    assert code == 1, err
    lines = out.splitlines()
    assert lines[0] == "2013.yaml → 2014.yaml：修改5处，更名1处，新增1处，删除1处，编号变更1处"
    assert len(lines) == 10
    assert set(lines[1:]) == {
        "［修改］规则集 考核年度 考核年度：2013 → 2014",
        "［修改］评分项 A-02（备案率） 评分标准：备案率须达100%，每低1个百分点扣0.5分。 → 备案率须达100%，每低1个百分点扣1分。",
        "［修改］评分项 A-02（备案率） 每低一个百分点扣分：0.5 → 1",
        "［更名］评分项 A-03（领导干部专题学法）：专题学法 → 领导干部专题学法",
        "［修改］评分项 B-01（年度报告） 档次：[{条件: 报告报送日期 <= 2013-03-01，得分: 2}；{条件: 报告报送日期 <= 2013-03-31，得分: 0.5}]"
        " → [{条件: 报告报送日期 <= 2013-03-01，得分: 2}；{条件: 报告报送日期 <= 2013-04-15，得分: 0.5}]",
        "［修改］评分项 B-06（镇街专项） 适用单位：[镇街] → [镇街；区直部门]",
        "［新增］评分项 C-01（合法性审核）",
        "［编号变更］评分项 B-07（满意度）：B-05 → B-07",
        "［删除］评分项 A-04（工作要点）",
    }
    ws = load_workbook(out_xlsx)["变更"]
    assert [ws.cell(2, c).value for c in range(1, 9)] == [
        "序号",
        "变更",
        "部分",
        "编号/指标",
        "考核内容/名称",
        "变更项",
        "原值",
        "新值",
    ]
    rows = [[ws.cell(r, c).value for c in range(2, 9)] for r in range(3, ws.max_row + 1)]
    assert ["修改", "评分项", "A-02", "备案率", "每低一个百分点扣分", "0.5", "1"] in rows
    assert ["删除", "评分项", "A-04", "工作要点", None, None, None] in rows
    assert ws.page_setup.orientation == "landscape"


def test_identical_files_have_no_changes(tmp_path, capsys):
    old = tmp_path / "a.yaml"
    old.write_text(MINI, encoding="utf-8")
    code, out, _ = run(["rules", "diff", str(old), str(DATA / "mini.yaml"), "--exit-code"], capsys)
    assert code == 0 and out == "a.yaml 与 mini.yaml 的评分细则没有差别。\n"
