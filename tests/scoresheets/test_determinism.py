"""The same inputs and --as-of give byte-identical workbooks and JSON, whatever the clock, time zone or hash seed."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT

AS_OF = "2014-01-15T09:00:00+08:00"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def folder_digests(folder: Path) -> dict[str, str]:
    """sha256 of every file in a folder, by name: what two runs must agree on."""
    return {p.name: sha(p) for p in sorted(folder.iterdir()) if p.is_file()}


def assess(args: list[str], env: dict[str, str], cwd: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "engine", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("example", ["problem-department.json"])
def test_two_runs_give_identical_bytes(tmp_path, example):
    runs = []
    for n, (seed, tz) in enumerate([("1", "UTC"), ("2", "Asia/Shanghai")]):
        out = tmp_path / f"run{n}"
        out.mkdir()
        env = dict(os.environ, PYTHONHASHSEED=seed, TZ=tz)
        assess([str(EXAMPLES / example), "-o", str(out / "评分表.xlsx"), "--as-of", AS_OF], env, out)
        assess(
            [str(EXAMPLES / example), "--format", "json", "-o", str(out / "result.json"), "--as-of", AS_OF], env, out
        )
        runs.append(folder_digests(out))
    assert runs[0] == runs[1] and len(runs[0]) == 2
    with zipfile.ZipFile(tmp_path / "run0" / "评分表.xlsx") as zf:
        assert {info.date_time for info in zf.infolist()} == {(2014, 1, 15, 9, 0, 0)}
        core = zf.read("docProps/core.xml").decode()
    # the values, not the markup: openpyxl serialises attributes differently with and without lxml
    import re

    assert re.search(r"<dcterms:created[^>]*>2014-01-15T01:00:00Z</dcterms:created>", core)
    assert re.search(r"<dcterms:modified[^>]*>2014-01-15T01:00:00Z</dcterms:modified>", core)
    assert re.search(r"<dc:creator[^>]*>fazhi-assess 0.1.0</dc:creator>", core)


def test_a_different_assessment_time_changes_only_what_records_it(tmp_path):
    import datetime as dt

    from engine import api
    from engine.render.json_out import to_json
    from scoresheets.workbook import scoresheet_bytes

    one = api.assess_file(EXAMPLES / "huashan-2012.json", as_of=dt.datetime.fromisoformat(AS_OF))
    two = api.assess_file(EXAMPLES / "huashan-2012.json", as_of=dt.datetime.fromisoformat("2014-02-01T10:00:00+08:00"))
    assert scoresheet_bytes(one) == scoresheet_bytes(one)
    assert scoresheet_bytes(one) != scoresheet_bytes(two)
    assert to_json(one).replace("2014-01-15T09:00:00", "2014-02-01T10:00:00") == to_json(two)


@pytest.mark.slow  # two batch runs with worker processes
def test_batch_outputs_are_identical_with_one_and_two_jobs(tmp_path):
    """`assess batch` output must not depend on --jobs: every file's sha256 is compared."""
    digests = []
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}"
        assess(["batch", str(EXAMPLES), "-o", str(out), "--jobs", jobs, "--as-of", AS_OF], dict(os.environ), ROOT)
        digests.append(folder_digests(out))
    assert digests[0] == digests[1] and digests[0]


def test_written_once_as_a_rewritten_archive_would_be(mini):
    """The members are dated and given fixed attributes as they are written; the bytes are those a
    rewrite of openpyxl's own archive (every member re-added with the fixed date, deflated at the
    same level) gives."""
    import io

    from conftest import GOOD_MINI, score
    from openpyxl.writer.excel import ExcelWriter

    from scoresheets.reproducible import COMPRESS_LEVEL, _zip_time, workbook_bytes
    from scoresheets.workbook import assessed_at, build_workbook

    result = score(mini, GOOD_MINI)
    when = assessed_at(result)
    written = workbook_bytes(build_workbook(result), when)

    raw = io.BytesIO()
    ExcelWriter(build_workbook(result), zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()
    rewritten = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_zip_time(when))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.create_system = 3
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename), compresslevel=COMPRESS_LEVEL)
    assert written == rewritten.getvalue()
    with zipfile.ZipFile(io.BytesIO(written)) as archive:
        infos = archive.infolist()
    assert len(infos) > 5 and "xl/worksheets/sheet1.xml" in [i.filename for i in infos]
    assert {(i.date_time, i.create_system, i.external_attr) for i in infos} == {(_zip_time(when), 3, 0o644 << 16)}


