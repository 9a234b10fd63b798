"""整改清单: each deduction fixed on its own, checked against a whole new assessment with that item made whole."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.api import assess_file, load_submission_for
from engine.assessment import assess
from engine.intake.review import Review, decisions
from engine.ruleset.methods import method_of
from tests.conftest import AS_OF, EXAMPLES

SHIPPED = sorted(EXAMPLES.glob("*.json"))


@pytest.mark.parametrize("example", SHIPPED, ids=lambda p: p.stem)
def test_each_remedy_is_a_fresh_assessment_with_that_item_made_whole(example):
    ruleset, submission = load_submission_for(example)
    result = assess(ruleset, submission, as_of=AS_OF)
    deducted = {i.rule_id for i in result.items if i.counted and i.deduction > 0}
    vetoes = {v.rule_id for v in result.vetoes}
    assert {r.rule_id for r in result.remedies} == deducted | vetoes
    by_id = {e.item.id: e.item for e in ruleset.entries}
    for remedy in result.remedies:
        if remedy.rule_id in vetoes:
            continue
        item = by_id[remedy.rule_id]
        if method_of(item).own_bad_records and any(b.rule_id == item.id for b in result.bad_records):
            continue  # a review does not withdraw records the method wrote itself; the remedy does
        made_whole = Review.model_validate({"评分项": item.id, "扣分": 0, "理由": "整改", "复核人": "测试"})
        fixed = assess(ruleset, submission, as_of=AS_OF, reviews=decisions([made_whole], "r.yaml", "0" * 64))
        assert (remedy.total, remedy.grade) == (fixed.total, fixed.grade.grade), remedy.rule_id
        assert remedy.gain == fixed.total - result.total


def test_best_outcome_first_and_lifting_one_of_two_vetoes_changes_no_grade():
    result = assess_file(EXAMPLES / "problem-department.json", as_of=AS_OF)
    assert result.grade.grade == "不合格" and len(result.vetoes) == 2
    gains = [r.gain for r in result.remedies]
    assert gains == sorted(gains, reverse=True)
    top = result.remedies[0]
    assert (top.rule_id, top.deduction, top.gain, top.total) == (
        "ZZ-05",
        Decimal("3.00"),
        Decimal("3.12"),
        Decimal("67.75"),
    )
    lifted = [r for r in result.remedies if r.rule_id.startswith("FJ-")]
    assert [(r.gain, r.grade) for r in lifted] == [(Decimal("0.00"), "不合格")] * 2


def test_a_remedy_that_lifts_the_only_veto_reaches_the_band_grade(mini):
    from tests.conftest import GOOD_MINI, score, with_values

    result = score(mini, with_values(GOOD_MINI, 拒不执行件数=1))
    assert result.grade.grade == "不合格"
    lift = next(r for r in result.remedies if r.problem.startswith("一票否决"))
    assert lift.grade == result.grade.band_grade != "不合格"
    assert result.remedies[0] == lift  # the best grade first
