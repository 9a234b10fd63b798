"""Sheet 考核结果: the result first, as live formulas; why; the largest deductions; the 整改清单."""

from __future__ import annotations

from decimal import Decimal

import pytest
from openpyxl import load_workbook

import scoresheets
from engine.api import assess_file, load_submission_for
from engine.assessment import assess
from engine.scoring.arithmetic import grade
from scoresheets.formulas import Bounds, Formula
from scoresheets.scoresheet import grade_formula
from tests.conftest import AS_OF, EXAMPLES

SHIPPED = sorted(EXAMPLES.glob("*.json"))


class _Total:
    """A sheet whose only cell, A1, holds a total."""

    def __init__(self, total: Decimal):
        self.total = total
        self.bounds = Bounds()

    def value(self, row: int, col: int) -> Decimal:
        assert (row, col) == (1, 1)
        return self.total


@pytest.mark.parametrize("example", SHIPPED, ids=lambda p: p.stem)
def test_the_grade_formula_gives_the_engines_grade_at_every_total(example):
    ruleset, submission = load_submission_for(example)
    result = assess(ruleset, submission, as_of=AS_OF)
    formula = grade_formula("A1", result)
    if not result.grade_words:
        assert formula is None
        return
    lines = [v for v in result.grade.bands.values()]
    totals = {Decimal(k) / 4 for k in range(0, 4 * int(result.total_points) + 1)}
    totals |= {line + d for line in lines for d in (Decimal("-0.01"), 0, Decimal("0.01"))}
    for total in sorted(totals):
        engine = grade(ruleset, submission.unit_type, total, result.bad_records, result.vetoes, []).grade
        assert Formula(formula[1:], _Total(total)).evaluate() == engine, (total, formula)


@pytest.fixture(scope="module")
def problem(tmp_path_factory):
    result = assess_file(EXAMPLES / "problem-department.json", as_of=AS_OF)
    path = tmp_path_factory.mktemp("front") / "评分表.xlsx"
    scoresheets.write_scoresheet(result, path)
    return load_workbook(path), result


def _labels(ws) -> dict[str, str]:
    return {ws.cell(r, 1).value: ws.cell(r, 3).value for r in range(4, 20) if ws.cell(r, 1).value}


def test_the_first_sheet_leads_with_the_result_and_why(problem):
    book, result = problem
    ws = book.worksheets[0]
    assert ws.title == "考核结果" and book.active.title == "考核结果"
    assert "区市政管理局（虚构示例单位）（区直部门）" in ws["A2"].value and "考核年度：2012年度" in ws["A2"].value
    assert "demo-district-2013" in ws["A3"].value and "评分时间：2014年1月15日 09:00" in ws["A3"].value
    total = next(r for r in range(1, 200) if book["评分表"].cell(r, 1).value == "总分")
    assert (ws["A4"].value, ws["C4"].value) == ("总分", f"='评分表'!$H${total}")
    assert (ws["E4"].value, ws["G4"].value) == ("等次", '="不合格"')  # vetoed: whatever the total
    assert ws["C4"].font.size == 20 and ws["C4"].font.bold and ws["G4"].font.size == 20
    lines = _labels(ws)
    assert lines["等次说明"] == (
        "触发一票否决：拒不执行人民法院生效裁判（FJ-01）；重大行政决策失误造成重大损失（FJ-02），等次为不合格"
    )
    assert lines["不良记录"] == "10条（其中严重3条），见“不良记录”表"
    assert lines["等次线"] == "优秀≥90分、良好≥80分、合格≥60分，低于60分为不合格"
    assert lines["扣分最多的5项"].startswith(
        "ZZ-05 在年度目标责任考核中依法行政工作分值不少于3分，并实行不良记录（扣3分）；"
    )
    assert lines["扣分最多的5项"].endswith("（共25项扣分）")


def test_the_remedies_table_lists_the_engines_list_in_order(problem):
    book, result = problem
    ws = book["考核结果"]
    header = next(r for r in range(1, 40) if ws.cell(r, 1).value == "序号")
    assert [ws.cell(header, c).value for c in range(1, 9)] == [
        "序号", "规则编号", "考核内容", "存在问题", "扣分", "整改可增分", "整改后总分", "整改后等次",
    ]  # fmt: skip
    rows = [
        [ws.cell(r, c).value for c in (2, 5, 6, 7, 8)] for r in range(header + 1, header + 1 + len(result.remedies))
    ]
    assert rows[0] == ["ZZ-05", 3, 3.12, 67.75, "不合格"]
    assert [r[0] for r in rows] == [m.rule_id for m in result.remedies]
    assert ws.print_title_rows.replace("$", "") == f"{header}:{header}"


def test_a_provisional_grade_says_so_and_a_capped_grade_follows_the_total(tmp_path):
    result = assess_file(EXAMPLES / "huashan-2012.json", as_of=AS_OF)
    path = tmp_path / "s.xlsx"
    scoresheets.write_scoresheet(result, path)
    ws = load_workbook(path)["考核结果"]
    lines = _labels(ws)
    assert lines["暂定"].startswith("等次暂定：有2项待复核（JD-06、XF-05）")
    assert ws["E4"].value == "等次（暂定）"
    assert (
        ws["G4"].value
        == '=IF(\'评分表\'!$H$62>=90,"优秀",IF(\'评分表\'!$H$62>=80,"良好",IF(\'评分表\'!$H$62>=60,"合格","不合格")))'.replace(
            "62", ws["C4"].value.split("$")[-1]
        )
    )


