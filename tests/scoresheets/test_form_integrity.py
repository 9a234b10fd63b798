"""The 填报表 per unit type, its look, and the reader trusting nothing it can recompute."""

from __future__ import annotations

import json

import pytest
from conftest import EXAMPLES, RULES
from openpyxl import load_workbook

from engine.api import get_ruleset
from engine.cli import main
from engine.intake.form_layout import form_layout

NATIONAL = "national-model-2021"
AS_OF = "2023-01-15T09:00:00+08:00"


def run(capsys, args) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return info.value.code, out, err


def form_from(capsys, tmp_path, example: str, *extra) -> object:
    path = tmp_path / f"{example}.xlsx"
    code, _, err = run(capsys, ["template", *extra, "-o", path, "--from", EXAMPLES / f"{example}.json"])
    assert code == 0, err
    return path


def scored(capsys, path, *extra) -> dict:
    code, out, err = run(capsys, [path, "--format", "json", "--as-of", AS_OF, *extra])
    assert code == 0, err
    return json.loads(out)


def refused(capsys, path, *extra) -> str:
    code, out, err = run(capsys, [path, "--format", "json", "--as-of", AS_OF, *extra])
    assert code == 3 and out == "", err
    assert "Traceback" not in err
    return err


def row_of(ws, name: str, col: int = 2) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, col).value == name)


EXAMPLE_NAMES = sorted(p.stem for p in EXAMPLES.glob("*.json"))


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_a_filled_form_scores_exactly_as_its_json(capsys, tmp_path, example):
    # the unit's own form (its unit type only), filled from the JSON, read back: the same score
    from_json = scored(capsys, EXAMPLES / f"{example}.json")
    from_form = scored(capsys, form_from(capsys, tmp_path, example))
    assert from_form["total"] == from_json["total"]
    assert from_form["grade"] == from_json["grade"]
    assert [(i["rule_id"], i["deduction"], i["status"], i["reasons"]) for i in from_form["items"]] == [
        (i["rule_id"], i["deduction"], i["status"], i["reasons"]) for i in from_json["items"]
    ]


def test_known_scores_through_the_form(capsys, tmp_path):
    assert scored(capsys, form_from(capsys, tmp_path, "problem-department"))["total"] == "64.63"
    assert scored(capsys, form_from(capsys, tmp_path, "national-bureau-2022"))["total"] == "94.07"


def test_a_form_for_one_unit_type_asks_only_what_applies(capsys, tmp_path):
    ruleset = get_ruleset(NATIONAL)
    out = tmp_path / "区直部门.xlsx"
    code, _, err = run(capsys, ["template", NATIONAL, "--unit-type", "区直部门", "-o", out])
    assert code == 0, err
    wb = load_workbook(out)
    ws = wb["指标"]
    names = [ws.cell(r, 2).value for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value]
    applicable = [n for n, s in ruleset.indicators.items() if s.applies_to is None or "区直部门" in s.applies_to]
    assert names[3:] == applicable and len(applicable) < len(ruleset.indicators)
    assert "村规民约" not in " ".join(str(n) for n in names)
    assert ws.max_column == 9  # no 适用单位 column: everything applies
    type_cell = ws.cell(row_of(ws, "单位类型"), 7)
    assert type_cell.value == "区直部门" and type_cell.protection.locked
    assert wb["结构"]["B3"].value == "区直部门"
    assert wb.properties.title == f"{ruleset.header.name} 填报表（区直部门）"
    assert wb.properties.creator.startswith("fazhi-assess")
    # the 自评表 lists only the items that apply, grouped by 一级 under 小计 rows and a 合计
    layout = form_layout(ruleset, "区直部门")
    self_ws = wb["自评分"]
    ids = [self_ws.cell(r, 2).value for r in layout.self_rows.values()]
    assert ids == list(layout.self_rows) and len(ids) < len(ruleset.entries)
    others = [e.item.id for e in ruleset.entries if e.item.applies_to and "区直部门" not in e.item.applies_to]
    assert others and not set(others) & set(ids)
    category, head, rows = layout.groups[0]
    assert self_ws.cell(head, 2).value == f"{category}（小计）"
    assert self_ws.cell(head, 5).value == f"=SUM(E{rows[0]}:E{rows[-1]})"
    total = layout.total_row
    assert self_ws.cell(total, 2).value == "合计"
    assert self_ws.cell(total, 4).value == "=" + "+".join(f"D{h}" for _, h, _ in layout.groups)


