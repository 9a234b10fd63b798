"""The 评分表 workbook read back with openpyxl: structure, formulas, styles, print setup, atomic writes."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl import load_workbook
from openpyxl.utils import FORMULAE
from sample_results import clean_result, find_row, sample_result

import scoresheets
from engine.result import SubmittedValue, VetoResult
from scoresheets.print_setup import apply_print_setup
from scoresheets.styles import cjk_width, register_styles, row_height

SHEETS = ["考核结果", "评分表", "不良记录", "申报数据"]


@pytest.fixture(scope="module")
def result():
    return sample_result()


@pytest.fixture(scope="module")
def book(result, tmp_path_factory):
    path = tmp_path_factory.mktemp("sheet") / "评分表.xlsx"
    scoresheets.write_scoresheet(result, path)
    return load_workbook(path)


@pytest.fixture(scope="module")
def ws(book):
    return book["评分表"]


@pytest.fixture(scope="module")
def clean_book(tmp_path_factory):
    path = tmp_path_factory.mktemp("clean") / "clean.xlsx"
    scoresheets.write_scoresheet(clean_result(), path)
    return load_workbook(path)


def label_row(ws, label: str) -> int:
    return find_row(ws, "A", label)


# -- layout ---------------------------------------------------------------------------------


def test_sheet_names_in_order(book):
    assert book.sheetnames == SHEETS


def test_title_and_info_rows(ws, result):
    assert ws["A1"].value == "2025年度某市司法局法治政府建设考核评分表"
    assert ws["A1"].font.name == "黑体" and ws["A1"].font.bold and ws["A1"].font.size == 16
    assert ws["A1"].style == "标题"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "A1:K1" in merged
    info = ws["A2"].value
    for part in (
        "规则集：2025年度市直部门法治政府建设考核评分细则（GD-FZ-2025）",
        "单位类型：市直部门",
        "评分时间：2026年1月15日 10:30",
    ):
        assert part in info
    assert "A2:K2" in merged  # the result itself leads the first sheet, 考核结果


def test_header_row_and_freeze(ws):
    headers = [ws.cell(3, c).value for c in range(1, 11)]
    assert headers == [
        "序号",
        "一级指标",
        "二级指标",
        "考核内容及评分标准",
        "分值",
        "申报值",
        "扣分",
        "得分",
        "扣分说明",
        "规则编号",
    ]
    assert all(ws.cell(3, c).style == "表头" for c in range(1, 11))
    assert ws["A3"].font.name == "黑体" and ws["A3"].font.bold
    assert ws["A3"].fill.fgColor.rgb.endswith("D9D9D9")
    assert ws.freeze_panes == "A4"


def test_column_widths_are_cjk_aware(ws):
    widths = {c: ws.column_dimensions[c].width for c in "ABCDEFGHIJ"}
    assert widths["A"] == 6 and widths["B"] == widths["C"] == 14
    assert widths["E"] == widths["G"] == widths["H"] == 8
    assert 40 <= widths["D"] <= 56 and 30 <= widths["I"] <= 48


def test_item_rows_exact_cells(ws, result):
    first = find_row(ws, "J", "A1-1")
    assert first == 4
    assert ws["H4"].value == "=ROUND(MAX(0,E4-G4),2)"
    r = find_row(ws, "J", "B2-1")
    item = next(i for i in result.items if i.rule_id == "B2-1")
    assert ws[f"A{r}"].value == 4
    assert (ws[f"B{r}"].value, ws[f"C{r}"].value) == ("依法行政制度体系", "规范性文件管理")
    assert (
        ws[f"D{r}"].value
        == "规范性文件按规定报送备案\n评分标准：报送备案率低于100%的，每低1个百分点扣0.5分，最多扣12分"
    )
    assert ws[f"E{r}"].value == 12 and ws[f"E{r}"].data_type == "n"
    assert ws[f"F{r}"].value == "报送备案率=96%"
    assert ws[f"G{r}"].value == 2 and ws[f"G{r}"].data_type == "n"
    assert ws[f"H{r}"].value == f"=ROUND(MAX(0,E{r}-G{r}),2)"
    assert ws[f"I{r}"].value == "；".join(item.reasons)
    assert ws[f"J{r}"].value == "B2-1"
    assert ws[f"E{r}"].number_format in ("0.00", "0.0#")
    r = find_row(ws, "J", "C3-1")
    assert ws[f"G{r}"].value == 0.75 and ws[f"H{r}"].value == f"=ROUND(MAX(0,E{r}-G{r}),2)"


def test_items_grouped_with_subtotals(ws, result):
    categories = [c.name for c in result.categories]
    rows = [label_row(ws, f"{c} 小计") for c in categories]
    assert rows == [7, 11, 14]
    assert [ws[f"{c}7"].value for c in "EGH"] == ["=SUM(E4:E6)", "=SUM(G4:G6)", "=SUM(H4:H6)"]
    assert [ws[f"{c}11"].value for c in "EGH"] == ["=SUM(E8:E10)", "=SUM(G8:G10)", "=SUM(H8:H10)"]
    assert [ws[f"{c}14"].value for c in "EGH"] == ["=SUM(E12:E13)", "=SUM(G12:G13)", "=SUM(H12:H13)"]
    # Each category's items sit right above its subtotal.
    for cat, sub in zip(categories, rows, strict=True):
        n = sum(1 for i in result.items if i.category1 == cat)
        assert [ws[f"B{r}"].value for r in range(sub - n, sub)] == [cat] * n
    assert ws["A7"].style == "合计" and ws["A7"].font.bold
    assert "A7:D7" in {str(r) for r in ws.merged_cells.ranges}


def test_merged_label_cells_keep_borders(result):
    ws = scoresheets.build_workbook(result)["评分表"]  # before a save/load re-derives them
    for coord in ("A7", "B7", "D7", "D15"):
        border = ws[coord].border
        assert (border.top.style, border.bottom.style, border.right.style) == ("thin", "thin", "thin"), coord


def test_merged_cells_without_a_border_are_not_written(result):
    """A merged range shows its top-left cell's font, fill and alignment: the other cells of an
    unbordered range (the title, the 信息 line) are left unstyled and unwritten, as openpyxl's own
    merge leaves them; those of a bordered range keep the border Excel draws from them."""
    import io
    import zipfile

    from scoresheets.workbook import scoresheet_bytes

    data = scoresheet_bytes(result)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet2.xml").decode()  # 评分表
    written = set(re.findall(r'<c r="([A-Z]+\d+)"', sheet))
    assert "A1" in written and not {f"{c}1" for c in "BCDEFGHIJK"} & written
    assert not {f"{c}2" for c in "BCDEFGHIJK"} & written
    assert {"B7", "C7", "D7"} <= written
    ws = load_workbook(io.BytesIO(data))["评分表"]
    assert ws["A1"].font.size == 16 and ws["A1"].alignment.horizontal == "center"
    assert {"A1:K1", "A2:K2", "A7:D7"} <= {str(r) for r in ws.merged_cells.ranges}
    assert (ws["D7"].border.bottom.style, ws["D7"].border.right.style) == ("thin", "thin")


def test_excluded_item_shows_dash(ws):
    r = find_row(ws, "J", "A1-3")
    assert [ws[f"{c}{r}"].value for c in "EGH"] == ["—", "—", "—"]
    assert "不适用" in ws[f"I{r}"].value and "本单位不承担营商环境评价整改任务" in ws[f"I{r}"].value
    assert ws[f"G{r}"].protection.locked


def test_pending_item_is_yellow_and_flagged(ws):
    r = find_row(ws, "J", "B2-2")
    assert "待复核" in ws[f"I{r}"].value
    assert ws[f"D{r}"].fill.fgColor.rgb.endswith("FFF2CC")
    other = find_row(ws, "J", "B2-1")
    assert not ws[f"D{other}"].fill.fgColor.rgb.endswith("FFF2CC")


def test_deduction_conditional_format(ws):
    rules = [(str(cf.sqref), rule) for cf in ws.conditional_formatting for rule in cf.rules]
    assert len(rules) == 1
    sqref, rule = rules[0]
    assert rule.type == "cellIs" and rule.operator == "greaterThan" and rule.formula == ["0"]
    # Only counted item rows: not the "—" row 6 nor the subtotal rows.
    assert sqref.split() == ["G4:G5", "G8:G10", "G12:G13"]


def test_summary_rows(ws, book, result):
    base, applicable, scaled = (label_row(ws, x) for x in ("基础得分", "适用分值", "折算得分"))
    assert ws[f"H{base}"].value == "=SUM(H7,H11,H14)"
    assert ws[f"H{applicable}"].value == "=SUM(E7,E11,E14)"
    assert ws[f"H{scaled}"].value == f"=ROUND(H{base}*100/H{applicable},2)"
    bonus = find_row(ws, "J", "J-1")
    assert ws[f"H{bonus}"].value == 1.5 and not ws[f"H{bonus}"].protection.locked
    assert ws[f"E{bonus}"].value == 1.5
    bonus_total = label_row(ws, "加分合计")
    assert ws[f"H{bonus_total}"].value == f"=MIN(3,SUM(H{bonus}:H{bonus}))"
    total = label_row(ws, "总分")
    assert ws[f"H{total}"].value == f"=ROUND(H{scaled}+H{bonus_total},2)"
    rate = label_row(ws, "得分率（%）")
    assert ws[f"H{rate}"].value == f"=ROUND(H{scaled}/100*100,2)"
    grade = label_row(ws, "等次")
    assert ws[f"H{grade}"].value == f'=IF(H{total}>=60,"合格","不合格")'  # 良好 by the total, capped at 合格
    assert ws[f"I{grade}"].value == "；".join(result.grade.reasons)
    system = label_row(ws, "系统计算总分")
    assert ws[f"H{system}"].value == float(result.total) == 89.66
    assert ws[f"H{system}"].data_type == "n"
    assert base < applicable < scaled < bonus < bonus_total < total < rate < grade < system
    assert book.defined_names["总分"].attr_text == f"'评分表'!$H${total}"


def test_no_bonus_total_is_zero(clean_book):
    ws = clean_book["评分表"]
    r = label_row(ws, "加分合计")
    assert ws[f"H{r}"].value == 0
    assert "加分项" not in [c.value for c in ws["B"]]


def test_every_formula_uses_known_functions(book, clean_book):
    func = re.compile(r"([A-Z][A-Z0-9._]*)\(")
    formulas = []
    for wb in (book, clean_book):
        for ws in wb.worksheets:
            formulas += [c.value for row in ws.iter_rows() for c in row if c.data_type == "f"]
            formulas += [f for dv in ws.data_validations.dataValidation for f in (dv.formula1, dv.formula2) if f]
            formulas += [f for cf in ws.conditional_formatting for rule in cf.rules for f in rule.formula]
    assert len(formulas) > 20
    names = {name for f in formulas for name in func.findall(f)}
    assert names >= {"ROUND", "MAX", "MIN", "SUM"}
    assert names <= FORMULAE, names - FORMULAE


def test_protection_only_inputs_unlocked(ws):
    assert ws.protection.sheet
    assert ws.protection.password is None
    assert ws.protection.formatColumns is False and ws.protection.formatRows is False
    for rule_id in ("A1-1", "A1-2", "B2-2", "C3-2"):
        r = find_row(ws, "J", rule_id)
        assert not ws[f"G{r}"].protection.locked, rule_id
        assert ws[f"E{r}"].protection.locked and ws[f"H{r}"].protection.locked
        assert ws[f"D{r}"].protection.locked
    unlocked = {c.coordinate for row in ws.iter_rows() for c in row if not c.protection.locked}
    bonus = find_row(ws, "J", "J-1")
    # 扣分 and its 扣分说明 (an assessor who changes one says why in the other), and the bonus
    assert unlocked == {f"{c}{r}" for r in (4, 5, 8, 9, 10, 12, 13) for c in "GI"} | {f"H{bonus}"}


def test_deduction_data_validation(ws):
    dvs = ws.data_validations.dataValidation
    ded = next(dv for dv in dvs if "G4" in str(dv.sqref))
    assert (ded.type, ded.operator, ded.formula1, ded.formula2) == ("decimal", "between", "0", "E4")


@pytest.mark.parametrize("sheet", SHEETS)
def test_print_setup_on_every_sheet(book, sheet):
    ws = book[sheet]
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    if sheet != "考核结果":  # there: the 整改清单 header, wherever the result above it ends
        assert ws.print_title_rows.replace("$", "") == ("3:3" if sheet == "评分表" else "2:2")
    footer = ws.oddFooter.center.text
    assert "&P" in footer and "&N" in footer
    assert ws.oddHeader.right.text == "某市司法局"
    assert ws.print_options.horizontalCentered
    assert ws.protection.sheet


def test_row_heights_explicit_and_grow_with_text(ws, result):
    heights = {r: ws.row_dimensions[r].height for r in range(4, 14)}
    assert all(h and h >= 18 for h in heights.values())
    assert heights[7] < heights[4]  # a one-line subtotal vs a four-line item
    items = list(result.items)
    items[6] = items[6].model_copy(update={"reasons": ["执法公示不及时" * 30]})
    ws2 = scoresheets.build_workbook(result.model_copy(update={"items": items}))["评分表"]
    r = find_row(ws2, "J", "C3-1")
    assert ws2.row_dimensions[r].height > 2 * heights[r]


# -- other sheets ---------------------------------------------------------------------------


def test_bad_records_sheet(book, result):
    ws = book["不良记录"]
    assert ws["A1"].value == "2025年度某市司法局不良记录"
    assert [c.value for c in ws[2]] == ["序号", "事项", "依据", "扣分", "严重程度", "后果", "说明"]
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 2
    severe = result.bad_records[1]
    assert rows[1] == (2, severe.event, severe.basis, 1.5, "严重", "等次最高为合格", "公平竞争审查记录第2条")
    assert ws["E4"].fill.fgColor.rgb.endswith("F8CBAD")
    assert ws.freeze_panes == "A3"


def test_bad_records_sheet_says_none(clean_book):
    ws = clean_book["不良记录"]
    assert [c.value for c in ws[2]] == ["序号", "事项", "依据", "扣分", "严重程度", "后果", "说明"]
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 1 and rows[0][1] == "无" and rows[0][0] in (None, "—")


def test_submitted_sheet(book, result):
    ws = book["申报数据"]
    assert ws["A1"].value == "2025年度某市司法局申报数据"
    assert [c.value for c in ws[2]][:6] == ["序号", "指标", "名称", "单位", "申报值", "数据说明"]
    r = find_row(ws, "B", "备案率")
    assert [c.value for c in ws[r]][:6] == [4, "备案率", "规范性文件报送备案率", "%", "96", "报送25件，备案24件"]
    r = find_row(ws, "B", "合法性审核率")
    assert ws[f"E{r}"].value == "未填报"
    heading = find_row(ws, "A", "公平竞争审查记录：2 条")
    assert [c.value for c in ws[heading + 1]][:4] == ["序号", "文件名称", "印发日期", "是否审查"]
    assert [c.value for c in ws[heading + 2]][:4] == [1, "关于进一步规范招投标活动的通知", "2025年3月12日", "是"]
    assert [c.value for c in ws[heading + 3]][:4] == [2, "关于支持民营企业发展的若干措施", "2025年8月30日", "否"]
    assert ws.max_row == heading + 3


def test_submitted_sheet_without_records(clean_book):
    ws = clean_book["申报数据"]
    assert ws.max_row == 2 + len(clean_result().submitted)


def test_user_text_never_becomes_a_formula(tmp_path, result):
    evil = '=HYPERLINK("http://example.com","点此")'
    res = result.model_copy(
        update={"submitted": [SubmittedValue(name="x", label="说明", type="文本", value=evil, note="#N/A\x07")]}
    )
    path = tmp_path / "x.xlsx"
    scoresheets.write_scoresheet(res, path)
    ws = load_workbook(path)["申报数据"]
    assert ws["E3"].value == evil and ws["E3"].data_type == "s"
    assert ws["F3"].value == "#N/A" and ws["F3"].data_type == "s"


def test_vetoes_are_listed(tmp_path, result):
    veto = VetoResult(rule_id="V-1", event="发生重大违法行政决策", standard="一票否决，等次为不合格", detail="经查属实")
    res = result.model_copy(update={"vetoes": [veto]})
    ws = scoresheets.build_workbook(res)["评分表"]
    r = find_row(ws, "A", "一票否决")
    assert ws[f"J{r}"].value == "V-1" and ws[f"I{r}"].value == "经查属实"
    assert "发生重大违法行政决策" in ws[f"D{r}"].value


# -- atomic writes --------------------------------------------------------------------------


def _part_files(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith(".part")]


def test_overwrite_replaces_file(tmp_path, result):
    path = tmp_path / "out.xlsx"
    path.write_bytes(b"old")  # not a scoresheet: replaced only when forced
    scoresheets.write_scoresheet(result.model_copy(update={"unit": "某县财政局"}), path, force=True)
    assert load_workbook(path)["评分表"]["A1"].value == "2025年度某县财政局法治政府建设考核评分表"
    scoresheets.write_scoresheet(result, path)  # a scoresheet exactly as written: replaced
    assert load_workbook(path)["评分表"]["A1"].value == "2025年度某市司法局法治政府建设考核评分表"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx"]


def test_failed_save_leaves_old_file(tmp_path, result, monkeypatch):
    path = tmp_path / "out.xlsx"
    scoresheets.write_scoresheet(result, path)
    before = path.read_bytes()

    real_write = Path.write_bytes

    def broken_write(self, data):
        real_write(self, data[: len(data) // 2])
        raise OSError("disk full")

    monkeypatch.setattr(Path, "write_bytes", broken_write)
    from engine.files.atomic import WriteError

    with pytest.raises(WriteError, match="disk full"):  # said for a person, with the target's name
        scoresheets.write_scoresheet(result, path)
    assert path.read_bytes() == before
    assert _part_files(tmp_path) == []
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


def test_failed_render_leaves_old_file(tmp_path, result, monkeypatch):
    path = tmp_path / "out.xlsx"
    path.write_bytes(b"previous workbook")
    import scoresheets.scoresheet as sheet_mod

    def boom(self, b):
        raise RuntimeError("render failed")

    monkeypatch.setattr(sheet_mod._Writer, "bonus", boom)
    with pytest.raises(RuntimeError, match="render failed"):
        scoresheets.write_scoresheet(result, path, force=True)
    assert path.read_bytes() == b"previous workbook"
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


# -- reusable helpers -----------------------------------------------------------------------


def test_cjk_width():
    assert cjk_width("") == 0
    assert cjk_width("ab1") == 3
    assert cjk_width("法治") == 4
    assert cjk_width("（%）") == 5  # fullwidth parentheses, halfwidth %
    assert cjk_width("扣2分") == 5


def test_row_height_grows_with_lines():
    one = row_height([("短", 10)], 10.5)
    assert row_height([("法" * 40, 10)], 10.5) > one
    assert row_height([("a\nb\nc", 40)], 10.5) > row_height([("a\nb", 40)], 10.5) > one
    assert row_height([], 10.5) == one
    assert row_height([("法" * 5000, 10)], 10.5) == 409  # Excel's maximum


def test_register_styles_idempotent():
    wb = openpyxl.Workbook()
    register_styles(wb)
    n = len(wb.named_styles)
    register_styles(wb)
    assert len(wb.named_styles) == n
    assert {"标题", "表头", "正文", "数值", "输入", "合计"} <= set(wb.named_styles)


def test_apply_print_setup_portrait():
    ws = openpyxl.Workbook().active
    ws["A1"] = "x"
    apply_print_setup(ws, "1:1", landscape=False)
    assert ws.page_setup.orientation == "portrait" and ws.print_title_rows.replace("$", "") == "1:1"


def test_decimal_values_written_as_numbers(result):
    wb = scoresheets.build_workbook(result)
    ws = wb["评分表"]
    r = find_row(ws, "J", "C3-1")
    assert isinstance(ws[f"G{r}"].value, float) and Decimal(str(ws[f"G{r}"].value)) == Decimal("0.75")


# -- a table's own words and open points ------------------------------------------------------------


def _example_sheet(tmp_path, name: str):
    import datetime as dt

    from conftest import EXAMPLES

    from engine import api

    review = EXAMPLES / "reviews" / "review.yaml"  # the assessors' decisions on the examples
    result = api.assess_file(EXAMPLES / name, as_of=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), overrides_path=review)
    path = tmp_path / "sheet.xlsx"
    scoresheets.write_scoresheet(result, path)
    return load_workbook(path), result


def test_own_title_grade_words_and_open_points(tmp_path):
    book, result = _example_sheet(tmp_path, "county-dept-2024.json")
    ws = book["评分表"]
    assert ws["A1"].value == "2024年度某县市场监督管理局（虚构示例单位）法治建设目标责任考核评分表"
    assert book.properties.title == ws["A1"].value
    front = book["考核结果"]
    assert front["C4"].value == f"='评分表'!$H${label_row(ws, '总分')}"
    assert front["A5"].value == "暂定" and "最终总分在22.00–30.00分之间" in front["C5"].value
    open_row = label_row(ws, "待复核分值")
    assert ws.cell(open_row, 8).value == 8
    assert ws.cell(open_row, 9).value.startswith("已定 22.00 / 32；待复核 8 分；最终 22.00–30.00")
    grade = label_row(ws, "等次")
    assert ws.cell(grade, 8).value.startswith("=IF(") and "等次暂定为基本完成" in ws.cell(grade, 9).value
    # the item with a computed part and an open one: its computed 扣分 is in the editable cell, the row marked
    zf03 = next(r for r in range(4, ws.max_row) if ws.cell(r, 10).value == "ZF-03")
    assert ws.cell(zf03, 7).value == 0.5
    assert "另有酌情部分待复核（子项b：出现不合格案卷），最多扣2分" in ws.cell(zf03, 9).value


def test_a_form_without_grades_has_no_grade_row(tmp_path):
    book, result = _example_sheet(tmp_path, "enforcement-selfcheck-2024.json")
    ws = book["评分表"]
    assert ws["A1"].value == "2024年度某县综合行政执法局（虚构示例单位）行政执法质量自查表"
    assert book["考核结果"]["G4"].value == "本表不评定等次"
    assert all(ws.cell(r, 1).value != "等次" for r in range(1, ws.max_row + 1))
    note = label_row(ws, "说明")
    assert ws.cell(note, 8).value == "—" and ws.cell(note, 9).value.startswith("总分12.8分（本表不评定等次）")


def test_cells_of_one_style_share_its_array_and_a_change_reaches_one_cell_only(tmp_path):
    from scoresheets.cells import merge_row, own, put_text
    from scoresheets.styles import BODY, SEVERE_FILL

    wb = openpyxl.Workbook()
    register_styles(wb)
    ws = wb.active
    first, second = put_text(ws, 1, 1, "甲", BODY), put_text(ws, 1, 2, "乙", BODY)
    assert first._style is second._style
    with pytest.raises(TypeError, match="own"):
        second.fill = SEVERE_FILL  # in place, it would have coloured every 正文 cell
    own(second).fill = SEVERE_FILL
    put_text(ws, 2, 1, "丙", BODY)
    put_text(ws, 2, 3, "丁", BODY)
    merge_row(ws, 2, 1, 3)  # openpyxl adds the last cell's edges to the first cell's border
    wb.save(tmp_path / "x.xlsx")
    back = load_workbook(tmp_path / "x.xlsx").active
    assert [back.cell(1, c).fill.fgColor.rgb for c in (1, 2)] == ["00000000", "00F8CBAD"]
    assert [back.cell(r, 1).style for r in (1, 2)] == [BODY, BODY]
    assert back.cell(2, 1).border.right.style == "thin" and [r.coord for r in back.merged_cells.ranges] == ["A2:C2"]
