"""`assess template` (填报表) and reading a filled one back as a submission."""

from __future__ import annotations

import json
import zipfile

import pytest
from conftest import AS_OF, DATA, EXAMPLES, RULES
from openpyxl import load_workbook

from engine.api import assess_file, get_ruleset
from engine.cli import main
from engine.errors import SubmissionError
from scoresheets.template import build_template, fill_template

DEMO = RULES / "demo-district-2013.yaml"
MINI = DATA / "mini.yaml"


def filled(tmp_path, rules, data: dict, name: str = "填报表.xlsx"):
    ruleset = get_ruleset(rules)
    wb = fill_template(build_template(ruleset), ruleset, data)
    path = tmp_path / name
    wb.save(path)
    return path


def comparable(result) -> dict:
    doc = result.model_dump()
    doc["audit"].pop("submission_file")
    doc["audit"].pop("submission_sha256")
    return doc


@pytest.mark.parametrize("example", ["huashan-2012", "qujiang-2019", "gaizhou-2016", "problem-department"])
def test_round_trip_gives_the_identical_result(tmp_path, example):
    source = EXAMPLES / f"{example}.json"
    data = json.loads(source.read_text(encoding="utf-8"))
    path = filled(tmp_path, DEMO, data)
    from_json = assess_file(source, DEMO, as_of=AS_OF)
    from_xlsx = assess_file(path, DEMO, as_of=AS_OF)
    assert comparable(from_xlsx) == comparable(from_json)
    assert from_xlsx.audit.submission_file == "填报表.xlsx"


def test_round_trip_of_a_table_with_assessor_parts(tmp_path):
    # the form carries the unit's figures only; the assessor's parts stay open until the review file
    rules = RULES / "county-dept-2024.yaml"
    source = EXAMPLES / "county-dept-2024.json"
    path = filled(tmp_path, rules, json.loads(source.read_text(encoding="utf-8")))
    from_xlsx = assess_file(path, rules, as_of=AS_OF)
    assert comparable(from_xlsx) == comparable(assess_file(source, rules, as_of=AS_OF))
    assert from_xlsx.open_totals.summary == "已定 21.50 / 31.2；待复核 8.8 分；最终 21.50–30.30"
    assert "复核" not in load_workbook(path).sheetnames


def minimal() -> dict:
    from conftest import GOOD_MINI

    return json.loads(json.dumps(GOOD_MINI, ensure_ascii=False))


def cell_of(path, sheet: str, name: str, col: str = "G") -> str:
    ws = load_workbook(path)[sheet]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == name)
    return f"{col}{row}"


def test_errors_point_at_sheet_and_cell(tmp_path):
    data = minimal()
    data["指标"]["诉讼案件"] = [{"案号": "1", "结果": "败诉"}, {"案号": "2", "结果": "赢了"}]
    path = filled(tmp_path, MINI, data)
    wb = load_workbook(path)
    ws = wb["指标"]
    ws[cell_of(path, "指标", "备案率")] = "96"
    ws[cell_of(path, "指标", "专题学法次数")] = 2.5
    wb.save(path)
    with pytest.raises(SubmissionError) as info:
        assess_file(path, MINI)
    found = [str(p) for p in info.value.problems]
    assert (
        f"{path}!指标!{cell_of(path, '指标', '备案率')}: 指标.备案率: 规范性文件备案率（备案率）应为数字（不加引号）（实为 “96”）"
        in found
    )
    assert any(
        p.startswith(f"{path}!指标!{cell_of(path, '指标', '专题学法次数')}: 指标.专题学法次数:") and "应为整数" in p
        for p in found
    )
    assert any(
        p.startswith(f"{path}!诉讼案件!C6: 指标.诉讼案件[1].结果:") and "应为以下之一：胜诉、败诉、撤诉" in p
        for p in found
    )


def test_formulas_are_refused_and_percent_format_is_read(tmp_path):
    path = filled(tmp_path, MINI, minimal())
    wb = load_workbook(path)
    ws = wb["指标"]
    ws[cell_of(path, "指标", "未报备件数")] = "=1+1"
    rate = ws[cell_of(path, "指标", "备案率")]
    rate.value, rate.number_format = 0.965, "0.0%"
    wb.save(path)
    with pytest.raises(SubmissionError) as info:
        assess_file(path, MINI)
    [problem] = info.value.problems
    assert str(problem) == f"{path}!指标!{cell_of(path, '指标', '未报备件数')}: 应直接填写数值，不能是公式"
    ws[cell_of(path, "指标", "未报备件数")] = 3.0  # Excel stores every number as a float
    wb.save(path)
    items = {i.rule_id: i for i in assess_file(path, MINI).items}
    assert str(items["A-02"].deduction) == "1.75" and str(items["A-01"].deduction) == "2.00"