def test_the_scoresheet_has_lines_to_sign_and_date(problem):
    book, _ = problem
    ws = book["评分表"]
    signs = {
        ws.cell(r, 1).value: ws.cell(r, 5).value for r in range(1, ws.max_row + 1) if "签字" in str(ws.cell(r, 1).value)
    }
    assert signs == {
        "考核组（签字）：": "日期：　　　　年　　月　　日",
        "复核人（签字）：": "日期：　　　　年　　月　　日",
    }


def test_submitted_data_marks_what_does_not_apply_and_what_is_only_counted(tmp_path):
    result = assess_file(EXAMPLES / "national-bureau-2022.json", as_of=AS_OF)
    path = tmp_path / "s.xlsx"
    scoresheets.write_scoresheet(result, path)
    book = load_workbook(path)
    ws = book["申报数据"]
    rows = [[ws.cell(r, c) for c in range(1, 7)] for r in range(3, 3 + len(result.submitted))]
    assert [r[4].value for r in rows].count("未填报") == 0
    quiet = [r for r in rows if r[5].value and r[5].value.startswith("不适用于区直部门，不计分")]
    assert len(quiet) == 31 and all(c.font.italic and c.fill.fgColor.rgb.endswith("EDEDED") for r in quiet for c in r)
    rate = next(r for r in rows if r[1].value == "差评整改率")  # a rate over no cases: not a gap
    assert rate[4].value == "不适用" and "差评件数为0" in rate[5].value
    parts = next(r for r in rows if r[1].value == "审批办件数")  # the 分母 of a scored rate is not greyed
    assert not parts[0].font.italic and parts[5].value.startswith("虚构")
    sheet = book["评分表"]
    na = [r for r in range(4, sheet.max_row) if sheet.cell(r, 10).value and sheet.cell(r, 6).value == "不适用"]
    assert na and all(sheet.cell(r, 4).font.italic and sheet.cell(r, 8).value == "—" for r in na)


def test_statistical_indicators_say_so(tmp_path):
    result = assess_file(EXAMPLES / "huashan-2012.json", as_of=AS_OF)
    counted = [s for s in result.submitted if s.use == "仅统计"]
    assert len(counted) == 13 and not any(s.missing for s in counted)
    path = tmp_path / "s.xlsx"
    scoresheets.write_scoresheet(result, path)
    ws = load_workbook(path)["申报数据"]
    notes = [ws.cell(r, 6).value or "" for r in range(3, 3 + len(result.submitted))]
    assert sum(n.startswith("仅统计，不计分") for n in notes) == 13


def test_an_assessor_may_edit_the_reason_beside_an_editable_deduction(problem):
    ws = problem[0]["评分表"]
    row = next(r for r in range(4, ws.max_row) if ws.cell(r, 10).value == "ZZ-05")
    assert not ws.cell(row, 7).protection.locked and not ws.cell(row, 9).protection.locked
    assert ws.cell(row, 4).protection.locked and ws.protection.sheet


def test_text_and_json_give_the_same_list():
    import json

    from engine.render.json_out import to_json
    from engine.render.text import full, summary

    result = assess_file(EXAMPLES / "problem-department.json", as_of=AS_OF)
    listed = json.loads(to_json(result))["remedies"]
    assert [m["rule_id"] for m in listed] == [m.rule_id for m in result.remedies]
    assert listed[0] == {
        "rule_id": "ZZ-05",
        "content": "在年度目标责任考核中依法行政工作分值不少于3分，并实行不良记录",
        "problem": result.remedies[0].problem,
        "deduction": "3.00",
        "gain": "3.12",
        "total": "67.75",
        "grade": "不合格",
        "provisional": False,
    }
    text = full(result)
    assert "整改清单（每项单独整改后重新评分，共27项）：" in text
    assert "   1. ZZ-05    在年度目标责任考核中依…  +3.12 → 总分67.75，等次不合格" in text
    assert "  27. FJ-02" in text
    assert "共27项，列出前5项" in summary(result)


def test_dates_and_times_in_chinese_form(tmp_path):
    from scoresheets.cells import chinese_date, chinese_time

    assert chinese_time("2026-12-06T11:02:32+08:00") == "2026年12月6日 11:02"
    assert chinese_time("2026-12-06T03:02:32+00:00") == "2026年12月6日 03:02（UTC）"
    assert chinese_time("not a time") == "not a time"
    assert (chinese_date("2013-03-20"), chinese_date("2013-03-20 前")) == ("2013年3月20日", "2013-03-20 前")
    result = assess_file(EXAMPLES / "problem-department.json", as_of=AS_OF)
    path = tmp_path / "s.xlsx"
    scoresheets.write_scoresheet(result, path)
    ws = load_workbook(path)["申报数据"]
    shown = {ws.cell(r, 2).value: ws.cell(r, 5).value for r in range(3, 3 + len(result.submitted))}
    assert shown["年度报告报送日期"] == "2013年3月20日"
