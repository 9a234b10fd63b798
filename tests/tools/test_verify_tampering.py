"""`assess verify` checks what a reader sees: each way of tampering a scoresheet is found at its cell.

Every test builds a real scoresheet with the CLI, tampers it (openpyxl, or the zip's XML for what
openpyxl cannot write, such as a formula's cached value), runs verify and asserts the exit code
and the sheet!cell named.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import EXAMPLES, RULES

from engine.cli import main

SUBMISSION = EXAMPLES / "huashan-2012.json"
RULES_FILE = RULES / "demo-district-2013.yaml"
REVIEW = EXAMPLES / "reviews" / "review.yaml"
AS_OF = "2014-01-15T09:00:00+08:00"
PROBLEM = EXAMPLES / "problem-department.json"  # three 严重 bad records
SCORESHEET_XML = "xl/worksheets/sheet1.xml"  # 评分表, the first sheet


def run(args: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    captured = capsys.readouterr()
    return info.value.code, captured.out + captured.err


@pytest.fixture(scope="module")
def sheet(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tamper") / "评分表.xlsx"
    with pytest.raises(SystemExit):
        main(
            [str(SUBMISSION), "--rules", str(RULES_FILE), "-o", str(path), "--as-of", AS_OF]
            + ["--overrides", str(REVIEW)]
        )
    return path


@pytest.fixture(scope="module")
def problem_sheet(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tamper") / "问题单位.xlsx"
    with pytest.raises(SystemExit):
        main([str(PROBLEM), "-o", str(path), "--as-of", AS_OF])
    return path


def verify(path: Path, capsys, submission: Path = SUBMISSION) -> tuple[int, str]:
    if submission == SUBMISSION:
        return run(["verify", str(path), str(SUBMISSION), str(RULES_FILE), "--overrides", str(REVIEW)], capsys)
    return run(["verify", str(path), str(submission)], capsys)


def row_of(ws, label: str, col: int = 1) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, col).value == label)


def edited(sheet: Path, tmp_path: Path, change) -> Path:
    """The sheet changed with openpyxl: change(workbook)."""
    book = openpyxl.load_workbook(sheet)
    change(book)
    out = tmp_path / "edited.xlsx"
    book.save(out)
    return out


def zip_edited(sheet: Path, tmp_path: Path, member: str, change, extra: dict[str, str] | None = None) -> Path:
    """The sheet with one member's XML text changed (and extra members added), everything else as it was."""
    out = tmp_path / "zipped.xlsx"
    with zipfile.ZipFile(sheet) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == member:
                text = change(data.decode("utf-8"))
                data = text.encode("utf-8")
            dst.writestr(info, data)
        for name, text in (extra or {}).items():
            dst.writestr(name, text)
    return out


def total_row(sheet: Path) -> int:
    return row_of(openpyxl.load_workbook(sheet)["评分表"], "总分")


def with_formula(sheet: Path, tmp_path: Path, cell: str, formula: str, cached: str | None = None) -> Path:
    """A formula put in a cell of 评分表 by editing the XML, with a stored (cached) result if given."""

    def change(xml: str) -> str:
        v = f"<v>{cached}</v>" if cached is not None else "<v></v>"
        new, count = re.subn(
            rf'<c r="{cell}"([^>]*)>.*?</c>', rf'<c r="{cell}"\1><f>{formula}</f>{v}</c>', xml, count=1
        )
        assert count == 1
        return new

    return zip_edited(sheet, tmp_path, SCORESHEET_XML, change)


# -- what passes -----------------------------------------------------------------------------------


def test_an_untouched_sheet_passes(sheet, capsys):
    code, out = verify(sheet, capsys)
    assert code == 0
    assert "一致：评分表与重新计算的结果相符（核对 160 处，逐格比对 " in out
    assert "复核改动" not in out


