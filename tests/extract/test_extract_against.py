"""`assess extract REPORT --against SUBMISSION` and the same check in `assess batch`."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal

import openpyxl
import pytest
from conftest import EXAMPLES

from engine import api
from engine.cli import main
from engine.extract.crosscheck import DIFFERENT, MISSING, UNSURE, same

STREET = EXAMPLES / "national-street-2022.json"
REPORT = (
    "某街道办事处2022年度法治政府建设情况报告\n"
    "全年召开党工委会议4次专题研究法治建设。聘请法律顾问1名。\n"
    "全街道现有执法人员18名，全部取得行政执法证。\n"
    "全年调解矛盾纠纷近130件，调解成功率98%。\n"
    "全年开展政务服务“好差评”，收到差评3件。\n"
)


def run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(args)
    return info.value.code


def test_differences_with_both_values_and_the_sentence(tmp_path, capsys):
    report = tmp_path / "报告.txt"
    report.write_text(REPORT, encoding="utf-8")
    assert run(["extract", str(report), "--against", str(STREET)]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "一致 5 项，不一致 2 项，待核 1 项，申报未填 0 项" in lines[0]
    assert lines[1] == (
        "  不一致 专题研究法治建设次数：申报 2次，报告 4次 —— 第2行“4次专题研究”："
        "全年召开党工委会议4次专题研究法治建设。"
    )
    assert lines[2].startswith("  不一致 人民调解成功率：申报 94.79%，报告 98% —— 第4行“调解成功率98%”")
    assert lines[3].startswith("  待核 调解件数：申报 326件，报告 130件（报告：约数）")
    assert not list(tmp_path.glob("*草稿*.json"))  # a check writes no draft


def test_consistent_report_exits_0(tmp_path, capsys):
    report = tmp_path / "报告.txt"
    report.write_text("某街道办事处2022年度法治政府建设情况报告\n聘请法律顾问1名。收到差评3件。\n", encoding="utf-8")
    assert run(["extract", str(report), "--against", str(STREET)]) == 0
    assert "一致 2 项，不一致 0 项" in capsys.readouterr().out


def test_a_value_the_submission_leaves_out(tmp_path):
    data = json.loads(STREET.read_text(encoding="utf-8"))
    data["指标"].pop("示范创建获评", None)  # optional: left out, it takes its default 无
    submission = tmp_path / "申报.json"
    submission.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    report = tmp_path / "报告.txt"
    report.write_text(REPORT + "本街道被评为全国法治政府建设示范街道。\n", encoding="utf-8")
    check = api.cross_check_report(report, submission)
    kinds = {line.name: line.kind for line in check.lines}
    assert kinds["示范创建获评"] == MISSING and kinds["人民调解成功率"] == DIFFERENT
    assert kinds["调解件数"] == UNSURE


def test_rates_compare_at_the_report_s_precision():
    assert same(Decimal("98.33"), Decimal("98.3")) and not same(Decimal("98.36"), Decimal("98.3"))
    assert same(100, Decimal("100")) and not same(True, 1) and same(True, True)


def test_against_refuses_draft_options(tmp_path, capsys):
    report = tmp_path / "报告.txt"
    report.write_text(REPORT, encoding="utf-8")
    assert run(["extract", str(report), "--against", str(STREET), "-o", str(tmp_path / "d.json")]) == 2
    assert "--against" in capsys.readouterr().err


def test_batch_checks_reports_beside_submissions(tmp_path, capsys):
    inputs = tmp_path / "申报"
    inputs.mkdir()
    shutil.copy(STREET, inputs / "甲.json")
    (inputs / "甲-报告.txt").write_text(REPORT, encoding="utf-8")
    shutil.copy(EXAMPLES / "national-bureau-2022.json", inputs / "乙.json")
    out = tmp_path / "结果"
    assert run(["batch", str(inputs), "-o", str(out), "--jobs", "1"]) == 0
    err = capsys.readouterr().err
    assert "报告核对：1份申报旁有年度报告，其中1份与报告不一致" in err
    assert "甲.json：专题研究法治建设次数 申报 2次，报告 4次" in err
    ws = openpyxl.load_workbook(out / "汇总.xlsx")["报告核对"]
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[0] is not None]
    assert [(r[4], r[5], r[6], r[7]) for r in rows] == [
        ("不一致", "专题研究法治建设次数", "2次", "4次"),
        ("不一致", "人民调解成功率", "94.79%", "98%"),
        ("待核", "调解件数", "326件", "130件（约数）"),
    ]
    assert run(["batch", str(inputs), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    checked = [r for r in doc["ranking"] if "report_check" in r]
    assert len(checked) == 1 and checked[0]["report_check"]["lines"][0]["indicator"] == "专题研究法治建设次数"
