"""Nothing lost: a scoresheet someone edited is not written over (unless the caller forces it).

Each scoresheet records, as the custom property 内容SHA-256, a digest of every cell the engine
wrote (sheet, cell, value or formula). Before a file is replaced, the digest of its cells as
they are now is compared with the recorded one: equal, the file is exactly what the engine
wrote and may be replaced; different, someone edited it. The edited cells are named by
rebuilding the workbook the engine wrote — the same result at the recorded assessment time
gives the same cells — and comparing cell by cell; that works while the inputs are unchanged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from io import BytesIO
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from engine.documents.xlsx_guard import check_xlsx
from engine.errors import InputError, Location, Problem
from engine.files.atomic import check_output
from engine.result import AssessmentResult

MAX_LISTED = 30
CONTENT = "内容SHA-256"  # custom property: the digest of every cell as the engine wrote it


class OverwriteError(InputError):
    """An existing file that is not to be written over: edited by hand, or not a scoresheet."""

    kind = "评分表"
    consequence = "未写出评分表，原文件未改动。"


def record_content(wb: Workbook) -> None:
    """Record the digest of every cell as written; check_overwrite compares against it."""
    from openpyxl.packaging.custom import StringProperty

    wb.custom_doc_props.append(StringProperty(name=CONTENT, value=content_digest(wb)))


def content_digest(wb: Workbook) -> str:
    """sha256 over every non-empty cell of every sheet, values in a canonical spelling."""
    lines = "".join(f"{sheet}!{coordinate}={value}\n" for sheet, coordinate, value in _cells(wb))
    return hashlib.sha256(lines.encode("utf-8", "surrogatepass")).hexdigest()


def _cells(wb: Workbook) -> list[tuple[str, str, str]]:
    out = []
    for ws in wb.worksheets:
        title, cells, letters = ws.title, ws._cells, {}
        # the cells that exist, in reading order: iter_rows would visit (and create) every empty
        # cell of the used range, a tenth of writing a scoresheet
        for key in sorted(cells):
            value = cells[key]._value
            if value is None:
                continue
            value = value if type(value) is str else _canonical(value)
            if value:
                row, col = key
                letter = letters.get(col) or letters.setdefault(col, get_column_letter(col))
                out.append((title, f"{letter}{row}", value))
    return out


def _canonical(value: Any) -> str:
    # a Decimal the engine wrote reads back as a float; 2.50 and 2.5 are the same cell value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float, Decimal)):
        try:
            number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
            return format(number.normalize(), "f")
        except InvalidOperation:
            return str(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(getattr(value, "text", value))


Build = Callable[[AssessmentResult], Workbook]


def check_overwrite(path: Path | str, fresh: AssessmentResult | None = None, build: Build | None = None) -> None:
    """Raise OverwriteError if `path` exists and is not a scoresheet exactly as the engine wrote it.

    `fresh` (the result about to be written) and `build` (result → workbook) let the error name
    the edited cells.
    """
    path = Path(path)
    check_output(path)  # a link, device or input is refused before it is opened as a workbook
    if not path.is_file():
        return  # nothing there (or a folder, which the write itself reports)
    where = Location(str(path))
    force = "确需覆盖，请加 --force（或另用 -o 指定文件名）"
    try:
        from openpyxl import load_workbook

        raw = check_xlsx(path, OverwriteError, as_input=False)  # bounded: the old file may be anything
        wb = load_workbook(BytesIO(raw))
    except Exception:  # not a workbook at all (or a zip bomb): never ours to replace
        raise OverwriteError(Problem(where, f"已存在，且不是本系统写出的评分表，不覆盖；{force}")) from None
    recorded = next((str(p.value) for p in wb.custom_doc_props if p.name == CONTENT), None)
    if recorded is None:
        raise OverwriteError(Problem(where, f"已存在，且不是本系统写出的评分表（没有内容摘要），不覆盖；{force}"))
    if content_digest(wb) == recorded:
        return
    edits = _edits(wb, fresh, build, recorded)
    if edits is None:
        head = "已被修改（与评分时记录的内容摘要不符），不覆盖；申报数据、规则或复核文件也已改变，无法逐格列出改动"
        raise OverwriteError(Problem(where, f"{head}，可用 assess verify 核对；{force}"))
    problems = [Problem(where, f"已被修改（{len(edits)}处，与评分时记录的内容摘要不符），不覆盖；{force}")]
    for sheet, coordinate, now, then in edits[:MAX_LISTED]:
        problems.append(
            Problem(Location(f"{path}!{sheet}!{coordinate}"), f"现为 {now or '（空）'}，评分时为 {then or '（空）'}")
        )
    if len(edits) > MAX_LISTED:
        problems.append(Problem(where, f"另有{len(edits) - MAX_LISTED}处改动"))
    raise OverwriteError(problems)


def _edits(
    wb: Workbook, fresh: AssessmentResult | None, build: Build | None, recorded: str
) -> list[tuple[str, str, str, str]] | None:
    """(sheet, cell, value now, value as written) for every edited cell, or None if the original
    cannot be rebuilt (the inputs changed since)."""
    if fresh is None or build is None:
        return None
    when = next((str(p.value) for p in wb.custom_doc_props if p.name == "评分时间"), "")
    if not when:
        return None
    original = build(fresh.model_copy(update={"audit": fresh.audit.model_copy(update={"assessed_at": when})}))
    if content_digest(original) != recorded:
        return None
    then = {(s, c): v for s, c, v in _cells(original)}
    now = {(s, c): v for s, c, v in _cells(wb)}
    keys = sorted(set(then) | set(now), key=lambda k: (k[0] != "评分表", k[0], _order(k[1])))
    return [(s, c, now.get((s, c), ""), then.get((s, c), "")) for s, c in keys if now.get((s, c)) != then.get((s, c))]


def _order(coordinate: str) -> tuple[int, str]:
    from openpyxl.utils.cell import coordinate_from_string

    column, row = coordinate_from_string(coordinate)
    return row, column