def test_not_a_template_or_not_a_workbook(tmp_path):
    from openpyxl import Workbook

    other = tmp_path / "other.xlsx"
    Workbook().save(other)
    with pytest.raises(SubmissionError, match="缺少工作表“指标”"):
        assess_file(other, MINI)
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a zip")
    with pytest.raises(SubmissionError, match="不是有效的 xlsx 文件"):
        assess_file(junk, MINI)


def test_zip_bomb_is_refused_before_expansion(tmp_path, monkeypatch):
    from engine.documents import xlsx_guard

    monkeypatch.setattr(xlsx_guard, "MAX_UNCOMPRESSED_BYTES", 1_000_000)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        zf.writestr("xl/workbook.xml", b"<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * 3_000_000)
    assert bomb.stat().st_size < 20_000
    with pytest.raises(SubmissionError, match="疑似压缩炸弹"):
        assess_file(bomb, MINI)


def test_template_structure(tmp_path, capsys):
    out = tmp_path / "t.xlsx"
    with pytest.raises(SystemExit) as info:
        main(["template", str(MINI), "-o", str(out)])
    assert info.value.code == 0
    wb = load_workbook(out)
    assert wb.sheetnames == [
        "指标",
        "诉讼案件",
        "上年不良记录整改",
        "自评分",
        "结构",
    ]  # no 复核: decisions are the assessors' own file
    assert wb["结构"].sheet_state == "hidden"
    ws = wb["指标"]
    assert [ws.cell(3, c).value for c in range(1, 10)] == [
        "序号",
        "指标",
        "名称",
        "类型",
        "单位",
        "填写要求",
        "填报值",
        "佐证材料",
        "数据说明",
    ]
    assert ws.protection.sheet and ws["G4"].protection.locked is False and ws["C4"].protection.locked is True
    rate = cell_of(out, "指标", "备案率")
    row = int(rate[1:])
    assert ws[f"F{row}"].value == "0–100 的数字" and ws[f"H{row}"].protection.locked is False
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert (rules[rate].type, rules[rate].operator, rules[rate].formula1, rules[rate].formula2) == (
        "decimal",
        "between",
        "0",
        "100",
    )
    assert rules[cell_of(out, "指标", "获评示范")].formula1 == '"无,市级,省级"'
    assert rules[cell_of(out, "指标", "制定工作要点")].formula1 == '"是,否"'
    assert rules[cell_of(out, "指标", "未报备件数")].type == "whole"
    assert "填写说明" in ws["A2"].value
    records = wb["诉讼案件"]
    assert [records.cell(3, c).value for c in range(1, 4)] == ["序号", "案号", "结果"]
    assert records["B5"].protection.locked is False and records.protection.sheet
    for sheet in wb.worksheets[:-1]:
        assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows


def test_template_from_json_fills_values(tmp_path, capsys):
    out = tmp_path / "t.xlsx"
    with pytest.raises(SystemExit) as info:
        main(["template", str(DEMO), "-o", str(out), "--from", str(EXAMPLES / "gaizhou-2016.json")])
    assert info.value.code == 0
    ws = load_workbook(out)["指标"]
    assert ws[cell_of(out, "指标", "单位名称")].value == "盖州市人民政府"


def test_batch_accepts_a_filled_workbook_like_json(tmp_path, capsys):
    data = json.loads((EXAMPLES / "gaizhou-2016.json").read_text(encoding="utf-8"))
    (tmp_path / "in").mkdir()
    filled(tmp_path / "in", DEMO, data, "盖州-填报表.xlsx")
    (tmp_path / "in" / "gaizhou.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as info:
        main(
            [
                "batch",
                str(tmp_path / "in"),
                "-o",
                str(out),
                "--format",
                "json",
                "-j",
                "1",
                "--as-of",
                "2014-01-15T09:00:00+08:00",
                "--overrides",
                str(EXAMPLES / "reviews" / "review.yaml"),
            ]
        )
    assert info.value.code == 0
    rows = json.loads((out / "汇总.json").read_text(encoding="utf-8"))["ranking"]
    assert sorted(r["file"].rsplit("/", 1)[-1] for r in rows) == ["gaizhou.json", "盖州-填报表.xlsx"]
    assert {r["total"] for r in rows} == {"88.56"} and rows[0]["rank"] == rows[1]["rank"] == 1
    assert {r["grade"] for r in rows} == {"良好"}
