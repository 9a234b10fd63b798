"""Dates that follow the assessment year: `次年3月1日`, `当年12月31日`, `次年-03-01`, and days late.

Conditions may name a date relative to the submission's 考核年度 (当年 = that year, 次年 = the
next, 上年 = the one before); an indicator declared with `逾期: {日期: …, 期限: …}` is computed by
the engine as the days from the deadline to the date (0 on or before the deadline; 3月31日 is 30
days after 3月1日). `rules check` warns about fixed dates a ruleset's 适用期间 cannot use.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import EXAMPLES, RULES

from engine.cli import main

AS_OF = "2014-01-15T09:00:00+08:00"

RELATIVE = """规则集:
  编号: rel-dates
  名称: 相对日期测试
  考核年度: 2021
  适用期间: {起: 2020, 止: 2025}
  总分: 6
  单位类型: [区直部门]
  等次:
    默认: {优秀: 5, 良好: 4, 合格: 3}
  等次限制: {}
指标:
  报告报送日期: {标签: 年度报告报送日期, 类型: 日期}
  方案报备日期: {标签: 工作方案报备日期, 类型: 日期}
  报告逾期天数: {标签: 年度报告逾期天数, 类型: 次数, 单位: 日, 逾期: {日期: 报告报送日期, 期限: 次年3月1日}}
评分细则:
  - 一级指标: 报送
    二级指标:
      - 名称: 报送
        评分项:
          - 编号: R-01
            考核内容: 年度报告按时报送（按日期）
            分值: 2
            评分标准: 次年3月1日前报送的得2分；3月31日前报送的得0.5分；更晚的不得分。
            计分方式: 分档计分
            档次:
              - {条件: 报告报送日期 <= 次年3月1日, 得分: 2}
              - {条件: 报告报送日期 <= 次年-03-31, 得分: 0.5}
          - 编号: R-02
            考核内容: 年度报告按时报送（按逾期天数）
            分值: 2
            评分标准: 按期报送的得2分；逾期30日以内的得0.5分；逾期30日以上的不得分。
            计分方式: 分档计分
            档次:
              - {条件: 报告逾期天数 == 0, 得分: 2}
              - {条件: 报告逾期天数 <= 30, 得分: 0.5}
          - 编号: R-03
            考核内容: 工作方案当年报备
            分值: 2
            评分标准: 工作方案于当年4月30日前报备的得2分，当年内报备的得1分。
            计分方式: 分档计分
            档次:
              - {条件: 方案报备日期 <= 当年4月30日, 得分: 2}
              - {条件: 方案报备日期 <= 当年12月31日, 得分: 1}
