"""Checks on an .xlsx file from outside before anything reads its contents.

An .xlsx is a zip archive. `check_xlsx` reads only the archive's central directory and refuses,
before a single member is decompressed:

- a file larger than MAX_XLSX_BYTES (10 MiB; a filled-in form is tens of KiB);
- something that is not a zip archive, or not an Excel workbook ([Content_Types].xml and
  xl/workbook.xml missing);
- more than MAX_MEMBERS members, or more than MAX_UNCOMPRESSED_BYTES (100 MiB) in total once
  expanded, or any member over 1 MiB that expands more than MAX_RATIO (100) times — a zip bomb;
- encrypted members, member names that are absolute or contain `..`, a name used by two
  members (a reader would see one of them, a checker the other), and macros (vbaProject.bin);
- a worksheet with a cell beyond row MAX_ROWS or more than MAX_CELLS cells (found by scanning
  the sheet's XML as it is decompressed, before openpyxl makes one cell object).

The file is read once, at most MAX_XLSX_BYTES + 1 bytes, through `read_bytes` (a device or FIFO
is refused); `check_xlsx` returns those bytes, and readers open the workbook from them, never
from the path again. The same archive checks (`check_zip`) guard a .docx report in `extract`.

Python's zipfile stops each member at the size the directory declares (and checks its CRC), so
limits checked on the directory hold while openpyxl reads.

These are the only xlsx limits: every workbook read (a 填报表 submission, a scoresheet given to
verify) goes through `check_xlsx` with them. (The 填报表 reader once capped members at 500; a
form written by `assess template` has about a dozen, and 1,000 still refuses a bomb from the
directory alone.) Formulas are not this module's concern: the 填报表 reader refuses a formula in
an input cell outright.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from io import BytesIO
from pathlib import Path

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
MAX_ROWS = 20_000  # a 填报表 or scoresheet has hundreds; openpyxl would make every cell up to the last
MAX_CELLS = 500_000  # about 150 MB of openpyxl cell objects
REQUIRED = ("[Content_Types].xml", "xl/workbook.xml")


def check_xlsx(path: Path | str, error: type[InputError] = SubmissionError, *, as_input: bool = True) -> bytes:
    """The file's bytes; raise `error` if too large, not a workbook, a zip bomb, or too many rows (module doc)."""
    from engine.documents.source import read_bytes

    path = Path(path)
    raw, _ = read_bytes(path, error, MAX_XLSX_BYTES, kind="xlsx ", as_input=as_input)
    infos = check_zip(raw, str(path), error, REQUIRED, "xlsx")
    for info in infos:
        if info.filename.lower().endswith("vbaproject.bin"):
            member = Location(str(path), path=(info.filename,))
            raise error(Problem(member, "工作簿含有宏，请另存为不含宏的 .xlsx 后再提交", "xlsx.macros"))
    _check_sheets(raw, str(path), error, infos)
    return raw