def test_an_assessors_review_of_a_deduction_is_a_review_change_with_its_totals_recomputed(sheet, tmp_path, capsys):
    def review(book):
        ws = book["评分表"]
        ws.cell(row_of(ws, "ZD-01", 10), 7).value = 1.5

    path = edited(sheet, tmp_path, review)
    ws = openpyxl.load_workbook(path)["评分表"]
    row, total = row_of(ws, "ZD-01", 10), row_of(ws, "总分")
    code, out = verify(path, capsys)
    assert code == 0, out
    assert out.startswith("一致：")
    lines = out.splitlines()
    assert f"  评分表!G{row}（ZD-01 扣分）：0 → 1.5" in lines
    assert f"  评分表!H{row}（ZD-01 得分（按复核改动重新计算））：4 → 2.5" in lines
    # 1.5 more deducted: 基础得分 91.37 → 89.87, rescaled ×100/98: 93.23 → 91.7
    assert f"  评分表!H{total}（总分 得分（按复核改动重新计算））：93.23 → 91.7" in lines

    code, out = run(
        ["verify", str(path), str(SUBMISSION), str(RULES_FILE), "--overrides", str(REVIEW)] + ["--format", "json"],
        capsys,
    )
    doc = json.loads(out[: out.rindex("}") + 1])
    assert code == 0 and doc["matches"] is True and doc["differences"] == []
    assert doc["reviews"][0] == {
        "cell": f"评分表!G{row}",
        "what": "ZD-01 扣分",
        "sheet": "1.5",
        "expected": "0",
        "against": "重新计算",
    }
    assert len(doc["reviews"]) == 8 and doc["compared"] > 1000


def test_a_review_outside_the_items_points_is_not_a_review(sheet, tmp_path, capsys):
    def review(book):
        ws = book["评分表"]
        ws.cell(row_of(ws, "ZD-01", 10), 7).value = -3  # would raise the score

    path = edited(sheet, tmp_path, review)
    row = row_of(openpyxl.load_workbook(path)["评分表"], "ZD-01", 10)
    code, out = verify(path, capsys)
    assert code == 1
    assert f"评分表!G{row}（ZD-01 扣分（复核值须为 0 到 4 之间的数））：表中 -3，本系统写出 0" in out


# -- tampering: each found at its cell ----------------------------------------------------------------


def test_a_changed_cached_total_is_found(sheet, tmp_path, capsys):
    total = total_row(sheet)
    path = zip_edited(
        sheet,
        tmp_path,
        SCORESHEET_XML,
        lambda xml: xml.replace("<f>ROUND(H54+H58,2)</f><v></v>", "<f>ROUND(H54+H58,2)</f><v>99.5</v>"),
    )
    assert total == 59
    code, out = verify(path, capsys)
    assert code == 1
    assert f"评分表!H{total}（总分 得分 公式的缓存值（不重新计算的程序显示它））：表中 99.5，重新计算 93.23" in out


def test_a_number_format_that_shows_other_text_is_found(sheet, tmp_path, capsys):
    total = total_row(sheet)
    path = edited(sheet, tmp_path, lambda b: setattr(b["评分表"].cell(total, 8), "number_format", '"99.50"'))
    code, out = verify(path, capsys)
    assert code == 1
    assert (
        f'评分表!H{total}（总分 得分 数字格式）：表中 "99.50"（显示为文字“99.50”而不是单元格的值），本系统写出 0.00'
        in out
    )


def test_an_edited_title_block_total_is_found(sheet, tmp_path, capsys):
    def change(book):
        ws = book["评分表"]
        ws["H2"].value = ws["H2"].value.replace("93.23", "99.50")

    code, out = verify(edited(sheet, tmp_path, change), capsys)
    assert code == 1
    assert "评分表!H2（单元格）：表中 总分 99.50" in out


def test_an_edited_deduction_note_is_found(sheet, tmp_path, capsys):
    def change(book):
        ws = book["评分表"]
        ws.cell(row_of(ws, "ZZ-04", 10), 9).value = "按时报送"

    path = edited(sheet, tmp_path, change)
    row = row_of(openpyxl.load_workbook(path)["评分表"], "ZZ-04", 10)
    code, out = verify(path, capsys)
    assert code == 1
    assert f"评分表!I{row}（ZZ-04 扣分说明）：表中 按时报送，本系统写出 年度报告报送日期=2013-06-04" in out


