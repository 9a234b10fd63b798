"""`assess verify`: a scoresheet is checked against a fresh assessment, cell by cell."""

from __future__ import annotations

import json

import openpyxl
import pytest
from conftest import EXAMPLES, RULES

from engine.cli import main
from engine.tools.verify import verify_scoresheet
from scoresheets.readback import read_scoresheet

SUBMISSION = EXAMPLES / "huashan-2012.json"
RULES_FILE = RULES / "demo-district-2013.yaml"
REVIEW = EXAMPLES / "reviews" / "review.yaml"  # the assessors' decision on XF-05
AS_OF = "2014-01-15T09:00:00+08:00"


def run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(args)
    return info.value.code


@pytest.fixture(scope="module")
def sheet(tmp_path_factory):
    path = tmp_path_factory.mktemp("verify") / "评分表.xlsx"
    with pytest.raises(SystemExit):
        main(
            [str(SUBMISSION), "--rules", str(RULES_FILE), "-o", str(path), "--as-of", AS_OF, "--overrides", str(REVIEW)]
        )
    return path


def row_of(ws, rule_id: str) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 10).value == rule_id)


def label_row(ws, label: str) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == label)


def test_an_untouched_scoresheet_matches(sheet, capsys):
    assert run(["verify", str(sheet), str(SUBMISSION), str(RULES_FILE), "--overrides", str(REVIEW)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("一致：评分表与重新计算的结果相符（核对 ")
    outcome = verify_scoresheet(read_scoresheet(sheet), SUBMISSION, RULES_FILE, REVIEW)
    # 40 counted items × 3 cells and 1 excluded (×2: 扣分, 得分 are "—"), 3 bonuses × 2, 7 小计 × 3,
    # 8 totals and the 待复核分值 row (JD-06 is pending), 2 hashes
    assert outcome.matches and outcome.checked == 40 * 3 + 1 * 2 + 3 * 2 + 7 * 3 + 8 + 1 + 2 == 160


def test_a_hand_edited_deduction_is_found_with_its_cell_and_its_effect_on_the_total(sheet, tmp_path, capsys):
    from scoresheets.fidelity import check_against_build

    book = openpyxl.load_workbook(sheet)
    ws = book["评分表"]
    row = row_of(ws, "ZD-01")
    assert ws.cell(row, 7).value == 0  # 花山区 filed every document: no deduction
    ws.cell(row, 7).value = 1.5
    edited = tmp_path / "edited.xlsx"
    book.save(edited)

    reading = read_scoresheet(edited)
    outcome = verify_scoresheet(reading, SUBMISSION, RULES_FILE, REVIEW)
    lines = [str(d) for d in outcome.differences]
    assert f"评分表!G{row}（ZD-01 扣分）：表中 1.5，重新计算 0" in lines
    assert f"评分表!H{row}（ZD-01 得分）：表中 2.5，重新计算 4" in lines
    total = label_row(ws, "总分")
    system = label_row(ws, "系统计算总分")
    # 1.5 more deducted: 基础得分 91.37 → 89.87, rescaled ×100/98 (ZF-08 does not apply): 93.23 → 91.7
    assert f"评分表!H{total}（总分）：表中 91.7，重新计算 93.23" in lines
    assert len(lines) == 8  # 扣分, 得分, 小计 扣分/得分, 基础得分, 折算得分, 总分, 得分率
    assert not any(f"评分表!H{system}" in line for line in lines)  # the plain value was not touched

    # the cell is one the sheet leaves for assessors: compared with a fresh build, every one of
    # the 8 is explained by that review change, recomputed exactly — not tampering
    check_against_build(reading, outcome)
    assert outcome.matches
    assert [str(d.cell) for d in outcome.reviews] == [f"评分表!G{row}"] + [d.split("（")[0] for d in lines[1:]]
    assert run(["verify", str(edited), str(SUBMISSION), str(RULES_FILE), "--overrides", str(REVIEW)]) == 0
    assert f"  评分表!H{total}（总分 得分（按复核改动重新计算））：93.23 → 91.7" in capsys.readouterr().out.splitlines()


def test_a_formula_replaced_by_a_number_and_an_edited_grade_are_found(sheet, tmp_path):
    book = openpyxl.load_workbook(sheet)
    ws = book["评分表"]
    total = label_row(ws, "总分")
    ws.cell(total, 8).value = 95
    ws.cell(label_row(ws, "等次"), 8).value = "不合格"
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    outcome = verify_scoresheet(read_scoresheet(edited), SUBMISSION, RULES_FILE, REVIEW)
    found = {d.what: (d.sheet, d.expected) for d in outcome.differences}
    assert outcome.result.grade.grade == "优秀"
    assert found == {"总分": ("95", "93.23"), "等次": ("不合格", "优秀")}


def test_another_submission_is_named_by_its_hash(sheet, tmp_path, capsys):
    other = tmp_path / "huashan.json"
    data = json.loads(SUBMISSION.read_text(encoding="utf-8"))
    data["指标"]["未报备规范性文件件数"] = 2
    other.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert run(["verify", str(sheet), str(other), str(RULES_FILE), "--overrides", str(REVIEW), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    whats = [d["what"] for d in doc["differences"]]
    assert doc["matches"] is False
    assert "ZD-01 扣分" in whats and "申报文件SHA-256" in whats
    assert "规则文件SHA-256" not in whats


def test_invalid_inputs_exit_3(sheet, tmp_path, capsys):
    not_a_sheet = tmp_path / "x.xlsx"
    not_a_sheet.write_text("hello", encoding="utf-8")
    assert run(["verify", str(not_a_sheet), str(SUBMISSION), str(RULES_FILE), "--overrides", str(REVIEW)]) == 3
    assert f"  {not_a_sheet}: 不是有效的 xlsx 文件" in capsys.readouterr().err
    other_book = tmp_path / "other.xlsx"
    openpyxl.Workbook().save(other_book)
    assert run(["verify", str(other_book), str(SUBMISSION), str(RULES_FILE), "--overrides", str(REVIEW)]) == 3
    assert "没有“评分表”工作表" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    assert run(["verify", str(sheet), str(bad), str(RULES_FILE), "--overrides", str(REVIEW)]) == 3
    assert f"  {bad}:" in capsys.readouterr().err


def test_the_audit_block_and_document_properties(sheet):
    import hashlib

    book = openpyxl.load_workbook(sheet)
    ws = book["评分表"]
    start = label_row(ws, "审计信息")
    block = {ws.cell(r, 1).value: ws.cell(r, 5).value for r in range(start + 1, start + 13)}
    assert block == {
        "规则集编号": "demo-district-2013",
        "规则文件": "demo-district-2013.yaml",
        "规则文件SHA-256": hashlib.sha256(RULES_FILE.read_bytes()).hexdigest(),
        "申报文件": "huashan-2012.json",
        "申报文件SHA-256": hashlib.sha256(SUBMISSION.read_bytes()).hexdigest(),
        "复核文件": "review.yaml",
        "复核文件SHA-256": hashlib.sha256(REVIEW.read_bytes()).hexdigest(),
        "复核决定": "XF-05（区依法行政考核组（演示），2013-04-12）",
        "分工表": "无",
        "分工表SHA-256": None,
        "引擎版本": "0.1.0",
        "评分时间": "2014年1月15日 09:00",  # the document property keeps ISO 8601
    }
    props = {p.name: p.value for p in book.custom_doc_props}
    assert len(props.pop("内容SHA-256")) == 64  # every cell as written (an edited sheet is not overwritten)
    # and, not shown, the unit as a later year's --history reads it back
    unit = {"单位名称": "花山区人民政府", "单位编码": None, "考核年度": "2012", "不良记录数": "0"}
    assert props == {**block, "评分时间": AS_OF, **unit}
    assert ws.print_area.endswith(f"$K${start + 12}")  # the block prints with the sheet (K: 自评分)