def check_zip(
    raw: bytes, name: str, error: type[InputError], required: tuple[str, ...], kind: str
) -> list[zipfile.ZipInfo]:
    """The members of a zip archive (xlsx, docx), refused from its directory alone if it is a bomb."""
    where = Location(name)
    try:
        with zipfile.ZipFile(BytesIO(raw)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise error(Problem(where, *_BROKEN[kind])) from None
    names = {info.filename for info in infos}
    missing = [name for name in required if name not in names]
    if missing:
        raise error(Problem(where, f"不是 {_TITLE[kind]}（缺少 {missing[0]}）", _BROKEN[kind][1]))
    if len(infos) > MAX_MEMBERS:
        raise error(Problem(where, f"压缩包内文件过多（{len(infos)} 个，上限 {MAX_MEMBERS}）", f"{kind}.zip-bomb"))
    total = 0
    seen: set[str] = set()
    for info in infos:
        member = Location(name, path=(info.filename,))
        if info.flag_bits & 0x1:
            raise error(Problem(member, f"{_SHORT[kind]}已加密，请取消密码后再提交", f"{kind}.encrypted"))
        if info.filename.startswith(("/", "\\")) or ".." in info.filename.replace("\\", "/").split("/"):
            raise error(Problem(member, "压缩包内的文件名不合法", f"{kind}.bad-member-name"))
        if info.filename.lower() in seen:
            raise error(
                Problem(member, "压缩包内有两个同名的文件，不读取：请重新保存后再提交", f"{kind}.duplicate-member")
            )
        seen.add(info.filename.lower())
        total += info.file_size
        if total > MAX_UNCOMPRESSED_BYTES:
            raise error(
                Problem(
                    where, f"解压后内容过大（超过 {MAX_UNCOMPRESSED_BYTES} 字节），疑似压缩炸弹", f"{kind}.zip-bomb"
                )
            )
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise error(
                Problem(member, f"压缩比异常（{ratio} 倍，上限 {MAX_RATIO}），疑似压缩炸弹", f"{kind}.zip-bomb")
            )
    return infos


_BROKEN = {
    "xlsx": ("不是有效的 xlsx 文件（无法作为 zip 压缩包打开）", "xlsx.not-a-workbook"),
    "docx": ("不是有效的 .docx 文件（缺少 word/document.xml 或已损坏）", "report.format"),
}
_TITLE = {"xlsx": "Excel 工作簿", "docx": "Word 文档"}
_SHORT = {"xlsx": "工作簿", "docx": "文档"}
_SHEET = re.compile(r"xl/worksheets/[^/]+\.xml", re.IGNORECASE)
_ROW_NUMBER = re.compile(rb"<(?:\w+:)?(?:row|c)\s[^>]*?\br=\"[A-Z]{0,3}([0-9]{1,10})\"")
_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")
_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")
_OVERLAP = 256  # a tag cut by a chunk boundary is seen whole in the next window


def _check_sheets(raw: bytes, name: str, error: type[InputError], infos: list[zipfile.ZipInfo]) -> None:
    """Refuse a worksheet whose last row or cell count is past the limits, before openpyxl reads it."""
    with zipfile.ZipFile(BytesIO(raw)) as zf:
        titles = _sheet_titles(zf)
        for info in infos:
            if not _SHEET.fullmatch(info.filename):
                continue
            rows = cells = last = 0
            tail = b""
            try:
                with zf.open(info) as member:
                    while chunk := member.read(1 << 20):
                        window = tail + chunk
                        cut = max(len(window) - _OVERLAP, 0)
                        # count tags that start before the cut; the rest are counted in the next window
                        rows += sum(1 for m in _ROW.finditer(window) if m.start() < cut)
                        cells += sum(1 for m in _CELL.finditer(window) if m.start() < cut)
                        for m in _ROW_NUMBER.finditer(window):
                            last = max(last, int(m.group(1)))
                        tail = window[cut:]
                    rows += len(_ROW.findall(tail))
                    cells += len(_CELL.findall(tail))
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError):
                raise error(
                    Problem(Location(name, path=(info.filename,)), "工作表已损坏，无法读取", "xlsx.not-a-workbook")
                ) from None
            title = titles.get(info.filename)
            where = (
                Location(name, cell=f"{title}!A{max(last, rows)}") if title else Location(name, path=(info.filename,))
            )
            if max(last, rows) > MAX_ROWS:
                raise error(
                    Problem(
                        where,
                        f"工作表有第 {max(last, rows)} 行的内容，超过上限 {MAX_ROWS} 行；请删去多余的行后重试",
                        "xlsx.too-many-rows",
                    )
                )
            if cells > MAX_CELLS:
                raise error(
                    Problem(where, f"工作表的单元格过多（{cells} 个，上限 {MAX_CELLS}）", "xlsx.too-many-cells")
                )


def _sheet_titles(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet member → the sheet's name as Excel shows it (for messages); empty if not found."""
    from xml.etree import ElementTree

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    try:
        book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError, zipfile.BadZipFile, zlib.error, EOFError, OSError):
        return {}
    targets = {r.get("Id"): str(r.get("Target", "")).lstrip("/") for r in rels}
    titles = {}
    for sheet in book.iter(f"{main}sheet"):
        target = targets.get(sheet.get(rel), "")
        titles[target if target.startswith("xl/") else f"xl/{target}"] = str(sheet.get("name"))
    return titles
