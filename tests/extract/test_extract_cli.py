"""`assess extract` end to end, and `assess` on drafts: files written, exit codes, messages."""

from __future__ import annotations

import json

import pytest
from conftest import DATA, RULES

from engine.cli import main
from engine.extract.extractor import extract
from engine.extract.report import read_report
from engine.ruleset.load import load_rules

MINI = str(DATA / "extract-mini.yaml")
HUASHAN = DATA / "reports" / "000-huashan-2012.txt"
QUJIANG = DATA / "reports" / "001-qujiang-2019.txt"
REPORT = "一、工作情况\n市长热线受理投诉2673件，办结2656件。\n全年开展领导干部学法近4次。\n\n二○一三年二月二十日\n"


def run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(args)
    return info.value.code


def write(tmp_path, text: str = REPORT, name: str = "报告.txt", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_extract_writes_a_draft_and_prints_the_table(tmp_path, capsys):
    report, draft = write(tmp_path), tmp_path / "草稿.json"
    code = run(["extract", str(report), "--rules", MINI, "-o", str(draft), "--unit", "区测试局", "--year", "2012"])
    out, err = capsys.readouterr()
    assert code == 0 and out == ""
    doc = json.loads(draft.read_text(encoding="utf-8"))
    assert list(doc) == ["单位名称", "单位类型", "考核年度", "指标", "数据说明", "草稿"]
    assert (doc["单位名称"], doc["单位类型"], doc["考核年度"]) == ("区测试局", "待填", 2012)
    assert doc["指标"] == {
        "受理件数": 2673,
        "办结件数": 2656,
        "办结率": 99.36,
        "满意率": "待填",
        "调解件数": "待填",
        "学法次数": 4,
        "建立学法制度": "待填",
        "报送日期": "2013-02-20",
        "获评": "待填",
        "工作人员数": "待填",
        "说明文字": "待填",
    }
    notes = doc["数据说明"]
    assert notes["受理件数"] == "出处：报告原文第2行“受理投诉2673件”"
    assert (
        notes["办结率"]
        == "推算：办结件数 2656 ÷ 受理件数 2673 × 100 = 99.36（第2行“办结2656件”；第2行“受理投诉2673件”）"
    )
    assert notes["学法次数"] == "出处：报告原文第3行“学法近4次”；原文为约数"
    assert notes["报送日期"] == "出处：报告原文第5行“二○一三年二月二十日”；取落款日期"
    assert notes["满意率"] == "待填（选填）：报告中未找到"
    assert notes["说明文字"] == "待填（选填）：规则集未声明提取方式"
    found = doc["草稿"]["已提取"]
    assert found["办结率"]["标记"] == ["derived"]
    assert found["办结率"]["计算"] == {
        "分子": {"指标": "办结件数", "值": 2656},
        "分母": {"指标": "受理件数", "值": 2673},
        "结果": 99.36,
        "与原文一致": None,
    }
    assert found["学法次数"]["标记"] == ["approximate"]
    assert found["受理件数"]["出处"] == [
        {
            "文件": str(report),
            "行": 2,
            "列": 5,
            "原文": "受理投诉2673件",
            "句子": "市长热线受理投诉2673件，办结2656件。",
        }
    ]
    assert doc["草稿"]["待填"]["工作人员数"] == "报告中未找到"
    assert doc["草稿"]["报告"]["编码"] == "utf-8" and doc["草稿"]["规则集"]["编号"] == "extract-mini"
    lines = err.splitlines()
    assert lines[0] == f"从 {report} 提取（规则集 extract-mini，utf-8）：找到 5 项，待填 6 项"
    assert "  办结率    99.36%      推算  第2行“办结2656件” 等2处" in lines
    assert "待填（报告中未找到）：满意率（选填）、调解件数、建立学法制度、获评（选填）、工作人员数" in lines
    assert lines[-2] == "表头待填：单位类型（可用 --unit、--unit-type、--year 给出）"
    assert lines[-1] == f"草稿：{draft}"


def test_default_output_name_and_guessed_header(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run(["extract", str(HUASHAN), "--unit-type", "区县政府"]) == 0
    doc = json.loads((tmp_path / "000-huashan-2012-草稿.json").read_text(encoding="utf-8"))
    assert (doc["单位名称"], doc["单位类型"], doc["考核年度"]) == ("花山区人民政府", "区县政府", 2012)
    assert doc["草稿"]["表头出处"]["单位名称"]["出处"]["行"] == 10  # lines 1–9 are the page's index block
    assert "草稿：000-huashan-2012-草稿.json" in capsys.readouterr().err


def test_unit_type_leaves_out_indicators_that_do_not_apply(tmp_path):
    report, draft = write(tmp_path), tmp_path / "d.json"
    assert run(["extract", str(report), "--rules", MINI, "-o", str(draft), "--unit-type", "区县政府"]) == 0
    assert "调解件数" not in json.loads(draft.read_text(encoding="utf-8"))["指标"]


def test_a_gbk_report_through_the_command(tmp_path):
    report, draft = write(tmp_path, encoding="gbk"), tmp_path / "d.json"
    assert run(["extract", str(report), "--rules", MINI, "-o", str(draft)]) == 0
    doc = json.loads(draft.read_text(encoding="utf-8"))
    assert doc["指标"]["办结率"] == 99.36 and doc["草稿"]["报告"]["编码"] == "gb18030"


def test_bad_input_exits_3_or_2_and_writes_nothing(tmp_path, capsys):
    draft = tmp_path / "d.json"
    assert run(["extract", str(tmp_path / "无.txt"), "--rules", MINI, "-o", str(draft)]) == 3
    assert f"{tmp_path / '无.txt'}: 文件不存在" in capsys.readouterr().err
    bad = write(tmp_path, name="a.pdf", text="%PDF-1.4")
    assert run(["extract", str(bad), "--rules", MINI, "-o", str(draft)]) == 3
    assert "不支持此格式" in capsys.readouterr().err
    assert run(["extract", str(write(tmp_path)), "--rules", MINI, "--unit-type", "部门", "-o", str(draft)]) == 2
    assert "应为以下之一：区县政府、镇街" in capsys.readouterr().err
    assert not draft.exists()


def test_assess_refuses_a_draft_with_pending_required_values_naming_each(tmp_path, capsys):
    report, draft = write(tmp_path), tmp_path / "草稿.json"
    assert run(["extract", str(report), "--rules", MINI, "-o", str(draft)]) == 0
    capsys.readouterr()
    sheet = tmp_path / "评分表.xlsx"
    assert run([str(draft), "--rules", MINI, "-o", str(sheet)]) == 3
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert out == "" and lines[0] == "错误：申报数据有误，未评分，未写出任何文件。"
    text = draft.read_text(encoding="utf-8").splitlines()

    def at(key: str) -> str:
        n = next(i for i, line in enumerate(text, 1) if line.startswith(f'    "{key}"'))
        return f"{draft}:{n}:{text[n - 1].index('待填')}"

    assert lines[1:] == [
        f"  {draft}:2:11: 单位名称: 单位名称待填，应填单位全称",
        f"  {draft}:3:11: 单位类型: 单位类型待填，应填以下之一：区县政府、镇街",
        f"  {draft}:4:11: 考核年度: 考核年度待填，应填被考核的工作年度（如 2012）",
        f"  {at('建立学法制度')}: 指标.建立学法制度: 必填指标 “建立学法制度”（是否建立学法制度）待填，应填 true 或 false",
        f"  {at('工作人员数')}: 指标.工作人员数: 必填指标 “工作人员数”（法制工作人员数）待填，应填数字（单位：人）",
    ]
    assert not sheet.exists()


def test_a_filled_draft_is_a_valid_submission(tmp_path, capsys):
    """The draft of a real report, its 待填 filled in, scores; optional 待填 count as not submitted."""
    ruleset = load_rules(RULES / "demo-district-2013.yaml")
    draft = tmp_path / "草稿.json"
    assert run(["extract", str(HUASHAN), "-o", str(draft), "--unit-type", "区县政府"]) == 0
    doc = json.loads(draft.read_text(encoding="utf-8"))
    filler = {"数值": 3, "百分比": 100, "次数": 0, "是否": True, "日期": "2013-02-20", "记录列表": []}
    for name, value in doc["指标"].items():
        spec = ruleset.indicators[name]
        if value == "待填" and spec.required:
            doc["指标"][name] = filler[spec.type] if spec.type != "选项" else spec.options[0]
    assert doc["指标"]["群众满意度"] == "待填"  # optional: left as it is
    draft.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    capsys.readouterr()
    code = run([str(draft), "--format", "json", "--as-of", "2014-01-15T09:00:00+08:00"])
    out, err = capsys.readouterr()
    assert code == 0, err
    result = json.loads(out)
    assert (result["unit"], result["unit_type"], result["year"]) == ("花山区人民政府", "区县政府", 2012)
    submitted = {s["name"]: s for s in result["submitted"]}
    assert (submitted["群众投诉办结率"]["value"], submitted["群众投诉办结率"]["missing"]) == ("99.36", False)
    assert (
        submitted["群众投诉办结率"]["note"]
        == "出处：报告原文第63行“办结率为99.36%”；与 投诉办结件数 ÷ 投诉受理件数 核对一致"
    )
    assert submitted["群众满意度"]["missing"] is True
    assert [i["status"] for i in result["items"] if i["rule_id"] == "JD-06"] == ["待复核"]


def test_a_report_without_a_title_year_takes_the_most_cited_year_and_leaves_the_unit_pending(tmp_path):
    draft = tmp_path / "d.json"
    assert run(["extract", str(QUJIANG), "-o", str(draft)]) == 0
    doc = json.loads(draft.read_text(encoding="utf-8"))
    assert (doc["单位名称"], doc["考核年度"]) == ("待填", 2019)
    assert doc["草稿"]["表头出处"]["考核年度"]["出处"]["行"] == 6
    assert extract(read_report(QUJIANG), load_rules(RULES / "demo-district-2013.yaml")).findings
