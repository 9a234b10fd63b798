"""Exact scores for every scoring method of the mini ruleset, worked out by hand."""

from __future__ import annotations

from decimal import Decimal as D

from conftest import GOOD_MINI, score, with_values


def items(result):
    return {i.rule_id: i for i in result.items}


def test_all_good_unit_scores_full_marks(mini):
    r = score(mini, GOOD_MINI)
    # B-06 applies only to 镇街: excluded for a 区直部门, so 18 applicable points, all earned;
    # rescaled 18 × 20 / 18 = 20; no bonus (获评示范 = 无)
    assert [i.status for i in r.items].count("满分") == 11
    assert items(r)["B-06"].status == "不适用" and not items(r)["B-06"].counted
    assert (r.base_score, r.applicable_points, r.scaled_score, r.total) == (D("18.00"), D("18.00"), D("20"), D("20.00"))
    assert r.grade.grade == "优秀"
    assert r.bad_records == [] and r.pending == [] and r.vetoes == []


def test_failing_department_hand_worked(mini):
    data = with_values(
        GOOD_MINI,
        未报备件数=3,
        专题学法次数=1,
        备案率=96.5,
        制定工作要点=False,
        出庭应诉率=60,
        应诉案件数=5,
        报告报送日期="2013-03-20",
        案卷合格率=90,
        迟报次数=1,
        漏报次数=1,
        获评示范="省级",
        诉讼案件=[{"案号": "1号", "结果": "败诉"}, {"案号": "2号", "结果": "胜诉"}, {"案号": "3号", "结果": "败诉"}],
    )
    r = score(mini, data)
    got = {k: v.deduction for k, v in items(r).items()}
    # A-01 3 件 × 1 = 3, capped at 2         A-02 (100 − 96.5) × 0.5 = 1.75
    # A-03 (4 − 1) × 0.3 = 0.9 (cap 0.9)     A-04 not 制定 → 1
    # A-05 60 < 80 and 5 > 0 → 2             A-06 迟报 1 × 0.5 + 漏报 1 × 1 = 1.5
    # B-01 2013-03-20 is in band 2 → score 0.5, deduct 1.5
    # B-02 (90 − 80) / 20 = 0.5 → score 1, deduct 1
    # B-03 two 败诉 records × 1 = 2           B-04 review gives 0   B-05 95 ≥ 90 → 0
    assert got == {
        "A-01": D("2.00"),
        "A-02": D("1.75"),
        "A-03": D("0.90"),
        "A-04": D("1.00"),
        "A-05": D("2.00"),
        "A-06": D("1.50"),
        "B-01": D("1.50"),
        "B-02": D("1.00"),
        "B-03": D("2.00"),
        "B-04": D("0.00"),
        "B-05": D("0.00"),
        "B-06": D("0.00"),
    }
    # base = 18 − 13.65 = 4.35; scaled = 4.35 × 20 / 18 = 4.8333 → 4.83; bonus 省级 → 2 (cap 2)
    assert r.base_score == D("4.35") and r.scaled_score == D("4.83")
    assert r.bonus_total == D("2.00") and r.total == D("6.83")
    assert r.score_rate == D("24.15")
    assert r.grade.grade == "不合格" and r.grade.band_grade == "不合格"
    assert [b.event for b in r.bad_records] == ["规范性文件未报备3件", "行政诉讼案件1号败诉", "行政诉讼案件3号败诉"]
    assert items(r)["A-02"].reasons == ["备案率96.5%，低于100%（差3.5个百分点），每低1个百分点扣0.5分，扣1.75分"]
    assert items(r)["A-01"].reasons == ["未报备件数3件，每件扣1分，计3分，以2分为限，扣2分"]


def test_bad_record_caps_grade_at_good(mini):
    r = score(mini, with_values(GOOD_MINI, 未报备件数=1))
    # 19 / 18 applicable... A-01 deducts 1 → base 17, scaled 17 × 20 / 18 = 18.888… → 18.89 (优秀 band)
    assert r.total == D("18.89")
    assert r.grade.band_grade == "优秀" and r.grade.grade == "良好"
    assert any("不良记录1条" in why for why in r.grade.reasons)


def test_veto_makes_grade_fail(mini):
    r = score(mini, with_values(GOOD_MINI, 拒不执行件数=1))
    assert r.total == D("20.00")
    assert r.grade.grade == "不合格" and [v.rule_id for v in r.vetoes] == ["F-01"]
    assert r.bad_records[-1].severity == "严重"


