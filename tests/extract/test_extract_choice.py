"""Which ruleset a report is read with, and where its year, unit and unit type came from."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import DATA, RULES

from engine import api
from engine.cli import main
from engine.errors import RulesError, RulesetChoiceError
from engine.extract.choice import guess_unit_type, guess_year
from engine.extract.report import read_report

REPORTS = DATA / "reports"


def run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(args)
    return info.value.code


def write(tmp_path, text: str, name: str = "报告.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_ruleset_in_force_for_the_year_and_unit_type(tmp_path):
    cases = {
        "010-longnan-2014.txt": ("demo-district-2013", 2014, "区县政府"),
        "017-xianxiang-2022.txt": ("national-model-2021", 2022, "镇街"),
        "023-xiangtan-health-2025.txt": ("demo-district-2024", 2025, "行政执法部门"),
        "027-yongding-health-2025.txt": ("demo-district-2024", 2025, "行政执法部门"),
    }
    for name, (ruleset, year, unit_type) in cases.items():
        extraction, draft = api.draft_from_report(REPORTS / name)
        assert (extraction.ruleset.header.id, draft["考核年度"], draft["单位类型"]) == (ruleset, year, unit_type), name


def test_a_unit_type_the_ruleset_does_not_assess_is_left_pending_with_a_note():
    extraction, draft = api.draft_from_report(REPORTS / "021-jinghai-2023.txt")
    assert extraction.ruleset.header.id == "demo-district-2024"
    assert draft["单位类型"] == "待填"
    assert "不考核此类单位" in draft["草稿"]["规则集"]["单位类型"]


def test_a_unit_type_given_is_used_as_assess_uses_it(tmp_path, capsys):
    report = REPORTS / "021-jinghai-2023.txt"
    assert run(["extract", str(report), "--unit-type", "区县政府", "-o", str(tmp_path / "d.json")]) == 3
    assert "不考核单位类型“区县政府”" in capsys.readouterr().err
    assert not (tmp_path / "d.json").exists()


def test_the_year_comes_from_the_title_not_a_plan_period(tmp_path):
    text = "按照《法治政府建设实施纲要（2015-2020年）》要求，2016年我区推进依法行政。\n《2015年工作要点》已完成。\n"
    report = read_report(write(tmp_path, text))
    guess = guess_year(report)
    assert (guess.value, guess.line) == (2016, 1)
    text = "某区2017年度法治政府建设情况报告\n按照《纲要（2015-2020年）》，2016年以来……\n"
    guess = guess_year(read_report(write(tmp_path, text)))
    assert (guess.value, guess.how, guess.line) == (2017, "标题", 1)


def test_page_furniture_gives_no_year(tmp_path):
    text = "今天是:2019年10月31日 星期三\n发布时间：2021-03-29\n2020年，全区依法行政工作稳步推进。\n"
    assert guess_year(read_report(write(tmp_path, text))).value == 2020


def test_unit_type_from_the_report_s_own_words(tmp_path):
    for text, want in [
        ("2022年，我局坚持依法行政。\n", "区直部门"),
        ("2022年，区市场监督管理局坚持依法行政。\n", "行政执法部门"),
        ("2022年，贤庠镇坚持以习近平法治思想为指导。\n", "镇街"),
        ("2022年，区政府坚持依法行政。\n", "区县政府"),
    ]:
        assert guess_unit_type(read_report(write(tmp_path, text)), None).value == want, text


def test_no_year_anywhere_is_a_located_error(tmp_path):
    report = write(tmp_path, "全面推进依法行政。\n")
    with pytest.raises(RulesetChoiceError) as info:
        api.draft_from_report(report)
    assert "请用 --year 给出" in info.value.problems[0].message
    assert api.draft_from_report(report, year=2022)[0].ruleset.header.id == "national-model-2021"


def test_rules_by_folder_file_or_id(tmp_path, capsys):
    report = REPORTS / "019-liuxia-2022.txt"
    folder = tmp_path / "rules"
    folder.mkdir()
    for name in ("national-model-2021.yaml", "demo-district-2013.yaml"):
        shutil.copy(RULES / name, folder / name)
    assert api.draft_from_report(report, folder)[0].ruleset.header.id == "national-model-2021"
    assert api.draft_from_report(report, "demo-district-2013")[0].ruleset.header.id == "demo-district-2013"
    with pytest.raises(RulesError) as info:
        api.draft_from_report(report, "no-such-id")
    assert "既不是文件，也不是文件夹或内置规则集的编号" in info.value.problems[0].message
    draft = tmp_path / "d.json"
    assert run(["extract", str(report), "--rules", "national-model-2021", "-o", str(draft)]) == 0
    err = capsys.readouterr().err
    assert "规则集：national-model-2021（national-model-2021.yaml），按 --rules 指定" in err
    assert "考核年度：2022（标题，第1行“2022年度法治政府建设工作报告”）" in err
    assert "单位类型：镇街（据单位名称（标题），第1行“留下街道”）" in err
    assert json.loads(draft.read_text(encoding="utf-8"))["草稿"]["表头出处"]["考核年度"]["出处"]["行"] == 1


def test_a_2025_draft_is_assessed_without_header_complaints(tmp_path, capsys):
    """The draft of a 2025 report names the ruleset assess picks for it; assess then lists only what is 待填."""
    draft = tmp_path / "d.json"
    assert run(["extract", str(REPORTS / "025-pingtian-2025.txt"), "-o", str(draft)]) == 0
    capsys.readouterr()
    doc = json.loads(draft.read_text(encoding="utf-8"))
    assert (doc["考核年度"], doc["单位类型"], doc["草稿"]["规则集"]["编号"]) == (2025, "镇街", "demo-district-2024")
    assert run([str(draft), "-o", str(tmp_path / "s.xlsx")]) == 3
    err = capsys.readouterr().err
    assert "考核年度" not in err and "单位类型" not in err and "待填" in err
