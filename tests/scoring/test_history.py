"""History across years (--history): the two-year example, units matched by 单位编码, 等次后果."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import ROOT
from openpyxl import load_workbook

from engine import api
from engine.assessment import assess
from engine.cli import main
from engine.errors import HistoryError, RulesError, SubmissionError
from engine.evaluation.plain import oracle_firings
from engine.intake.history import load_history
from engine.intake.review import load_overrides
from engine.ruleset import conditions as expr
from engine.ruleset.load import load_rules

HERE = ROOT / "examples" / "history"
RULES = str(HERE / "history-demo.yaml")
REVIEW = str(HERE / "review.yaml")
SZ, SF, HB = "区市政管理局（虚构示例单位）", "区司法局（虚构示例单位）", "区生态环境局（虚构示例单位）"
NH = "佛山市南海区人民政府"


def run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(args)
    return info.value.code


def batch_json(folder: Path, out: Path, *more: str) -> dict:
    args = ["batch", str(folder), "-r", RULES, "--overrides", REVIEW, "--format", "json", "-o", str(out), "-j", "1"]
    assert run([*args, "--as-of", "2014-04-20T10:00:00+08:00", *more]) == 0
    return json.loads((out / "汇总.json").read_text(encoding="utf-8"))


def test_two_years_trend_and_consequences(tmp_path, capsys):
    year1 = batch_json(HERE / "2012", tmp_path / "y1")
    assert [(r["unit"], r["unit_id"], r["total"], r["grade"]) for r in year1["ranking"]] == [
        (NH, "QX-NH", "89.15", "良好"),
        (SF, "QZ-SF", "98.79", "优秀"),
        ("区环境保护局（虚构示例单位）", "QZ-HB", "93.17", "优秀"),
        (SZ, "QZ-SZ", "64.10", "不合格"),
    ]
    # the shipped 2012.json is what year 1 writes (but for the time of writing it)
    shipped = json.loads((HERE / "2012.json").read_text(encoding="utf-8"))
    assert [r["item_scores"] for r in shipped["ranking"]] == [r["item_scores"] for r in year1["ranking"]]
    year2 = batch_json(HERE / "2013", tmp_path / "y2", "--history", str(tmp_path / "y1" / "汇总.json"))
    rows = {r["unit"]: r for r in year2["ranking"]}
    assert [(u, rows[u]["total"], rows[u]["grade"]) for u in (NH, SF, HB, SZ)] == [
        (NH, "94.77", "良好"),  # 优秀 by its total; the record written again for last year's open one caps it
        (SF, "101.50", "优秀"),
        (HB, "86.60", "良好"),
        (SZ, "66.71", "不合格"),  # ZZ-07: 1 open problem this year and 10 open records of last year, capped at 2
    ]
    trend = {u: (r["previous"]["total"], r["previous"]["change"], r["previous"]["grade"]) for u, r in rows.items()}
    assert trend == {
        NH: ("89.15", "+5.62", "良好"),
        SF: ("98.79", "+2.71", "优秀"),
        HB: ("93.17", "-6.57", "优秀"),
        SZ: ("64.10", "+2.61", "不合格"),
    }
    assert rows[HB]["previous"]["unit"] == "区环境保护局（虚构示例单位）"  # renamed, linked by 单位编码 QZ-HB
    assert {u: [c["rule_id"] for c in r["consequences"]] for u, r in rows.items()} == {
        NH: [],
        SF: [],
        HB: ["HG-02"],
        SZ: ["HG-01"],
    }
    assert rows[SZ]["consequences"][0]["reason"] == "上年等次为不合格；等次为不合格"
    assert rows[HB]["consequences"][0]["reason"] == "较上年增减-6.57分，不高于-5分"
    capsys.readouterr()


def _year2(unit_file: str, history: Path | str = HERE / "2012.json", firings=None):
    ruleset, submission = api.load_submission_for(HERE / "2013" / unit_file, RULES)
    previous = load_history(history).previous_of(submission)
    return assess(ruleset, submission, overrides=load_overrides(REVIEW), previous=previous, firings=firings)


def test_the_plain_evaluator_agrees_on_the_consequences():
    for unit in ("shizheng.json", "huanbao.json", "sifa.json", "nanhai.json"):
        ours, oracle = _year2(unit), _year2(unit, firings=oracle_firings)
        assert ours.consequences == oracle.consequences
        assert ours.total == oracle.total


def test_consequences_never_change_the_total_or_grade():
    with_history = _year2("shizheng.json")
    ruleset, submission = api.load_submission_for(HERE / "2013" / "shizheng.json", RULES)
    alone = assess(ruleset, submission, overrides=load_overrides(REVIEW))
    # the totals differ only by ZZ-07 b (last year's open records), an item; HG-01 changes nothing
    assert (with_history.total, with_history.grade.grade) == (Decimal("66.71"), "不合格")
    assert (alone.total, alone.grade.grade) == (Decimal("67.75"), "不合格")
    zz07 = {r.rule_id: r for r in with_history.items}["ZZ-07"], {r.rule_id: r for r in alone.items}["ZZ-07"]
    assert [i.deduction for i in zz07] == [Decimal("2.00"), Decimal("1.00")]
    others = [(i.rule_id, i.deduction) for i in with_history.items if i.rule_id != "ZZ-07"]
    assert others == [(i.rule_id, i.deduction) for i in alone.items if i.rule_id != "ZZ-07"]
    assert alone.previous is None and alone.consequences == []
    assert "无上年结果：等次后果 HG-01、HG-02 读上年结果，按不成立处理" in alone.notices
    assert with_history.versus_previous == "较上年 +2.61（2012年度：总分64.10，等次不合格）"


def test_a_record_left_open_counts_again():
    """南海区: two 不良记录 in 2012 (ZZ-07, ZD-01); in 2013 it reports ZD-01 corrected, ZZ-07 not."""
    result = _year2("nanhai.json")
    assert [(f.seq, f.rule_id, f.state, f.note) for f in result.follow_ups] == [
        (1, "ZZ-07", "未整改", "整改方案已制定，年底前未完成"),
        (2, "ZD-01", "已整改", "2013年3月补报备案，区法制办已受理"),
    ]
    zz07 = {i.rule_id: i for i in result.items}["ZZ-07"]
    assert (zz07.deduction, zz07.reasons) == (
        Decimal("1.00"),
        ["上年不良记录本年度内未整改完成：上年未整改不良记录数1条，每条扣1分，扣1分"],
    )
    assert [(b.rule_id, b.event) for b in result.bad_records] == [
        ("ZZ-07", "督查检查发现问题逾期未整改0件、上年不良记录未整改完成1条")
    ]
    # 94.77 is 优秀 by the lines; the record written again caps it at 良好
    assert (result.total, result.grade.band_grade, result.grade.grade) == (Decimal("94.77"), "优秀", "良好")
    ruleset, submission = api.load_submission_for(HERE / "2013" / "nanhai.json", RULES)
    alone = assess(ruleset, submission, overrides=load_overrides(REVIEW))
    assert (alone.total, alone.grade.grade, alone.follow_ups) == (Decimal("95.79"), "优秀", [])
    assert "无上年结果：申报的上年不良记录整改未核对" in alone.notices
    assert _year2("nanhai.json", firings=oracle_firings).items == result.items


def test_a_correction_of_no_such_record_is_located(tmp_path):
    data = json.loads((HERE / "2013" / "nanhai.json").read_text(encoding="utf-8"))
    data["上年不良记录整改"].append({"评分项": "JC-02", "整改完成": True})
    path = tmp_path / "nanhai.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    with pytest.raises(SubmissionError) as info:
        api.assess_file(path, RULES, history=HERE / "2012.json")
    [problem] = info.value.problems
    assert problem.code == "submission.unknown-record" and problem.location.path == ("上年不良记录整改", 2)
    assert problem.message == (
        "上年（2012年度）结果中没有评分项 JC-02的不良记录（上年的不良记录：ZZ-07（序号1）、ZD-01（序号2））"
    )


def test_previous_names_in_item_and_veto_conditions(tmp_path):
    child = tmp_path / "veto.yaml"
    child.write_text(
        f"""规则集:
  编号: veto-on-history
  名称: 上年不合格且本年仍有未整改不良记录的否决
  继承: {RULES}
