"""Where things are in a 填报表 workbook: shared by the writer (scoresheets.template) and the
reader (engine.intake.xlsx_form), so the two cannot drift apart.

The layout follows from the ruleset and the unit type the form is for (`form_layout`), never from
the workbook: the reader recomputes it, compares its digest with the one the hidden 结构 sheet
records, and reads each value only at its place, checking the label beside it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cached_property

from engine.ruleset.model import IndicatorSpec
from engine.ruleset.ruleset import Ruleset

INDICATORS = "指标"
SELF_SCORE = "自评分"
STRUCTURE = "结构"  # hidden: list name → sheet title, ruleset id and sha256

IND_HEADERS = ["序号", "指标", "名称", "类型", "单位", "填写要求", "填报值", "佐证材料", "数据说明"]
APPLIES = "适用单位"  # a tenth column on a form for every unit type
COL_NAME, COL_VALUE, COL_EVIDENCE, COL_NOTE, COL_APPLIES = 2, 7, 8, 9, 10
SELF_HEADERS = ["序号", "评分项编号", "考核内容", "分值", "自评分", "说明"]
SELF_COL_ID, SELF_COL_POINTS, SELF_COL_SCORE = 2, 4, 5
ALL_TYPES = "全部"  # the 结构 sheet's 单位类型 of a form for every unit type
CORRECTIONS = "上年不良记录整改"  # the unit's word on last year's 不良记录: a sheet every form has
REVIEW = "复核"  # old forms had this sheet; decisions now come only from the assessors' review file
REVIEW_HEADERS = ["序号", "评分项", "扣分", "得分", "理由", "复核人"]
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


def applies(applies_to: list[str] | None, unit_type: str | None) -> bool:
    """Whether something limited to `applies_to` concerns `unit_type` (None: a form for every type)."""
    return unit_type is None or applies_to is None or unit_type in applies_to


@dataclass(frozen=True)
class RecordLayout:
    """A record list's sheet: field names in columns 2…, one record a row from `first` to `last`."""

    name: str
    title: str
    fields: tuple[str, ...]
    first: int
    last: int


# the 上年不良记录整改 sheet read as a record list of these fields (the submission's own keys)
CORRECTION_SPEC = IndicatorSpec(
    标签="上年不良记录整改情况",
    类型="记录列表",
    最多条数=500,  # as many as a submission may report (the sheet styles the first 50 rows)
    字段={
        "评分项": {"标签": "评分项编号", "类型": "文本"},
        "序号": {"标签": "不良记录序号", "类型": "次数", "范围": [1, 500], "必填": False},
        "整改完成": {"标签": "是否整改完成", "类型": "是否"},
        "说明": {"标签": "整改情况、完成日期或佐证材料", "类型": "文本", "必填": False},
    },
)
CORRECTION_ROWS = RecordLayout(
    CORRECTIONS,
    CORRECTIONS,
    tuple(CORRECTION_SPEC.fields or ()),
    HEADER_ROW + 2,
    HEADER_ROW + 1 + CORRECTION_SPEC.max_records,
)


@dataclass(frozen=True)
class FormLayout:
    """Every place the reader reads, for one ruleset and unit type (None: every type)."""

    ruleset_id: str
    unit_type: str | None
    headers: tuple[str, ...]
    rows: dict[str, int]  # 单位名称, 单位类型, 考核年度 and each indicator → its row on 指标
    records: tuple[RecordLayout, ...]
    groups: tuple[tuple[str, int, tuple[int, ...]], ...]  # 一级 → its row and its items' rows on 自评分
    self_rows: dict[str, int]  # item id → its row on 自评分
    total_row: int  # 自评分's 合计

    @cached_property
    def digest(self) -> str:
        shape = {
            "ruleset": self.ruleset_id,
            "unit_type": self.unit_type,
            "headers": self.headers,
            "rows": self.rows,
            "records": [[r.name, r.title, r.fields, r.first, r.last] for r in self.records],
            "self": self.self_rows,
            "groups": self.groups,
        }
        return hashlib.sha256(json.dumps(shape, ensure_ascii=False, sort_keys=True).encode()).hexdigest()

    @property
    def value_rows(self) -> dict[int, str]:
        return {row: name for name, row in self.rows.items()}


def form_layout(ruleset: Ruleset, unit_type: str | None = None) -> FormLayout:
    """The layout of the form `assess template` writes for ruleset (and unit type)."""
    indicators = [n for n, s in ruleset.indicators.items() if applies(s.applies_to, unit_type)]
    names = [n for n, _ in BASIC] + indicators
    rows = {name: HEADER_ROW + 1 + k for k, name in enumerate(names)}
    headers = tuple(IND_HEADERS) + (() if unit_type else (APPLIES,))
    taken = {INDICATORS, SELF_SCORE, REVIEW, STRUCTURE, CORRECTIONS}
    records = []
    for name in indicators:
        spec = ruleset.indicators[name]
        if spec.type == "记录列表":
            first = HEADER_ROW + 2  # below the header and the 要求 row
            fields = tuple(spec.fields or ())
            records.append(RecordLayout(name, sheet_title(name, taken), fields, first, first + spec.max_records - 1))
    groups: list[tuple[str, int, tuple[int, ...]]] = []
    self_rows: dict[str, int] = {}
    r = HEADER_ROW + 1
    reads = ruleset.item_reads
    for entry in ruleset.entries:
        item = entry.item
        if not applies(item.applies_to, unit_type) or not all(
            applies(getattr(ruleset.indicators.get(n), "applies_to", None), unit_type) for n in reads.get(item.id, ())
        ):
            continue
        if not groups or groups[-1][0] != entry.category1:
            groups.append((entry.category1, r, ()))
            r += 1
        name, head, items = groups[-1]
        groups[-1] = (name, head, (*items, r))
        self_rows[item.id] = r
        r += 1
    return FormLayout(ruleset.header.id, unit_type, headers, rows, tuple(records), tuple(groups), self_rows, r)


def structure_of(wb) -> dict[str, str]:
    """The hidden 结构 sheet's key → value rows (empty if there is none); compared, never followed."""
    if STRUCTURE not in wb.sheetnames:
        return {}
    out: dict[str, str] = {}
    ws = wb[STRUCTURE]
    for row in ws.iter_rows(max_row=min(ws.max_row, 4), max_col=2, values_only=True):  # never past its end
        if row and isinstance(row[0], str) and row[0] != "记录列表" and row[1] is not None:
            out[row[0]] = str(row[1])
    return out