def test_band_and_linear_boundaries(mini):
    on_deadline = items(score(mini, with_values(GOOD_MINI, 报告报送日期="2013-03-01")))["B-01"]
    day_after = items(score(mini, with_values(GOOD_MINI, 报告报送日期="2013-03-02")))["B-01"]
    too_late = items(score(mini, with_values(GOOD_MINI, 报告报送日期="2013-04-01")))["B-01"]
    assert (on_deadline.deduction, day_after.deduction, too_late.deduction) == (D("0.00"), D("1.50"), D("2.00"))
    at_zero = items(score(mini, with_values(GOOD_MINI, 案卷合格率=80)))["B-02"]
    below = items(score(mini, with_values(GOOD_MINI, 案卷合格率=50)))["B-02"]
    third = items(score(mini, with_values(GOOD_MINI, 案卷合格率=86.67)))["B-02"]
    # (86.67 − 80) / 20 × 2 = 0.667 → 0.67 (half up)
    assert (at_zero.score, below.score, third.score) == (D("0.00"), D("0.00"), D("0.67"))


def test_rounding_is_half_up(mini):
    # (100 − 99.99) × 0.5 = 0.005 → 0.01 with ROUND_HALF_UP (banker's rounding would give 0.00)
    r = score(mini, with_values(GOOD_MINI, 备案率=99.99))
    assert items(r)["A-02"].deduction == D("0.01")


def test_discretionary_item_pending_without_review(mini):
    data = with_values(GOOD_MINI)
    data["复核"] = []
    r = score(mini, data)
    b04 = items(r)["B-04"]
    assert b04.status == "待复核" and b04.deduction == D("0.00")
    assert r.pending == ["B-04"] and any("待复核" in why for why in r.grade.reasons)


def test_review_sets_deduction_with_reason(mini):
    data = with_values(GOOD_MINI)
    data["复核"] = [{"评分项": "B-04", "扣分": 0.5, "理由": "宣传覆盖面不足", "复核人": "李四"}]
    b04 = items(score(mini, data))["B-04"]
    assert b04.deduction == D("0.50") and b04.reviewed
    assert b04.reasons == ["复核：宣传覆盖面不足（复核人：李四，复核文件：review.yaml），扣0.5分"]


def test_missing_optional_indicator_follows_policy(mini):
    data = with_values(GOOD_MINI)
    del data["指标"]["满意率"]
    r = score(mini, data)
    assert items(r)["B-05"].status == "待复核" and "B-05" in r.pending


def test_town_gets_town_only_item(mini):
    data = with_values(GOOD_MINI, 镇街专项=False)
    data["单位类型"] = "镇街"
    r = score(mini, data)
    assert items(r)["B-06"].deduction == D("2.00") and r.applicable_points == D("20.00")
    assert r.total == D("18.00")


def test_missing_policy_no_score_deducts_the_whole_item():
    from conftest import DATA, rules_from_text

    text = (
        (DATA / "mini.yaml")
        .read_text(encoding="utf-8")
        .replace(
            "    默认: {优秀: 18, 良好: 16, 合格: 12}\n",
            "    默认: {优秀: 18, 良好: 16, 合格: 12}\n  缺项处理: 不得分\n",
        )
    )
    ruleset = rules_from_text(text, "mini-nofill.yaml")
    data = with_values(GOOD_MINI)
    del data["指标"]["满意率"]
    b05 = items(score(ruleset, data))["B-05"]
    assert (b05.status, b05.deduction) == ("扣分", D("1.00"))
    assert b05.reasons == ["未填报满意率，本项不得分，扣1分"]


def test_missing_policy_default_value_is_used_and_noted():
    from conftest import DATA, rules_from_text

    text = (DATA / "mini.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "    默认: {优秀: 18, 良好: 16, 合格: 12}\n", "    默认: {优秀: 18, 良好: 16, 合格: 12}\n  缺项处理: 按缺省值\n"
    )
    assert "按缺省值" in text
    import pytest

    from engine.errors import RulesError

    with pytest.raises(RulesError, match="选填指标须给出“缺省值”"):
        rules_from_text(text, "mini-default.yaml")
    text = text.replace("必填: 否}", "必填: 否, 缺省值: 85}")
    ruleset = rules_from_text(text, "mini-default.yaml")
    data = with_values(GOOD_MINI)
    del data["指标"]["满意率"]
    r = score(ruleset, data)
    assert items(r)["B-05"].deduction == D("1.00")  # 85 < 90
    shown = {s.name: s for s in r.submitted}["满意率"]
    assert shown.value == "85" and "按缺省值" in shown.note
