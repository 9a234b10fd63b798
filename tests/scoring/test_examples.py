"""The shipped ruleset (rules/demo-district-2013.yaml) and the four example submissions.

Every expected total below was computed by hand from the scoring rules, item by item; the
calculation is written out above each test. Rounding is 四舍五入 to 0.01 (ROUND_HALF_UP) on every
deduction, linear score and rescaled total; deductions are capped at the item's 分值 (扣完为止).
剔除折算: scaled = ROUND(base × 100 ÷ applicable points, 2), total = scaled + bonus.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from engine.api import assess_file
from engine.ruleset.load import load_rules

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"
EXAMPLES = ROOT / "examples"
REVIEW = EXAMPLES / "reviews" / "review.yaml"  # the assessors' decisions (复核) on the examples
RULES_FILE = RULES / "demo-district-2013.yaml"
EXAMPLE_FILES = ["huashan-2012.json", "qujiang-2019.json", "gaizhou-2016.json", "problem-department.json"]

METHODS = (
    "按件扣分",
    "少于目标扣分",
    "比率不足扣分",
    "条件扣分",
    "分项扣分",
    "分档计分",
    "线性计分",
    "逐条扣分",
    "酌情扣分",
)


def D(text: str) -> Decimal:
    return Decimal(text)


@pytest.fixture(scope="module")
def ruleset():
    return load_rules(RULES_FILE)


def assess(name: str):
    return assess_file(EXAMPLES / name, RULES_FILE, overrides_path=REVIEW)


def by_id(result) -> dict:
    return {i.rule_id: i for i in result.items}


def deductions(result) -> dict[str, Decimal]:
    """Rule id → deduction, for the items that deducted anything."""
    return {i.rule_id: i.deduction for i in result.items if i.deduction != 0}


# -- the ruleset ------------------------------------------------------------------------------


def test_ruleset_header(ruleset):
    h = ruleset.header
    assert (h.id, h.year, h.total, h.bonus_cap) == ("demo-district-2013", 2013, D("100"), D("3"))
    assert h.unit_types == ["区县政府", "区直部门", "镇街"]
    assert {k: (b["优秀"], b["良好"], b["合格"]) for k, b in h.grades.items()} == {
        "默认": (D("90"), D("80"), D("60")),
        "镇街": (D("88"), D("78"), D("60")),
    }
    assert h.caps == ("良好", "合格")  # the defaults of the default grade words
    assert (h.not_applicable, h.missing) == ("剔除折算", "待复核")


def test_ruleset_points_and_categories(ruleset):
    items = [e.item for e in ruleset.entries]
    assert len(items) == 41
    assert sum(i.points for i in items) == D("100")
    per_category = {c.name: c.points for c in ruleset.model.categories}
    assert per_category == {
        "组织领导": D("14"),
        "制度建设与规范性文件": D("16"),
        "科学民主决策": D("12"),
        "行政执法": D("20"),
        "行政监督与政务公开": D("14"),
        "矛盾纠纷化解": D("14"),
        "学法用法与法治宣传": D("10"),
    }
    ids = [i.id for i in items] + [b.id for b in ruleset.model.bonuses] + [v.id for v in ruleset.model.vetoes]
    assert len(ids) == len(set(ids))


def test_ruleset_uses_every_method(ruleset):
    used = Counter(e.item.method for e in ruleset.entries)
    assert used == Counter(
        {
            "按件扣分": 9,
            "条件扣分": 8,
            "比率不足扣分": 8,
            "分项扣分": 5,
            "少于目标扣分": 3,
            "线性计分": 3,
            "分档计分": 2,
            "逐条扣分": 2,
            "酌情扣分": 1,
        }
    )
    assert set(used) == set(METHODS)
    assert {b.method for b in ruleset.model.bonuses} == {"条件加分", "按件加分"}
    vetoes = ruleset.model.vetoes
    assert len(vetoes) >= 2 and all(v.bad_record and v.bad_record.severity == "严重" for v in vetoes)
    assert any(v.records for v in vetoes) and any(not v.records for v in vetoes)


def test_ruleset_applicability_and_bad_records(ruleset):
    items = {e.item.id: e.item for e in ruleset.entries}
    assert items["ZD-06"].applies_to == ["镇街"]
    assert items["ZD-05"].applies_to == ["区县政府", "区直部门"]
    assert ruleset.indicators["人民调解成功率"].applies_to == ["区县政府", "镇街"]
    with_records = sorted(i for i, it in items.items() if it.bad_record is not None)
    assert with_records == ["JC-01", "MD-03", "MD-04", "ZD-01", "ZD-04", "ZF-04", "ZZ-05", "ZZ-07"]
    texts = [ruleset.conditions[k].text for k in ("JC-02", "MD-02", "ZZ-02")]
    assert " 或 " in texts[0] and " 且 " in texts[1] and texts[2].startswith("非 ")


def test_ruleset_marks_judgement_calls():
    text = RULES_FILE.read_text(encoding="utf-8")
    assert text.startswith("# ====")
    assert "种子文件002" in text and "# 酌定" in text
    assert sum("# 酌定" in line for line in text.splitlines()) >= 20


# -- the example files ------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLE_FILES)
def test_example_is_formatted_and_every_value_is_explained(name, ruleset):
    path = EXAMPLES / name
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    assert text == json.dumps(data, ensure_ascii=False, indent=2) + "\n"  # UTF-8, 2-space indent
    values, notes = data["指标"], data["数据说明"]
    assert set(values) <= set(ruleset.indicators)
    assert set(values) <= set(notes), f"无数据说明：{sorted(set(values) - set(notes))}"
    allowed = ("虚构：",) if name == "problem-department.json" else ("出处：", "假设：")
    for key, note in notes.items():
        if key in values:
            assert note.startswith(allowed), (key, note)
        else:
            assert note.startswith("未填报："), (key, note)


# -- huashan-2012 (seed 000) --------------------------------------------------------------------
# 花山区人民政府，区县政府。ZD-06（2分，仅镇街）不适用，剔除；适用项分值 = 100 − 2 = 98。
#   ZZ-04  年度报告报送日期 2013-06-04 > 2013-03-31，不符合任何档次，得0分 ........... 扣 2
#   ZD-05  子项b 清理结果未向社会公布（子项a 五年内已清理，不扣） ........................ 扣 1
#   ZF-03  子项c 未落实行政处罚自由裁量权基准 ............................................. 扣 1
#   ZF-05  案卷评查合格率95：得分 6×(95−80)/(100−80) = 4.50 ............................... 扣 1.50
#   JD-02  建议提案满意率95 ≥ 满分值95，满分 ............................................... 扣 0
#   JD-05  群众投诉办结率99.36：(100−99.36)×0.2 = 0.128 → 0.13 ........................... 扣 0.13
#   JD-06  群众满意度（选填、无缺省值）未填报 → 待复核，暂计0 .............................. 扣 0
#   MD-02  应诉案件数0，“出庭应诉率 < 80 且 应诉案件数 > 0”不成立 ........................ 扣 0
#   XF-02  法制讲座1次：(2−1)×0.5 ........................................................... 扣 0.50
#   XF-05  酌情扣分，复核扣0.5 ............................................................... 扣 0.50
#   其余各项 0。扣分合计 = 2 + 1 + 1 + 1.50 + 0.13 + 0.50 + 0.50 = 6.63
#   base = 98 − 6.63 = 91.37；scaled = 91.37 × 100 ÷ 98 = 93.2346… → 93.23
#   加分 0；total = 93.23 ≥ 90 → 优秀；无不良记录；JD-06 待复核（3分）：全扣时 88.37×100÷98 = 90.17，仍为优秀。


def test_huashan_2012():
    r = assess("huashan-2012.json")
    assert r.unit == "花山区人民政府" and r.unit_type == "区县政府"
    assert deductions(r) == {
        "ZZ-04": D("2.00"),
        "ZD-05": D("1.00"),
        "ZF-03": D("1.00"),
        "ZF-05": D("1.50"),
        "JD-05": D("0.13"),
        "XF-02": D("0.50"),
        "XF-05": D("0.50"),
    }
    assert (r.applicable_points, r.base_score, r.scaled_score) == (D("98.00"), D("91.37"), D("93.23"))
    assert r.bonus_total == D("0.00")
    assert r.total == D("93.23")
    assert r.grade.grade == "优秀" and r.grade.band_grade == "优秀"
    assert r.bad_records == [] and r.vetoes == []
    assert r.pending == ["JD-06"]
    items = by_id(r)
    assert items["JD-06"].status == "待复核" and items["JD-06"].counted and items["JD-06"].open_points == D("3.00")
    # settled 91.37 − 3 = 88.37 of 98 − 3 = 95; every open point deducted: 88.37 × 100 ÷ 98 = 90.17, still 优秀
    o = r.open_totals
    assert (o.settled_score, o.settled_points, o.open_points) == (D("88.37"), D("95.00"), D("3.00"))
    assert (o.total_min, o.total_max) == (D("90.17"), D("93.23"))
    assert o.summary == "已定 88.37 / 95；待复核 3 分；最终（折算、加分后） 90.17–93.23"
    assert not r.grade.provisional and r.grade.possible == ["优秀"]
    assert r.grade.reasons[-1] == "有1项待复核（JD-06），最终总分在90.17–93.23分之间，无论复核结果如何均为优秀"
    assert items["ZD-06"].status == "不适用" and not items["ZD-06"].counted
    assert items["XF-05"].reviewed and items["XF-05"].deduction == D("0.50")
    assert items["JD-02"].status == "满分"


# -- qujiang-2019 (seed 001) --------------------------------------------------------------------
# 西安曲江新区管理委员会，按区县政府考核。ZD-06 剔除；适用项分值 98。
#   ZZ-01  子项c 法制工作人员1人 < 2 ......................................................... 扣 0.50
#   ZZ-02  非 制定年度工作要点（只执行市级工作要点） ......................................... 扣 1
#   ZD-04  未经合法性审查的规范性文件 1件 × 1 → 1（一般不良记录） .......................... 扣 1
#   ZD-05  子项b 清理结果未向社会公布 ......................................................... 扣 1
#   JC-01  子项c 未经合法性审查的重大决策 1件 × 1 → 1（一般不良记录） ...................... 扣 1
#   ZF-01  执法人员持证率96：(100−96)×0.5 = 2.00 ............................................ 扣 2
#   ZF-05  案卷评查合格率95：得 4.50 .......................................................... 扣 1.50
#   MD-02  出庭应诉率25 < 80 且 应诉案件数12 > 0 .............................................. 扣 2
#   MD-03  12件诉讼无败诉 ..................................................................... 扣 0
#   JD-06  群众满意度未填报 → 待复核；XF-05 复核扣0 ........................................ 扣 0
#   扣分合计 = 0.5 + 1 + 1 + 1 + 1 + 2 + 1.5 + 2 = 10.00
#   base = 98 − 10 = 88.00；scaled = 88 × 100 ÷ 98 = 89.7959… → 89.80
#   加分：JF-03 被上级推广2件 × 0.5 = 1.00（本项最多1分）→ bonus 1.00
#   total = 89.80 + 1.00 = 90.80 ≥ 90，按分数为优秀；有一般不良记录2条 → 等次不得高于良好 → 良好。


def test_qujiang_2019():
    r = assess("qujiang-2019.json")
    assert deductions(r) == {
        "ZZ-01": D("0.50"),
        "ZZ-02": D("1.00"),
        "ZD-04": D("1.00"),
        "ZD-05": D("1.00"),
        "JC-01": D("1.00"),
        "ZF-01": D("2.00"),
        "ZF-05": D("1.50"),
        "MD-02": D("2.00"),
    }
    assert (r.applicable_points, r.base_score, r.scaled_score) == (D("98.00"), D("88.00"), D("89.80"))
    assert {b.rule_id: b.bonus for b in r.bonuses} == {"JF-01": D("0.00"), "JF-02": D("0.00"), "JF-03": D("1.00")}
    assert r.bonus_total == D("1.00")
    assert r.total == D("90.80")
    assert r.grade.band_grade == "优秀"
    assert r.grade.grade == "良好"  # capped by the two ordinary bad records
    assert [(b.rule_id, b.severity) for b in r.bad_records] == [("ZD-04", "一般"), ("JC-01", "一般")]
    assert r.bad_records[0].event == "规范性文件未经合法性审查即发布1件"
    assert r.vetoes == [] and r.pending == ["JD-06"]
    assert len(r.records) == 12


# -- gaizhou-2016 (seed 003) --------------------------------------------------------------------
# 盖州市人民政府，区县政府。ZD-06 剔除；适用项分值 98。
#   ZZ-01  子项a 未成立领导小组（报告无佐证） ................................................. 扣 1
#   JC-01  子项b 未经专家论证的重大决策 2件 × 0.5 = 1（一般不良记录） ........................ 扣 1
#   ZF-05  案卷评查合格率90：得分 6×(90−80)/20 = 3.00 ........................................ 扣 3
#   JD-05  投诉办结率 925÷1021 = 90.60：(100−90.6)×0.2 = 1.88 ................................. 扣 1.88
#   JD-06  群众满意度88.36（目标90）：(90−88.36)×0.2 = 0.328 → 0.33 .......................... 扣 0.33
#   MD-01  复议纠错率0 → 满分 ................................................................ 扣 0
#   MD-02  出庭应诉率0 < 80 且 应诉案件数16 > 0 ............................................... 扣 2
#   MD-05  人民调解成功率99.36 ≥ 95 ........................................................... 扣 0
#   XF-01  会前学法2次：(4−2)×0.5 = 1 ......................................................... 扣 1
#   XF-02  法制讲座1次：(2−1)×0.5 ............................................................. 扣 0.50
#   XF-05  酌情扣分，复核扣0.5 ................................................................. 扣 0.50
#   扣分合计 = 1 + 1 + 3 + 1.88 + 0.33 + 2 + 1 + 0.5 + 0.5 = 11.21
#   base = 98 − 11.21 = 86.79；scaled = 86.79 × 100 ÷ 98 = 88.5612… → 88.56
#   加分 0；total = 88.56 → 良好（一般不良记录1条，上限良好，不影响）；无待复核项。


def test_gaizhou_2016():
    r = assess("gaizhou-2016.json")
    assert deductions(r) == {
        "ZZ-01": D("1.00"),
        "JC-01": D("1.00"),
        "ZF-05": D("3.00"),
        "JD-05": D("1.88"),
        "JD-06": D("0.33"),
        "MD-02": D("2.00"),
        "XF-01": D("1.00"),
        "XF-02": D("0.50"),
        "XF-05": D("0.50"),
    }
    assert (r.applicable_points, r.base_score, r.scaled_score) == (D("98.00"), D("86.79"), D("88.56"))
    assert r.bonus_total == D("0.00")
    assert r.total == D("88.56")
    assert r.grade.grade == "良好" and r.grade.band_grade == "良好"
    assert [b.event for b in r.bad_records] == [
        "重大行政决策程序不全（未公众参与0件、未专家论证2件、未合法性审查0件、未集体讨论0件）"
    ]
    assert r.vetoes == [] and r.pending == []
    items = by_id(r)
    assert items["MD-03"].status == "满分" and items["MD-05"].status == "满分"
    assert len([row for row in r.records if row.list_name == "行政诉讼案件"]) == 16


# -- problem-department (fictional) -------------------------------------------------------------
# 区市政管理局（虚构），区直部门。不适用、剔除：ZD-06（2分，仅镇街）和 MD-05（2分，读取的
# 人民调解成功率仅适用于区县政府、镇街）；适用项分值 = 100 − 4 = 96。
# 组织领导（14）：
#   ZZ-01  分项：b 未明确分管领导 0.5（a 已成立，c 法制人员2人不扣） ........................ 扣 0.50
#   ZZ-03  分档：2012-04-26 ≤ 2012-04-30，第1档满分 ........................................... 扣 0
#   ZZ-04  分档：2013-03-20 在第2档（≤ 2013-03-31），得0.5 → 2 − 0.5 .......................... 扣 1.50
#   ZZ-05  条件：目标考核依法行政分值2 < 3 → 扣3（一般不良记录） ............................ 扣 3
#   ZZ-06  分项件数：迟报3×0.5 = 1.5，漏报1×1 = 1，合计2.5 → 以分值2为限 ..................... 扣 2
#   ZZ-07  按件：逾期未整改1件×1（一般不良记录，通报批评） ................................... 扣 1
#   小计 8.00
# 制度建设与规范性文件（适用14）：
#   ZD-01  按件：未报备1件×1（一般不良记录） ................................................. 扣 1
#   ZD-02  比率，按一个百分点计：100−97.5 = 2.5 → 3个百分点 × 0.5 ............................ 扣 1.50
#   ZD-03  比率，不计：100−97.5 = 2.5 → 2个百分点 × 0.2 ........................................ 扣 0.40
#   小计 2.90
# 科学民主决策（12）：
#   JC-01  分项件数：a 4×0.5 = 2 → 子项上限1.5；b 1×0.5 = 0.5；合计2（一般不良记录） ......... 扣 2
#   JC-02  条件：非 建立重大决策程序制度(是) 或 非 建立决策责任追究制度(否) → 真 ............. 扣 2
#   小计 4.00
# 行政执法（20）：
#   ZF-01  比率，按实际：(100−96.3)×0.5 = 1.85 ................................................ 扣 1.85
#   ZF-02  按件：未亮证5人次×0.5 = 2.5 → 以2分为限 ............................................ 扣 2
#   ZF-04  按件：执法过错1件×1（一般不良记录） ............................................... 扣 1
#   ZF-05  线性：6×(92.5−80)/20 = 3.75 → 6 − 3.75 ............................................. 扣 2.25
#   小计 7.10
# 行政监督与政务公开（14）：
#   JD-02  线性：2×(89.47−80)/15 = 1.2627 → 1.26 → 2 − 1.26 .................................... 扣 0.74
#   JD-05  比率：(100−94.42)×0.2 = 1.116 → 1.12 ............................................... 扣 1.12
#   JD-06  比率（目标90）：(90−82.6)×0.2 = 1.48 ................................................ 扣 1.48
#   小计 3.34
# 矛盾纠纷化解（适用12）：
#   MD-01  线性（越低越好，20→0分、0→满分）：3×(8.33−20)/(0−20) = 1.7505 → 1.75 → 3 − 1.75 ... 扣 1.25
#   MD-02  条件：出庭应诉率25 < 80 且 应诉案件数4 > 0 .......................................... 扣 2
#   MD-03  逐条：败诉2件（第3号、第11号）×1，各记一般不良记录 ................................ 扣 2
#   MD-04  逐条：败诉且负责人未出庭1件（第11号）×1，记严重不良记录 .......................... 扣 1
#   小计 6.25
# 学法用法与法治宣传（10）：
#   XF-01  少于目标：(4−0)×0.5 = 2 → 累计不超过1.5 ............................................. 扣 1.50
#   XF-02  少于目标：(2−1)×0.5 ................................................................. 扣 0.50
#   XF-04  比率：(100−88.89)×0.1 = 1.111 → 1.11 ............................................... 扣 1.11
#   XF-05  酌情扣分，未复核 → 待复核，暂计0 .................................................... 扣 0
#   XF-06  少于目标：(12−5)×0.1 = 0.7 ........................................................... 扣 0.70
#   小计 3.81
# 扣分合计 = 8.00 + 2.90 + 4.00 + 7.10 + 3.34 + 6.25 + 3.81 = 35.40
# base = 96 − 35.40 = 60.60；scaled = 60.60 × 100 ÷ 96 = 63.125 → 63.13（四舍五入）
# 加分：JF-02 获评市级 +1；JF-03 推广1件×0.5 = 0.5；合计1.50（≤ 上限3）
# total = 63.13 + 1.50 = 64.63 → 按分数为合格；严重不良记录 → 上限合格（不影响）；
# 否决：FJ-01（第11号败诉且拒不履行生效裁判，记录否决）、FJ-02（决策失误1件 > 0）→ 不合格。
# 不良记录 10 条：一般7（ZZ-05、ZZ-07、ZD-01、JC-01、ZF-04、MD-03×2），严重3（MD-04、FJ-01、FJ-02）。


def test_problem_department():
    r = assess("problem-department.json")
    assert r.unit_type == "区直部门"
    assert deductions(r) == {
        "ZZ-01": D("0.50"),
        "ZZ-04": D("1.50"),
        "ZZ-05": D("3.00"),
        "ZZ-06": D("2.00"),
        "ZZ-07": D("1.00"),
        "ZD-01": D("1.00"),
        "ZD-02": D("1.50"),
        "ZD-03": D("0.40"),
        "JC-01": D("2.00"),
        "JC-02": D("2.00"),
        "ZF-01": D("1.85"),
        "ZF-02": D("2.00"),
        "ZF-04": D("1.00"),
        "ZF-05": D("2.25"),
        "JD-02": D("0.74"),
        "JD-05": D("1.12"),
        "JD-06": D("1.48"),
        "MD-01": D("1.25"),
        "MD-02": D("2.00"),
        "MD-03": D("2.00"),
        "MD-04": D("1.00"),
        "XF-01": D("1.50"),
        "XF-02": D("0.50"),
        "XF-04": D("1.11"),
        "XF-06": D("0.70"),
    }
    assert {c.name: (c.max_points, c.deduction) for c in r.categories} == {
        "组织领导": (D("14"), D("8.00")),
        "制度建设与规范性文件": (D("14"), D("2.90")),
        "科学民主决策": (D("12"), D("4.00")),
        "行政执法": (D("20"), D("7.10")),
        "行政监督与政务公开": (D("14"), D("3.34")),
        "矛盾纠纷化解": (D("12"), D("6.25")),
        "学法用法与法治宣传": (D("10"), D("3.81")),
    }
    assert (r.applicable_points, r.base_score, r.scaled_score) == (D("96.00"), D("60.60"), D("63.13"))
    assert {b.rule_id: b.bonus for b in r.bonuses} == {"JF-01": D("0.00"), "JF-02": D("1.00"), "JF-03": D("0.50")}
    assert r.bonus_total == D("1.50")
    assert r.total == D("64.63")

    # grade: 合格 by the score, 不合格 because of the vetoes
    assert r.grade.band_grade == "合格"
    assert r.grade.grade == "不合格"
    assert [v.rule_id for v in r.vetoes] == ["FJ-01", "FJ-02"]

    # bad records: 7 ordinary, 3 severe
    assert len(r.bad_records) == 10
    assert Counter(b.severity for b in r.bad_records) == Counter({"一般": 7, "严重": 3})
    assert [b.rule_id for b in r.bad_records] == [
        "ZZ-05",
        "ZZ-07",
        "ZD-01",
        "JC-01",
        "ZF-04",
        "MD-03",
        "MD-03",
        "MD-04",
        "FJ-01",
        "FJ-02",
    ]
    events = [b.event for b in r.bad_records]
    assert "年度目标责任考核中依法行政工作分值为2分，少于3分" in events
    assert "行政诉讼案件（2012）示范行初字第3号（违法建设强制拆除）败诉" in events
    assert "行政诉讼案件（2012）示范行初字第11号（行政处罚（罚款））负责人未出庭应诉且败诉" in events

    # the discretionary item without a 复核 is pending; two items are excluded for a 区直部门
    items = by_id(r)
    assert r.pending == ["XF-05"]
    assert items["XF-05"].status == "待复核" and items["XF-05"].deduction == D("0") and items["XF-05"].counted
    excluded = sorted(i.rule_id for i in r.items if not i.counted)
    assert excluded == ["MD-05", "ZD-06"]
    assert all(items[k].status == "不适用" for k in excluded)

    # caps and rounding reached on the way
    assert items["ZZ-04"].score == D("0.50")  # the middle band
    assert items["ZZ-06"].deduction == items["ZZ-06"].max_points  # sub-points 2.5 capped at 2
    assert items["ZF-02"].deduction == D("2.00")  # 5 × 0.5 capped at 2
    assert items["XF-01"].deduction == D("1.50")  # shortfall 2.0 capped at 1.5 (< 分值 2)
    assert items["MD-01"].score == D("1.75")  # lower-is-better linear, 1.7505 rounded half up
