"""The xlsx guard: oversized files and zip bombs refused before expansion, with one set of limits."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest

from engine.documents import xlsx_guard
from engine.documents.xlsx_guard import check_xlsx
from engine.errors import SubmissionError


def workbook(path, cells: dict[str, object]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "填报表"
    for ref, value in cells.items():
        ws[ref] = value
    wb.save(path)


def message(path) -> str:
    with pytest.raises(SubmissionError) as info:
        check_xlsx(path)
    [problem] = info.value.problems
    return str(problem)


def with_member(path, name: str, data: bytes, *, encrypted: bool = False) -> None:
    workbook(path, {"A1": 1})
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, data)
    if encrypted:  # zipfile cannot write encrypted members: set the flag in the central directory
        raw = bytearray(path.read_bytes())
        at = raw.rfind(b"PK\x01\x02")  # the last entry is the member just added
        assert raw[at + 46 : at + 46 + len(name)] == name.encode()
        raw[at + 8] |= 0x1
        path.write_bytes(bytes(raw))


def no_expansion(monkeypatch) -> None:
    """From here on, fail the test if anything reads a member's contents."""

    def refuse(*args, **kwargs):
        raise AssertionError("a member was read before the checks refused the file")

    monkeypatch.setattr(zipfile.ZipFile, "open", refuse)
    monkeypatch.setattr(zipfile.ZipFile, "read", refuse)


def test_a_plain_workbook_passes(tmp_path):
    path = tmp_path / "ok.xlsx"
    workbook(path, {"A1": "备案率", "B1": 98.5})
    assert check_xlsx(path) == path.read_bytes()


def test_a_file_over_the_cap_is_refused_before_it_is_opened(tmp_path, monkeypatch):
    path = tmp_path / "big.xlsx"
    path.write_bytes(b"PK" + b"\0" * (xlsx_guard.MAX_XLSX_BYTES + 1))
    no_expansion(monkeypatch)
    assert message(path) == f"{path}: 文件过大（{xlsx_guard.MAX_XLSX_BYTES + 3} 字节），xlsx 上限为 10485760 字节"


def test_not_a_zip_and_not_a_workbook(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_text("单位名称,备案率\n", encoding="utf-8")
    assert message(path).endswith("不是有效的 xlsx 文件（无法作为 zip 压缩包打开）")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "hi")
    assert message(path).endswith("不是 Excel 工作簿（缺少 [Content_Types].xml）")


def test_a_zip_bomb_is_refused_from_the_directory_alone(tmp_path, monkeypatch):
    path = tmp_path / "bomb.xlsx"
    with_member(path, "xl/media/bomb.bin", b"\0" * (20 * 1024 * 1024))
    assert path.stat().st_size < 100_000  # 20 MiB of zeros in a file of a few KiB
    no_expansion(monkeypatch)
    text = message(path)
    assert text.startswith(f"{path}: xl/media/bomb.bin: 压缩比异常（")
    assert text.endswith("倍，上限 100），疑似压缩炸弹")


def test_total_size_and_member_count_caps(tmp_path, monkeypatch):
    path = tmp_path / "many.xlsx"
    workbook(path, {"A1": 1})
    no_expansion(monkeypatch)
    monkeypatch.setattr(xlsx_guard, "MAX_UNCOMPRESSED_BYTES", 1000)
    assert message(path).endswith("解压后内容过大（超过 1000 字节），疑似压缩炸弹")
    monkeypatch.setattr(xlsx_guard, "MAX_MEMBERS", 3)
    assert message(path).endswith("压缩包内文件过多（9 个，上限 3）")


@pytest.mark.parametrize(
    ("name", "encrypted", "expected"),
    [
        ("xl/vbaProject.bin", False, "工作簿含有宏，请另存为不含宏的 .xlsx 后再提交"),
        ("../../evil.xml", False, "压缩包内的文件名不合法"),
        ("xl/secret.xml", True, "工作簿已加密，请取消密码后再提交"),
    ],
)
def test_macros_odd_names_and_encryption_are_refused(tmp_path, name, encrypted, expected):
    path = tmp_path / "odd.xlsx"
    with_member(path, name, b"x", encrypted=encrypted)
    assert message(path) == f"{path}: {name}: {expected}"


def test_the_submission_form_and_verify_use_the_guards_limits(tmp_path, monkeypatch):
    """One limit set: the 填报表 reader and the scoresheet reader refuse what the guard refuses."""
    from engine.errors import ScoresheetError
    from engine.intake.xlsx_form import read_workbook_submission
    from scoresheets.readback import read_scoresheet

    path = tmp_path / "many.xlsx"
    workbook(path, {"A1": 1})
    monkeypatch.setattr(xlsx_guard, "MAX_MEMBERS", 3)
    with pytest.raises(SubmissionError, match="压缩包内文件过多（9 个，上限 3）"):
        read_workbook_submission(path, None)
    with pytest.raises(ScoresheetError, match="压缩包内文件过多（9 个，上限 3）"):
        read_scoresheet(path)