def _sheet_xml(ws, writer_class) -> bytes:
    import io

    writer = writer_class(ws, out=io.BytesIO())
    writer.write()
    return writer.read()


def test_cells_written_as_openpyxl_writes_them():
    """Each distinct cell element is made once and written again at other places: the XML is
    openpyxl's own for every kind of cell, in any order, on every sheet (a -0.0 stays "-0" after a
    0.0 of the same style; a sheet with a date, a comment or rich text is openpyxl's to write);
    headers and footers are each sheet's own."""
    import datetime as dt

    from openpyxl import Workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.worksheet._writer import WorksheetWriter

    from scoresheets.reproducible import _SheetWriter

    texts = [" 前后有空格 ", "两行\n文字", "", None, "=SUM(A1:A2)", "#N/A"]
    values = [*texts, 0, 0.0, -0.0, 1, 1.0, 2.5, float("nan"), True]
    wb = Workbook()
    sheets = [wb.active, wb.create_sheet(), wb.create_sheet()]
    for k, ws in enumerate(sheets):
        for n, value in enumerate(values if k != 1 else reversed(values)):
            for col in (1, 3):
                cell = ws.cell(row=n + 1 + k, column=col + k, value=value)
                if col == 3:
                    cell.font = Font(bold=True)
        ws.row_dimensions[40].height = 30  # a row with a height and no cells
    sheets[0].oddHeader.right.text = "甲 & 乙"
    sheets[1].oddHeader.right.text = "甲 & 乙"
    sheets[1].oddHeader.right.size = 9
    sheets[2].oddFooter.center.text = "第 &P 页"
    sheets[2]["A30"] = dt.date(2024, 1, 2)
    sheets[2]["B30"].comment = Comment("注", "作者")
    sheets[2]["C30"] = CellRichText(["a", TextBlock(InlineFont(b=True), "b")])
    for ws in sheets * 2:
        ours, theirs = _sheet_xml(ws, _SheetWriter), _sheet_xml(ws, WorksheetWriter)
        assert ours == theirs and b"<c r=" in ours
    assert b"-0</v>" in _sheet_xml(sheets[0], _SheetWriter)


def test_stylesheet_made_once_is_the_one_openpyxl_makes(mini):
    """The stylesheet kept for a set of style objects is written only for that set: workbooks
    written in turn, each with styles of its own (another fill, a conditional format, a named style
    of another font), each get openpyxl's own stylesheet."""
    import io

    from conftest import GOOD_MINI, score
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Font, NamedStyle, PatternFill
    from openpyxl.styles.stylesheet import write_stylesheet
    from openpyxl.xml.functions import tostring

    from scoresheets.cells import own
    from scoresheets.reproducible import workbook_bytes
    from scoresheets.workbook import assessed_at, build_workbook

    result = score(mini, GOOD_MINI)

    def plain():
        return build_workbook(result)

    def filled():
        wb = build_workbook(result)
        own(wb.worksheets[1]["A1"]).fill = PatternFill("solid", fgColor="00FF00")
        return wb

    def formatted():
        wb = build_workbook(result)
        rule = CellIsRule(operator="equal", formula=["1"], fill=PatternFill("solid", fgColor="0000FF"))
        wb.worksheets[1].conditional_formatting.add("A1:A3", rule)
        return wb

    def named():
        wb = build_workbook(result)
        wb.add_named_style(NamedStyle("另一种", font=Font(name="黑体", size=30)))
        wb.worksheets[1]["A1"].style = "另一种"
        return wb

    sheets = set()
    for make in (plain, filled, plain, formatted, named, plain, named):
        wb = make()
        with zipfile.ZipFile(io.BytesIO(workbook_bytes(wb, assessed_at(result)))) as archive:
            written = archive.read("xl/styles.xml")
        assert written == tostring(write_stylesheet(wb))
        sheets.add(written)
    assert len(sheets) == 4