def test_deleted_severe_rows_on_the_bad_records_sheet_are_found(problem_sheet, tmp_path, capsys):
    book = openpyxl.load_workbook(problem_sheet)
    ws = book["不良记录"]
    severe = [r for r in range(1, ws.max_row + 1) if ws.cell(r, 5).value == "严重"]
    assert len(severe) == 3
    for r in reversed(severe):
        ws.delete_rows(r)
    path = tmp_path / "no-severe.xlsx"
    book.save(path)
    code, out = verify(path, capsys, PROBLEM)
    assert code == 1
    assert f"不良记录!E{severe[0]}（严重程度）：" in out  # the first deleted row, now another record


def test_a_hidden_row_is_found(problem_sheet, tmp_path, capsys):
    ws = openpyxl.load_workbook(problem_sheet)["不良记录"]
    severe = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 5).value == "严重")
    path = edited(problem_sheet, tmp_path, lambda b: setattr(b["不良记录"].row_dimensions[severe], "hidden", True))
    code, out = verify(path, capsys, PROBLEM)
    assert code == 1
    assert f"不良记录!{severe}:{severe}（行）：表中 已隐藏，本系统写出 可见" in out


def test_white_text_is_found(sheet, tmp_path, capsys):
    from openpyxl.styles import Font

    def change(book):
        ws = book["评分表"]
        ws.cell(row_of(ws, "ZZ-04", 10), 9).font = Font(color="FFFFFF")

    path = edited(sheet, tmp_path, change)
    row = row_of(openpyxl.load_workbook(path)["评分表"], "ZZ-04", 10)
    code, out = verify(path, capsys)
    assert code == 1
    assert f"评分表!I{row}（ZZ-04 扣分说明 字体）：表中 文字颜色 FFFFFF 与底色相同（看不见）" in out


def test_a_webservice_formula_with_a_cached_value_is_found(sheet, tmp_path, capsys):
    total = total_row(sheet)
    path = with_formula(sheet, tmp_path, f"H{total}", 'WEBSERVICE("http://example.com/score")', "99.5")
    code, out = verify(path, capsys)
    assert code == 1
    assert f"评分表!H{total}（总分）：表中 无法核对的公式 =WEBSERVICE(" in out
    assert f"评分表!H{total}（总分 得分 公式）：" in out
    assert "函数 WEBSERVICE 不在本系统使用的函数（ABS、IF、MAX、MIN、ROUND、SUM）之列" in out


def test_a_reference_to_another_workbook_is_found(sheet, tmp_path, capsys):
    total = total_row(sheet)
    path = with_formula(sheet, tmp_path, f"H{total}", "[1]Sheet1!A1", "99.5")
    code, out = verify(path, capsys)
    assert code == 1
    assert f"评分表!H{total}（总分 得分 公式）：表中 =[1]Sheet1!A1" in out
    assert "引用其他工作簿或工作表" in out


def test_an_external_link_part_is_found(sheet, tmp_path, capsys):
    link = '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
    path = zip_edited(sheet, tmp_path, "xl/workbook.xml", lambda x: x, {"xl/externalLinks/externalLink1.xml": link})
    code, out = verify(path, capsys)
    assert code == 1
    assert "xl/externalLinks/externalLink1.xml（工作簿部件）：表中 有此部件" in out


def test_a_formula_replaced_by_its_value_is_found(sheet, tmp_path, capsys):
    total = total_row(sheet)
    path = edited(sheet, tmp_path, lambda b: setattr(b["评分表"].cell(total, 8), "value", 93.23))
    code, out = verify(path, capsys)
    assert code == 1  # the value is right today, but no longer follows the 扣分 above it
    assert f"评分表!H{total}（总分 得分）：表中 93.23，本系统写出 =ROUND(H54+H58,2)" in out


