"""The test cases (用例) of every shipped ruleset, one pytest test each, plus the case file format itself."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import pytest

from engine.errors import CasesError
from engine.tools.cases import (
    Suite,
    coverage,
    discover,
    load_suite,
    run_case,
    run_suite,
)

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"
SHIPPED = discover([RULES])
SUITES: dict[str, Suite] = {path.stem: load_suite(path) for path in SHIPPED}
CASES = [(stem, n) for stem, suite in SUITES.items() for n in range(len(suite.cases))]


def _case_id(param: tuple[str, int]) -> str:
    stem, n = param
    case = SUITES[stem].cases[n]
    return f"{stem}:{case.rule}:{case.name}"


def test_every_shipped_ruleset_has_its_case_file():
    assert sorted(p.name for p in SHIPPED) == [
        "county-dept-2024.yaml",
        "demo-district-2012.yaml",
        "demo-district-2013.yaml",
        "demo-district-2024.yaml",
        "enforcement-selfcheck-2024.yaml",
        "national-model-2021.yaml",
    ]
    assert all(s.case_file is not None and s.case_file.name == f"{stem}.cases.yaml" for stem, s in SUITES.items())


@functools.cache
def outcomes(stem: str) -> list:
    """Every case of a suite, run once and shared by the per-case tests and the coverage test."""
    suite = SUITES[stem]
    return [run_case(suite, c) for c in suite.cases]


@pytest.mark.parametrize("param", CASES, ids=[_case_id(c) for c in CASES])
def test_case(param):
    stem, n = param
    outcome = outcomes(stem)[n]
    assert outcome.passed, outcome.line()


@pytest.mark.parametrize("stem", sorted(SUITES))
def test_every_item_is_covered(stem):
    assert [g.line() for g in coverage(SUITES[stem], outcomes(stem))] == []


def test_case_counts_and_inheritance():
    counts = {stem: len(s.cases) for stem, s in SUITES.items()}
    own = {stem: sum(1 for c in s.cases if not c.inherited_from) for stem, s in SUITES.items()}
    assert own == {
        "demo-district-2013": 148 + 4,  # and the four examples as whole-submission cases
        "demo-district-2012": 9,
        "national-model-2021": 243 + 3,
        "demo-district-2024": 20,
        "county-dept-2024": 46,
        "enforcement-selfcheck-2024": 24,
    }
    # the children run the parent's item cases for every item they left unchanged (not its whole cases;
    # dates in the cases are written by the 考核年度, so ZZ-03 and ZZ-04 are inherited as they are)
    assert counts["demo-district-2012"] == 9 + 148 - 7  # ZZ-05 2, ZF-05 5 replaced
    assert counts["demo-district-2024"] == 20 + 243 - 22  # MD-01 5, MD-03 6, ZF-06 5, JD-08 3, SZ-03 3 (dropped)
    district = SUITES["demo-district-2024"]
    inherited = {c.rule for c in district.cases if c.inherited_from == "national-model-2021"}
    assert {"MD-01", "MD-03", "ZF-06", "MD-08", "SZ-03", "JD-08"}.isdisjoint(inherited)
    assert "ZD-01" in inherited


# -- the format ------------------------------------------------------------------------------

BASE_RULES = (ROOT / "tests" / "data" / "mini.yaml").read_text(encoding="utf-8")
GOOD_CASES = """\
规则集: mini-test
基线:
  通用:
    未报备件数: 0
    专题学法次数: 4
    备案率: 100
    制定工作要点: true
    出庭应诉率: 100
    应诉案件数: 2
    报告报送日期: 2013-02-20
    案卷合格率: 100
    迟报次数: 0
    漏报次数: 0
    满意率: 95
    获评示范: 无
    拒不执行件数: 0
    诉讼案件: []
用例:
  - {名称: 未报备1件, 评分项: A-01, 指标: {未报备件数: 1}, 预期: {扣分: 1, 不良记录: 是}}
  - {名称: 全部报备, 评分项: A-01, 预期: {扣分: 0, 状态: 满分}}