def test_a_form_for_every_type_marks_what_applies_and_greys_the_rest(capsys, tmp_path):
    out = tmp_path / "全部.xlsx"
    code, _, err = run(capsys, ["template", NATIONAL, "-o", out])
    assert code == 0, err
    ws = load_workbook(out)["指标"]
    assert ws.cell(3, 10).value == "适用单位"
    assert ws.cell(row_of(ws, "变相许可事项数"), 10).value == "区直部门、行政执法部门"
    assert ws.cell(row_of(ws, "单位名称"), 10).value == "全部"
    [rule] = [r for cf in ws.conditional_formatting for r in cf.rules]
    assert 'SEARCH("、"&$G$5&"、","、"&$J7&"、")' in rule.formula[0]
    assert "变为灰色" in ws["A2"].value


def test_input_cells_are_light_yellow_with_formats_by_type(capsys, tmp_path):
    out = tmp_path / "t.xlsx"
    code, _, err = run(capsys, ["template", NATIONAL, "--unit-type", "行政执法部门", "-o", out])
    assert code == 0, err
    wb = load_workbook(out)
    ws = wb["指标"]
    assert "浅黄色" in ws["A2"].value

    def value_cell(name):
        return ws.cell(row_of(ws, name), 7)

    for name in ("单位名称", "考核年度", "审批办件数", "审批按期办结率", "公布权责清单"):
        cell = value_cell(name)
        assert cell.fill.fgColor.rgb == "00FFFF99" and not cell.protection.locked, name
    assert value_cell("考核年度").number_format == "0"
    assert value_cell("审批办件数").number_format == "0"
    assert value_cell("审批按期办结率").number_format == '0.00"%"'
    assert ws.cell(row_of(ws, "审批办件数"), 3).fill.fgColor.rgb != "00FFFF99"  # labels are not inputs
    cases = wb["行政诉讼案件"]
    dates = [(n, f) for n, f in get_ruleset(NATIONAL).indicators["行政诉讼案件"].fields.items() if f.type == "日期"]
    for col in range(2, cases.max_column + 1):
        assert cases.cell(5, col).fill.fgColor.rgb == "00FFFF99"
    assert not dates or any(cases.cell(5, c).number_format == "yyyy-mm-dd" for c in range(2, cases.max_column + 1))
    # the signature block: labels and yellow cells under the table
    labels = {ws.cell(r, c).value: (r, c) for r in range(ws.max_row - 3, ws.max_row + 1) for c in range(1, 10)}
    for label in ("填报单位（盖章）：", "填报人：", "联系电话：", "负责人签字：", "日期："):
        r, c = labels[label]
        target = next(ws.cell(r, k) for k in range(c + 1, 10) if ws.cell(r, k).fill.fgColor.rgb == "00FFFF99")
        assert not target.protection.locked
        assert (target.number_format == "yyyy-mm-dd") == (label == "日期：")
    for sheet in wb.worksheets:
        if sheet.sheet_state == "visible":
            assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
            assert sheet.print_title_rows and "&P" in sheet.oddFooter.center.text


def test_a_literal_percent_format_keeps_the_value_as_typed(capsys, tmp_path):
    from engine.intake.xlsx_form import scales_percent

    assert scales_percent("0.0%") and scales_percent("0%")
    assert not scales_percent('0.00"%"') and not scales_percent("0.00\\%") and not scales_percent(None)


def test_a_structure_sheet_pointed_elsewhere_is_refused(capsys, tmp_path):
    # the attack: point the record list at an empty sheet, and every lawsuit disappears (64.63 → 67.75)
    path = form_from(capsys, tmp_path, "problem-department")
    wb = load_workbook(path)
    meta = wb["结构"]
    row = next(r for r in range(1, meta.max_row + 1) if meta.cell(r, 1).value == "记录列表")
    wb.create_sheet("空表")
    meta.cell(row, 3).value = "空表"
    wb.save(path)
    err = refused(capsys, path)
    assert f"{path}!结构!B4" in err and "已被改动" in err


