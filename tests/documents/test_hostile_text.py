"""User text in workbooks stays text; unit names become safe file names inside the output folder."""

from __future__ import annotations

import json
import os

import openpyxl
import pytest
from conftest import DATA, GOOD_MINI, with_values

from engine.cli import main
from engine.files.naming import MAX_STEM_BYTES, safe_filename

MINI = str(DATA / "mini.yaml")
FORMULA_LIKE = [
    "=1+1",
    '=HYPERLINK("http://evil.example","点此")',
    "+86-10-1234",
    "-5",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


def run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(args)
    return info.value.code


def test_text_that_looks_like_a_formula_is_written_as_text(tmp_path):
    records = [{"案号": text, "结果": "败诉"} for text in FORMULA_LIKE]
    data = with_values(GOOD_MINI, 诉讼案件=records)
    data["单位名称"] = "=2+2"
    data["数据说明"] = {"备案率": "=A1*2", "满意率": "@IMPORT", "专题学法次数": "\t=tab"}
    sub = tmp_path / "s.json"
    sub.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out.xlsx"
    assert run([str(sub), "--rules", MINI, "-o", str(out)]) == 0

    book = openpyxl.load_workbook(out)
    cells = {}
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cells.setdefault(cell.value, []).append(cell)
    # a CR cannot survive XML (it is read back as LF); the engine writes LF on purpose
    expected = [t.replace("\r", "\n") for t in FORMULA_LIKE] + ["=A1*2", "@IMPORT", "\t=tab"]
    for text in expected:
        assert text in cells, text
        for cell in cells[text]:
            assert cell.data_type == "s", (cell.coordinate, text)
    assert {c.parent.title for c in cells["=1+1"]} == {"申报数据"}
    # bad-record events carry the 案号 inside a sentence; no cell anywhere is a formula but ours
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    ours = {"评分表": "EGH", "考核结果": "CG"}  # 考核结果: 总分 and 等次 over the 评分表's 总分
                    assert cell.column_letter in ours.get(ws.title, ""), (ws.title, cell.coordinate)
    header = book["评分表"].oddHeader.right.text
    assert header == "=2+2"


def test_ampersands_in_the_unit_name_do_not_become_header_codes(tmp_path):
    data = dict(GOOD_MINI, 单位名称="A&B&P局" + "长" * 190)
    sub = tmp_path / "s.json"
    sub.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out.xlsx"
    assert run([str(sub), "--rules", MINI, "-o", str(out)]) == 0
    header = openpyxl.load_workbook(out)["评分表"].oddHeader.right.text
    assert header.startswith("A&&B&&P局") and len(header) <= 255


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("花山区人民政府", "花山区人民政府-2012年度评分表.xlsx"),
        ("../../etc/passwd", "etc_passwd-2012年度评分表.xlsx"),
        ("区/县:司法*局?", "区_县_司法_局-2012年度评分表.xlsx"),
        ("..", "未命名单位-2012年度评分表.xlsx"),
        ("  .隐藏. ", "隐藏-2012年度评分表.xlsx"),
        ("a\x00b\x1bc\u202ed\u200be", "abcde-2012年度评分表.xlsx"),  # invisible characters dropped
        ("CON", "_CON-2012年度评分表.xlsx"),
        ('<>:"\\|?*', "未命名单位-2012年度评分表.xlsx"),
        ("行\n政\t局", "行政局-2012年度评分表.xlsx"),
    ],
)
def test_safe_filename(unit, expected):
    assert safe_filename(unit, 2012, set()) == expected


def test_a_200_character_name_is_cut_to_fit_and_collisions_get_numbers():
    taken: set[str] = set()
    long = "法" * 200
    first = safe_filename(long, 2012, taken)
    assert len(first.encode("utf-8")) <= MAX_STEM_BYTES + len("-2012年度评分表-2.xlsx".encode()) and first.endswith(
        "-2012年度评分表.xlsx"
    )
    assert first.startswith("法" * 40)
    second = safe_filename(long, 2012, taken)
    assert second != first and second.endswith("-2012年度评分表-2.xlsx")
    assert len(second.encode("utf-8")) <= MAX_STEM_BYTES + len("-2012年度评分表-2.xlsx".encode())
    assert safe_filename("Abc", 2012, taken) == "Abc-2012年度评分表.xlsx"
    assert safe_filename("abc", 2012, taken) == "abc-2012年度评分表-2.xlsx"  # case-insensitive file systems
    assert safe_filename("a/b", 2012, taken) == "a_b-2012年度评分表.xlsx"
    assert safe_filename("a:b", 2012, taken) == "a_b-2012年度评分表-2.xlsx"


@pytest.mark.parametrize(
    "unit",
    ["../../outside", "/etc/cron.d/x", "..", "a/../../b", "C:\\Windows\\x", "x" * 200, "法" * 200],
)
def test_the_default_scoresheet_lands_inside_the_current_folder(tmp_path, monkeypatch, unit):
    work = tmp_path / "work"
    work.mkdir()
    sub = tmp_path / "s.json"
    sub.write_text(json.dumps(dict(GOOD_MINI, 单位名称=unit), ensure_ascii=False), encoding="utf-8")
    monkeypatch.chdir(work)
    assert run([str(sub), "--rules", MINI]) == 0
    [written] = list(work.iterdir())
    assert written.name.endswith("-2013年度评分表.xlsx") and not written.name.startswith(".")
    assert written.resolve().parent == work.resolve()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json", "work"]
    assert len(os.fsencode(written.name)) <= MAX_STEM_BYTES + len("-2012年度评分表-2.xlsx".encode())