"""


def write(tmp_path: Path, cases: str, rules: str = BASE_RULES) -> Path:
    (tmp_path / "mini.yaml").write_text(rules, encoding="utf-8")
    (tmp_path / "mini.cases.yaml").write_text(cases, encoding="utf-8")
    return tmp_path / "mini.yaml"


def problems(tmp_path: Path, cases: str) -> list[str]:
    with pytest.raises(CasesError) as info:
        load_suite(write(tmp_path, cases))
    return [str(p) for p in info.value.problems]


def test_a_good_case_file_runs_and_reports_the_uncovered_items(tmp_path):
    result = run_suite(load_suite(write(tmp_path, GOOD_CASES)))
    assert [o.passed for o in result.outcomes] == [True, True]
    gaps = {g.rule: g.missing for g in result.gaps}
    assert "A-01" not in gaps
    assert gaps["A-02"] == ["任何用例"]


def test_a_wrong_expectation_fails_with_expected_got_and_values(tmp_path):
    text = GOOD_CASES.replace("预期: {扣分: 1, 不良记录: 是}", "预期: {扣分: 0.5, 状态: 满分, 不良记录: 否}")
    result = run_suite(load_suite(write(tmp_path, text)))
    [failed] = result.failed
    assert failed.line() == (
        "失败 mini-test A-01 「未报备1件」：扣分 预期 0.5，实得 1；状态 预期 满分，实得 扣分；不良记录 预期 否，实得 1条"
        "（取值：未报备件数=1件）（未报备件数1件，每件扣1分，扣1分）"
        f"  {tmp_path / 'mini.cases.yaml'}:19:5: 用例[0]"
    )


def test_unknown_rule_unit_type_and_expectation_are_located(tmp_path):
    text = GOOD_CASES.replace("评分项: A-01, 指标", "评分项: A-10, 指标").replace(
        "{名称: 全部报备, 评分项: A-01,", "{名称: 全部报备, 评分项: A-01, 单位类型: 区县政府,"
    )
    text += "  - {名称: 加分, 评分项: A-01, 预期: {加分: 1}}\n"
    found = problems(tmp_path, text)
    file = tmp_path / "mini.cases.yaml"
    assert found == [
        f"{file}:19:22: 用例[0].评分项: 规则集 mini-test 没有编号为 “A-10” 的评分项、加分项或否决项（是否应为 “A-06”？）",
        f"{file}:20:33: 用例[1].单位类型: 未声明的单位类型 “区县政府”（已声明：区直部门、镇街）",
        f"{file}:21:34: 用例[2].预期.加分: 评分项的用例不能预期“加分”（可写：扣分、得分、状态、标记、不良记录、否决、等次）",
    ]


def test_bad_values_are_located_in_the_case_or_the_baseline(tmp_path):
    text = GOOD_CASES.replace("指标: {未报备件数: 1}", '指标: {未报备件数: "1", 备案率: 120}').replace(
        "    专题学法次数: 4\n", "    专题学法次数: 4.5\n"
    )
    found = problems(tmp_path, text)
    file = tmp_path / "mini.cases.yaml"
    assert found == [
        f"{file}:19:40: 用例[0].指标.未报备件数: 用例“未报备1件”：规范性文件未报备件数（未报备件数）应为整数（实为 “1”）",
        # a wrong baseline value is wrong for every case: reported once, at the baseline
        f"{file}:5:13: 基线.通用.专题学法次数: 专题学法次数（专题学法次数）应为整数（实为 4.5）",
        f"{file}:19:50: 用例[0].指标.备案率: 用例“未报备1件”：规范性文件备案率（备案率）应不大于 100（实为 120）",
    ]


def test_misspelt_key_gets_a_hint(tmp_path):
    text = GOOD_CASES.replace("预期: {扣分: 0, 状态", "预其: {扣分: 0, 状态")
    found = problems(tmp_path, text)
    file = tmp_path / "mini.cases.yaml"
    assert found == [
        f"{file}:20:5: 用例[1].预期: 缺少必填项",
        f"{file}:20:27: 用例[1].预其: 不认识的键 “预其”（是否应为 “预期”？）",
    ]


def test_removing_a_required_value_and_wrong_ruleset_id(tmp_path):
    text = GOOD_CASES.replace("规则集: mini-test", "规则集: mini").replace(
        "指标: {未报备件数: 1}", "指标: {未报备件数: ~}"
    )
    found = problems(tmp_path, text)
    file = tmp_path / "mini.cases.yaml"
    assert (
        found[0] == f"{file}:1:6: 规则集: 用例文件写的是规则集 “mini”，而 {tmp_path / 'mini.yaml'} 的编号是 “mini-test”"
    )
    assert found[1] == f"{file}:19:5: 用例[0]: 用例“未报备1件”：缺少必填指标 “未报备件数”（规范性文件未报备件数）"


def test_empty_expectation_and_duplicate_names(tmp_path):
    text = GOOD_CASES.replace(
        "{名称: 全部报备, 评分项: A-01, 预期: {扣分: 0, 状态: 满分}}", "{名称: 未报备1件, 评分项: A-01, 预期: {}}"
    )
    found = problems(tmp_path, text)
    assert any("用例[1].预期: “预期”至少写一项" in p for p in found)


def test_discover_takes_folders_files_and_case_files(tmp_path):
    path = write(tmp_path, GOOD_CASES)
    shutil.copy(path, tmp_path / "other.yml")
    assert discover([tmp_path]) == [tmp_path / "mini.yaml", tmp_path / "other.yml"]
    assert discover([tmp_path / "mini.cases.yaml", path]) == [path]


def test_baseline_keys_are_common_or_unit_types(tmp_path):
    text = GOOD_CASES.replace("基线:\n  通用:", "基线:\n  区县政府: {未报备件数: 0}\n  通用:")
    found = problems(tmp_path, text)
    assert found == [
        f"{tmp_path / 'mini.cases.yaml'}:3:3: 基线.区县政府: 基线的键应为“通用”或单位类型（区直部门、镇街），实为 “区县政府”"
    ]
