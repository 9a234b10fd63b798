"""The two shipped tables with their own outcome words, worked out by hand: a county department's
target-responsibility table (目标完成/基本完成/未完成) and a self-check form without grades."""

from __future__ import annotations

from decimal import Decimal as D

from conftest import EXAMPLES, RULES

from engine import api
from engine.render.text import summary

AS_OF = "2026-01-01T00:00:00+08:00"


REVIEW = EXAMPLES / "reviews" / "review.yaml"  # the assessors' decisions on the examples


def assess(name: str, **kw):
    import datetime as dt

    kw.setdefault("overrides_path", REVIEW)
    return api.assess_file(EXAMPLES / name, **kw, as_of=dt.datetime.fromisoformat(AS_OF))


def by_id(r):
    return {i.rule_id: i for i in r.items}


# -- county-dept-2024 ------------------------------------------------------------------------------
# 某县市场监督管理局，总分40分。
#   JM-01  建立了制度：子项a 不成立；子项b（酌情，最多2分）待复核 ........................ 扣 0，待复核 2
#   JM-02  未经审查1件 × 1 .................................................................. 扣 1（不良记录，一般）
#   XF-01  学法1次：(4−1)×0.3 = 0.9（上限1.2）；未述法 2；学法成效复核 0.3 .................. 扣 3.2
#   XF-02  5篇，少7篇，每少3篇扣1分、不足3篇不计：2步 ....................................... 扣 2
#   ZF-01  75%，低15个百分点，每低10个百分点扣1分、满10个百分点计：1步 ..................... 扣 1
#   ZF-02  92%，低3个百分点，每低5个百分点扣1分、不足5个按5个计：1步 ....................... 扣 1
#   ZF-03  85%，低5个百分点，每低10个百分点扣1分按比例：0.5；不合格案卷2件，酌情（最多2分）待复核 扣 0.5，待复核 2
#   ZF-04  无纠错 ............................................................................... 扣 0
#   PF-01  酌情扣分，未复核 ..................................................................... 扣 0，待复核 4
#   PF-02  公开率97.4%：2.6×0.5 = 1.3 ........................................................ 扣 1.3
#   计算扣分 1 + 3.2 + 2 + 1 + 1 + 0.5 + 1.3 = 10；待复核 2 + 2 + 4 = 8
#   已定 40 − 10 − 8 = 22，占 40 − 8 = 32 分；最终 22.00–30.00。
#   等次线 目标完成≥32、基本完成≥24：30 → 基本完成；22 → 未完成 → 等次暂定为基本完成。


def test_county_department_hand_worked():
    r = assess("county-dept-2024.json")
    items = by_id(r)
    assert {k: (v.deduction, v.open_points) for k, v in items.items()} == {
        "JM-01": (D("0.00"), D("2.00")),
        "JM-02": (D("1.00"), D("0.00")),
        "XF-01": (D("3.20"), D("0.00")),
        "XF-02": (D("2.00"), D("0.00")),
        "ZF-01": (D("1.00"), D("0.00")),
        "ZF-02": (D("1.00"), D("0.00")),
        "ZF-03": (D("0.50"), D("2.00")),
        "ZF-04": (D("0.00"), D("0.00")),
        "PF-01": (D("0.00"), D("4.00")),
        "PF-02": (D("1.30"), D("0.00")),
    }
    assert r.total == D("30.00") and r.pending == ["JM-01", "ZF-03", "PF-01"]
    o = r.open_totals
    assert (o.settled_score, o.settled_points, o.open_points, o.total_min, o.total_max) == (
        D("22.00"),
        D("32.00"),
        D("8.00"),
        D("22.00"),
        D("30.00"),
    )
    assert o.summary == "已定 22.00 / 32；待复核 8 分；最终 22.00–30.00"
    assert r.grade_words == ["目标完成", "基本完成", "未完成"]
    assert (r.grade.grade, r.grade.provisional, r.grade.possible) == ("基本完成", True, ["基本完成", "未完成"])
    assert r.grade.reasons[-1] == (
        "有3项待复核（JM-01、ZF-03、PF-01），最终总分在22.00–30.00分之间，等次暂定为基本完成（复核后可能为基本完成、未完成）"
    )
    assert r.title == "2024年度某县市场监督管理局（虚构示例单位）法治建设目标责任考核评分表"
    assert [b.consequence for b in r.bad_records] == ["等次不得高于基本完成"]
    assert items["ZF-03"].reasons == [
        "案卷评查合格率低于90%：案卷合格率85%，低于90%（差5个百分点），每低10个百分点扣1分，按比例计，扣0.5分",
        "已计算扣0.5分；另有酌情部分待复核（子项b：出现不合格案卷），最多扣2分",
    ]
    text = summary(r)
    assert "等次：基本完成（暂定）" in text and "已定 22.00 / 32；待复核 8 分；最终 22.00–30.00" in text


