"""Self-scores (自评分) and assessors' review decisions (复核, --overrides)."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest
from conftest import AS_OF, DATA, GOOD_MINI, with_values
from openpyxl import load_workbook

from engine.api import assess_file
from engine.cli import main
from engine.errors import SubmissionError
from engine.intake.review import OverridesError

MINI = DATA / "mini.yaml"


def write(tmp_path, name: str, data) -> str:
    path = tmp_path / name
    text = json.dumps(data, ensure_ascii=False, indent=2) if name.endswith(".json") else data
    path.write_text(text, encoding="utf-8")
    return str(path)


def by_id(result):
    return {i.rule_id: i for i in result.items}


def unit(**changes) -> dict:
    data = with_values(GOOD_MINI, **changes)
    data.pop("复核", None)  # a unit's own submission carries no decisions
    return data


def test_overrides_file_scores_discretionary_item_and_replaces_a_computed_one(tmp_path):
    sub = write(tmp_path, "unit.json", unit(未报备件数=2))
    review = write(
        tmp_path,
        "review.yaml",
        """复核:
  - 单位名称: 区测试局
    评分项: B-04
    得分: 0.6
    理由: 宣传覆盖不全
    复核人: 张三
    复核日期: 2014-01-10
  - 评分项: A-01
    扣分: 1
    理由: 其中1件经核实已补报
    复核人: 李四
    复核日期: 2014-01-11
  - 单位名称: 别的单位
    评分项: A-02
    扣分: 2
    理由: 不应适用于本单位
    复核人: 王五
    复核日期: 2014-01-12