def test_an_edited_layout_digest_is_refused(capsys, tmp_path):
    path = form_from(capsys, tmp_path, "national-bureau-2022")
    wb = load_workbook(path)
    wb["结构"]["B4"] = "0" * 64
    wb.save(path)
    assert "已被改动" in refused(capsys, path)


def test_a_form_without_its_structure_is_refused(capsys, tmp_path):
    path = form_from(capsys, tmp_path, "national-bureau-2022")
    wb = load_workbook(path)
    del wb["结构"]
    wb.save(path)
    err = refused(capsys, path)
    assert f"{path}!结构!A1" in err and "assess template national-model-2021" in err


def test_a_duplicated_indicator_row_is_an_error_at_its_cell(capsys, tmp_path):
    # the attack: copy the 应诉案件 row below with a better value; the last copy used to win (→ 65.67)
    path = form_from(capsys, tmp_path, "problem-department")
    wb = load_workbook(path)
    ws = wb["指标"]
    name = "应诉案件数"
    row = row_of(ws, name)
    spare = ws.max_row + 2
    for col in range(1, 10):
        ws.cell(spare, col).value = ws.cell(row, col).value
    wb.save(path)
    err = refused(capsys, path)
    assert f"{path}!指标!B{spare}: 指标“{name}”应只在第{row}行（指标!B{row}）" in err


def test_moved_rows_are_errors_at_their_cells(capsys, tmp_path):
    path = form_from(capsys, tmp_path, "problem-department")
    wb = load_workbook(path)
    ws = wb["指标"]
    a, b = 8, 9
    first, second = ws.cell(a, 2).value, ws.cell(b, 2).value
    for col in range(1, 10):  # swap two whole rows: labels and values
        ws.cell(a, col).value, ws.cell(b, col).value = ws.cell(b, col).value, ws.cell(a, col).value
    wb.save(path)
    err = refused(capsys, path)
    assert f"{path}!指标!B{a}: 第{a}行应是指标“{first}”，实为“{second}”" in err
    assert f"{path}!指标!B{b}: 第{b}行应是指标“{second}”，实为“{first}”" in err


def test_a_form_for_another_ruleset_is_refused_naming_both(capsys, tmp_path):
    path = form_from(capsys, tmp_path, "huashan-2012")
    err = refused(capsys, path, "--rules", RULES / "demo-district-2024.yaml")
    theirs = load_workbook(path)["结构"]["B1"].value
    assert f"{path}!结构!B1" in err
    assert f"按规则集“{theirs}”生成的" in err and "评分用的是规则集“demo-district-2024”" in err


def test_a_form_for_another_unit_type_is_refused_naming_both(capsys, tmp_path):
    path = form_from(capsys, tmp_path, "national-bureau-2022")
    wb = load_workbook(path)
    ws = wb["指标"]
    row = row_of(ws, "单位类型")
    ws.cell(row, 7).value = "镇街"
    wb.save(path)
    err = refused(capsys, path, "--rules", NATIONAL)
    assert f"{path}!指标!G{row}" in err
    assert "为单位类型“区直部门”生成的，单位类型却是“镇街”" in err and "--unit-type 镇街" in err


def test_records_past_the_form_area_are_refused(capsys, tmp_path):
    path = form_from(capsys, tmp_path, "problem-department")
    wb = load_workbook(path)
    ruleset = get_ruleset(RULES / "demo-district-2013.yaml")
    layout = form_layout(ruleset, "区直部门")
    rec = layout.records[0]
    wb[rec.title].cell(rec.last + 3, 2).value = "多出的一条"
    wb.save(path)
    err = refused(capsys, path)
    assert f"{path}!{rec.title}!B{rec.last + 3}: 超出填报区域" in err