# -- bounded evaluation ---------------------------------------------------------------------------------


def test_a_big_sum_is_refused_quickly(sheet, tmp_path, capsys):
    total = total_row(sheet)
    big = "SUM(" + ",".join(["AA1:AZ3000"] * 500) + ")"  # 5 KB of text, 39 million cells
    code, out = verify(with_formula(sheet, tmp_path, f"H{total}", big), capsys)
    assert code == 3
    assert f"!评分表!H{total}" in out and "公式读取的单元格过多（超过 200000 个）" in out


def test_a_long_chain_of_cells_is_refused(sheet, tmp_path, capsys):
    total = total_row(sheet)

    def change(xml: str) -> str:
        chain = "".join(f'<row r="{r}"><c r="Z{r}"><f>Z{r + 1}+1</f><v></v></c></row>' for r in range(1000, 4000))
        xml = re.sub(rf'<c r="H{total}"([^>]*)>.*?</c>', rf'<c r="H{total}"\1><f>Z1000</f><v></v></c>', xml, count=1)
        return xml.replace("</sheetData>", chain + "</sheetData>")

    code, out = verify(zip_edited(sheet, tmp_path, SCORESHEET_XML, change), capsys)
    assert code == 3
    assert "公式嵌套或单元格引用链过深（超过 40 层）" in out and f"（自 评分表!H{total} 起）" in out


def test_numbers_beyond_excels_range_are_refused(sheet, tmp_path, capsys):
    total = total_row(sheet)
    code, out = verify(with_formula(sheet, tmp_path, f"H{total}", "1E600000*1E600000"), capsys)
    assert code == 3
    assert f"!评分表!H{total}" in out and "数值 1E600000 超出 Excel 的数值范围" in out


def test_a_tampered_copy_is_never_written_over(sheet, tmp_path):
    # the tampering tests work on copies: the module's sheet stays as the engine wrote it
    copy = tmp_path / "copy.xlsx"
    shutil.copy(sheet, copy)
    assert copy.read_bytes() == sheet.read_bytes()


def test_a_comment_a_hidden_sheet_and_an_added_sheet_are_found(sheet, tmp_path, capsys):
    from openpyxl.comments import Comment

    def change(book):
        ws = book["评分表"]
        ws.cell(row_of(ws, "总分"), 9).comment = Comment("实际总分 99.5", "x")
        book["申报数据"].sheet_state = "hidden"
        book.create_sheet("说明")["A1"] = "总分以本页为准：99.5"

    path = edited(sheet, tmp_path, change)
    total = total_row(path)
    code, out = verify(path, capsys)
    assert code == 1
    assert f"评分表!I{total}（总分 扣分说明 批注）：表中 实际总分 99.5" in out
    assert "申报数据（工作表）：表中 已隐藏，本系统写出 可见" in out
    assert "说明（工作表）：表中 有此工作表" in out


