"""Assemble the scoresheet workbook and write it atomically."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from engine.atomic import atomic_path
from engine.result import AssessmentResult

from .bad_records import write_bad_records_sheet
from .scoresheet import write_scoresheet_sheet
from .styles import register_styles
from .submitted import write_submitted_sheet


def build_workbook(result: AssessmentResult) -> Workbook:
    """The workbook with sheets 评分表, 不良记录, 申报数据 (in that order)."""
    wb = Workbook()
    register_styles(wb)
    write_scoresheet_sheet(wb, result)
    write_bad_records_sheet(wb, result)
    write_submitted_sheet(wb, result)
    wb.active = 0
    return wb


def write_scoresheet(result: AssessmentResult, path: str | Path) -> None:
    """Write the scoresheet workbook to path; on any error the old file (if any) is left as it was."""
    wb = build_workbook(result)
    with atomic_path(path) as tmp:
        wb.save(tmp)