def test_template_refuses_a_unit_type_the_ruleset_lacks(capsys, tmp_path):
    code, _, err = run(capsys, ["template", NATIONAL, "--unit-type", "区县政府", "-o", tmp_path / "x.xlsx"])
    assert code == 2 and "没有“区县政府”" in err and not (tmp_path / "x.xlsx").exists()


def test_values_a_type_does_not_report_are_named_when_left_out(capsys, tmp_path):
    data = json.loads((EXAMPLES / "national-bureau-2022.json").read_text(encoding="utf-8"))
    data["指标"]["违规涉企检查次数"] = 2  # only 行政执法部门 report it
    source = tmp_path / "bureau.json"
    source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code, _, err = run(capsys, ["template", "--from", source, "-o", tmp_path / "f.xlsx"])
    assert code == 0, err
    assert "不适用于区直部门、填报表中没有的指标未转入：违规涉企检查次数" in err
    assert scored(capsys, tmp_path / "f.xlsx")["total"] == scored(capsys, source)["total"] == "94.07"


@pytest.mark.slow
@pytest.mark.libreoffice
def test_self_score_subtotals_and_total_recompute_in_libreoffice(capsys, tmp_path):
    import shutil

    if shutil.which("soffice") is None:
        pytest.skip("needs LibreOffice (soffice)")
    import lo

    path = form_from(capsys, tmp_path, "national-street-2022")
    layout = form_layout(get_ruleset(NATIONAL), "镇街")
    wb = load_workbook(path)
    ws = wb["自评分"]
    _, head, rows = layout.groups[0]
    ws.cell(rows[0], 5).value = 1.5
    ws.cell(rows[-1], 5).value = 0.25
    _, other, others = layout.groups[1]
    ws.cell(others[0], 5).value = 2
    wb.save(path)
    (out,) = lo.recalc([path], tmp_path / "recalc")
    done = load_workbook(out, data_only=True)["自评分"]
    assert done.cell(head, 5).value == 1.75 and done.cell(other, 5).value == 2
    assert done.cell(layout.total_row, 5).value == 3.75
    assert done.cell(layout.total_row, 4).value == 90.5  # the 分值 that apply to a 镇街


def test_the_type_column_speaks_the_clerks_words(capsys, tmp_path):
    out = tmp_path / "t.xlsx"
    code, _, err = run(capsys, ["template", NATIONAL, "--unit-type", "区直部门", "-o", out])
    assert code == 0, err
    ws = load_workbook(out)["指标"]
    kinds = {ws.cell(r, 2).value: ws.cell(r, 4).value for r in range(4, ws.max_row + 1)}
    assert kinds["考核年度"] == "年份" and kinds["审批办件数"] == "整数" and kinds["公布权责清单"] == "是/否"
    assert kinds["审批按期办结率"] == "百分比" and kinds["行政诉讼案件"] == "逐条填写"
    assert "次数" not in kinds.values()


def test_a_copied_row_far_below_is_found_without_creating_the_rows_between(capsys, tmp_path):
    from engine.intake.xlsx_form import open_form, peek_header, read_form

    path = form_from(capsys, tmp_path, "national-bureau-2022")
    wb = load_workbook(path)
    ws = wb["指标"]
    ws.cell(15_000, 2).value = "考核年度"  # below the xlsx guard's row limit (a row past it is refused unread)
    ws.cell(15_000, 7).value = 2030
    wb.save(path)
    err = refused(capsys, path)
    assert f"{path}!指标!B15000: 指标“考核年度”应只在第6行" in err
    form = open_form(path)
    held = len(form.workbook["指标"]._cells)
    assert peek_header(form).data["考核年度"] == 2022  # its own row, not the copy
    read_form(form, get_ruleset(NATIONAL))
    assert len(form.workbook["指标"]._cells) < held + 100  # not a million empty cells made on the way


def test_the_criteria_workbook_has_a_title_and_creator(capsys, tmp_path):
    out = tmp_path / "评分细则.xlsx"
    code, _, err = run(capsys, ["rules", "export", NATIONAL, "-o", out])
    assert code == 0, err
    props = load_workbook(out).properties
    assert props.title == get_ruleset(NATIONAL).header.name and props.creator.startswith("fazhi-assess")