def test_a_merged_range_over_a_total_and_rich_text_are_found(sheet, tmp_path, capsys):
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    def change(book):
        ws = book["评分表"]
        total = row_of(ws, "总分")
        ws.merge_cells(start_row=total, start_column=7, end_row=total, end_column=8)
        row = row_of(ws, "ZZ-04", 10)
        note = ws.cell(row, 9).value
        ws.cell(row, 9).value = CellRichText(note[:4], TextBlock(InlineFont(color="FFFFFF"), note[4:]))

    path = edited(sheet, tmp_path, change)
    book = openpyxl.load_workbook(path)
    total, row = row_of(book["评分表"], "总分"), row_of(book["评分表"], "ZZ-04", 10)
    code, out = verify(path, capsys)
    assert code == 1
    assert f"评分表!G{total}:H{total}（合并单元格）：表中 已合并" in out
    assert f"评分表!I{row}（ZZ-04 扣分说明 文字格式）：表中 部分文字另设字体或颜色" in out


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")
def test_sheets_saved_by_libreoffice_pass_and_its_stored_results_are_checked(sheet, tmp_path, capsys):
    """LibreOffice recalculates and stores every formula's result; re-saved, reviewed sheets still pass."""
    from lo import convert

    def review(book):
        ws = book["评分表"]
        ws.cell(row_of(ws, "ZD-01", 10), 7).value = 1.5

    reviewed = edited(sheet, tmp_path, review)
    (tmp_path / "in").mkdir()
    untouched = shutil.copy(sheet, tmp_path / "in" / "untouched.xlsx")
    saved, saved_reviewed = convert([Path(untouched), shutil.copy(reviewed, tmp_path / "in")], tmp_path / "lo")
    total = total_row(sheet)

    code, out = verify(saved, capsys)
    assert code == 0, out
    code, out = verify(saved_reviewed, capsys)
    assert code == 0, out
    assert f"  评分表!H{total}（总分 得分（按复核改动重新计算））：93.23 → 91.7" in out.splitlines()

    stored = '<f aca="false">ROUND(H54+H58,2)</f><v>91.7</v>'
    assert stored in zipfile.ZipFile(saved_reviewed).read(SCORESHEET_XML).decode()
    forged = zip_edited(
        saved_reviewed, tmp_path, SCORESHEET_XML, lambda x: x.replace(stored, stored.replace("91.7", "99.5"))
    )
    code, out = verify(forged, capsys)
    assert code == 1
    assert f"评分表!H{total}（总分 得分 公式的缓存值（不重新计算的程序显示它））：表中 99.5，重新计算 91.7" in out


def test_a_conditional_format_that_shows_other_text_is_found(sheet, tmp_path, capsys):
    from openpyxl.formatting.rule import Rule
    from openpyxl.styles.differential import DifferentialStyle
    from openpyxl.styles.numbers import NumberFormat

    total = total_row(sheet)

    def change(book):
        shows = DifferentialStyle(numFmt=NumberFormat(numFmtId=200, formatCode='"99.50"'))
        rule = Rule(type="cellIs", operator="greaterThan", formula=["0"], dxf=shows)
        book["评分表"].conditional_formatting.add(f"H{total}", rule)

    code, out = verify(edited(sheet, tmp_path, change), capsys)
    assert code == 1
    assert f'评分表!H{total}（条件格式）：表中 cellIs greaterThan 0；数字格式 "99.50"' in out


@pytest.mark.slow
@pytest.mark.parametrize(
    "formula",
    [
        "SUM(" + ",".join(["AA1:AZ3000"] * 500) + ")",  # 39 million cells in 5 KB
        "SUM(" + ",".join(["AA1:AZ3000"] * 4000) + ")",  # 44 KB
        "(" * 400 + "1" + ")" * 400,
        "1E600000*1E600000",
    ],
    ids=["sum-39M-cells", "sum-44KB", "nested-400", "1E600000"],
)
def test_hostile_formulas_are_refused_within_memory_and_time(sheet, tmp_path, formula):
    """In a process limited to 1 GB of memory, each is refused (exit 3) in seconds, not swapped."""
    import resource
    import subprocess
    import sys

    total = total_row(sheet)
    path = with_formula(sheet, tmp_path, f"H{total}", formula)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    args = [str(path), str(SUBMISSION), str(RULES_FILE), "--overrides", str(REVIEW)]
    code = "import sys; from engine.cli import main; main(sys.argv[1:])"
    proc = subprocess.run(
        [sys.executable, "-c", code, "verify", *args], capture_output=True, text=True, timeout=60, preexec_fn=limit
    )
    assert proc.returncode == 3, proc.stderr
    assert f"!评分表!H{total}" in proc.stderr and "不予核对" in proc.stderr