""",
    )
    r = assess_file(sub, MINI, as_of=AS_OF, overrides_path=review)
    b04, a01, a02 = by_id(r)["B-04"], by_id(r)["A-01"], by_id(r)["A-02"]
    assert (b04.status, b04.deduction, b04.reviewed) == ("扣分", D("0.40"), True)
    assert b04.review.computed_deduction is None and b04.review.source == "review.yaml"
    assert b04.reasons == [
        "复核：宣传覆盖不全（复核人：张三，复核日期：2014年1月10日，复核文件：review.yaml），扣0.4分"
    ]
    assert (a01.deduction, a01.review.computed_deduction) == (D("1.00"), D("2.00"))
    assert a01.reasons == [
        "复核：其中1件经核实已补报（复核人：李四，复核日期：2014年1月11日，复核文件：review.yaml；系统计算扣2分），扣1分"
    ]
    assert (b04.review.date, a01.review.date) == ("2014-01-10", "2014-01-11")
    assert a02.deduction == D("0.00") and not a02.reviewed  # another unit's decision
    assert r.pending == []
    assert r.audit.overrides_file == "review.yaml" and r.audit.overrides_applied == ["A-01", "B-04"]
    assert len(r.audit.overrides_sha256) == 64
    # the 不良记录 of A-01 follows the reviewed deduction
    assert [(b.rule_id, b.deduction) for b in r.bad_records] == [("A-01", D("1.00"))]


def test_overrides_errors_are_located(tmp_path):
    sub = write(tmp_path, "unit.json", unit())
    text = (
        "复核:\n  - 评分项: B-4\n    扣分: 1\n    理由: x\n    复核人: y\n    复核日期: 2014-01-10\n"
        "  - 评分项: A-01\n    理由: x\n    复核人: y\n    复核日期: 2014-01-10\n"
    )
    review = write(tmp_path, "review.yaml", text)
    with pytest.raises(OverridesError) as info:
        assess_file(sub, MINI, overrides_path=review)
    [found] = [str(p) for p in info.value.problems]  # the file itself first
    assert found.startswith(f"{review}:7:") and "复核应给出“扣分”或“得分”之一" in found
    fixed = text.replace("  - 评分项: A-01\n", "  - 评分项: A-01\n    扣分: 0\n")
    review = write(tmp_path, "review.yaml", fixed)
    with pytest.raises(OverridesError) as info:
        assess_file(sub, MINI, overrides_path=review)
    found = [str(p) for p in info.value.problems]  # then each entry against the unit's ruleset
    assert found == [f"{review}:2:10: 复核[0].评分项: 规则集 mini-test 没有编号为 “B-4” 的评分项（是否应为 “B-04”？）"]


def test_self_scores_are_shown_and_differences_highlighted(tmp_path):
    data = unit(未报备件数=1)
    data["自评分"] = {"A-01": 2, "A-02": 2}
    sub = write(tmp_path, "unit.json", data)
    out = tmp_path / "sheet.xlsx"
    with pytest.raises(SystemExit) as info:
        main([sub, "--rules", str(MINI), "-o", str(out)])
    assert info.value.code == 0
    ws = load_workbook(out)["评分表"]
    assert ws["K3"].value == "自评分"
    rows = {ws[f"J{r}"].value: r for r in range(4, ws.max_row + 1)}
    a01, a02, a03 = rows["A-01"], rows["A-02"], rows["A-03"]
    assert ws[f"K{a01}"].value == 2 and ws[f"H{a01}"].value == f"=ROUND(MAX(0,E{a01}-G{a01}),2)"
    assert ws[f"K{a02}"].value == 2 and ws[f"K{a03}"].value in (None, "")
    rules = [(str(cf.sqref), rule.formula) for cf in ws.conditional_formatting for rule in cf.rules]
    assert (f"K{a01}:K{a02}", [f"AND(ISNUMBER(K{a01}),K{a01}<>H{a01})"]) in rules


def test_self_score_must_name_an_item_and_fit_its_points(tmp_path):
    data = unit()
    data["自评分"] = {"A-1": 1, "A-03": 5}
    sub = write(tmp_path, "unit.json", data)
    with pytest.raises(SubmissionError) as info:
        assess_file(sub, MINI)
    found = [str(p) for p in info.value.problems]
    assert any("没有编号为 “A-1” 的评分项（是否应为 “A-01”？）" in p for p in found)
    assert any("自评分 5 大于该项分值 1" in p for p in found)


@pytest.mark.parametrize(
    ("item", "amount", "message"),
    [
        ("A-01", "得分: 100", "得分 100 超出评分项 A-01 的分值（0 至 2 分），请改正"),
        ("A-01", "扣分: 2.5", "扣分 2.5 超出评分项 A-01 的分值（0 至 2 分），请改正"),
        ("B-04", "扣分: 1.01", "扣分 1.01 超出评分项 B-04 的分值（0 至 1 分），请改正"),
    ],
)
def test_a_review_amount_beyond_the_item_is_an_error_at_its_place_not_clamped(tmp_path, item, amount, message):
    review = write(
        tmp_path,
        "review.yaml",
        f"复核:\n  - 评分项: {item}\n    {amount}\n    理由: 复核\n    复核人: 张三\n    复核日期: 2014-01-10\n",
    )
    sub = write(tmp_path, "s.json", unit())
    with pytest.raises(OverridesError) as info:
        assess_file(sub, MINI, as_of=AS_OF, overrides_path=review)
    [problem] = info.value.problems
    assert (problem.code, problem.location.line, problem.location.col) == ("review.out-of-range", 3, 9)  # at the amount
    assert problem.message == message


def test_a_review_at_the_items_points_is_accepted(tmp_path):
    review = write(
        tmp_path,
        "review.yaml",
        "复核:\n  - 评分项: A-01\n    扣分: 2\n    理由: 复核\n    复核人: 张三\n    复核日期: 2014-01-10\n",
    )
    r = assess_file(write(tmp_path, "s.json", unit()), MINI, as_of=AS_OF, overrides_path=review)
    assert by_id(r)["A-01"].deduction == D("2.00")


@pytest.mark.parametrize("name", ["张\n三", "张三\r", "\u202e张三", "张\t三"])
def test_a_reviewer_is_one_line_of_visible_text(tmp_path, name):
    text = f"复核:\n  - 评分项: A-01\n    扣分: 1\n    理由: 复核\n    复核人: {json.dumps(name)}\n    复核日期: 2014-01-10\n"
    review = write(tmp_path, "review.yaml", text)
    with pytest.raises(OverridesError) as info:
        assess_file(write(tmp_path, "s.json", unit()), MINI, as_of=AS_OF, overrides_path=review)
    [problem] = info.value.problems
    assert problem.location.line == 5 and f"U+{ord(next(c for c in name if c not in '张三')):04X}" in problem.message
