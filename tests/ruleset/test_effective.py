"""Effective dating: a rules folder gives the ruleset in force for the submission's year; past years re-score
with their own rules, reproducibly."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import AS_OF, EXAMPLES, RULES

from engine.api import assess_file
from engine.cli import main
from engine.errors import Location, RulesetChoiceError
from engine.render.json_out import to_json
from engine.ruleset.folders import candidates, choose

HUASHAN = EXAMPLES / "huashan-2012.json"
REVIEW = EXAMPLES / "reviews" / "review.yaml"  # the assessors' decisions on the examples
WHERE = Location("unit.json", 4, 9, "考核年度")


def with_year(tmp_path: Path, source: Path, year: int, **changes) -> Path:
    data = json.loads(source.read_text(encoding="utf-8"))
    data["考核年度"] = year
    data.update(changes)
    path = tmp_path / f"{source.stem}-{year}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def run(args: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    out, err = capsys.readouterr()
    return info.value.code, out, err


def test_shipped_periods():
    found = {c.id: (str(c.period), c.ancestors) for c in candidates(RULES)}
    assert found == {
        "demo-district-2012": ("2011年度", ("demo-district-2013",)),
        "demo-district-2013": ("2012—2020年度", ()),
        "demo-district-2024": ("2023—2025年度", ("national-model-2021",)),
        "national-model-2021": ("2021—2025年度", ()),
        "county-dept-2024": ("2024—2025年度", ()),  # 县直部门 only
        "enforcement-selfcheck-2024": ("2024—2025年度", ()),  # 执法单位 only
    }


@pytest.mark.parametrize(
    ("year", "unit_type", "expected"),
    [
        (2011, "区县政府", "demo-district-2012.yaml"),
        (2012, "区县政府", "demo-district-2013.yaml"),
        (2016, "区直部门", "demo-district-2013.yaml"),
        (2020, "镇街", "demo-district-2013.yaml"),
        (2021, "行政执法部门", "national-model-2021.yaml"),
        (2022, "镇街", "national-model-2021.yaml"),
        # both the national model and the district ruleset extending it are in force: the local one wins
        (2023, "镇街", "demo-district-2024.yaml"),
        (2025, "区直部门", "demo-district-2024.yaml"),
        # tables for other unit types in the same years
        (2024, "县直部门", "county-dept-2024.yaml"),
        (2025, "执法单位", "enforcement-selfcheck-2024.yaml"),
    ],
)
def test_the_ruleset_in_force_is_chosen(year, unit_type, expected):
    assert choose(RULES, year, unit_type, WHERE).name == expected


def test_the_shipped_folder_is_the_default(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run([str(HUASHAN), "--overrides", str(REVIEW)], capsys)
    assert code == 0 and out == ""
    assert "区依法行政示范创建考核评分细则（2013年度）（demo-district-2013）" in err
    assert "总分 93.23 / 100" in err
    assert (tmp_path / "花山区人民政府-2012年度评分表.xlsx").is_file()
    for name, total in [
        ("qujiang-2019.json", "90.80"),
        ("gaizhou-2016.json", "88.56"),
        ("problem-department.json", "64.63"),
    ]:
        assert assess_file(EXAMPLES / name, overrides_path=REVIEW).total == Decimal(total)


# huashan-2012 content re-labelled 考核年度 2011 is scored with demo-district-2012 (2011年度 work):
#   ZZ-03  创建方案 2012-04-27 报备，晚于2011-05-31，不得分 ........................... 扣 2（2013年度细则：0）
#   ZZ-04  年度报告 2013-06-04，晚于2012-03-31 ........................................... 扣 2（同）
#   ZZ-05  目标考核依法行政分值3 ≥ 2 .................................................... 扣 0（本项2分）
#   ZF-05  案卷评查合格率95：7×(95−70)÷30 = 5.833 → 5.83 ................................. 扣 1.17（2013年度：6×(95−80)÷20 = 4.5，扣1.5）
#   ZD-05 1、ZF-03 1、JD-05 0.13、XF-02 0.5、XF-05 0.5 ..................................... 同2013年度
#   扣分合计 2 + 2 + 1.17 + 1 + 1 + 0.13 + 0.5 + 0.5 = 8.30；base 98 − 8.30 = 89.70
#   scaled 89.70 × 100 ÷ 98 = 91.5306… → 91.53（2013年度细则：93.23）


def test_a_past_year_is_rescored_with_the_rules_in_force_then(tmp_path):
    path_2011 = with_year(tmp_path, HUASHAN, 2011)
    path_2012 = with_year(tmp_path, HUASHAN, 2012)
    review = tmp_path / "review.yaml"  # XF-05 扣0.5 for either year
    review.write_text(
        "复核:\n  - {单位名称: 花山区人民政府, 评分项: XF-05, 扣分: 0.5, 理由: 成效佐证不足, 复核人: 考核组, 复核日期: 2013-04-12}\n",
        encoding="utf-8",
    )
    old = assess_file(path_2011, RULES, as_of=AS_OF, overrides_path=review)
    new = assess_file(path_2012, RULES, as_of=AS_OF, overrides_path=review)
    assert (old.ruleset_id, new.ruleset_id) == ("demo-district-2012", "demo-district-2013")
    assert old.ruleset_extends == ["demo-district-2013"] and new.ruleset_extends == []
    old_items = {i.rule_id: i for i in old.items}
    new_items = {i.rule_id: i for i in new.items}
    # a changed threshold (ZF-05 零分值 70 vs 80) and changed points (ZF-05 7 vs 6, ZZ-05 2 vs 3)
    assert (old_items["ZF-05"].max_points, old_items["ZF-05"].deduction) == (Decimal("7.00"), Decimal("1.17"))
    assert (new_items["ZF-05"].max_points, new_items["ZF-05"].deduction) == (Decimal("6.00"), Decimal("1.50"))
    assert (old_items["ZZ-05"].max_points, new_items["ZZ-05"].max_points) == (Decimal("2.00"), Decimal("3.00"))
    assert (old_items["ZZ-03"].deduction, new_items["ZZ-03"].deduction) == (Decimal("2.00"), Decimal("0.00"))
    assert (old.base_score, old.scaled_score, old.total) == (Decimal("89.70"), Decimal("91.53"), Decimal("91.53"))
    assert new.total == Decimal("93.23")
    assert old.notices == [] and new.notices == []


def test_rescoring_is_reproducible(tmp_path):
    path = with_year(tmp_path, HUASHAN, 2011)
    first = to_json(assess_file(path, RULES, as_of=AS_OF))
    assess_file(with_year(tmp_path, HUASHAN, 2012), RULES, as_of=AS_OF)  # another year in between
    assert to_json(assess_file(path, RULES, as_of=AS_OF)) == first
    assert json.loads(first)["audit"]["rules_file"] == "demo-district-2012.yaml"


def test_no_ruleset_in_force_exits_3_naming_the_year_and_the_candidates(tmp_path, capsys):
    path = with_year(tmp_path, HUASHAN, 2030)
    code, out, err = run([str(path), "--rules", str(RULES), "-o", str(tmp_path / "x.xlsx")], capsys)
    assert code == 3 and out == ""
    lines = err.splitlines()
    assert lines[0] == "错误：规则集选用有误，未评分，未写出任何文件。"
    assert lines[1] == (
        f"  {path}:4:11: 考核年度: {RULES} 中没有适用于2030年度、单位类型“区县政府”的规则集。各规则集："
        "county-dept-2024.yaml（county-dept-2024，适用2024—2025年度，县直部门）；"
        "demo-district-2012.yaml（demo-district-2012，适用2011年度，区县政府、区直部门、镇街）；"
        "demo-district-2013.yaml（demo-district-2013，适用2012—2020年度，区县政府、区直部门、镇街）；"
        "demo-district-2024.yaml（demo-district-2024，适用2023—2025年度，区直部门、行政执法部门、镇街）；"
        "enforcement-selfcheck-2024.yaml（enforcement-selfcheck-2024，适用2024—2025年度，执法单位）；"
        "national-model-2021.yaml（national-model-2021，适用2021—2025年度，区直部门、行政执法部门、镇街）。"
        "可用 --rules 指定规则文件"
    )
    assert not (tmp_path / "x.xlsx").exists()


def test_a_unit_type_the_ruleset_in_force_does_not_assess(tmp_path):
    with pytest.raises(RulesetChoiceError) as info:
        choose(RULES, 2016, "行政执法部门", WHERE)
    assert str(info.value.problems[0]) == (
        f"unit.json:4:9: 考核年度: {RULES} 中适用于2016年度的规则集不考核单位类型“行政执法部门”："
        "demo-district-2013.yaml（demo-district-2013，适用2012—2020年度，区县政府、区直部门、镇街）。可用 --rules 指定规则文件"
    )


def test_two_rulesets_in_force_is_an_error(tmp_path):
    for name in ("demo-district-2013.yaml", "national-model-2021.yaml"):
        shutil.copy(RULES / name, tmp_path / name)
    text = (tmp_path / "demo-district-2013.yaml").read_text(encoding="utf-8")
    text = text.replace("适用期间: {起: 2012, 止: 2020}", "适用期间: {起: 2012}")
    (tmp_path / "demo-district-2013.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(RulesetChoiceError) as info:
        choose(tmp_path, 2022, "镇街", WHERE)
    assert str(info.value.problems[0]) == (
        f"unit.json:4:9: 考核年度: {tmp_path} 中有 2 个规则集同时适用于2022年度、单位类型“镇街”："
        "demo-district-2013.yaml（demo-district-2013，适用2012年度起，区县政府、区直部门、镇街）、"
        "national-model-2021.yaml（national-model-2021，适用2021—2025年度，区直部门、行政执法部门、镇街）。"
        "请调整其中一个的“适用期间”，或用 --rules 指定规则文件"
    )


def test_a_ruleset_without_a_period_is_never_chosen(tmp_path):
    shutil.copy(Path(__file__).resolve().parents[1] / "data" / "mini.yaml", tmp_path / "mini.yaml")
    with pytest.raises(RulesetChoiceError) as info:
        choose(tmp_path, 2013, "区直部门", WHERE)
    assert "mini.yaml（mini-test，未声明适用期间，区直部门、镇街）" in info.value.problems[0].message


def test_a_year_that_is_not_a_number_is_located(tmp_path, capsys):
    data = json.loads(HUASHAN.read_text(encoding="utf-8"))
    data["考核年度"] = "2012"
    path = tmp_path / "x.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    code, _, err = run([str(path)], capsys)
    assert code == 3
    assert f"{path}:4:11: 考核年度: 考核年度应为整数年份（如 2022），据此选用规则集" in err


def test_an_explicit_rules_file_outside_its_period_is_used_with_a_notice(tmp_path, capsys):
    path = with_year(tmp_path, HUASHAN, 2011)
    code, out, err = run([str(path), "--rules", str(RULES / "demo-district-2013.yaml"), "--format", "json"], capsys)
    assert code == 0
    notice = "规则集 demo-district-2013 的适用期间为2012—2020年度，申报数据为2011年度；请确认所用规则集（给出规则文件夹时按年度自动选用）"
    assert json.loads(out)["notices"] == [notice]
    assert err == f"注意：{notice}\n"