def test_a_forged_page_header_and_a_validation_prompt_are_found(sheet, tmp_path, capsys):
    from openpyxl.worksheet.datavalidation import DataValidation

    total = total_row(sheet)

    def change(book):
        ws = book["评分表"]
        ws.oddHeader.right.text = "总分 99.50"
        prompt = DataValidation(type="decimal", showInputMessage=True, prompt="核定总分为 99.50")
        prompt.add(f"H{total}")
        ws.add_data_validation(prompt)

    code, out = verify(edited(sheet, tmp_path, change), capsys)
    assert code == 1
    assert "评分表（页眉右）（打印的页眉页脚）：表中 总分 99.50，本系统写出 花山区人民政府" in out
    assert f"评分表!H{total}（数据验证（选中单元格时的提示、输入的范围））：表中 decimal；核定总分为 99.50" in out


def test_text_that_reads_as_the_formula_or_as_the_number_is_found(sheet, tmp_path, capsys):
    total, system = total_row(sheet), row_of(openpyxl.load_workbook(sheet)["评分表"], "系统计算总分")

    def change(book):
        ws = book["评分表"]
        ws.cell(total, 8).value = "=ROUND(H54+H58,2)"
        ws.cell(total, 8).data_type = "s"  # shown as the text of the formula
        ws.cell(system, 8).value = "93.23"  # text now: looks the same, sorts and sums differently

    code, out = verify(edited(sheet, tmp_path, change), capsys)
    assert code == 1
    assert f"评分表!H{total}（总分）：表中 =ROUND(H54+H58,2)，重新计算 93.23" in out
    assert f"评分表!H{system}（系统计算总分）：表中 “93.23”（文字，不是数），重新计算 93.23" in out


def test_an_unlocked_note_cell_takes_text_as_a_review(sheet, tmp_path, capsys, monkeypatch):
    """A layout may leave a text cell for assessors (a 复核说明): text there is a review, a formula is not."""
    from scoresheets import workbook
    from scoresheets.cells import put_text
    from scoresheets.styles import INPUT

    write_sheet = workbook.write_scoresheet_sheet

    def with_a_note(wb, result):  # one unlocked, empty text cell after the last column of ZD-01's row
        ws = write_sheet(wb, result)
        row = next(r for (r, _), cell in sorted(ws._cells.items()) if cell.value == "ZD-01")
        put_text(ws, row, ws.max_column + 1, "", INPUT).number_format = "General"
        return ws

    monkeypatch.setattr(workbook, "write_scoresheet_sheet", with_a_note)
    path = tmp_path / "with-note.xlsx"
    with pytest.raises(SystemExit):
        main(
            [str(SUBMISSION), "--rules", str(RULES_FILE), "-o", str(path), "--as-of", AS_OF, "--overrides", str(REVIEW)]
        )
    ws = openpyxl.load_workbook(path)["评分表"]
    row, col = row_of(ws, "ZD-01", 10), ws.max_column
    ref = ws.cell(row, col).coordinate

    noted = edited(path, tmp_path, lambda b: setattr(b["评分表"].cell(row, col), "value", "经复核无误"))
    code, out = verify(noted, capsys)
    assert code == 0, out
    assert f"  评分表!{ref}（ZD-01）：（空） → 经复核无误" in out.splitlines()

    formula = edited(path, tmp_path, lambda b: setattr(b["评分表"].cell(row, col), "value", "=H59"))
    code, out = verify(formula, capsys)
    assert code == 1
    assert f"评分表!{ref}（ZD-01（复核说明须为文字））：表中 =H59" in out


def test_a_print_area_that_leaves_out_the_severe_records_is_found(problem_sheet, tmp_path, capsys):
    ws = openpyxl.load_workbook(problem_sheet)["不良记录"]
    severe = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 5).value == "严重")
    path = edited(problem_sheet, tmp_path, lambda b: setattr(b["不良记录"], "print_area", f"A1:G{severe - 1}"))
    code, out = verify(path, capsys, PROBLEM)
    assert code == 1
    assert f"不良记录（打印区域）：表中 '不良记录'!$A$1:$G${severe - 1}，本系统写出 '不良记录'!$A$1:$G$" in out
