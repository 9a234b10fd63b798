"""Scoring's shortcuts give what the long way gives: result models built without validating
(result.made, result.built), quiet items at full score (Method.quiet), the 整改清单 re-scored from
the sums, totals added by category, 不良记录 templates split once.

conftest sets result.CHECK_SHORTCUTS, so every assessment of the test suite also checks each made
model against a validated one and each quiet item against scoring it; these tests check the checks
and compare the 整改清单 with a whole re-scoring, over every rule case of the shipped rulesets.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from engine.api import load_submission_for
from engine.assessment import assess
from engine.render.json_out import to_json
from engine.result import AssessmentResult, CategoryTotal, Grade, ItemResult, built, made
from engine.ruleset.load import load_rules
from engine.ruleset.methods import method_of
from engine.ruleset.methods.base import Scored
from engine.ruleset.wording import value_text
from engine.scoring.arithmetic import Context, _figures, grade, interpolate, q, totals
from engine.tools.cases import load_suite
from tests.conftest import AS_OF, EXAMPLES, RULES

SHIPPED_RULES = sorted(p for p in RULES.glob("*.yaml") if p.name.count(".") == 1)
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.json"))


def _rescored(ruleset, result) -> list[tuple]:
    """The 整改清单 the long way: each deducted item made whole in the list of items (or a veto
    lifted), every total and the grade worked out again from scratch."""
    out = []
    items, bonuses, records = result.items, result.bonuses, result.bad_records
    for i, item in enumerate(items):
        if not item.counted or item.deduction <= 0:
            continue
        status = "待复核" if item.open_points > 0 else "满分"
        whole = item.model_copy(update={"deduction": q(Decimal(0)), "score": item.max_points, "status": status})
        fixed = [*items[:i], whole, *items[i + 1 :]]
        *_, total, _, total_min = _figures(ruleset, fixed, bonuses)
        kept = [b for b in records if b.rule_id != item.rule_id]
        g = grade(ruleset, result.unit_type, total, kept, result.vetoes, result.pending, total_min)
        out.append((item.rule_id, total, g.grade, g.provisional))
    for veto in result.vetoes:
        *_, total, _, total_min = _figures(ruleset, items, bonuses)
        kept = [b for b in records if b.rule_id != veto.rule_id]
        others = [v for v in result.vetoes if v is not veto]
        g = grade(ruleset, result.unit_type, total, kept, others, result.pending, total_min)
        out.append((veto.rule_id, total, g.grade, g.provisional))
    return out


def _case_results(rules_file: Path):
    suite = load_suite(rules_file)
    for case in suite.cases:
        yield suite.ruleset, assess(suite.ruleset, case.submission, as_of=AS_OF, reviews=case.reviews)


@pytest.mark.parametrize("rules_file", SHIPPED_RULES, ids=lambda p: p.stem)
def test_the_remedies_are_a_whole_rescoring_of_each_fix(rules_file):
    seen = 0
    for ruleset, result in _case_results(rules_file):
        remedies = {r.rule_id: (r.rule_id, r.total, r.grade, r.provisional) for r in result.remedies}
        expected = _rescored(ruleset, result)
        assert sorted(remedies.values(), key=str) == sorted(expected, key=str)
        assert all(r.gain == r.total - result.total for r in result.remedies)
        seen += len(expected)
    assert seen > 0


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_a_result_validated_again_from_its_own_dump_is_byte_identical(example):
    ruleset, submission = load_submission_for(example)
    result = assess(ruleset, submission, as_of=AS_OF)
    again = AssessmentResult.model_validate(result.model_dump())
    assert to_json(again) == to_json(result)
    assert again == result


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_a_quiet_item_none_of_whose_checks_fired_scores_nothing(example):
    ruleset, submission = load_submission_for(example)
    ctx = Context(ruleset, submission, set())
    quiet = [e.item for e in ruleset.entries if method_of(e.item).quiet(e.item)]
    present = [
        i for i in quiet if all(n in submission.values or n in submission.records for n in ruleset.item_reads[i.id])
    ]
    assert present
    for item in present:
        assert method_of(item).score(item, ctx) == Scored(), item.id


def test_the_methods_that_always_ask_an_assessor_or_score_a_band_are_not_quiet():
    ruleset = load_rules(RULES / "demo-district-2013.yaml")
    kinds = {e.item.method: method_of(e.item).quiet(e.item) for e in ruleset.entries}
    assert kinds["酌情扣分"] is False and kinds["分档计分"] is False
    assert kinds["按件扣分"] and kinds["条件扣分"] and kinds["比率不足扣分"] and kinds["线性计分"]


def test_made_models_are_checked_against_validation():
    fields = {"name": "一", "max_points": Decimal("2.00"), "deduction": Decimal("0.00"), "score": Decimal("2.00")}
    given = set(fields)
    assert made(CategoryTotal, dict(fields), given) == CategoryTotal(**fields)
    with pytest.raises(AssertionError, match="made CategoryTotal differs"):
        made(CategoryTotal, dict(fields, score=2), given)  # an int where validation makes a Decimal
    with pytest.raises(AssertionError, match="made CategoryTotal differs"):
        made(CategoryTotal, {k: fields[k] for k in reversed(fields)}, given)  # fields out of the declared order


def test_models_made_with_one_fields_set_share_it_and_a_copy_does_not():
    fields = {"name": "一", "max_points": Decimal("2.00"), "deduction": Decimal("0.00"), "score": Decimal("2.00")}
    given = set(fields)
    a, b = made(CategoryTotal, dict(fields), given), made(CategoryTotal, dict(fields), given)
    assert a.model_fields_set is b.model_fields_set is given
    copied = a.model_copy(update={"score": Decimal("1.00")})
    assert copied.score == Decimal("1.00") and copied.model_fields_set is not given
    assert given == set(fields) and a.score == Decimal("2.00")


def test_item_results_keep_the_fields_a_validating_call_was_given():
    ruleset, submission = load_submission_for(EXAMPLES / "huashan-2012.json")
    result = assess(ruleset, submission, as_of=AS_OF)
    assert all(i.model_fields_set == set(ItemResult.model_fields) - {"responsible"} for i in result.items)


def test_an_item_scored_the_short_way_is_checked_against_the_long_way(monkeypatch):
    from engine.scoring import arithmetic

    ruleset, submission = load_submission_for(EXAMPLES / "huashan-2012.json")
    short = arithmetic._computed_item

    def off_by_a_cent(p, seq, ctx, shown):
        item = short(p, seq, ctx, shown)
        return item.model_copy(update={"deduction": item.deduction + Decimal("0.01")})

    monkeypatch.setattr(arithmetic, "_computed_item", off_by_a_cent)
    monkeypatch.setattr(arithmetic, "_PLANS", {})  # nothing kept from other tests: every item scored
    with pytest.raises(AssertionError, match="the short way differs from the long way"):
        assess(ruleset, submission, as_of=AS_OF)


def test_no_result_model_makes_itself_a_new_way():
    # made() creates models with object.__new__
    def models(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from models(sub)

    from engine.result import Frozen

    assert all(m.__new__ is object.__new__ for m in models(Frozen))


@pytest.mark.parametrize("rules_file", SHIPPED_RULES, ids=lambda p: p.stem)
def test_totals_by_category_are_the_items_added_one_by_one(rules_file):
    # totals() skips adding the shared ZERO: the sums must be those of adding every item, to the digit
    seen = 0
    for ruleset, result in _case_results(rules_file):
        t = totals(ruleset, result.items, result.bonuses)
        assert [str(x) for x in t.figures] == [str(x) for x in _figures(ruleset, result.items, result.bonuses)]
        for category in t.categories:
            counted = [i for i in result.items if i.category1 == category.name and i.counted]
            sums = [sum((getattr(i, f) for i in counted), q(Decimal(0))) for f in ("max_points", "deduction", "score")]
            assert [str(category.max_points), str(category.deduction), str(category.score)] == [str(s) for s in sums]
        seen += 1
    assert seen > 0


def test_built_models_get_fresh_default_lists_and_shared_immutable_defaults():
    one = built(Grade, grade="优秀", band_grade="优秀", reasons=[], bands={})
    two = built(Grade, grade="优秀", band_grade="优秀", reasons=[], bands={})
    assert one == two == Grade(grade="优秀", band_grade="优秀", reasons=[], bands={})
    assert one.possible == [] and one.possible is not two.possible  # default_factory: a new list each time
    assert one.provisional is False and one.cap is None
    assert one.model_fields_set == {"grade", "band_grade", "reasons", "bands"}
    with pytest.raises(TypeError, match="unknown fields"):
        built(Grade, grade="优秀", band_grade="优秀", reasons=[], bands={}, nonsense=1)


def test_a_bad_record_template_is_filled_as_written():
    ruleset, submission = load_submission_for(EXAMPLES / "huashan-2012.json")
    ctx = Context(ruleset, submission, set())
    name = next(n for n, v in submission.values.items() if isinstance(v, Decimal))
    shown = value_text(submission.values[name])
    fields = {"件数": "3", name: "字段优先"}
    assert interpolate("无占位", ctx, fields) == "无占位"
    assert interpolate("{件数}件，{ 件数 }件", ctx, fields) == "3件，3件"
    assert interpolate(f"{{{name}}}", ctx, {}) == shown
    assert interpolate(f"{{{name}}}", ctx, fields) == "字段优先"  # a record's field before an indicator
    assert interpolate("{单位名称}{考核年度}", ctx, {}) == f"{submission.unit}{submission.year}"
    assert interpolate("{未知}、{}、{{件数}}、{", ctx, fields) == "{未知}、{}、{3}、{"


def test_an_item_that_does_not_apply_is_checked_against_the_long_way(monkeypatch):
    from engine.scoring import arithmetic

    ruleset, submission = load_submission_for(EXAMPLES / "national-street-2022.json")
    result = assess(ruleset, submission, as_of=AS_OF)
    outside = [i for i in result.items if i.status == "不适用" and "不适用于" in i.reasons[0]]
    assert outside  # items for other unit types: made by the shortcut
    long_way = arithmetic._scored

    def worded_otherwise(p, seq, ctx, shown):
        item = long_way(p, seq, ctx, shown)
        return item.model_copy(update={"reasons": [*item.reasons, "另"]}) if item.status == "不适用" else item

    monkeypatch.setattr(arithmetic, "_scored", worded_otherwise)
    monkeypatch.setattr(arithmetic, "_PLANS", {})  # no result kept from the first run: the shortcut again
    with pytest.raises(AssertionError, match="does not apply differs from scoring it"):
        assess(ruleset, submission, as_of=AS_OF)


# -- results kept by what decides them (_ItemPlan.memo) -------------------------------------------


def test_an_item_decided_by_the_same_values_is_the_result_kept_and_the_same_as_scoring_it(monkeypatch):
    from engine.scoring import arithmetic

    ruleset, submission = load_submission_for(EXAMPLES / "huashan-2012.json")
    first = assess(ruleset, submission, as_of=AS_OF)
    again = assess(ruleset, submission, as_of=AS_OF)
    kept = [b for a, b in zip(first.items, again.items, strict=True) if a is b]
    assert len(kept) > len(first.items) // 2  # most items: recalled, not made again
    monkeypatch.setattr(arithmetic, "_PLANS", {})  # nothing kept: every item scored
    fresh = assess(ruleset, submission, as_of=AS_OF)
    assert to_json(again) == to_json(fresh) == to_json(first)
    assert not any(a is b for a, b in zip(first.items, fresh.items, strict=True))


def test_a_kept_result_is_checked_against_scoring_the_item(monkeypatch):
    from engine.scoring import arithmetic

    ruleset, submission = load_submission_for(EXAMPLES / "huashan-2012.json")
    assess(ruleset, submission, as_of=AS_OF)
    long_way = arithmetic._scored

    def worded_otherwise(p, seq, ctx, shown):
        item = long_way(p, seq, ctx, shown)
        return item.model_copy(update={"reasons": [*item.reasons, "另"]})

    monkeypatch.setattr(arithmetic, "_scored", worded_otherwise)
    with pytest.raises(AssertionError, match="the kept result differs from scoring it"):
        assess(ruleset, submission, as_of=AS_OF)


def test_a_value_written_otherwise_or_a_review_or_a_self_score_is_not_answered_from_the_kept_results():
    from dataclasses import replace

    from engine.intake.review import Decision, Review
    from engine.scoring.arithmetic import plan_of

    ruleset, submission = load_submission_for(EXAMPLES / "huashan-2012.json")
    first = assess(ruleset, submission, as_of=AS_OF)
    plan = plan_of(ruleset)
    # an item at full score reading one number that is kept
    p = next(
        p
        for p, item in zip(plan.ordered, first.items, strict=True)
        if p.memo and len(p.reads) == 1 and item.status == "满分" and type(submission.values[p.reads[0]]) is Decimal
    )
    name, seq = p.reads[0], plan.ordered.index(p)
    value = submission.values[name]
    widened = replace(submission, values={**submission.values, name: value + Decimal("0.000")})  # 100 → 100.000
    again = assess(ruleset, widened, as_of=AS_OF)
    assert again.items[seq] is not first.items[seq]  # the same number written otherwise: scored again
    review = Review.model_validate({"评分项": p.id, "得分": 0, "理由": "现场核查", "复核人": "张三"})
    reviewed = assess(ruleset, submission, as_of=AS_OF, reviews={p.id: Decision(review, "复核.yaml", "")})
    assert reviewed.items[seq].reviewed and reviewed.items[seq].score == 0
    scored = replace(submission, self_scores={p.id: Decimal("1.00")})
    assert assess(ruleset, scored, as_of=AS_OF).items[seq].self_score == Decimal("1.00")
    assert assess(ruleset, submission, as_of=AS_OF).items[seq] is first.items[seq]


def test_an_item_whose_checks_read_more_than_its_values_is_never_kept():
    from engine.scoring.arithmetic import _recallable, plan_of

    ruleset = load_rules(RULES / "national-model-2021.yaml")
    plan = plan_of(ruleset)
    p = next(p for p in plan.ordered if p.memo is not None and p.reads and p.id in ruleset.conditions)
    assert _recallable(ruleset, p.item, p.reads, p.method)
    # a name its condition reads that is not among the values (as the year before's result is not)
    assert not _recallable(ruleset, p.item, p.reads[1:], p.method)
    listed = [p for p in plan.ordered if any(plan.suffix[n] is None for n in p.reads)]
    assert listed and all(p.memo is None for p in listed)  # items reading a record list


def test_a_kept_result_writes_its_bad_record_numbered_in_the_assessment_at_hand(monkeypatch):
    from dataclasses import replace

    from engine.scoring import arithmetic

    ruleset, submission = load_submission_for(EXAMPLES / "problem-department.json")
    first = assess(ruleset, submission, as_of=AS_OF)
    assert [r.rule_id for r in first.bad_records][:3] == ["ZZ-05", "ZZ-07", "ZD-01"]
    # the first record gone: the kept ones of ZZ-07 and ZD-01 are numbered from 1 now
    met = replace(submission, values={**submission.values, "目标考核依法行政分值": Decimal("3")})
    warm = assess(ruleset, met, as_of=AS_OF)
    assert [(r.seq, r.rule_id) for r in warm.bad_records][:2] == [(1, "ZZ-07"), (2, "ZD-01")]
    zz07 = next(i for i, p in enumerate(arithmetic.plan_of(ruleset).ordered) if p.id == "ZZ-07")
    assert warm.items[zz07] is first.items[zz07]  # recalled, with its record
    monkeypatch.setattr(arithmetic, "_PLANS", {})
    assert to_json(warm) == to_json(assess(ruleset, met, as_of=AS_OF))


def test_a_bad_record_naming_the_unit_or_another_value_is_never_kept():
    from engine.scoring.arithmetic import _keyed_template

    ruleset = load_rules(RULES / "demo-district-2013.yaml")
    reads = ("逾期未整改问题件数",)
    assert _keyed_template(ruleset, "逾期未整改到位{逾期未整改问题件数}件（{考核年度}年度）", reads)
    assert not _keyed_template(ruleset, "{单位名称}逾期未整改到位{逾期未整改问题件数}件", reads)
    assert not _keyed_template(ruleset, "依法行政分值{目标考核依法行政分值}分", reads)
