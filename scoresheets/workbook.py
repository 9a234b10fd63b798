"""Assemble the scoresheet workbook and write it atomically and reproducibly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

from engine.files.atomic import write_bytes_atomic
from engine.result import AssessmentResult
from scoresheets.audit import set_audit_properties
from scoresheets.bad_records import write_bad_records_sheet
from scoresheets.guard import check_overwrite, record_content
from scoresheets.overview import write_overview_sheet
from scoresheets.reproducible import stamp, workbook_bytes
from scoresheets.scoresheet import write_scoresheet_sheet
from scoresheets.styles import styled_workbook
from scoresheets.submitted import write_submitted_sheet


def build_workbook(result: AssessmentResult) -> Workbook:
    """The workbook with sheets 考核结果, 评分表, 不良记录, 申报数据 (in that order)."""
    wb = styled_workbook()
    _, total_row = write_scoresheet_sheet(wb, result)
    write_bad_records_sheet(wb, result)
    write_submitted_sheet(wb, result)
    write_overview_sheet(wb, result, total_row)
    wb.active = 0
    stamp(wb, assessed_at(result), result.heading)
    set_audit_properties(wb, result)
    record_content(wb)
    return wb


def assessed_at(result: AssessmentResult) -> dt.datetime:
    return dt.datetime.fromisoformat(result.audit.assessed_at)


def scoresheet_bytes(result: AssessmentResult) -> bytes:
    """The workbook file; identical bytes for an identical result (see reproducible.py)."""
    return workbook_bytes(build_workbook(result), assessed_at(result))


def write_scoresheet(result: AssessmentResult, path: str | Path, *, force: bool = False) -> None:
    """Write the scoresheet workbook to path; on any error the old file (if any) is left as it was.

    An existing file is replaced only if it is a scoresheet exactly as the engine wrote it (or with
    `force`): an assessor's edits are never lost silently (scoresheets.guard).
    """
    if not force:
        check_overwrite(path, result, build_workbook)
    write_bytes_atomic(path, scoresheet_bytes(result))
