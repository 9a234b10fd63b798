"""Byte-identical workbooks: the same result (and assessment time) always gives the same file.

openpyxl stamps the save time into docProps/core.xml and every zip member's date; here the
document properties are set from the assessment time, and the archive is rewritten with
that time on every member, in openpyxl's member order, with fixed attributes.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from engine import __version__

CREATOR = f"fazhi-assess {__version__}"


def stamp(wb: Workbook, when: dt.datetime, title: str) -> None:
    """Document properties that depend only on the assessment, never on the clock."""
    utc = when.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0) if when.tzinfo else when.replace(microsecond=0)
    props = wb.properties
    props.created = props.modified = utc
    props.creator = props.lastModifiedBy = CREATOR
    props.title = title
    props.lastPrinted = None


def save_workbook(wb: Workbook, path: str | Path, title: str, when: dt.datetime | None = None) -> None:
    """Every workbook is written here or through workbook_bytes after `stamp`: title and creator
    set, the file replaced atomically. `when` (default now) dates the properties and zip members."""
    from engine.files.atomic import write_bytes_atomic
    from scoresheets.styles import fit_rows

    when = when or dt.datetime.now(dt.UTC).replace(microsecond=0)
    fit_rows(wb)
    stamp(wb, when, title)
    write_bytes_atomic(path, workbook_bytes(wb, when))


def workbook_bytes(wb: Workbook, when: dt.datetime) -> bytes:
    """The .xlsx file as bytes, every zip entry dated `when` (its wall-clock time)."""
    raw = io.BytesIO()
    # ExcelWriter directly: openpyxl's save_workbook would overwrite `modified` with now()
    ExcelWriter(wb, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    return normalise_zip(raw.getvalue(), when)


def normalise_zip(data: bytes, when: dt.datetime) -> bytes:
    stamp_time = _zip_time(when)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp_time)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.create_system = 3  # the same on every platform
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def _zip_time(when: dt.datetime) -> tuple[int, int, int, int, int, int]:
    # zip dates run from 1980 to 2107 in local wall-clock time with 2-second resolution
    year = min(max(when.year, 1980), 2107)
    return (year, when.month, when.day, when.hour, when.minute, when.second - when.second % 2)
