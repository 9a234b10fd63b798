"""Nothing lost: `assess` does not overwrite a scoresheet someone edited (its recorded content
hash no longer matches) unless told to with --force; it says which cells were edited."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from conftest import EXAMPLES

from engine.cli import main

AS_OF = "2014-01-15T09:00:00+08:00"
LATER = "2014-02-01T09:00:00+08:00"


def run(args: list, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return info.value.code, out, err


@pytest.fixture
def submission(tmp_path) -> Path:
    data = json.loads((EXAMPLES / "problem-department.json").read_text("utf-8"))
    path = tmp_path / "unit.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


@pytest.fixture
def sheet(tmp_path, submission, capsys) -> Path:
    path = tmp_path / "评分表.xlsx"
    code, _, err = run([submission, "-o", path, "--as-of", AS_OF], capsys)
    assert code == 0, err
    return path


def edit_deduction(path: Path, rule_id: str, value) -> str:
    wb = openpyxl.load_workbook(path)
    ws = wb["评分表"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 10).value == rule_id)
    ws.cell(row, 7).value = value
    wb.save(path)
    return f"评分表!G{row}"


def test_rerunning_over_an_untouched_sheet_rewrites_it(sheet, submission, capsys):
    code, _, err = run([submission, "-o", sheet, "--as-of", LATER], capsys)
    assert code == 0, err
    props = {p.name: p.value for p in openpyxl.load_workbook(sheet).custom_doc_props}
    assert props["评分时间"] == LATER


def test_a_sheet_saved_again_without_edits_is_not_taken_for_an_edited_one(sheet, submission, capsys):
    wb = openpyxl.load_workbook(sheet)
    wb.save(sheet)  # opened and saved, nothing changed
    code, _, err = run([submission, "-o", sheet, "--as-of", LATER], capsys)
    assert code == 0, err


def test_a_hand_edited_sheet_is_not_overwritten_and_the_edited_cells_are_named(sheet, submission, capsys):
    # the "tried" case: the assessor corrected a deduction by hand, then someone re-ran assess
    cell = edit_deduction(sheet, "ZF-02", 0.5)
    before = sheet.read_bytes()
    code, out, err = run([submission, "-o", sheet, "--as-of", LATER], capsys)
    assert code == 3
    assert sheet.read_bytes() == before  # nothing lost
    assert cell in err and "--force" in err and str(sheet) in err
    assert "Traceback" not in err


def test_force_overwrites_an_edited_sheet(sheet, submission, capsys):
    edit_deduction(sheet, "ZF-02", 0.5)
    code, _, err = run([submission, "-o", sheet, "--as-of", LATER, "--force"], capsys)
    assert code == 0, err
    ws = openpyxl.load_workbook(sheet)["评分表"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 10).value == "ZF-02")
    assert ws.cell(row, 7).value != 0.5


def test_an_edited_text_cell_counts_as_an_edit_too(sheet, submission, capsys):
    wb = openpyxl.load_workbook(sheet)
    ws = wb["评分表"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 10).value == "ZF-02")
    ws.cell(row, 9).value = "考核组已核实，改为扣0.5分"
    wb.save(sheet)
    before = sheet.read_bytes()
    code, _, err = run([submission, "-o", sheet, "--as-of", LATER], capsys)
    assert code == 3 and sheet.read_bytes() == before
    assert f"评分表!I{row}" in err


def test_a_file_that_is_not_a_scoresheet_is_not_overwritten(tmp_path, submission, capsys):
    other = tmp_path / "工作底稿.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "考核组的工作底稿"
    wb.save(other)
    before = other.read_bytes()
    code, _, err = run([submission, "-o", other, "--as-of", AS_OF], capsys)
    assert code == 3 and other.read_bytes() == before
    assert "--force" in err


def test_the_default_name_is_protected_too(tmp_path, submission, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run([submission, "--as-of", AS_OF], capsys)
    assert code == 0, err
    [sheet] = list(tmp_path.glob("*评分表.xlsx"))
    cell = edit_deduction(sheet, "ZF-02", 0.5)
    code, _, err = run([submission, "--as-of", LATER], capsys)
    assert code == 3 and cell in err
