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

Formulas in a submitted workbook (`formula_problems`): **the values Excel saved with the formulas
(cached values) are used**. A formula without a saved value (the file was written by a program
that does not calculate, e.g. openpyxl), with an error value (#DIV/0!, #REF!…) or referring to
another workbook is refused, naming sheet!cell — the value the unit sees in Excel must be the
value that is scored, and nothing outside the file may decide it. `open_workbook` runs both
checks and returns the workbook with values.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

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
_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!")


def check_xlsx(
    path: Path | str,
    error: type[InputError] = SubmissionError,
    *,
    max_bytes: int = MAX_XLSX_BYTES,
    max_members: int = MAX_MEMBERS,
    max_uncompressed: int = MAX_UNCOMPRESSED_BYTES,
    max_ratio: int = MAX_RATIO,
) -> None:
    """Raise `error` if the file is too large, not a workbook, or a zip bomb (see module doc)."""
    path = Path(path)
    where = Location(str(path))
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise error(Problem(where, "文件不存在")) from None
    except OSError as exc:
        raise error(Problem(where, f"无法读取文件：{exc.strerror}")) from None
    if size > max_bytes:
        raise error(Problem(where, f"文件过大（{size} 字节），xlsx 上限为 {max_bytes} 字节"))
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise error(Problem(where, "不是有效的 xlsx 文件（无法作为 zip 压缩包打开）")) from None
    names = {info.filename for info in infos}
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise error(Problem(where, f"不是 Excel 工作簿（缺少 {missing[0]}）"))
    if len(infos) > max_members:
        raise error(Problem(where, f"压缩包内文件过多（{len(infos)} 个，上限 {max_members}）"))
    total = 0
    for info in infos:
        member = Location(str(path), path=info.filename)
        if info.flag_bits & 0x1:
            raise error(Problem(member, "工作簿已加密，请取消密码后再提交"))
        if info.filename.startswith(("/", "\\")) or ".." in info.filename.replace("\\", "/").split("/"):
            raise error(Problem(member, "压缩包内的文件名不合法"))
        if info.filename.lower().endswith("vbaproject.bin"):
            raise error(Problem(member, "工作簿含有宏，请另存为不含宏的 .xlsx 后再提交"))
        total += info.file_size
        if total > max_uncompressed:
            raise error(Problem(where, f"解压后内容过大（超过 {max_uncompressed} 字节），疑似压缩炸弹"))
        if info.file_size > RATIO_FLOOR and info.file_size > max_ratio * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise error(Problem(member, f"压缩比异常（{ratio} 倍，上限 {max_ratio}），疑似压缩炸弹"))


def formula_problems(path: Path | str) -> list[Problem]:
    """Formula cells whose value cannot be used (see module doc), each at sheet!cell."""
    from openpyxl import load_workbook

    path = Path(path)
    formulas = load_workbook(path, data_only=False, read_only=True)
    values = load_workbook(path, data_only=True, read_only=True)
    problems: list[Problem] = []
    try:
        for sheet in formulas.sheetnames:
            for frow, vrow in zip(formulas[sheet].iter_rows(), values[sheet].iter_rows(), strict=False):
                for fcell, vcell in zip(frow, vrow, strict=False):
                    if getattr(fcell, "data_type", None) != "f":
                        continue
                    text = _formula_text(fcell.value)
                    at = Location(str(path), path=f"{sheet}!{fcell.coordinate}")
                    cached = vcell.value
                    if "[" in text:
                        problems.append(Problem(at, f"公式 {text} 引用了其他工作簿，请改为数值"))
                    elif cached is None:
                        problems.append(
                            Problem(at, f"公式 {text} 没有保存计算结果：请在 Excel 中打开并保存，或把公式改为数值")
                        )
                    elif isinstance(cached, str) and cached.strip() in _ERRORS:
                        problems.append(Problem(at, f"公式 {text} 的结果是错误值 {cached}"))
    finally:
        formulas.close()
        values.close()
    return problems


def _formula_text(value: Any) -> str:
    text = getattr(value, "text", value)  # ArrayFormula keeps its formula in .text
    text = str(text or "")
    return text if text.startswith("=") else "=" + text


def open_workbook(path: Path | str, error: type[InputError] = SubmissionError):
    """A submitted workbook with cell values (formulas replaced by their saved results).

    Raises `error` listing every problem: size, zip bomb, macros, unusable formulas.
    """
    from openpyxl import load_workbook

    check_xlsx(path, error)
    try:
        problems = formula_problems(path)
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise error(Problem(Location(str(path)), f"无法读取工作簿：{type(exc).__name__}")) from None
    if problems:
        raise error(problems)
    return load_workbook(path, data_only=True)
