"""The national-model ruleset (rules/national-model-2021.yaml) and its three example units, worked by hand.

Rates are recomputed from 分子 ÷ 分母 and rounded half-up to 0.01 before scoring; deductions round half-up to
0.01 and stop at the item's 分值; 剔除折算: scaled = ROUND(base × 100 ÷ applicable points, 2).
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

import pytest
from conftest import AS_OF, EXAMPLES, RULES

from engine.api import assess_file
from engine.ruleset.load import load_rules

FILE = RULES / "national-model-2021.yaml"
NATIONAL_EXAMPLES = ["national-bureau-2022.json", "national-enforcement-2022.json", "national-street-2022.json"]


def D(text: str) -> Decimal:
    return Decimal(text)


@pytest.fixture(scope="module")
def ruleset():
    return load_rules(FILE)


def assess(name: str):
    return assess_file(EXAMPLES / name, FILE, as_of=AS_OF, overrides_path=EXAMPLES / "reviews" / "review.yaml")


def deductions(result) -> dict[str, Decimal]:
    return {i.rule_id: i.deduction for i in result.items if i.deduction != 0}


def test_structure(ruleset):
    h = ruleset.header
    assert (h.id, str(h.period), h.total, h.bonus_cap, h.small_sample, h.rate_tolerance) == (
        "national-model-2021",
        "2021—2025年度",
        D("100"),
        D("3"),
        5,
        D("0.5"),
    )
    assert h.unit_types == ["区直部门", "行政执法部门", "镇街"]
    assert {k: (b["优秀"], b["良好"], b["合格"]) for k, b in h.grades.items()} == {
        "默认": (D("90"), D("80"), D("60")),  # departments, as Henan 2015
        "镇街": (D("85"), D("75"), D("60")),
    }
    cats = [(c.name, c.points) for c in ruleset.model.categories]
    assert cats[0] == ("政府职能依法全面履行", D("10"))
    assert len(cats) == 10 and sum(p for _, p in cats) == D("100")
    items = [e.item for e in ruleset.entries]
    assert len(items) == 64 and sum(i.points for i in items) == D("100")
    assert Counter(i.method for i in items) == Counter(
        {
            "按件扣分": 16,
            "比率不足扣分": 14,
            "条件扣分": 11,
            "分项扣分": 11,
            "线性计分": 5,
            "少于目标扣分": 3,
            "酌情扣分": 2,
            "分档计分": 1,
            "逐条扣分": 1,
        }
    )
    assert [b.id for b in ruleset.model.bonuses] == ["JF-01", "JF-02", "JF-03", "JF-04"]
    assert [v.id for v in ruleset.model.vetoes] == ["FJ-01", "FJ-02", "FJ-03", "FJ-04"]
    with_records = sorted(i.id for i in items if i.bad_record is not None)
    assert with_records == ["JC-02", "MD-02", "MD-04", "TF-02", "ZD-01", "ZD-03", "ZD-04", "ZF-04", "ZF-07", "ZN-02"]
    rates = sorted(n for n, s in ruleset.indicators.items() if s.denominator)
    assert len(rates) == 19 and "出庭应诉率" in rates


def test_applicability_per_unit_type(ruleset):
    def not_applicable(unit_type: str) -> list[str]:
        out = []
        for e in ruleset.entries:
            applies = e.item.applies_to is None or unit_type in e.item.applies_to
            if not applies:
                out.append(e.item.id)
        return out

    assert len(not_applicable("区直部门")) == 14  # the 执法 block (9), ZN-06, ZD-06, MD-05, SZ-01, ZZ-07
    assert not_applicable("行政执法部门") == ["ZD-06", "ZF-09", "MD-05", "ZZ-07"]
    assert not_applicable("镇街") == ["ZN-02", "ZN-03", "ZN-06", "ZN-07", "ZF-08", "SZ-03", "ZZ-06"]


def test_judgement_calls_are_marked():
    text = FILE.read_text(encoding="utf-8")
    assert sum("# 酌定" in line for line in text.splitlines()) >= 40
    assert "斜率怎样定" in text and "河南省2015年" in text


@pytest.mark.parametrize("name", NATIONAL_EXAMPLES)
def test_example_is_formatted_and_every_value_is_explained(name, ruleset):
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    data = json.loads(text)
    assert text == json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    assert data["考核年度"] == 2022
    assert set(data["指标"]) <= set(ruleset.indicators)
    assert set(data["指标"]) == set(data["数据说明"])
    assert all(note.startswith("虚构：") for note in data["数据说明"].values())


# -- national-bureau-2022：区发展和改革局（区直部门）--------------------------------------------------
# 不适用（剔除）：执法类 ZF-01…09 共18分，ZN-06 1.5、ZD-06 1、MD-05 1、SZ-01 1.5、ZZ-07 1，合计24分；
# 差评件数0，差评整改率无从计算，ZN-04（1分）不适用。适用分值 = 100 − 24 − 1 = 75。
#   ZN-01  85÷86 = 98.8372% → 98.84（自报98.8，在容差内）；(100 − 98.84)×0.2 = 0.232 → 0.23 ......... 扣 0.23
#   MD-03  1÷2 = 50%，低于90%达40个百分点×0.1 = 4 → 以2.5分为限；样本量小（2件） ..................... 扣 2.50
#   JD-02  22÷24 = 91.67%：1×(91.67−80)÷15 = 0.778 → 0.78 ...................................... 扣 0.22
#   JD-06  工单满意率 33÷40 = 82.5% < 85（回复率 55÷58 = 94.83% 不扣） ............................. 扣 1.00
#   NL-01  会前学法3次，少1次 .................................................................. 扣 0.50
#   NL-06  复核扣0.5 ............................................................................ 扣 0.50
#   ZZ-09  未复核 → 待复核 ...................................................................... 扣 0
# 扣分合计 4.95；base 75 − 4.95 = 70.05；scaled 70.05×100÷75 = 93.40；加分0；总分 93.40 → 优秀；ZZ-09 待复核 1.5 分全扣时 68.55×100÷75 = 91.40，仍为优秀
# 样本量小：ZD-02（报备3件）、MD-01（复议3件）、MD-03（应诉2件）。


def test_national_bureau():
    r = assess("national-bureau-2022.json")
    assert r.unit_type == "区直部门"
    assert deductions(r) == {
        "ZN-01": D("0.23"),
        "MD-03": D("2.50"),
        "JD-02": D("0.22"),
        "JD-06": D("1.00"),
        "NL-01": D("0.50"),
        "NL-06": D("0.50"),
    }
    assert (r.applicable_points, r.base_score, r.scaled_score) == (D("75.00"), D("70.05"), D("93.40"))
    assert (r.bonus_total, r.total) == (D("0.00"), D("93.40"))
    assert r.grade.grade == "优秀" and r.pending == ["ZZ-09"]
    assert r.bad_records == [] and r.vetoes == []
    items = {i.rule_id: i for i in r.items}
    assert items["ZN-04"].status == "不适用" and not items["ZN-04"].counted
    assert items["ZN-04"].reasons == ["差评件数为0，差评整改率不适用，剔除后折算"]
    assert {k: i.flags for k, i in items.items() if i.flags} == {
        "ZD-02": ["规范性文件报备及时率样本量小（3件）"],
        "MD-01": ["复议纠错率样本量小（3件）"],
        "MD-03": ["出庭应诉率样本量小（2件）"],
    }
    assert items["ZN-01"].values == "审批按期办结率=98.84%"


# -- national-enforcement-2022：区市场监督管理局（行政执法部门）---------------------------------------
# 不适用（剔除）：ZD-06 1、ZF-09 1.5、MD-05 1、ZZ-07 1，合计4.5；适用分值 95.5。
#   ZN-04  13÷14 = 92.86%：7.14×0.1 = 0.714 → 0.71 ........................................... 扣 0.71
#   ZN-06  违规涉企检查1次 ...................................................................... 扣 0.50
#   ZN-07  835÷842 = 99.17%：0.83×0.1 = 0.083 → 0.08 ........................................... 扣 0.08
#   ZF-01  84÷86 = 97.67%：2.33×0.2 = 0.466 → 0.47 ............................................. 扣 0.47
#   ZF-02  80÷86 = 93.02%：6.98×0.05 = 0.349 → 0.35 ............................................ 扣 0.35
#   ZF-06  37÷40 = 92.5%：得 4×12.5÷20 = 2.5 ................................................... 扣 1.50
#   ZF-07  投诉查实2件×0.5（一般不良记录） ...................................................... 扣 1.00
#   ZF-08  覆盖率85%：得 2×25÷40 = 1.25 ........................................................ 扣 0.75
#   MD-01  1÷9 = 11.11%：得 2.5×(25−11.11)÷25 = 1.389 → 1.39 ................................... 扣 1.11
#   MD-03  5÷6 = 83.33%：低于90%达6.67个百分点×0.1 = 0.667 → 0.67 .............................. 扣 0.67
#   MD-04  败诉1件（第12号，一般不良记录） ..................................................... 扣 1.00
#   SZ-01  398÷412 = 96.60%：3.4×0.05 = 0.17 .................................................... 扣 0.17
#   NL-02  法治讲座2次，少1次×0.3 ............................................................... 扣 0.30
#   ZZ-09  复核扣0.5（NL-06 复核扣0） ........................................................... 扣 0.50
# 扣分合计 9.11；base 95.5 − 9.11 = 86.39；scaled 86.39×100÷95.5 = 90.4607… → 90.46
# 加分 JF-03 推广1件 0.5；总分 90.96 → 按分数优秀；2条一般不良记录 → 良好。


def test_national_enforcement():
    r = assess("national-enforcement-2022.json")
    assert deductions(r) == {
        "ZN-04": D("0.71"),
        "ZN-06": D("0.50"),
        "ZN-07": D("0.08"),
        "ZF-01": D("0.47"),
        "ZF-02": D("0.35"),
        "ZF-06": D("1.50"),
        "ZF-07": D("1.00"),
        "ZF-08": D("0.75"),
        "MD-01": D("1.11"),
        "MD-03": D("0.67"),
        "MD-04": D("1.00"),
        "SZ-01": D("0.17"),
        "NL-02": D("0.30"),
        "ZZ-09": D("0.50"),
    }
    assert (r.applicable_points, r.base_score, r.scaled_score) == (D("95.50"), D("86.39"), D("90.46"))
    assert (r.bonus_total, r.total) == (D("0.50"), D("90.96"))
    assert (r.grade.band_grade, r.grade.grade) == ("优秀", "良好")
    assert [(b.rule_id, b.event) for b in r.bad_records] == [
        ("ZF-07", "行政执法投诉举报经查属实2件"),
        ("MD-04", "行政诉讼案件（2022）某行初字第12号（行政处罚（价格））败诉"),
    ]
    assert r.pending == [] and r.vetoes == []
    assert [i.rule_id for i in r.items if i.flags] == ["ZD-02"]


# -- national-street-2022：某街道办事处（镇街）-------------------------------------------------------
# 不适用（剔除）：ZN-02 2、ZN-03 1、ZN-06 1.5、ZN-07 1、ZF-08 2、SZ-03 1、ZZ-06 1，合计9.5；
# 分母为0：ZD-02（未制发规范性文件，1分）、MD-01（无复议，2.5分）剔除；MD-03（无诉讼）按满分计。
# 适用分值 100 − 9.5 − 1 − 2.5 = 87。
#   ZN-01  2341÷2350 = 99.62%：0.38×0.2 = 0.076 → 0.08 ....................................... 扣 0.08
#   ZD-06  13÷14 = 92.86%：7.14×0.1 = 0.714 → 0.71 ............................................. 扣 0.71
#   ZF-02  15÷18 = 83.33%：16.67×0.05 = 0.8335 → 0.83 .......................................... 扣 0.83
#   ZF-06  11÷12 = 91.67%：得 4×11.67÷20 = 2.334 → 2.33 ......................................... 扣 1.67
#   TF-01  未组织应急演练 ....................................................................... 扣 0.50
#   MD-05  309÷326 = 94.79%（自报94.8，在容差内）：0.21×0.1 = 0.021 → 0.02 ...................... 扣 0.02
#   JD-03  信息公开年报未按时公布 ............................................................... 扣 0.50
#   JD-04  依申请公开逾期1件 .................................................................... 扣 0.50
#   SZ-02  网上可办率92%：得 1.5×12÷20 = 0.9 .................................................... 扣 0.60
#   NL-05  36÷40 = 90%：10×0.1 .................................................................. 扣 1.00
#   NL-06  复核扣0.5 ............................................................................ 扣 0.50
#   ZZ-01  专题研究2次，少1次 .................................................................... 扣 0.50
#   ZZ-04  逾期12天，第2档得0.5 .................................................................. 扣 1.50
#   ZZ-07  未经合法性审查1件 ..................................................................... 扣 0.50
#   ZZ-08  迟报2次×0.5 ........................................................................... 扣 1.00
# 扣分合计 10.41；base 87 − 10.41 = 76.59；scaled 76.59×100÷87 = 88.0344… → 88.03
# 加分 JF-02 省级示范 1；总分 89.03 → 镇街等次线优秀≥85 → 优秀（同分的部门为良好）。


def test_national_street():
    r = assess("national-street-2022.json")
    assert deductions(r) == {
        "ZN-01": D("0.08"),
        "ZD-06": D("0.71"),
        "ZF-02": D("0.83"),
        "ZF-06": D("1.67"),
        "TF-01": D("0.50"),
        "MD-05": D("0.02"),
        "JD-03": D("0.50"),
        "JD-04": D("0.50"),
        "SZ-02": D("0.60"),
        "NL-05": D("1.00"),
        "NL-06": D("0.50"),
        "ZZ-01": D("0.50"),
        "ZZ-04": D("1.50"),
        "ZZ-07": D("0.50"),
        "ZZ-08": D("1.00"),
    }
    assert (r.applicable_points, r.base_score, r.scaled_score) == (D("87.00"), D("76.59"), D("88.03"))
    assert (r.bonus_total, r.total) == (D("1.00"), D("89.03"))
    assert r.grade.grade == "优秀"
    assert r.grade.reasons[0] == "总分89.03分，按镇街等次线（优秀≥85、良好≥75、合格≥60）为优秀"
    items = {i.rule_id: i for i in r.items}
    assert (items["MD-03"].status, items["MD-03"].counted, items["MD-03"].score) == ("不适用", True, D("2.50"))
    assert (items["MD-01"].status, items["MD-01"].counted) == ("不适用", False)
    assert (items["ZD-02"].status, items["ZD-02"].counted) == ("不适用", False)
    assert {k: i.flags for k, i in items.items() if i.flags} == {
        "ZN-04": ["差评整改率样本量小（3件）"],
        "ZF-04": ["重大执法决定法制审核率样本量小（4件）"],
    }
    assert r.bad_records == [] and r.pending == []