def test_county_department_reviews_settle_the_grade(tmp_path):
    # reviews of the three open parts: JM-01.b 0, ZF-03.b 1, PF-01 1 → 30 − 2 = 28, 基本完成 and no longer 暂定
    review = tmp_path / "review.yaml"
    review.write_text(
        "复核:\n"
        "  - {评分项: XF-01.c, 扣分: 0.3, 理由: 专题学法有记录但未结合执法实际, 复核人: 考核组, 复核日期: 2025-04-10}\n"
        "  - {评分项: JM-01.b, 扣分: 0, 理由: 制度执行到位, 复核人: 考核组, 复核日期: 2025-04-10}\n"
        "  - {评分项: ZF-03.b, 扣分: 1, 理由: 2卷事实认定不清, 复核人: 考核组, 复核日期: 2025-04-10}\n"
        "  - {评分项: PF-01, 扣分: 1, 理由: 普法覆盖面不足, 复核人: 考核组, 复核日期: 2025-04-10}\n",
        encoding="utf-8",
    )
    r = assess("county-dept-2024.json", rules_path=RULES, overrides_path=review)
    assert r.total == D("28.00") and r.pending == [] and r.open_totals is None
    assert (r.grade.grade, r.grade.provisional) == ("基本完成", False)
    assert by_id(r)["ZF-03"].deduction == D("1.50")
    assert r.audit.overrides_applied == ["JM-01.b", "PF-01", "XF-01.c", "ZF-03.b"]


# -- enforcement-selfcheck-2024 ---------------------------------------------------------------------
# 某县综合行政执法局自查，总分20分，不评等次。
#   ZC-01  公示率96.5%：3.5×0.2 = 0.7；记录率88%：低7个百分点，每低5个扣0.5、不足5个按5个计：2步 = 1 .. 扣 1.7
#   ZC-02  法制审核率85%：低15个百分点，每低10个百分点扣2分按比例：1.5×2 = 3 ...................... 扣 3
#   ZC-03  超期1件 × 0.5 ...................................................................... 扣 0.5
#   ZC-04  检查10次：(12−10)×0.5 ............................................................... 扣 1
#   ZC-05  人均26学时：少14学时，每少10学时扣1分、满10学时计：1 步；培训成效（最多1分）待复核 .... 扣 1，待复核 1
#   扣分 7.2 → 总分 12.80；已定 11.80 / 19；待复核 1；最终 11.80–12.80；无等次。


def test_self_check_form_hand_worked():
    r = assess("enforcement-selfcheck-2024.json")
    assert {k: v.deduction for k, v in by_id(r).items()} == {
        "ZC-01": D("1.70"),
        "ZC-02": D("3.00"),
        "ZC-03": D("0.50"),
        "ZC-04": D("1.00"),
        "ZC-05": D("1.00"),
    }
    assert r.total == D("12.80") and r.grade_words == [] and r.grade.grade is None and not r.grade.provisional
    assert r.open_totals.summary == "已定 11.80 / 19；待复核 1 分；最终 11.80–12.80"
    assert r.grade.reasons == [
        "总分12.8分（本表不评定等次）",
        "有1项待复核（ZC-05），最终总分在11.80–12.80分之间，以复核后为准",
    ]
    assert r.title == "2024年度某县综合行政执法局（虚构示例单位）行政执法质量自查表"
    assert "等次" not in summary(r).splitlines()[1]
