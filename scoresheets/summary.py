"""The 汇总 workbook of a batch: 排名, 等次分布, 不良记录汇总, 失分分析, 错误.

Every sheet: title (row 1), a line saying what the sheet holds (row 2), the header (row 3,
repeated on each printed page), then one row per entry — or a single 无 row, so an empty
sheet says so. Text from submissions is always written as text (a unit called "=1+1" is a
string, never a formula). Same named styles and print setup as the scoresheet.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from engine.ruleset.model import GRADES
from engine.tools.summary import (
    SCORE_BANDS,
    TIE_RULE,
    BatchSummary,
    lost_by_category,
)
from scoresheets.cells import (
    fit_row,
    header_row,
    merge_row,
    put_number,
    put_text,
    set_widths,
    title_row,
)
from scoresheets.print_setup import apply_print_setup
from scoresheets.styles import (
    BODY,
    CENTER,
    HEADER,
    INFO,
    NUMBER,
    SEVERE_FILL,
    SUBHEAD,
    TOTAL,
    register_styles,
)

RANKING, GRADES_SHEET, BAD_RECORDS, ITEMS, ERRORS = "排名", "等次分布", "不良记录汇总", "失分分析", "错误"
REPORT_CHECK = "报告核对"  # only when some submission has its annual report beside it
HEADER_ROW = 3
FIRST_ROW = HEADER_ROW + 1
DASH = "—"
NONE = "无"
CHART_ROWS = 15  # rows of default height (15 pt) a 7.5 cm chart covers
CHARTS_END_COLUMN = "N"  # the second chart (13 cm wide, from column G) ends in column N
MAX_NAMES = 30  # 失分单位 lists at most this many names, then "等N个单位"
ITEMS_ORDER = "按平均失分占分值的比例从高到低排列（比例相同的，依次按失分合计、失分单位数从多到少）；平均失分 = 失分合计 ÷（适用单位数 − 待复核单位数）。"


def _title(summary: BatchSummary, what: str) -> str:
    names = "、".join(name for _, name in summary.rulesets) or "考核"
    return f"{names} · {what}"


def _info(summary: BatchSummary) -> str:
    ids = "、".join(i for i, _ in summary.rulesets)
    text = (
        f"规则集：{ids}　评分时间：{summary.assessed_at}　申报文件{summary.inputs}份，"
        f"已评分{summary.assessed}份，未能评分{len(summary.failures)}份"
    )
    note = summary.grouping_note()
    return f"{text}\n{note}" if note else text


def _sheet(wb: Workbook, name: str, first: bool = False) -> Worksheet:
    if first:
        ws = wb.active
        ws.title = name
        return ws
    return wb.create_sheet(name)


def _head(ws: Worksheet, title: str, info: str, headers: list[str], widths: list[float]) -> None:
    set_widths(ws, widths)
    title_row(ws, 1, title, len(headers))
    put_text(ws, 2, 1, info, INFO)
    merge_row(ws, 2, 1, len(headers))
    fit_row(ws, 2, [info], [sum(widths)])
    header_row(ws, HEADER_ROW, headers, widths, HEADER)


def _none_row(ws: Worksheet, row: int, ncols: int, widths: list[float]) -> None:
    put_text(ws, row, 1, DASH, CENTER)
    put_text(ws, row, 2, NONE, BODY)
    for col in range(3, ncols + 1):
        put_text(ws, row, col, "", BODY)
    fit_row(ws, row, [NONE], widths)


def _finish(ws: Worksheet, freeze: str = f"A{FIRST_ROW}") -> None:
    ws.freeze_panes = freeze
    apply_print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}", header_right="考核结果汇总")


def _amount(ws: Worksheet, row: int, col: int, value: Decimal | None) -> None:
    if value is None:
        put_text(ws, row, col, DASH, CENTER)
    else:
        put_number(ws, row, col, value, NUMBER)


def write_ranking(wb: Workbook, summary: BatchSummary) -> Worksheet:
    ws = _sheet(wb, RANKING, first=True)
    cats = list(summary.categories)
    headers = [
        "名次",
        "分组",
        "单位",
        "单位类型",
        "考核年度",
        "总分",
        "得分率（%）",
        "等次",
        *(f"失分：{c}" for c in cats),
        "加分",
        "不良记录（条）",
        "一票否决",
        "待复核项",
        "申报文件",
        "评分表",
    ]
    widths = [6, 26, 28, 10, 8, 8, 9, 14, *([9] * len(cats)), 7, 8, 14, 12, 24, 28]
    _head(ws, _title(summary, "考核结果排名"), f"{_info(summary)}\n排名规则：{TIE_RULE}", headers, widths)
    r = FIRST_ROW
    for ranked in summary.ranking:
        row = ranked.row
        vetoes = "是（" + "、".join(i for i, _ in row.vetoes) + "）" if row.vetoes else "否"
        pending = "、".join(row.pending) or NONE
        texts = [
            "",
            ranked.group,
            row.unit,
            row.unit_type,
            "",
            "",
            "",
            row.grade_shown,
            *([""] * len(cats)),
            "",
            "",
            vetoes,
            pending,
            row.file,
            row.sheet,
        ]
        put_number(ws, r, 1, ranked.rank, CENTER)
        put_text(ws, r, 2, ranked.group, BODY)
        put_text(ws, r, 3, row.unit, BODY)
        put_text(ws, r, 4, row.unit_type, CENTER)
        put_number(ws, r, 5, row.year, CENTER)
        put_number(ws, r, 6, row.total, NUMBER)
        put_number(ws, r, 7, row.score_rate, NUMBER)
        put_text(ws, r, 8, row.grade_shown, CENTER)
        col = 9
        for lost in lost_by_category(row, cats):
            _amount(ws, r, col, lost)
            col += 1
        put_number(ws, r, col, row.bonus, NUMBER)
        put_number(ws, r, col + 1, len(row.bad_records), CENTER)
        put_text(ws, r, col + 2, vetoes, CENTER)
        put_text(ws, r, col + 3, pending, CENTER)
        put_text(ws, r, col + 4, row.file, BODY)
        put_text(ws, r, col + 5, row.sheet, BODY)
        fit_row(ws, r, texts, widths)
        r += 1
    if not summary.ranking:
        _none_row(ws, r, len(headers), widths)
    else:
        ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(headers))}{r - 1}"
    _finish(ws, freeze=f"D{FIRST_ROW}")
    return ws


def _count_table(
    ws: Worksheet, top: int, labels: list[str], rows: list[tuple[str, list[int]]], widths: list[float]
) -> int:
    """A table of counts per group with a 合计 column and row; returns the row after it."""
    header_row(ws, top, ["分组", *labels, "合计"], widths, HEADER)
    r = top + 1
    for name, counts in rows:
        put_text(ws, r, 1, name, CENTER)
        for col, count in enumerate([*counts, sum(counts)], start=2):
            put_number(ws, r, col, count, CENTER)
        r += 1
    put_text(ws, r, 1, "合计", TOTAL)
    sums = [sum(counts[i] for _, counts in rows) for i in range(len(labels))]
    for col, count in enumerate([*sums, sum(sums)], start=2):
        put_number(ws, r, col, count, TOTAL).number_format = "0"  # counts, not points
    return r + 1


def _chart(ws: Worksheet, title: str, x_title: str, top: int, nrows: int, ncats: int, peak: int, anchor: str) -> None:
    """A clustered bar chart: one series per group (table rows, each labelled), categories = table columns."""
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "clustered"
    chart.title = title
    chart.y_axis.title = "单位数"
    chart.x_axis.title = x_title
    if peak <= 10:
        chart.y_axis.majorUnit = 1  # whole units, not 0.5 steps
    chart.x_axis.delete = False  # openpyxl ≥3.1 hides axes unless told otherwise
    chart.y_axis.delete = False
    data = Reference(ws, min_col=1, max_col=1 + ncats, min_row=top + 1, max_row=top + nrows)
    chart.add_data(data, from_rows=True, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=2, max_col=1 + ncats, min_row=top, max_row=top))
    chart.height = 7.5
    chart.width = 13
    ws.add_chart(chart, anchor)


def write_grades(wb: Workbook, summary: BatchSummary) -> Worksheet:
    ws = _sheet(wb, GRADES_SHEET)
    # every group's own grade words (rulesets may name their grades), in order of first use
    grades = list(dict.fromkeys(k for g in summary.grades for k in g.counts)) or list(GRADES)
    bands = [label for label, _, _ in SCORE_BANDS]
    ncols = len(bands) + 2  # the wider of the two tables
    widths = [30] + [11] * (ncols - 1)
    set_widths(ws, widths)
    title_row(ws, 1, _title(summary, "等次分布"), ncols)
    info = f"{_info(summary)}\n等次含一票否决、不良记录的限制；暂定等次按其暂定结果计"
    put_text(ws, 2, 1, info, INFO)
    merge_row(ws, 2, 1, ncols)
    fit_row(ws, 2, [info], [sum(widths)])
    grade_rows = [(g.group, [g.counts.get(k, 0) for k in grades]) for g in summary.grades]
    r = _count_table(ws, HEADER_ROW, grades, grade_rows, widths)
    r += 1
    put_text(ws, r, 1, "总分分布（单位数）", SUBHEAD)
    merge_row(ws, r, 1, ncols)
    band_top = r + 1
    band_rows = [(g.group, [g.bands[k] for k in bands]) for g in summary.grades]
    r = _count_table(ws, band_top, bands, band_rows, widths)
    r += 1
    peak = max((c for _, counts in grade_rows + band_rows for c in counts), default=0)
    # the two charts side by side below the tables: the first over columns A–F, the second from G
    _chart(ws, "各等次单位数", "等次", HEADER_ROW, len(grade_rows), len(grades), peak, f"A{r}")
    _chart(ws, "总分分布", "总分", band_top, len(band_rows), len(bands), peak, f"{get_column_letter(ncols)}{r}")
    _finish(ws)
    ws.print_area = f"A1:{CHARTS_END_COLUMN}{r + CHART_ROWS}"
    ws.page_setup.fitToHeight = 1  # tables and charts: one page
    return ws


def write_bad_records(wb: Workbook, summary: BatchSummary) -> Worksheet:
    ws = _sheet(wb, BAD_RECORDS)
    headers = ["序号", "单位", "单位类型", "规则编号", "事项", "依据", "扣分", "严重程度", "后果", "说明"]
    widths = [6, 24, 10, 9, 32, 36, 7, 9, 24, 20]
    count = len(summary.bad_records)
    severe = sum(1 for b in summary.bad_records if b.record.severity == "严重")
    _head(
        ws,
        _title(summary, "不良记录汇总"),
        f"{_info(summary)}\n不良记录{count}条（其中严重{severe}条），按排名顺序列出",
        headers,
        widths,
    )
    r = FIRST_ROW
    for n, b in enumerate(summary.bad_records, start=1):
        rec = b.record
        texts = [
            "",
            b.unit,
            b.unit_type,
            rec.rule_id,
            rec.event,
            rec.basis,
            "",
            rec.severity,
            rec.consequence,
            rec.note,
        ]
        put_number(ws, r, 1, n, CENTER)
        for col in (2, 5, 6, 9, 10):
            put_text(ws, r, col, texts[col - 1], BODY)
        for col in (3, 4, 8):
            put_text(ws, r, col, texts[col - 1], CENTER)
        put_number(ws, r, 7, rec.deduction, NUMBER)
        if rec.severity == "严重":
            ws.cell(r, 8).fill = SEVERE_FILL
        fit_row(ws, r, texts, widths)
        r += 1
    if not summary.bad_records:
        _none_row(ws, r, len(headers), widths)
    _finish(ws)
    return ws


def _names(names: tuple[str, ...]) -> str:
    if len(names) <= MAX_NAMES:
        return "、".join(names)
    return "、".join(names[:MAX_NAMES]) + f"等{len(names)}个单位"


def write_items(wb: Workbook, summary: BatchSummary) -> Worksheet:
    ws = _sheet(wb, ITEMS)
    headers = [
        "序号",
        "分组",
        "评分项",
        "一级指标",
        "考核内容",
        "分值",
        "适用单位数",
        "失分单位数",
        "待复核单位数",
        "失分合计",
        "平均失分",
        "失分率（%）",
        "失分单位",
    ]
    widths = [6, 26, 10, 14, 36, 7, 9, 9, 9, 9, 9, 9, 40]
    _head(ws, _title(summary, "失分分析"), f"{_info(summary)}\n{ITEMS_ORDER}", headers, widths)
    r = FIRST_ROW
    for n, s in enumerate(summary.items, start=1):
        rule = s.rule_id
        names = _names(s.lost_units)
        put_number(ws, r, 1, n, CENTER)
        put_text(ws, r, 2, s.group, BODY)
        put_text(ws, r, 3, rule, CENTER)
        put_text(ws, r, 4, s.category1, BODY)
        put_text(ws, r, 5, s.content, BODY)
        put_number(ws, r, 6, s.max_points, NUMBER)
        put_number(ws, r, 7, s.applicable, CENTER)
        put_number(ws, r, 8, len(s.lost_units), CENTER)
        put_number(ws, r, 9, s.pending, CENTER)
        put_number(ws, r, 10, s.lost_total, NUMBER)
        put_number(ws, r, 11, s.average, NUMBER)
        put_number(ws, r, 12, s.loss_rate, NUMBER)
        put_text(ws, r, 13, names, BODY)
        fit_row(ws, r, ["", s.group, rule, s.category1, s.content, "", "", "", "", "", "", "", names], widths)
        r += 1
    if not summary.items:
        _none_row(ws, r, len(headers), widths)
    _finish(ws)
    return ws


def write_errors(wb: Workbook, summary: BatchSummary) -> Worksheet:
    ws = _sheet(wb, ERRORS)
    headers = ["序号", "申报文件", "错误类别", "原因"]
    widths = [6, 30, 10, 90]
    _head(
        ws,
        _title(summary, "未能评分的申报文件"),
        f"{_info(summary)}\n原因按“文件:行:列: 位置: 说明”给出",
        headers,
        widths,
    )
    r = FIRST_ROW
    for n, failure in enumerate(summary.failures, start=1):
        reason = "\n".join(failure.problems)
        put_number(ws, r, 1, n, CENTER)
        put_text(ws, r, 2, failure.file, BODY)
        put_text(ws, r, 3, failure.kind, CENTER)
        put_text(ws, r, 4, reason, BODY)
        fit_row(ws, r, ["", failure.file, failure.kind, reason], widths)
        r += 1
    if not summary.failures:
        _none_row(ws, r, len(headers), widths)
    _finish(ws)
    return ws


def write_report_check(wb: Workbook, summary: BatchSummary) -> Worksheet:
    """Where a submission differs from its unit's own annual report (a report found beside the submission)."""
    ws = _sheet(wb, REPORT_CHECK)
    headers = ["序号", "单位", "申报文件", "年度报告", "核对结果", "指标", "申报值", "报告值", "报告原文"]
    widths = [6, 18, 24, 24, 10, 18, 12, 14, 70]
    _head(
        ws,
        _title(summary, "申报数据与年度报告核对"),
        f"{_info(summary)}\n不一致：两值不同；待核：报告为约数、范围或推算；申报未填：报告写明而申报未填",
        headers,
        widths,
    )
    r = FIRST_ROW
    n = 0
    for ranked in summary.ranking:
        row = ranked.row
        if not row.report:
            continue
        lines = row.report_check or (None,)
        for line in lines:
            n += 1
            cells = [row.unit, row.file, row.report]
            cells += (
                ["一致", "", "", "", ""]
                if line is None
                else [line.kind, line.indicator, line.submitted, line.stated, line.where]
            )
            put_number(ws, r, 1, n, CENTER)
            for c, value in enumerate(cells, start=2):
                put_text(ws, r, c, value, CENTER if c == 6 else BODY)
            fit_row(ws, r, ["", *cells], widths)
            r += 1
    _finish(ws)
    return ws


def build_summary_workbook(summary: BatchSummary) -> Workbook:
    wb = Workbook()
    register_styles(wb)
    write_ranking(wb, summary)
    write_grades(wb, summary)
    write_bad_records(wb, summary)
    write_items(wb, summary)
    write_errors(wb, summary)
    if any(r.row.report for r in summary.ranking):
        write_report_check(wb, summary)
    wb.active = 0
    return wb


def write_summary_workbook(summary: BatchSummary, path: str | Path) -> None:
    """Write 汇总.xlsx atomically (a reader sees the old file or the complete new one)."""
    import datetime as dt

    from engine.files.atomic import write_bytes_atomic
    from scoresheets.reproducible import stamp, workbook_bytes

    wb = build_summary_workbook(summary)
    when = dt.datetime.fromisoformat(summary.assessed_at)  # the batch's time, not the clock
    stamp(wb, when, "汇总")
    write_bytes_atomic(path, workbook_bytes(wb, when))
