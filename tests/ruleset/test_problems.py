"""Problems in rules files carry a stable code, the subject and the path as a tuple; code that reacts
to a problem (inheritance, rules check) reads those, never the message text."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import DATA, RULES, rules_from_text

from engine.documents.source import load_document
from engine.errors import Location, Problem, RulesError
from engine.ruleset.inheritance import _Merger
from engine.ruleset.load import load_rules
from engine.tools.check import _rule_for

MINI = (DATA / "mini.yaml").read_text(encoding="utf-8")
DISTRICT = (RULES / "demo-district-2024.yaml").read_text(encoding="utf-8")


def problems_of(text: str) -> list[Problem]:
    with pytest.raises(RulesError) as info:
        rules_from_text(text, "r.yaml")
    return info.value.problems


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_an_unknown_indicator_has_its_code_subject_and_tuple_path():
    text = MINI.replace("件数: 未报备件数", "件数: 未报备数")
    [problem] = problems_of(text)
    assert (problem.code, problem.subject) == ("rules.unknown-indicator", "未报备数")
    assert problem.location.path == ("评分细则", 0, "二级指标", 0, "评分项", 0, "件数")
    assert (problem.location.file, problem.location.line, problem.location.col) == ("r.yaml", 44, 17)
    assert problem.location.via is None
    assert str(problem) == (
        "r.yaml:44:17: 评分细则[0].二级指标[0].评分项[0].件数: 未声明的指标 “未报备数”（是否应为 “未报备件数”？）"
    )


def test_an_unknown_indicator_inside_a_condition_has_the_same_code():
    text = MINI.replace("条件: 出庭应诉率 < 80 且 应诉案件数 > 0", "条件: 出庭应诉率 < 80 且 应诉案件 > 0")
    [problem] = problems_of(text)
    assert (problem.code, problem.subject) == ("rules.unknown-indicator", "应诉案件")
    assert problem.location.path[-1] == "条件" and problem.location.path[:2] == ("评分细则", 0)


def test_codes_of_schema_and_totals_problems():
    text = MINI.replace("每件扣分: 1\n", "每件扣份: 1\n", 1).replace("总分: 20", "总分: 25")
    found = {p.code: p for p in problems_of(text)}
    assert found["schema.unknown-key"].subject == "每件扣份"
    assert found["schema.unknown-key"].location.path == ("评分细则", 0, "二级指标", 0, "评分项", 0, "每件扣份")
    text = MINI.replace("总分: 20", "总分: 25").replace("编号: B-02", "编号: B-01")
    found = {p.code: p for p in problems_of(text)}
    assert found["rules.total-mismatch"].location.path == ("评分细则",)
    assert found["rules.duplicate-id"].subject == "B-01"


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    shutil.copy(RULES / "national-model-2021.yaml", tmp_path / "national-model-2021.yaml")
    return tmp_path


def test_an_inherited_problem_locates_its_origin_as_data(folder):
    text = DISTRICT.replace("删除指标: [归集共享执法信息]", "删除指标: [归集共享执法信息, 会前学法次数]")
    (folder / "child.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_rules(folder / "child.yaml")
    [problem] = info.value.problems
    parent = (RULES / "national-model-2021.yaml").read_text(encoding="utf-8")
    where = problem.location
    assert (problem.code, problem.subject) == ("rules.unknown-indicator", "会前学法次数")
    assert (where.file, where.line, where.col) == (str(folder / "child.yaml"), line_of(text, "继承: national"), 7)
    assert where.path == ("评分细则", 8, "二级指标", 0, "评分项", 0, "指标")
    assert where.via is not None and where.via.via is None
    assert (where.via.file, where.via.line) == (
        str(folder / "national-model-2021.yaml"),
        line_of(parent, "指标: 会前学法次数"),
    )
    # the inheritance reacted to the code and the subject: it says why the name is unknown
    assert problem.message.endswith("；该指标已在“删除指标”中删除，但继承的评分项仍在使用")


def test_a_grandchild_problem_nests_its_origins(folder):
    shutil.copy(RULES / "demo-district-2024.yaml", folder / "demo-district-2024.yaml")
    grand = "规则集:\n  编号: grand\n  名称: 孙\n  继承: demo-district-2024\n删除指标: [会前学法次数]\n"
    (folder / "grand.yaml").write_text(grand, encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_rules(folder / "grand.yaml")
    [problem] = [p for p in info.value.problems if p.code == "rules.unknown-indicator"]
    assert (problem.location.file, problem.location.line) == (str(folder / "grand.yaml"), 4)
    assert problem.location.via.file == str(folder / "demo-district-2024.yaml")
    assert problem.location.via.via.file == str(folder / "national-model-2021.yaml")
    assert "（继承自 " + str(folder / "demo-district-2024.yaml") in str(problem)


def load_document_text(folder: Path, text: str):
    (folder / "child.yaml").write_text(text, encoding="utf-8")
    return load_document(folder / "child.yaml", RulesError)


def test_inheritance_reacts_to_the_code_not_the_wording(folder):
    doc = load_document_text(folder, DISTRICT)
    merger = _Merger(doc, load_rules(folder / "national-model-2021.yaml"))
    merger.merge()
    where = Location(doc.file, 20, 7, ("评分细则",))
    totals = Problem(where, "合计不对", "rules.total-mismatch")
    assert merger.explain(totals) == replace(
        totals,
        message="合计不对（父规则集 national-model-2021 合计 100；修改 MD-01 2.5→2；修改 MD-03 2.5→3；"
        "删除 SZ-03 −1；新增 MD-08 +1）",
    )
    worded_alike = Problem(where, "评分项分值合计为 99，与总分 100 不符", "rules.invalid")
    assert merger.explain(worded_alike) is worded_alike
    category = Problem(where, "分值不符", "rules.category-points-mismatch")
    assert merger.explain(category).message == "分值不符；可在“一级指标分值”中改写该一级指标的分值"
    # an unknown indicator that the child did not delete is left as it is
    unknown = Problem(where, "未声明的指标 “甲”", "rules.unknown-indicator", "甲")
    assert merger.explain(unknown) is unknown


def test_rules_check_names_the_item_from_the_tuple_path():
    data = {"评分细则": [{"二级指标": [{"评分项": [{"编号": "A-01"}]}]}], "加分项": [{"编号": "JF-01"}]}
    assert (
        _rule_for(data, Location("r.yaml", 3, 1, ("评分细则", 0, "二级指标", 0, "评分项", 0, "件数"))) == "A-01（件数）"
    )
    assert _rule_for(data, Location("r.yaml", 3, 1, ("评分细则", 0, "二级指标", 0, "评分项", 0))) == "A-01"
    assert _rule_for(data, Location("r.yaml", 3, 1, ("加分项", 0, "条件", 1))) == "JF-01（条件[1]）"
    assert _rule_for(data, Location("r.yaml", 3, 1, ("加分项", 5, "条件"))) == "加分项[5].条件"  # no such item
    assert _rule_for(data, Location("r.yaml", 3, 1, ("指标", "甲"))) == "指标.甲"
    assert _rule_for(data, Location("r.yaml", 1, 1)) == "规则集"
