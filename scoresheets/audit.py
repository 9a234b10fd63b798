"""The 审计信息 block of 评分表 and the same facts as custom document properties.

A scoresheet carries what it was computed from: the rules file and the submission (name and
sha256 of the bytes), the engine version and the assessment time. `assess verify` reads them
back (custom properties first: they survive edits to the visible block).
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.worksheet.worksheet import Worksheet

from engine.result import AssessmentResult
from scoresheets.cells import merge_row, put_text
from scoresheets.styles import BODY, SUBHEAD, row_height

HEADING = "审计信息"
FIELDS = [  # (label on the sheet and property name, Audit attribute)
    ("规则文件", "rules_file"),
    ("规则文件SHA-256", "rules_sha256"),
    ("申报文件", "submission_file"),
    ("申报文件SHA-256", "submission_sha256"),
    ("引擎版本", "engine_version"),
    ("评分时间", "assessed_at"),
]


def audit_values(result: AssessmentResult) -> dict[str, str]:
    return {label: str(getattr(result.audit, attr)) for label, attr in FIELDS}


def write_audit_block(ws: Worksheet, row: int, result: AssessmentResult, label_end: int, last_col: int) -> int:
    """Write the block starting at `row` (label over A..label_end, value up to last_col); return the next row."""
    put_text(ws, row, 1, HEADING, SUBHEAD)
    merge_row(ws, row, 1, last_col)
    row += 1
    for label, value in audit_values(result).items():
        put_text(ws, row, 1, label, BODY)
        merge_row(ws, row, 1, label_end)
        put_text(ws, row, label_end + 1, value, BODY)
        merge_row(ws, row, label_end + 1, last_col)
        ws.row_dimensions[row].height = row_height([(value, 60)])
        row += 1
    return row


def set_audit_properties(wb: Workbook, result: AssessmentResult) -> None:
    from engine.files.naming import repair_surrogates  # a file name from the file system may not be valid text

    for label, value in audit_values(result).items():
        wb.custom_doc_props.append(StringProperty(name=label, value=repair_surrogates(value)))


def read_audit_properties(wb: Workbook) -> dict[str, str]:
    return {p.name: str(p.value) for p in wb.custom_doc_props if p.name in dict(FIELDS)}
