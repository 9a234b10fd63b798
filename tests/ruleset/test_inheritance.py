"""Ruleset inheritance (继承): override, drop and add items without copying; the merged whole is checked, and
errors point at the child file."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import AS_OF, EXAMPLES, RULES

from engine.api import assess_file, get_ruleset
from engine.errors import RulesError
from engine.ruleset.load import load_rules

DISTRICT = (RULES / "demo-district-2024.yaml").read_text(encoding="utf-8")
STREET = EXAMPLES / "national-street-2022.json"


@pytest.fixture(scope="module")
def district():
    return load_rules(RULES / "demo-district-2024.yaml")


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    shutil.copy(RULES / "national-model-2021.yaml", tmp_path / "national-model-2021.yaml")
    return tmp_path


def problems(folder: Path, text: str, name: str = "child.yaml") -> list[str]:
    (folder / name).write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_rules(folder / name)
    return [str(p).replace(str(folder) + "/", "") for p in info.value.problems]


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_the_merged_district_ruleset(district):
    h = district.header
    assert (h.id, h.name, h.extends, str(h.period)) == (
        "demo-district-2024",
        "区法治政府建设考核评分细则（2024年度）",
        "national-model-2021",
        "2023—2025年度",
    )
    # inherited header values and the changed one
    assert (h.total, h.bonus_cap, h.small_sample, h.rate_tolerance) == (Decimal(100), Decimal(2), 5, Decimal("0.5"))
    assert {k: b["优秀"] for k, b in h.grades.items()} == {"默认": Decimal(90), "镇街": Decimal(85)}
    items = {e.item.id: e for e in district.entries}
    assert len(items) == 64 and "SZ-03" not in items
    assert sum(e.item.points for e in district.entries) == Decimal(100)
    md03 = items["MD-03"].item
    assert (md03.points, md03.target, md03.per_point) == (Decimal(3), Decimal(100), Decimal("0.1"))
    assert md03.standard.startswith("行政机关负责人出庭应诉率须达到100%")
    assert items["ZF-06"].item.zero_at == Decimal(85) and items["ZF-06"].item.full_at == Decimal(100)
    # the new item sits at the end of its 二级指标
    md08 = items["MD-08"]
    assert (md08.category1, md08.category2) == ("社会矛盾纠纷依法有效化解", "行政复议与应诉")
    order = [e.item.id for e in district.entries if e.category2 == "行政复议与应诉"]
    assert order == ["MD-01", "MD-02", "MD-03", "MD-04", "MD-08"]
    assert {c.name: c.points for c in district.model.categories}["数字法治政府建设"] == Decimal(3)
    assert "归集共享执法信息" not in district.indicators and "复议答复逾期件数" in district.indicators
    assert [s[0] for s in district.sources] == [
        str(RULES / "demo-district-2024.yaml"),
        str(RULES / "national-model-2021.yaml"),
    ]
    assert district.parent is not None and district.parent.header.id == "national-model-2021"


def test_the_result_and_scoresheet_show_the_local_ruleset(tmp_path):
    from openpyxl import load_workbook

    from scoresheets import write_scoresheet

    data = json.loads(STREET.read_text(encoding="utf-8"))
    data["考核年度"] = 2024
    data["指标"]["复议答复逾期件数"] = 0
    path = tmp_path / "street-2024.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    result = assess_file(path, RULES, as_of=AS_OF)
    assert (result.ruleset_id, result.ruleset_name) == ("demo-district-2024", "区法治政府建设考核评分细则（2024年度）")
    assert result.ruleset_extends == ["national-model-2021"]
    assert result.audit.rules_file == "demo-district-2024.yaml"
    target = tmp_path / "sheet.xlsx"
    write_scoresheet(result, target)
    info = load_workbook(target)["评分表"]["A2"].value
    assert info.startswith(
        "规则集：区法治政府建设考核评分细则（2024年度）（demo-district-2024，继承 national-model-2021）"
    )


# The street example under the district rules (考核年度 2024), against its national-model score (89.03):
#   not applicable to 镇街: ZN-02 2, ZN-03 1, ZN-06 1.5, ZN-07 1, ZF-08 2, ZZ-06 1 = 8.5 (SZ-03 is gone);
#   分母 0: ZD-02 1 and MD-01 2 (was 2.5) → applicable 100 − 8.5 − 3 = 88.5 (national: 87);
#   MD-03 (now 3) counts at full: no lawsuits; MD-08 (new, 1) no late replies
#   ZF-06 合格率91.67：4×(91.67−85)÷15 = 1.7787 → 1.78，扣2.22（national: 扣1.67）
#   deductions 10.41 − 1.67 + 2.22 = 10.96；base 88.5 − 10.96 = 77.54；scaled 77.54×100÷88.5 = 87.6158… → 87.62
#   bonus 1（JF-02 省级，cap now 2）→ total 88.62 → 镇街 优秀（≥85）


def test_the_street_example_under_the_district_rules(tmp_path):
    data = json.loads(STREET.read_text(encoding="utf-8"))
    data["考核年度"] = 2024
    data["指标"]["复议答复逾期件数"] = 0
    data["指标"]["年度报告报送日期"] = "2025-03-13"  # 12 days late, as in 2022 (the deadline follows the year)
    path = tmp_path / "street-2024.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    review = tmp_path / "review.yaml"  # the example's decisions, for this year
    review.write_text(
        "复核:\n"
        "  - {评分项: NL-06, 扣分: 0.5, 理由: 普法阵地建设滞后, 复核人: 考核组, 复核日期: 2025-04-14}\n"
        "  - {评分项: ZZ-09, 扣分: 0, 理由: 试点成效明显, 复核人: 考核组, 复核日期: 2025-04-14}\n",
        encoding="utf-8",
    )
    r = assess_file(path, RULES, as_of=AS_OF, overrides_path=review)
    items = {i.rule_id: i for i in r.items}
    assert items["ZF-06"].deduction == Decimal("2.22")
    assert items["MD-03"].status == "不适用" and items["MD-03"].score == Decimal("3.00")
    assert (r.applicable_points, r.base_score, r.scaled_score) == (Decimal("88.50"), Decimal("77.54"), Decimal("87.62"))
    assert (r.bonus_total, r.total, r.grade.grade) == (Decimal("1.00"), Decimal("88.62"), "优秀")


# -- errors point at the child file --------------------------------------------------------------


def test_unknown_id_in_modify(folder):
    text = DISTRICT.replace("  MD-01:\n    分值: 2", "  MD-10:\n    分值: 2")
    assert problems(folder, text) == [
        f"child.yaml:{line_of(text, 'MD-10:')}:3: 修改.MD-10: 继承的规则集没有编号为 “MD-10” 的评分项、加分项或否决项（是否应为 “MD-07”？）"
    ]


def test_a_scoring_change_must_restate_the_standard(folder):
    text = DISTRICT.replace(
        "    评分标准: 行政机关负责人出庭应诉率须达到100%；每低1个百分点扣0.1分，扣完为止。当年无开庭审理的行政诉讼案件的，本项不扣分。\n",
        "",
    )
    assert problems(folder, text) == [
        f"child.yaml:{line_of(text, 'MD-03:')}:3: 修改.MD-03: 修改了 MD-03 的分值、目标，须同时写出修改后的“评分标准”（考核对象据此理解如何评分）"
    ]


def test_points_must_still_add_up_and_the_arithmetic_is_shown(folder):
    text = DISTRICT.replace("删除: [SZ-03]", "删除: [SZ-03, NL-04]")
    anchor = line_of(text, "继承: national")
    found = problems(folder, text)
    parent_line = (
        line_of((RULES / "national-model-2021.yaml").read_text(encoding="utf-8"), "一级指标: 政府工作人员") + 1
    )
    assert found == [
        f"child.yaml:{anchor}:7: 评分细则[8].分值（继承自 national-model-2021.yaml:{parent_line}:9）: "
        "一级指标“政府工作人员法治思维和依法行政能力全面提高”分值为 8，其评分项分值合计为 7；可在“一级指标分值”中改写该一级指标的分值",
        f"child.yaml:{anchor}:7: 评分细则: 评分项分值合计为 99.0，与总分 100 不符（父规则集 national-model-2021 合计 100；"
        "修改 MD-01 2.5→2；修改 MD-03 2.5→3；删除 SZ-03 −1；删除 NL-04 −1；新增 MD-08 +1）",
    ]


def test_a_deleted_indicator_still_used_by_an_inherited_item(folder):
    text = DISTRICT.replace("删除指标: [归集共享执法信息]", "删除指标: [归集共享执法信息, 会前学法次数]")
    parent = (RULES / "national-model-2021.yaml").read_text(encoding="utf-8")
    [found] = problems(folder, text)
    assert found == (
        f"child.yaml:{line_of(text, '继承: national')}:7: 评分细则[8].二级指标[0].评分项[0].指标"
        f"（继承自 national-model-2021.yaml:{line_of(parent, '指标: 会前学法次数')}:17）: "
        "未声明的指标 “会前学法次数”（是否应为 “法治讲座次数”？）；该指标已在“删除指标”中删除，但继承的评分项仍在使用"
    )


def test_bad_values_in_changed_and_added_items_are_at_the_child_lines(folder):
    text = DISTRICT.replace("    零分值: 85 ", "    零分值: 八十五 ").replace(
        "件数: 复议答复逾期件数", "件数: 复议答复逾期数"
    )
    assert problems(folder, text) == [
        f"child.yaml:{line_of(text, '零分值: 八十五')}:10: 评分细则[3].二级指标[2].评分项[1].零分值: 应为数字（不加引号）（实为 “八十五”）"
    ]
    text = DISTRICT.replace("件数: 复议答复逾期件数", "件数: 复议答复逾期数")
    assert problems(folder, text) == [
        f"child.yaml:{line_of(text, '件数: 复议答复逾期数')}:13: 评分细则[5].二级指标[0].评分项[4].件数: "
        "未声明的指标 “复议答复逾期数”（是否应为 “复议答复逾期件数”？）"
    ]


def test_a_bad_condition_in_an_added_item_points_inside_it(folder):
    text = DISTRICT.replace(
        "        计分方式: 按件扣分\n        件数: 复议答复逾期件数\n        每件扣分: 0.5                                         # 酌定\n        扣分上限: 1\n",
        "        计分方式: 条件扣分\n        条件: 复议答复逾期件数 > 0 且 复议逾期 > 1\n",
    ).replace("每件扣0.5分，以1分为限。", "扣1分。")
    line = line_of(text, "且 复议逾期")
    col = text.splitlines()[line - 1].index("复议逾期 >") + 1
    assert problems(folder, text) == [
        f"child.yaml:{line}:{col}: 评分细则[5].二级指标[0].评分项[4].条件: 未声明的指标 “复议逾期”（是否应为 “复议答复逾期件数”？）"
    ]


def test_parent_lookup_errors(folder):
    text = DISTRICT.replace("继承: national-model-2021", "继承: national-model-2012")
    assert problems(folder, text) == [
        f"child.yaml:{line_of(text, '继承:')}:7: 规则集.继承: {str(folder)} 中没有编号为 “national-model-2012” 的规则集"
        "（是否应为 “national-model-2021”？）；现有：national-model-2021；"
        "内置：county-dept-2024、demo-district-2012、demo-district-2013、demo-district-2024、enforcement-selfcheck-2024、national-model-2021"
    ]
    text = DISTRICT.replace("继承: national-model-2021", "继承: ../nowhere.yaml")
    assert problems(folder, text) == [
        f"child.yaml:{line_of(text, '继承:')}:7: 规则集.继承: 找不到继承的规则文件 ../nowhere.yaml"
    ]


def test_the_parent_can_be_named_by_file_and_a_cycle_is_reported(folder):
    (folder / "sub").mkdir()
    text = DISTRICT.replace("继承: national-model-2021", "继承: ../national-model-2021.yaml")
    (folder / "sub" / "child.yaml").write_text(text, encoding="utf-8")
    assert load_rules(folder / "sub" / "child.yaml").parent.header.id == "national-model-2021"
    a = "规则集: {编号: a, 名称: 甲, 继承: b.yaml}\n"
    b = "规则集: {编号: b, 名称: 乙, 继承: a.yaml}\n"
    (folder / "b.yaml").write_text(b, encoding="utf-8")
    assert problems(folder, a, "a.yaml") == [  # found from the headers, before b.yaml is built
        "a.yaml:1:25: 规则集.继承: 继承关系成环：a.yaml → b.yaml → a.yaml",
    ]


def test_child_shape_errors(folder):
    text = DISTRICT.replace("编号: demo-district-2024", "编号: national-model-2021")
    assert problems(folder, text) == [
        f"child.yaml:{line_of(text, '编号: national')}:7: 规则集.编号: 编号不能与继承的规则集相同"
    ]
    text = DISTRICT + "评分细则: []\n"
    assert problems(folder, text) == [
        f"child.yaml:{line_of(text, '评分细则: []')}:1: 评分细则: "
        "继承的规则集不直接写“评分细则”：请用“修改”“删除”“新增评分项”“新增加分项”“新增否决项”写出与父规则集的差异"
    ]
    text = DISTRICT.replace("删除: [SZ-03]", "删掉: [SZ-03]")
    assert f"child.yaml:{line_of(text, '删掉')}:1: 删掉: 不认识的键 “删掉”（是否应为 “删除”？）" in problems(
        folder, text
    )
    text = DISTRICT.replace("  名称: 区法治政府建设考核评分细则（2024年度）\n", "")
    assert problems(folder, text) == [
        f"child.yaml:{line_of(text, '编号: demo')}:3: 规则集: 继承的规则集须写出自己的“名称”"
    ]


def test_a_new_scoring_method_drops_the_old_parameters(folder):
    text = DISTRICT.replace(
        "  ZF-06:\n    零分值: 85                                                # 酌定\n",
        "  ZF-06:\n    计分方式: 条件扣分\n    条件: 案卷评查合格率 < 90\n",
    ).replace("得4分；85%及以下的，不得分；其间按比例计分。", "不低于90%的得4分，低于90%的不得分。")
    (folder / "child.yaml").write_text(text, encoding="utf-8")
    item = next(e.item for e in load_rules(folder / "child.yaml").entries if e.item.id == "ZF-06")
    assert (item.method, item.condition, item.points, item.source) == (
        "条件扣分",
        "案卷评查合格率 < 90",
        Decimal(4),
        "司法局行政执法案卷评查结果",
    )


def test_a_grandchild_inherits_through_its_parent(folder):
    shutil.copy(RULES / "demo-district-2024.yaml", folder / "demo-district-2024.yaml")
    text = "规则集: {编号: town-2025, 名称: 某镇细则, 继承: demo-district-2024, 适用期间: 2025}\n修改:\n  ZZ-01: {考核内容: 党委专题研究法治建设}\n"
    (folder / "town.yaml").write_text(text, encoding="utf-8")
    town = load_rules(folder / "town.yaml")
    assert [town.parent.header.id, town.parent.parent.header.id] == ["demo-district-2024", "national-model-2021"]
    assert next(e.item for e in town.entries if e.item.id == "MD-03").target == Decimal(100)
    assert str(town.header.period) == "2025年度" and len(town.sources) == 3


def test_the_loaded_ruleset_is_reloaded_when_its_parent_changes(folder):
    child = folder / "child.yaml"
    child.write_text(DISTRICT, encoding="utf-8")
    first = get_ruleset(child)
    assert get_ruleset(child) is first
    parent = folder / "national-model-2021.yaml"
    parent.write_text(parent.read_text(encoding="utf-8").replace("加分上限: 3 ", "加分上限: 2.5 "), encoding="utf-8")
    second = get_ruleset(child)
    assert second is not first and second.sha256 != first.sha256
    assert second.parent.header.bonus_cap == Decimal("2.5")
