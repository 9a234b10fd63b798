"""Checks on an .xlsx file from outside before anything reads its contents.

An .xlsx is a zip archive. `check_xlsx` reads only the archive's central directory and refuses,
before a single member is decompressed:

- a file larger than MAX_XLSX_BYTES (10 MiB; a filled-in form is tens of KiB);
- something that is not a zip archive, or not an Excel workbook ([Content_Types].xml and
  xl/workbook.xml missing);
- more than MAX_MEMBERS members, or more than MAX_UNCOMPRESSED_BYTES (100 MiB) in total once
  expanded, or any member over 1 MiB that expands more than MAX_RATIO (100) times — a zip bomb;
- encrypted members, member names that are absolute or contain `..`, and macros (vbaProject.bin).

Python's zipfile stops each member at the size the directory declares (and checks its CRC), so
limits checked on the directory hold while openpyxl reads.

A .docx (a plan read by `rules import-plan`, a report read by `extract`) is a zip archive too:
`check_docx` applies the same archive limits, requiring word/document.xml.

These are the only xlsx limits: every workbook read (a 填报表 submission, a scoresheet given to
verify) goes through `check_xlsx` with them. (The 填报表 reader once capped members at 500; a
form written by `assess template` has about a dozen, and 1,000 still refuses a bomb from the
directory alone.) Formulas are not this module's concern: the 填报表 reader refuses a formula in
an input cell outright.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import NamedTuple

from engine.errors import (
    InputError,
    Location,
    Problem,
    SubmissionError,
)

MAX_XLSX_BYTES = 10 * 1024 * 1024
MAX_MEMBERS = 1_000
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_RATIO = 100
RATIO_FLOOR = 1024 * 1024  # small members may compress very well without harm
REQUIRED = ("[Content_Types].xml", "xl/workbook.xml")


def check_xlsx(path: Path | str, error: type[InputError] = SubmissionError) -> None:
    """Raise `error` if the file is too large, not a workbook, or a zip bomb (see module doc)."""
    _check_archive(Path(path), error, _XLSX)


def check_docx(path: Path | str, error: type[InputError]) -> None:
    """Raise `error` if the file is too large, not a Word document, or a zip bomb (see module doc)."""
    _check_archive(Path(path), error, _DOCX)


class _Kind(NamedTuple):
    ext: str
    what: str
    required: tuple[str, ...]
    container: str


_XLSX = _Kind("xlsx", "Excel 工作簿", REQUIRED, "工作簿")
_DOCX = _Kind("docx", "Word 文档（.docx）", ("[Content_Types].xml", "word/document.xml"), "文档")


def _check_archive(path: Path, error: type[InputError], kind: _Kind) -> None:
    ext, container = kind.ext, kind.container
    where = Location(str(path))
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise error(Problem(where, "文件不存在", "file.missing")) from None
    except OSError as exc:
        raise error(Problem(where, f"无法读取文件：{exc.strerror}", "file.unreadable")) from None
    if size > MAX_XLSX_BYTES:
        raise error(Problem(where, f"文件过大（{size} 字节），{ext} 上限为 {MAX_XLSX_BYTES} 字节", "file.too-large"))
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise error(
            Problem(where, f"不是有效的 {ext} 文件（无法作为 zip 压缩包打开）", f"{ext}.not-a-workbook")
        ) from None
    names = {info.filename for info in infos}
    missing = [name for name in kind.required if name not in names]
    if missing:
        raise error(Problem(where, f"不是 {kind.what}（缺少 {missing[0]}）", f"{ext}.not-a-workbook"))
    if len(infos) > MAX_MEMBERS:
        raise error(Problem(where, f"压缩包内文件过多（{len(infos)} 个，上限 {MAX_MEMBERS}）", f"{ext}.zip-bomb"))
    total = 0
    for info in infos:
        member = Location(str(path), path=(info.filename,))
        if info.flag_bits & 0x1:
            raise error(Problem(member, f"{container}已加密，请取消密码后再提交", f"{ext}.encrypted"))
        if info.filename.startswith(("/", "\\")) or ".." in info.filename.replace("\\", "/").split("/"):
            raise error(Problem(member, "压缩包内的文件名不合法", f"{ext}.bad-member-name"))
        if info.filename.lower().endswith("vbaproject.bin"):
            raise error(Problem(member, f"{container}含有宏，请另存为不含宏的 .{ext} 后再提交", f"{ext}.macros"))
        total += info.file_size
        if total > MAX_UNCOMPRESSED_BYTES:
            raise error(
                Problem(where, f"解压后内容过大（超过 {MAX_UNCOMPRESSED_BYTES} 字节），疑似压缩炸弹", f"{ext}.zip-bomb")
            )
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise error(Problem(member, f"压缩比异常（{ratio} 倍，上限 {MAX_RATIO}），疑似压缩炸弹", f"{ext}.zip-bomb"))
