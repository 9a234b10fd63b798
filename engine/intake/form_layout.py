"""Where things are in a 填报表 workbook: shared by the writer (scoresheets.template) and the
reader (engine.intake.xlsx_form), so the two cannot drift apart.

The reader finds rows by the indicator name in the 指标 column and record-list sheets through
the hidden 结构 sheet, so re-ordered rows or renamed sheets still read correctly.
"""

from __future__ import annotations

import re

INDICATORS = "指标"
SELF_SCORE = "自评分"
STRUCTURE = "结构"  # hidden: list name → sheet title, ruleset id and sha256

IND_HEADERS = ["序号", "指标", "名称", "类型", "单位", "填写要求", "填报值", "佐证材料", "数据说明"]
COL_NAME, COL_VALUE, COL_EVIDENCE, COL_NOTE = 2, 7, 8, 9
SELF_HEADERS = ["序号", "评分项编号", "考核内容", "分值", "自评分", "说明"]
SELF_COL_ID, SELF_COL_SCORE = 2, 5
REVIEW = "复核"  # filled by the assessors, not the unit
REVIEW_HEADERS = ["序号", "评分项", "扣分", "得分", "理由", "复核人"]
REVIEW_ROWS = 50
HEADER_ROW = 3  # on every sheet: title, instructions, then the header
BASIC = [("单位名称", "文本"), ("单位类型", "选项"), ("考核年度", "次数")]
YES, NO = "是", "否"

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_title(name: str, taken: set[str]) -> str:
    """An Excel-legal sheet title (≤ 31 chars, no []:*?/\\) that is not taken yet."""
    base = _BAD_SHEET_CHARS.sub("_", name)[:31] or "记录"
    title, k = base, 2
    while title in taken:
        suffix = f"_{k}"
        title, k = base[: 31 - len(suffix)] + suffix, k + 1
    taken.add(title)
    return title
