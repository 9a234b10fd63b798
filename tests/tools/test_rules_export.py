"""`assess rules export`: the criteria table as xlsx (read back) and Markdown."""

from __future__ import annotations

import pytest
from conftest import DATA
from openpyxl import load_workbook

from engine.cli import main

MINI = str(DATA / "mini.yaml")


def run(args, capsys):
    with pytest.raises(SystemExit) as info:
        main(args)
    return (info.value.code, *capsys.readouterr())


def test_xlsx_criteria_table(tmp_path, capsys):
    out = tmp_path / "评分细则.xlsx"
    code, _, err = run(["rules", "export", MINI, "-o", str(out)], capsys)
    assert code == 0 and "评分细则已写入" in err
    wb = load_workbook(out)
    assert wb.sheetnames == ["评分细则", "申报指标"]
    ws = wb["评分细则"]
    assert ws["A1"].value == "测试规则集" and "A1:H1" in {str(r) for r in ws.merged_cells.ranges}
    assert [ws.cell(3, c).value for c in range(1, 9)] == [
        "一级指标",
        "二级指标",
        "序号",
        "考核内容",
        "分值",
        "评分标准",
        "数据来源",
        "适用单位",
    ]
    assert ws["A4"].value == "制度建设（10分）"
    assert [ws.cell(5, c).value for c in range(1, 9)] == [
        "制度建设",
        "规范性文件",
        "1",
        "规范性文件报备",
        "2",
        "规范性文件未报备的，每件扣1分，以2分为限。",
        "单位申报：规范性文件未报备件数",
        "全部",
    ]
    rows = {ws.cell(r, 4).value: r for r in range(4, ws.max_row + 1)}
    assert ws.cell(rows["镇街专项"], 8).value == "镇街"
    assert ws.cell(rows["法治宣传"], 7).value == "考核组评定"
    texts = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    assert "加分项" in texts and "一票否决事项" in texts and "等次评定" in texts
    assert "各类单位：总分18分及以上为优秀，16分及以上为良好，12分及以上为合格，其余为不合格。" in texts
    assert "触发一票否决事项的，等次为不合格。" in texts
    ind = wb["申报指标"]
    found = {ind.cell(r, 1).value: [ind.cell(r, c).value for c in range(2, 7)] for r in range(3, ind.max_row + 1)}
    assert found["满意率"] == ["群众满意率（选填）", "百分比", "%", "0–100", "全部"]
    assert found["诉讼案件"][3] == "每条记录：案号、审理结果"
    for sheet in wb.worksheets:
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and "&P" in sheet.oddFooter.center.text
        assert sheet.print_title_rows


def test_markdown_to_stdout(capsys):
    code, out, _ = run(["rules", "export", MINI], capsys)
    assert code == 0
    assert out.startswith("# 测试规则集\n")
    assert "## 制度建设（10分）" in out and "## 执法监督（10分）" in out
    assert (
        "| 制度建设 | 规范性文件 | 2 | 备案率 | 2 | 备案率须达100%，每低1个百分点扣0.5分。 | 单位申报：规范性文件备案率 | 全部 |"
        in out
    )
    assert "- 有不良记录的，等次不得高于良好；有严重不良记录的，等次不得高于合格。" in out


def test_xlsx_needs_an_output_file(capsys):
    code, _, err = run(["rules", "export", MINI, "--format", "xlsx"], capsys)
    assert code == 2 and "-o" in err


def test_a_tables_own_grades_and_veto_result(capsys):
    from conftest import RULES

    code, out, _ = run(["rules", "export", str(RULES / "county-dept-2024.yaml")], capsys)
    assert code == 0
    assert "- 各类单位：总分32分及以上为目标完成，24分及以上为基本完成，其余为未完成。" in out
    assert "- 有不良记录的，等次不得高于基本完成；有严重不良记录的，等次不得高于未完成。" in out
    assert "- 触发一票否决事项的，等次为未完成。" in out
    code, out, _ = run(["rules", "export", str(RULES / "enforcement-selfcheck-2024.yaml")], capsys)
    assert "- 本表不评定等次。" in out and "等次不得高于" not in out
    assert "- 触发一票否决事项的，自查结论为不合格，须限期整改。" in out