新增否决项:
  - 编号: FJ-09
    事项: 上年考核不合格，且上年不良记录未整改
    评分标准: 上年考核等次为不合格、上年不良记录在本年度内仍有3条以上未整改的，年度考核直接评定为不合格。
    条件: 上年等次 == "不合格" 且 上年未整改不良记录数 >= 3 且 上年得分[ZZ-05] < 3
""",
        encoding="utf-8",
    )
    ruleset, submission = api.load_submission_for(HERE / "2013" / "shizheng.json", str(child))
    history = load_history(HERE / "2012.json")
    result = assess(ruleset, submission, previous=history.previous_of(submission), overrides=load_overrides(REVIEW))
    [veto] = [v for v in result.vetoes if v.rule_id == "FJ-09"]
    assert veto.detail == "上年等次为不合格；上年未整改不良记录数10条，不少于3条；上年得分[ZZ-05]0分，低于3分"
    nanhai = api.load_submission_for(HERE / "2013" / "nanhai.json", str(child))[1]
    other = assess(ruleset, nanhai, previous=history.previous_of(nanhai), overrides=load_overrides(REVIEW))
    assert [v.rule_id for v in other.vetoes] == []
    # this year's result is not known while the items are scored: 等次后果 only
    bad = child.read_text(encoding="utf-8").replace("上年得分[ZZ-05] < 3", '等次 == "不合格"')
    child.write_text(bad, encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_rules(child)
    [problem] = info.value.problems
    assert (problem.code, problem.location.line) == ("rules.unknown-indicator", 9)
    assert problem.message.startswith(
        "“等次”是本年评定的结果，评分项和否决项的条件不能读它（本年的分数尚未算出）；请写成等次后果"
    )


def test_history_from_a_single_result_json(tmp_path, capsys):
    target = tmp_path / "sz-2012.json"
    args = [str(HERE / "2012" / "shizheng.json"), "-r", RULES, "--overrides", REVIEW, "--format", "json"]
    assert run([*args, "-o", str(target)]) == 0
    result = _year2("shizheng.json", history=target)
    assert result.previous is not None and result.previous.total == Decimal("64.10")
    assert result.previous.item_scores["ZZ-05"] == Decimal("0.00")
    assert [c.rule_id for c in result.consequences] == ["HG-01"]
    capsys.readouterr()


def _renamed(tmp_path: Path, **header) -> Path:
    data = json.loads((HERE / "2013" / "huanbao.json").read_text(encoding="utf-8"))
    data.pop("单位编码")
    data.update(header)
    path = tmp_path / "renamed.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_renamed_unit_without_an_id_is_a_located_error(tmp_path, capsys):
    path = _renamed(tmp_path)
    with pytest.raises(HistoryError) as info:
        api.assess_file(path, RULES, history=HERE / "2012.json")
    problem = info.value.problems[0]
    assert problem.code == "history.unmatched"
    assert problem.location.file == str(path) and problem.location.path == ("单位名称",)
    assert "请在两年的申报数据中填写相同的“单位编码”" in problem.message
    assert run([str(path), "-r", RULES, "--history", str(HERE / "2012.json"), "--format", "text"]) == 3
    assert "中没有单位“区生态环境局（虚构示例单位）”（2012年度）" in capsys.readouterr().err


def test_ids_decide_the_match(tmp_path):
    history = load_history(HERE / "2012.json")
    # the same name under another id: refused
    clash = _renamed(tmp_path, 单位名称="区环境保护局（虚构示例单位）", 单位编码="QZ-XX")
    with pytest.raises(HistoryError) as info:
        api.assess_file(clash, RULES, history=history)
    assert info.value.problems[0].code == "history.id-mismatch"
    # an id the history does not hold: a unit new this year, no previous result
    new = _renamed(tmp_path, 单位编码="QZ-NEW")
    assert api.assess_file(new, RULES, history=history, overrides_path=REVIEW).previous is None
    # without an id, the name links the two years
    same = _renamed(tmp_path, 单位名称="区环境保护局（虚构示例单位）")
    assert api.assess_file(same, RULES, history=history).previous.unit_id == "QZ-HB"


def test_history_of_another_year_is_refused(tmp_path):
    with pytest.raises(HistoryError) as info:
        api.assess_file(HERE / "2012" / "sifa.json", RULES, history=HERE / "2012.json")
    assert info.value.problems[0].code == "history.year"
    bad = tmp_path / "bad.json"
    bad.write_text('{"a": 1}', encoding="utf-8")
    with pytest.raises(HistoryError) as info:
        load_history(bad)
    assert info.value.problems[0].code == "history.not-a-result"


def test_item_scores_are_one_name_in_a_condition():
    tokens = expr.tokenize("上年得分[ZZ-04] < 得分[ZZ-04]")
    assert [(t.kind, t.value) for t in tokens[:3]] == [
        ("NAME", "上年得分[ZZ-04]"),
        ("OP", "<"),
        ("NAME", "得分[ZZ-04]"),
    ]


def _child(tmp_path: Path, outcome: str) -> Path:
    path = tmp_path / "child.yaml"
    path.write_text(
        "规则集:\n  编号: child\n  名称: 子规则集\n  继承: demo-district-2013\n"
        f"等次后果:\n  - 编号: HG-09\n    事项: 某事\n    条件: {outcome}\n    后果: 某后果\n",
        encoding="utf-8",
    )
    return path


def test_item_score_consequence_fires(tmp_path):
    shutil.copy(HERE / "2012.json", tmp_path / "2012.json")
    rules = _child(tmp_path, "上年得分[ZZ-05] < 得分[ZZ-05]")
    ruleset, submission = api.load_submission_for(HERE / "2013" / "huanbao.json", rules)
    previous = load_history(tmp_path / "2012.json").previous_of(submission)
    result = assess(ruleset, submission, overrides=load_overrides(REVIEW), previous=previous)
    assert previous.item_scores["ZZ-05"] == Decimal("3.00")  # 满分 in 2012 and in 2013: no rise
    assert result.consequences == []
    rules = _child(tmp_path, "上年得分[ZF-05] > 得分[ZF-05]")
    ruleset, submission = api.load_submission_for(HERE / "2013" / "huanbao.json", rules)
    result = assess(ruleset, submission, overrides=load_overrides(REVIEW), previous=previous)
    assert [c.reason for c in result.consequences] == ["上年得分[ZF-05]3分，高于得分[ZF-05]1.5分"]


def test_an_outcome_reads_only_result_names(tmp_path):
    with pytest.raises(RulesError) as info:
        load_rules(_child(tmp_path, "群众满意度 < 90"))
    problem = info.value.problems[0]
    assert problem.code == "rules.unknown-indicator" and problem.location.line == 8
    assert problem.message.endswith("没有 “群众满意度”；指标请在评分项或否决项中使用")


def test_summary_and_scoresheet_show_the_trend(tmp_path, capsys):
    out = tmp_path / "y2"
    args = ["batch", str(HERE / "2013"), "-r", RULES, "--overrides", REVIEW, "-o", str(out), "-j", "1"]
    assert run([*args, "--history", str(HERE / "2012.json")]) == 0
    ws = load_workbook(out / "汇总.xlsx")["排名"]
    header = [c.value for c in ws[3]]
    assert header[3:9] == ["总分", "等次", "上年总分", "变化", "上年等次", "等次后果"]
    rows = {r[1]: r[3:9] for r in ws.iter_rows(min_row=5, values_only=True) if r[1]}
    assert rows[HB] == (86.6, "良好", 93.17, "-6.57", "优秀", "HG-02 总分较上年下降5分以上")
    sheet = load_workbook(out / f"{HB}-2013年度评分表.xlsx")["考核结果"]
    lines = {r[0]: r[2] for r in sheet.iter_rows(values_only=True) if r[0]}
    assert lines["较上年"] == "较上年 -6.57（2012年度：总分93.17，等次优秀，单位名称为区环境保护局（虚构示例单位））"
    assert lines["等次后果"].startswith("HG-02 总分较上年下降5分以上：在考核结果通报中列明")
    capsys.readouterr()


def test_scoresheets_read_back_as_history_give_the_same_previous(tmp_path, capsys):
    out = tmp_path / "y1"
    args = ["batch", str(HERE / "2012"), "-r", RULES, "--overrides", REVIEW, "-o", str(out), "-j", "1"]
    assert run([*args, "--as-of", "2013-04-20T10:00:00+08:00"]) == 0
    capsys.readouterr()
    from engine.cli.common import earlier_results

    sheets, shipped = earlier_results(out), load_history(HERE / "2012.json")

    def dumped(history):
        return sorted((p.model_dump(exclude={"source"}) for p in history.entries), key=lambda d: d["unit"])

    assert dumped(sheets) == dumped(shipped)
    assert [len(d["item_scores"]) for d in dumped(sheets)] == [40, 39, 39, 39]
    assert {p.source for p in sheets.entries} == {
        f"{u}-2012年度评分表.xlsx" for u in (NH, SZ, SF, "区环境保护局（虚构示例单位）")
    }
    # the records themselves from the sheet 不良记录: 南海区 2, 区市政管理局 10
    assert sorted(len(p.records) for p in sheets.entries) == [0, 0, 2, 10]
    # without scoresheet reading (the library's plain load), a folder of only scoresheets holds nothing
    with pytest.raises(HistoryError) as info:
        load_history(out)
    assert info.value.problems[0].code == "history.empty"


def test_in_a_batch_an_unmatched_unit_is_one_failure(tmp_path, capsys):
    folder = tmp_path / "2013"
    shutil.copytree(HERE / "2013", folder)
    data = json.loads((folder / "huanbao.json").read_text(encoding="utf-8"))
    del data["单位编码"]
    (folder / "huanbao.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    args = ["batch", str(folder), "-r", RULES, "--overrides", REVIEW, "--format", "json", "-o", str(tmp_path / "out")]
    assert run([*args, "-j", "1", "--history", str(HERE / "2012.json")]) == 1
    summary = json.loads((tmp_path / "out" / "汇总.json").read_text(encoding="utf-8"))
    assert [r["unit"] for r in summary["ranking"]] == [NH, SF, SZ]
    [error] = summary["errors"]
    assert error["file"] == "huanbao.json" and error["kind"] == "上年结果"
    assert "单位名称: 上年结果" in error["problems"][0]
    capsys.readouterr()


def test_rules_diff_lists_the_outcomes_added():
    from engine.tools.diff import diff

    changes = diff(api.get_ruleset("demo-district-2013"), api.get_ruleset(RULES))
    assert [(c.kind, c.section, c.key, c.label) for c in changes if c.section == "等次后果"] == [
        ("新增", "等次后果", "HG-01", "连续两年考核等次为不合格"),
        ("新增", "等次后果", "HG-02", "总分较上年下降5分以上"),
    ]


def test_a_consequence_on_a_provisional_grade_says_so(tmp_path):
    data = json.loads((HERE / "2013" / "sifa.json").read_text(encoding="utf-8"))
    data["指标"].update({"群众满意度": 80, "案卷评查合格率": 90, "出庭应诉率": 50, "未亮证执法人次": 4})
    path = tmp_path / "sifa.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    rules = _child(tmp_path, '等次 == "优秀" 且 上年等次 == "优秀"')
    result = api.assess_file(path, rules, history=HERE / "2012.json")  # no review: XF-05 待复核
    assert (result.total, result.grade.grade, result.grade.provisional) == (Decimal("92.13"), "优秀", True)
    assert [c.reason for c in result.consequences] == [
        "等次为优秀；上年等次为优秀；等次为暂定，复核后按最终等次重新判断"
    ]


def test_a_count_of_records_without_the_records_cannot_be_followed_up():
    ruleset, submission = api.load_submission_for(HERE / "2013" / "nanhai.json", RULES)
    previous = load_history(HERE / "2012.json").previous_of(submission)
    only_count = previous.model_copy(update={"records": None, "source": "南海区-2012年度评分表.xlsx"})
    with pytest.raises(HistoryError) as info:
        assess(ruleset, submission, previous=only_count)
    [problem] = info.value.problems
    assert problem.code == "history.no-records" and problem.location.file == "南海区-2012年度评分表.xlsx"
    assert problem.message.startswith("上年结果 南海区-2012年度评分表.xlsx 只记有不良记录2条，没有逐条的不良记录")


def test_cases_give_the_year_before_like_indicators(tmp_path):
    """history-demo.cases.yaml: ZZ-07's cases write 上年未整改不良记录数 beside the indicators; all pass, no gap."""
    from engine.errors import CasesError
    from engine.tools.cases import coverage, load_suite, run_suite

    suite = load_suite(RULES)
    zz07 = [c for c in suite.cases if c.rule == "ZZ-07"]
    assert [c.submission.values.get("上年未整改不良记录数") for c in zz07] == [
        Decimal(0),
        Decimal(1),
        None,
        Decimal(3),
        None,
    ]
    assert zz07[1].submission.values["有上年结果"] is True  # given with any year-before value
    ran = run_suite(suite)
    assert ran.failed == [] and len(ran.outcomes) == 150
    assert [g for g in coverage(suite, ran.outcomes) if g.rule_id == "ZZ-07"] == []
    shutil.copy(RULES, tmp_path / "history-demo.yaml")
    cases = (HERE / "history-demo.cases.yaml").read_text(encoding="utf-8")
    bad = cases.replace("上年未整改不良记录数: 3", "上年未整改不良记录数: 1.5")
    (tmp_path / "history-demo.cases.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(CasesError) as info:
        load_suite(tmp_path / "history-demo.yaml")
    [problem] = info.value.problems
    assert (problem.location.line, problem.location.col) == (20, 36)
    assert problem.message == "用例“本年1件加上年3条未整改，以2分为限”：“上年未整改不良记录数”应为整数"


def test_the_fill_in_form_carries_last_years_corrections(tmp_path):
    """A 填报表 has a 上年不良记录整改 sheet: read as the JSON's list, each value located at its cell."""
    from scoresheets.template import write_template

    data = json.loads((HERE / "2013" / "nanhai.json").read_text(encoding="utf-8"))
    ruleset = load_rules(RULES)
    form = tmp_path / "nanhai.xlsx"
    write_template(ruleset, form, data, data["单位类型"])
    sheet = load_workbook(form)["上年不良记录整改"]
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=5, max_row=6, min_col=2, max_col=5)] == [
        ["ZD-01", None, "是", "2013年3月补报备案，区法制办已受理"],
        ["ZZ-07", None, "否", "整改方案已制定，年底前未完成"],
    ]
    by_form = api.assess_file(form, RULES, history=HERE / "2012.json")
    assert by_form.follow_ups == _year2("nanhai.json").follow_ups and by_form.total == Decimal("94.77")

    book = load_workbook(form)
    book["上年不良记录整改"]["B7"] = "JC-02"
    book["上年不良记录整改"]["D7"] = "是"
    book.save(form)
    with pytest.raises(SubmissionError) as info:
        api.assess_file(form, RULES, history=HERE / "2012.json")
    [problem] = info.value.problems
    assert problem.code == "submission.unknown-record" and problem.location.cell == "上年不良记录整改!A7"
