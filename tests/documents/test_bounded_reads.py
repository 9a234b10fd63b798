"""Every reader reads at most its limit from the stream, whatever stat() says, and only regular
files: a device, FIFO or socket is refused before a byte is read (a FIFO never hangs); a /proc
file, which says it is empty, is read only up to the limit; zip archives (xlsx and docx) are
refused from their directory; a worksheet's rows and cells are bounded before openpyxl reads it."""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import run_cli as run

from engine.documents import xlsx_guard
from engine.documents.source import read_bytes
from engine.errors import SubmissionError

ROOT = Path(__file__).resolve().parents[2]
HUASHAN = ROOT / "examples" / "huashan-2012.json"
RULES = ROOT / "rules" / "demo-district-2013.yaml"


# every entry point that reads a file, with the argument that is replaced by the hostile one
READERS = {
    "submission": lambda p: [p, "--format", "json"],
    "rules": lambda p: [HUASHAN, "--rules", p, "--format", "json"],
    "overrides": lambda p: [HUASHAN, "--overrides", p, "--format", "json"],
    "extract": lambda p: ["extract", p, "--rules", RULES],
    "template-from": lambda p: ["template", RULES, "--from", p, "-o", "{tmp}/t.xlsx"],
    "rules-test": lambda p: ["rules", "test", p],
    "rules-diff": lambda p: ["rules", "diff", p, RULES],
    "rules-export": lambda p: ["rules", "export", p, "-o", "{tmp}/x.md"],
    "verify": lambda p: ["verify", p, HUASHAN],
    "explain": lambda p: ["explain", p, "--all", "--rules", RULES],
}


def _args(reader: str, hostile: Path, tmp_path: Path) -> list:
    return [str(a).replace("{tmp}", str(tmp_path)) for a in READERS[reader](hostile)]


@pytest.mark.parametrize("reader", sorted(READERS))
def test_dev_zero_is_refused_by_every_reader(capsys, tmp_path, reader):
    code, err = run(capsys, _args(reader, Path("/dev/zero"), tmp_path))
    assert code == 3, err
    assert "/dev/zero: 不是普通文件（设备、管道或套接字），不读取" in err


@pytest.mark.parametrize("reader", sorted(READERS))
def test_a_fifo_without_a_writer_is_refused_not_waited_for(capsys, tmp_path, reader):
    fifo = tmp_path / "管道.json"
    os.mkfifo(fifo)
    code, err = run(capsys, _args(reader, fifo, tmp_path))
    assert code == 3, err
    assert f"{fifo}: 不是普通文件" in err


def test_a_proc_file_is_read_only_up_to_the_limit():
    assert os.stat("/proc/self/maps").st_size == 0  # what a size check before reading would see
    with pytest.raises(SubmissionError) as info:
        read_bytes(Path("/proc/self/maps"), SubmissionError, max_bytes=64)
    assert str(info.value.problems[0]) == "/proc/self/maps: 文件过大（超过 64 字节），上限为 64 字节"


def test_a_file_that_grows_past_the_limit_after_stat_is_cut_at_the_limit(tmp_path, monkeypatch):
    path = tmp_path / "s.json"
    path.write_bytes(b"x" * 100)
    real_fstat = os.fstat

    def lying(fd):  # says the file is empty, as /proc and growing files do
        info = real_fstat(fd)
        return os.stat_result((info.st_mode, *info[1:6], 0, *info[7:]))

    monkeypatch.setattr(os, "fstat", lying)
    with pytest.raises(SubmissionError) as info:
        read_bytes(path, SubmissionError, max_bytes=50)
    assert info.value.problems[0].code == "file.too-large"


# -- docx in extract -------------------------------------------------------------------------


def _docx(members: list[tuple[str, bytes]]) -> bytes:
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return raw.getvalue()


DOCUMENT = b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body/></w:document>'


@pytest.mark.parametrize(
    ("case", "members", "fragment"),
    [
        ("bomb", [("word/document.xml", DOCUMENT + b" " * (20 * 1024 * 1024))], "疑似压缩炸弹"),
        ("too-many", [("word/document.xml", DOCUMENT)] + [(f"m{i}", b"") for i in range(1001)], "压缩包内文件过多"),
        ("duplicate", [("word/document.xml", DOCUMENT), ("word/document.xml", DOCUMENT)], "压缩包内有两个同名的文件"),
        ("bad-name", [("word/document.xml", DOCUMENT), ("../evil", b"")], "压缩包内的文件名不合法"),
    ],
)
def test_a_hostile_docx_is_refused_from_its_directory(capsys, tmp_path, case, members, fragment):
    path = tmp_path / "报告.docx"
    with pytest.warns(UserWarning) if case == "duplicate" else _nothing():
        path.write_bytes(_docx(members))
    code, err = run(capsys, ["extract", path, "--rules", RULES, "-o", tmp_path / "草稿.json"])
    assert code == 3, err
    assert fragment in err
    assert not (tmp_path / "草稿.json").exists()


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# -- worksheet bounds ------------------------------------------------------------------------


def _sheet_with(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "填报表.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = 1
    wb.save(path)
    out = tmp_path / "hostile.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", extra.encode() + b"</sheetData>")
            dst.writestr(info, data)
    return out


def test_a_cell_at_row_a_million_is_refused_before_openpyxl(tmp_path, monkeypatch):
    path = _sheet_with(tmp_path, '<row r="1000000"><c r="A1000000"><v>1</v></c></row>')
    monkeypatch.setattr(openpyxl, "load_workbook", None)  # never reached
    with pytest.raises(SubmissionError) as info:
        xlsx_guard.check_xlsx(path)
    [problem] = info.value.problems
    assert problem.code == "xlsx.too-many-rows"
    assert "工作表有第 1000000 行的内容，超过上限 20000 行" in str(problem)


def test_too_many_cells_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_guard, "MAX_CELLS", 100)
    cells = "".join(f'<c r="A{r}"><v>1</v></c><c r="B{r}"><v>1</v></c>' for r in range(2, 60))
    path = _sheet_with(tmp_path, f'<row r="2">{cells}</row>')
    with pytest.raises(SubmissionError) as info:
        xlsx_guard.check_xlsx(path)
    assert info.value.problems[0].code == "xlsx.too-many-cells"


def test_the_guard_returns_the_bytes_it_checked(tmp_path):
    path = tmp_path / "a.xlsx"
    openpyxl.Workbook().save(path)
    copy = tmp_path / "b.xlsx"
    shutil.copy(path, copy)
    assert xlsx_guard.check_xlsx(copy) == path.read_bytes()