"""


def run(args: list, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return info.value.code, out, err


@pytest.fixture
def rules(tmp_path) -> Path:
    path = tmp_path / "rel-dates.yaml"
    path.write_text(RELATIVE, encoding="utf-8")
    return path


def assess_json(tmp_path: Path, rules: Path, year: int, capsys, **values) -> dict:
    data = {"单位名称": "区测试局", "单位类型": "区直部门", "考核年度": year, "指标": values}
    sub = tmp_path / f"unit-{year}.json"
    sub.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    code, out, err = run([sub, "--rules", rules, "--format", "json", "--as-of", AS_OF], capsys)
    assert code == 0, err
    return json.loads(out)


def scores(result: dict) -> dict[str, str]:
    return {i["rule_id"]: i["score"] for i in result["items"]}


@pytest.mark.parametrize(
    ("year", "reported", "expected"),
    [
        (2020, "2021-03-01", "2.00"),  # on the deadline day: on time
        (2020, "2021-03-02", "0.50"),
        (2020, "2021-03-31", "0.50"),  # 30 days late: still within 30 days
        (2020, "2021-04-01", "0.00"),  # 31 days late
        (2023, "2024-03-01", "2.00"),  # 次年 is a leap year: the deadline does not move
        (2023, "2024-03-31", "0.50"),
        (2023, "2024-04-01", "0.00"),
        (2025, "2026-02-27", "2.00"),
    ],
)
def test_deadlines_follow_the_submission_year(tmp_path, rules, capsys, year, reported, expected):
    result = assess_json(tmp_path, rules, year, capsys, 报告报送日期=reported, 方案报备日期=f"{year}-04-01")
    got = scores(result)
    assert got["R-01"] == expected  # by the relative date in the condition
    assert got["R-02"] == expected  # by the days late the engine computed


def test_the_days_late_are_computed_and_shown_with_how(tmp_path, rules, capsys):
    result = assess_json(tmp_path, rules, 2022, capsys, 报告报送日期="2023-03-31", 方案报备日期="2022-04-01")
    shown = {s["name"]: s for s in result["submitted"]}["报告逾期天数"]
    assert shown["value"] == "30"
    assert "2023-03-01" in shown["note"] and "报告报送日期" in shown["note"]
    r02 = next(i for i in result["items"] if i["rule_id"] == "R-02")
    assert "报告逾期天数=30" in r02["values"]


def test_a_band_reason_gives_the_dates_the_relative_dates_stood_for(tmp_path, rules, capsys):
    result = assess_json(tmp_path, rules, 2020, capsys, 报告报送日期="2021-03-20", 方案报备日期="2020-04-01")
    r01 = next(i for i in result["items"] if i["rule_id"] == "R-01")
    # 次年3月1日 and 次年-03-31 of the 2020 assessment, in the words a reader of the sheet uses
    assert r01["reasons"] == [
        "报告报送日期为2021年3月20日，晚于2021年3月1日、不晚于2021年3月31日，属第2档，得0.5分，扣1.5分"
    ]


@pytest.mark.parametrize(
    ("filed", "expected"),
    [("2022-04-30", "2.00"), ("2022-05-01", "1.00"), ("2022-12-31", "1.00"), ("2023-01-01", "0.00")],
)
def test_this_year_dates(tmp_path, rules, capsys, filed, expected):
    result = assess_json(tmp_path, rules, 2022, capsys, 报告报送日期="2023-03-01", 方案报备日期=filed)
    assert scores(result)["R-03"] == expected


def test_a_submitted_days_late_that_disagrees_with_the_dates_is_refused_stating_both(tmp_path, rules, capsys):
    data = {
        "单位名称": "区测试局",
        "单位类型": "区直部门",
        "考核年度": 2020,
        "指标": {"报告报送日期": "2021-04-15", "方案报备日期": "2020-04-01", "报告逾期天数": 0},
    }
    sub = tmp_path / "unit.json"
    sub.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    line = next(n for n, t in enumerate(sub.read_text("utf-8").splitlines(), 1) if '"报告逾期天数"' in t)
    code, _, err = run([sub, "--rules", rules, "--format", "json"], capsys)
    assert code == 3
    assert f"{sub}:{line}:" in err and "0" in err and "45" in err


def test_a_submitted_days_late_that_agrees_is_accepted(tmp_path, rules, capsys):
    result = assess_json(
        tmp_path, rules, 2020, capsys, 报告报送日期="2021-03-13", 方案报备日期="2020-04-01", 报告逾期天数=12
    )
    assert scores(result)["R-02"] == "0.50"


@pytest.mark.parametrize(
    ("spelling", "message"),
    [("次年2月30日", "2月30日"), ("次年2月29日", "2月29日"), ("明年3月1日", "次年3月1日")],
)
def test_a_relative_date_that_is_not_a_date_every_year_is_refused_at_its_place(tmp_path, capsys, spelling, message):
    text = RELATIVE.replace("次年3月1日, 得分: 2", f"{spelling}, 得分: 2")
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    line_no, line = next((n, t) for n, t in enumerate(text.splitlines(), 1) if spelling in t)
    where = f"{path}:{line_no}:{line.index(spelling) + 1}:"
    code, out, err = run(["rules", "check", path], capsys)
    assert code == 1
    finding = next(t for t in (out + err).splitlines() if where in t)
    assert message in finding


# -- rules check: fixed dates a ruleset cannot use ------------------------------------------

COPIED = RELATIVE.replace("适用期间: {起: 2020, 止: 2025}", "适用期间: 2022").replace(
    "报告报送日期 <= 次年3月1日", "报告报送日期 <= 2013-03-01"
)


def test_rules_check_warns_about_a_fixed_date_outside_the_period_naming_item_place_and_spelling(tmp_path, capsys):
    path = tmp_path / "copied.yaml"
    path.write_text(COPIED, encoding="utf-8")
    line_no, line = next((n, t) for n, t in enumerate(COPIED.splitlines(), 1) if "2013-03-01" in t)
    col = line.index("2013-03-01") + 1
    code, out, err = run(["rules", "check", path], capsys)
    text = out + err
    assert code == 1
    finding = next(t for t in text.splitlines() if "2013-03-01" in t)
    assert finding.startswith(f"{path}:{line_no}:{col}: R-01")
    assert "次年3月1日" in finding


def test_rules_check_warns_about_a_fixed_date_in_a_multi_year_ruleset(tmp_path, capsys):
    text = RELATIVE.replace("报告报送日期 <= 次年3月1日", "报告报送日期 <= 2021-03-01")
    path = tmp_path / "fixed.yaml"
    path.write_text(text, encoding="utf-8")
    code, out, err = run(["rules", "check", path], capsys)
    assert code == 1
    finding = next(t for t in (out + err).splitlines() if "2021-03-01" in t)
    assert "R-01" in finding and "次年3月1日" in finding and "2020" in finding


def test_assessing_with_a_stale_fixed_date_flags_the_item(tmp_path, capsys):
    # the "tried" case: last year's thresholds kept; the unit reported on time
    path = tmp_path / "copied.yaml"
    path.write_text(COPIED, encoding="utf-8")
    result = assess_json(tmp_path, path, 2022, capsys, 报告报送日期="2023-02-20", 方案报备日期="2022-04-01")
    r01 = next(i for i in result["items"] if i["rule_id"] == "R-01")
    assert any("2013-03-01" in flag for flag in r01["flags"]), r01


# -- the shipped rulesets and examples ------------------------------------------------------

_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")


def test_shipped_rulesets_need_no_fixed_dates_in_conditions():
    for path in sorted(RULES.glob("*.yaml")):
        if path.name.endswith(".cases.yaml"):
            continue
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if "条件" in code or "期限" in code:
                assert not _DATE.search(code), f"{path.name}:{n}: {line.strip()}"


def test_shipped_rulesets_pass_rules_check(capsys):
    code, out, err = run(["rules", "check", RULES], capsys)
    assert code == 0, out + err


def test_the_national_model_computes_days_late_from_the_report_date(capsys):
    data = json.loads((EXAMPLES / "national-street-2022.json").read_text("utf-8"))
    assert "年度报告逾期天数" not in data["指标"]
    assert data["指标"]["年度报告报送日期"] == "2023-03-13"
    code, out, err = run([EXAMPLES / "national-street-2022.json", "--format", "json", "--as-of", AS_OF], capsys)
    assert code == 0, err
    result = json.loads(out)
    zz04 = next(i for i in result["items"] if i["rule_id"] == "ZZ-04")
    assert zz04["score"] == "0.50" and "年度报告逾期天数=12" in zz04["values"]


def test_examples_of_other_years_keep_their_real_dates(capsys):
    gaizhou = json.loads((EXAMPLES / "gaizhou-2016.json").read_text("utf-8"))
    qujiang = json.loads((EXAMPLES / "qujiang-2019.json").read_text("utf-8"))
    assert gaizhou["指标"]["年度报告报送日期"] == "2016-12-19"
    assert gaizhou["指标"]["创建工作方案报备日期"].startswith("2016-")
    assert qujiang["指标"]["年度报告报送日期"].startswith("2020-")
    assert qujiang["指标"]["创建工作方案报备日期"].startswith("2019-")
    for name in ("gaizhou-2016", "qujiang-2019"):
        code, out, err = run([EXAMPLES / f"{name}.json", "--format", "json", "--as-of", AS_OF], capsys)
        assert code == 0, err
        items = {i["rule_id"]: i for i in json.loads(out)["items"]}
        assert items["ZZ-03"]["deduction"] == "0.00" and items["ZZ-04"]["deduction"] == "0.00"
