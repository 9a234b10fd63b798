"""The 审计信息 block of 评分表 and the same facts as custom document properties.

A scoresheet carries what it was computed from: the ruleset (编号, file name and sha256), the
submission, the assessors' review file and each decision taken from it (who, when), the 分工表
the responsible units come from (file name and sha256), the engine
version and the assessment time. `assess verify` reads them
back (custom properties first: they survive edits to the visible block).
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from engine.result import AssessmentResult
from scoresheets.cells import chinese_time, merge_row, put_text, set_height, subhead_row
from scoresheets.styles import BODY, row_height

HEADING = "审计信息"
TIME = "评分时间"
NONE = "无"
FIELDS = [  # (label on the sheet and property name, what it shows)
    ("规则集编号", lambda r: r.ruleset_id),
    ("规则文件", lambda r: r.audit.rules_file),
    ("规则文件SHA-256", lambda r: r.audit.rules_sha256),
    ("申报文件", lambda r: r.audit.submission_file),
    ("申报文件SHA-256", lambda r: r.audit.submission_sha256),
    ("复核文件", lambda r: r.audit.overrides_file or NONE),
    ("复核文件SHA-256", lambda r: r.audit.overrides_sha256),
    ("复核决定", lambda r: "；".join(r.audit.overrides_decisions) or NONE),
    ("分工表", lambda r: r.audit.responsibility_file or NONE),
    ("分工表SHA-256", lambda r: r.audit.responsibility_sha256),
    ("引擎版本", lambda r: r.audit.engine_version),
    (TIME, lambda r: r.audit.assessed_at),
]


UNIT_FIELDS = [  # properties only (not shown): what a later year's --history reads back (readback.previous_of_sheet)
    ("单位名称", lambda r: r.unit),
    ("单位编码", lambda r: r.unit_id),
    ("考核年度", lambda r: str(r.year)),
    ("不良记录数", lambda r: str(len(r.bad_records))),
]


def audit_values(result: AssessmentResult) -> dict[str, str]:
    return {label: str(show(result)) for label, show in FIELDS}


def write_audit_block(ws: Worksheet, row: int, result: AssessmentResult, label_end: int, last_col: int) -> int:
    """Write the block starting at `row` (label over A..label_end, value up to last_col); return the next row.

    The sheet shows the time in Chinese; the document property keeps ISO 8601 for `assess verify`.
    """
    widths = [ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in range(1, last_col + 1)]
    subhead_row(ws, row, HEADING, widths)
    row += 1
    for label, value in audit_values(result).items():
        if label == TIME:
            value = chinese_time(value)
        put_text(ws, row, 1, label, BODY)
        merge_row(ws, row, 1, label_end)
        put_text(ws, row, label_end + 1, value, BODY)
        merge_row(ws, row, label_end + 1, last_col)
        set_height(ws, row, row_height([(label, sum(widths[:label_end])), (value, sum(widths[label_end:]))]))
        row += 1
    return row


def set_audit_properties(wb: Workbook, result: AssessmentResult) -> None:
    from engine.files.naming import repair_surrogates  # a file name from the file system may not be valid text

    for label, value in audit_values(result).items():
        wb.custom_doc_props.append(StringProperty(name=label, value=repair_surrogates(value)))
    for label, show in UNIT_FIELDS:
        wb.custom_doc_props.append(StringProperty(name=label, value=repair_surrogates(show(result))))


def read_audit_properties(wb: Workbook) -> dict[str, str]:
    known = {label for label, _ in FIELDS + UNIT_FIELDS}
    return {p.name: str(p.value) if p.value is not None else "" for p in wb.custom_doc_props if p.name in known}
