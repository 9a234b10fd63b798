"""Recalculate the 评分表 in headless LibreOffice after an assessor's edits and check the totals.

Expected numbers are worked out by hand from tests/sample_results.py (see its docstring):
applicable 分值 95, total_points 100, bonus cap 3.
"""

from __future__ import annotations

import shutil

import lo
import pytest
from openpyxl import load_workbook
from sample_results import find_row, sample_result

import scoresheets

pytestmark = [  # slow: LibreOffice recalculation
    pytest.mark.slow,
    pytest.mark.libreoffice,
    pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice (soffice)"),
]

EXACT = 1e-9


def _edit(src, dst, rule_id, column, value):
    wb = load_workbook(src)
    ws = wb["评分表"]
    ws[f"{column}{find_row(ws, 'J', rule_id)}"] = value
    wb.save(dst)


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    """name -> recalculated workbook (data_only); all files go through one soffice run."""
    src_dir = tmp_path_factory.mktemp("src")
    out_dir = tmp_path_factory.mktemp("out")
    result = sample_result()
    original = src_dir / "original.xlsx"
    scoresheets.write_scoresheet(result, original)
    _edit(original, src_dir / "full_score_item.xlsx", "A1-2", "G", 3)  # 0 -> 3 on a 满分 item
    _edit(original, src_dir / "raised.xlsx", "C3-1", "G", 1.75)  # 0.75 -> 1.75
    _edit(original, src_dir / "big_bonus.xlsx", "J-1", "H", 5)  # above the cap of 3
    _edit(original, src_dir / "half.xlsx", "C3-1", "G", 25)  # 0.75 -> 25
    _edit(src_dir / "half.xlsx", src_dir / "failing.xlsx", "A1-2", "G", 15)  # and 0 -> 15: below 60
    files = sorted(src_dir.glob("*.xlsx"))
    outs = lo.recalc(files, out_dir)
    return result, {p.stem: load_workbook(p, data_only=True) for p in outs}


def _cell(wb, label=None, rule_id=None, column="H"):
    ws = wb["评分表"]
    row = find_row(ws, "J", rule_id) if rule_id else find_row(ws, "A", label)
    return ws[f"{column}{row}"].value


def _total(wb):
    """The cell the defined name 总分 points to."""
    ((sheet, coord),) = wb.defined_names["总分"].destinations
    return wb[sheet][coord.replace("$", "")].value


def test_unedited_workbook_matches_engine(recalculated):
    result, books = recalculated
    wb = books["original"]
    assert _total(wb) == pytest.approx(float(result.total), abs=EXACT)
    assert _total(wb) == pytest.approx(89.66, abs=EXACT)
    assert _cell(wb, "总分") == _total(wb)
    for item in result.items:
        if item.counted:
            assert _cell(wb, rule_id=item.rule_id) == pytest.approx(float(item.score), abs=EXACT), item.rule_id
    for cat in result.categories:
        assert _cell(wb, f"{cat.name} 小计") == pytest.approx(float(cat.score), abs=EXACT)
        assert _cell(wb, f"{cat.name} 小计", column="E") == pytest.approx(float(cat.max_points), abs=EXACT)
        assert _cell(wb, f"{cat.name} 小计", column="G") == pytest.approx(float(cat.deduction), abs=EXACT)
    assert _cell(wb, "基础得分") == pytest.approx(float(result.base_score), abs=EXACT)
    assert _cell(wb, "适用分值") == pytest.approx(float(result.applicable_points), abs=EXACT)
    assert _cell(wb, "折算得分") == pytest.approx(float(result.scaled_score), abs=EXACT)
    assert _cell(wb, "加分合计") == pytest.approx(float(result.bonus_total), abs=EXACT)
    assert _cell(wb, "得分率（%）") == pytest.approx(float(result.score_rate), abs=EXACT)
    assert _cell(wb, "系统计算总分") == pytest.approx(float(result.total), abs=EXACT)


def test_deduction_on_full_score_item(recalculated):
    _, books = recalculated
    wb = books["full_score_item"]
    assert _cell(wb, rule_id="A1-2") == pytest.approx(12, abs=EXACT)  # 15 - 3
    assert _cell(wb, "依法全面履行政府职能 小计") == pytest.approx(20, abs=EXACT)  # 8 + 12
    assert _cell(wb, "依法全面履行政府职能 小计", column="G") == pytest.approx(5, abs=EXACT)
    assert _cell(wb, "依法全面履行政府职能 小计", column="E") == pytest.approx(25, abs=EXACT)
    assert _cell(wb, "基础得分") == pytest.approx(80.75, abs=EXACT)
    assert _cell(wb, "折算得分") == pytest.approx(85.0, abs=EXACT)  # 80.75 × 100 ÷ 95
    assert _total(wb) == pytest.approx(86.5, abs=EXACT)  # + 1.5 bonus
    # The plain engine value does not move: it shows the sheet was edited.
    assert _cell(wb, "系统计算总分") == pytest.approx(89.66, abs=EXACT)


def test_raised_deduction(recalculated):
    _, books = recalculated
    wb = books["raised"]
    assert _cell(wb, rule_id="C3-1") == pytest.approx(23.25, abs=EXACT)
    assert _cell(wb, "严格规范公正文明执法 小计") == pytest.approx(33.25, abs=EXACT)
    assert _cell(wb, "基础得分") == pytest.approx(82.75, abs=EXACT)
    assert _cell(wb, "折算得分") == pytest.approx(87.11, abs=EXACT)  # 82.75 × 100 ÷ 95 = 87.105…
    assert _total(wb) == pytest.approx(88.61, abs=EXACT)
    assert _cell(wb, "得分率（%）") == pytest.approx(87.11, abs=EXACT)


def test_bonus_capped(recalculated):
    _, books = recalculated
    wb = books["big_bonus"]
    assert _cell(wb, "加分合计") == pytest.approx(3, abs=EXACT)
    assert _total(wb) == pytest.approx(91.16, abs=EXACT)  # 88.16 + 3


def test_the_first_sheet_follows_an_assessors_edit(recalculated):
    _, books = recalculated
    front = books["original"]["考核结果"]
    assert (front["C4"].value, front["G4"].value) == (pytest.approx(89.66, abs=EXACT), "合格")  # capped: 良好 by total
    assert _cell(books["original"], "等次") == "合格"
    failing = books["failing"]
    # 83.75 − 24.25 − 15 = 44.5; × 100 ÷ 95 = 46.84; + 1.5 bonus
    assert failing["考核结果"]["C4"].value == pytest.approx(48.34, abs=EXACT) == _total(failing)
    assert failing["考核结果"]["G4"].value == "不合格" == _cell(failing, "等次")
