"""Each durable_rules hazard (research/engines.md §1.8–1.9, §6) and the test that its guard holds."""

from __future__ import annotations

import gc
import json
import threading
from decimal import Decimal as D

import pytest
from conftest import AS_OF, DATA, GOOD_MINI, rules_from_text, score, submission_from, with_values

from engine import api
from engine.assessment import assess, compiled_for
from engine.errors import EngineError, SubmissionError
from engine.evaluation.durable.adapter import adapter
from engine.evaluation.durable.program import MAX_FIELDS, build_program
from engine.ruleset.ruleset import MAX_BRANCHES

HEADER = """
规则集:
  编号: {id}
  名称: 生成的规则集
  考核年度: 2013
  总分: {total}
  单位类型: [区直部门]
  等次:
    默认: {{优秀: {excellent}, 良好: {good}, 合格: {passing}}}
"""


def generated(n_items: int, per_item: int = 1, *, ors: int = 0, rid: str = "gen") -> str:
    """n_items 条件扣分 items of 0.5 points; item k reads per_item indicators x{k}_{j} (and-ed),
    the first `ors` items are `x > 0 或 y > 0` (two branches)."""
    total = D("0.5") * n_items
    lines = [
        HEADER.format(id=rid, total=total, excellent=total * D("0.9"), good=total * D("0.8"), passing=total * D("0.6")),
        "指标:",
    ]
    for k in range(n_items):
        for j in range(per_item + (1 if k < ors else 0)):
            lines.append(f"  x{k}_{j}: {{标签: 指标{k}之{j}, 类型: 次数}}")
    lines += ["评分细则:", "  - 一级指标: 生成", "    二级指标:", "      - 名称: 生成", "        评分项:"]
    for k in range(n_items):
        if k < ors:
            cond = f"x{k}_0 > 0 或 x{k}_1 > 0"
        else:
            cond = " 且 ".join(f"x{k}_{j} > 0" for j in range(per_item))
        lines += [
            f"          - 编号: G-{k:03d}",
            f"            考核内容: 生成项{k}",
            "            分值: 0.5",
            "            评分标准: 生成的评分标准。",
            "            计分方式: 条件扣分",
            f"            条件: {cond}",
        ]
    return "\n".join(lines) + "\n"


def all_true(ruleset) -> dict:
    return {
        "单位名称": "区生成局",
        "单位类型": "区直部门",
        "考核年度": 2013,
        "指标": {name: 1 for name in ruleset.indicators},
    }


def test_every_rule_of_a_160_item_ruleset_fires_past_the_64_activation_limit():
    # 160 items, 40 of them `or` with both branches true: 200 activations for one submission
    ruleset = rules_from_text(generated(160, ors=40, rid="gen-160"))
    program = build_program(compiled_for(ruleset))
    assert len(program.partitions) >= 4
    assert all(p.branches <= MAX_BRANCHES for p in program.partitions)
    result = assess(ruleset, submission_from(ruleset, all_true(ruleset)), as_of=AS_OF)
    assert len(result.items) == 160
    assert all(i.deduction == D("0.50") and i.status == "扣分" for i in result.items)
    assert result.total == D("0.00")


def test_submission_with_320_indicator_values_past_the_field_limit():
    ruleset = rules_from_text(generated(40, per_item=8, rid="gen-320"))
    assert len(ruleset.indicators) == 320
    program = build_program(compiled_for(ruleset))
    assert len(program.partitions) >= 2 and all(len(p.names) <= MAX_FIELDS for p in program.partitions)
    data = all_true(ruleset)
    data["指标"]["x7_3"] = 0  # item 7 is the only one that must not deduct
    result = assess(ruleset, submission_from(ruleset, data), as_of=AS_OF)
    deducted = {i.rule_id for i in result.items if i.deduction > 0}
    assert deducted == {f"G-{k:03d}" for k in range(40)} - {"G-007"}
    assert result.total == D("0.50")


def test_or_with_every_branch_true_deducts_once():
    ruleset = rules_from_text(generated(3, ors=3, rid="gen-or"))
    calls = []
    adapter().fault = calls.append  # counts every action durable runs
    try:
        result = assess(ruleset, submission_from(ruleset, all_true(ruleset)), as_of=AS_OF)
    finally:
        adapter().fault = None
    assert len(calls) == 6  # durable fires each `or` rule once per true branch ...
    assert [i.deduction for i in result.items] == [D("0.50")] * 3  # ... but each item deducts once
    assert result.items[0].fired == ["G-000"]


def test_exception_inside_an_action_is_an_error_not_a_missing_deduction(mini):
    def boom(rule_id: str) -> None:
        if rule_id == "A-01":
            raise RuntimeError("simulated failure")

    adapter().fault = boom
    try:
        with pytest.raises(EngineError, match="A-01"):
            score(mini, with_values(GOOD_MINI, 未报备件数=2))
    finally:
        adapter().fault = None
    # the adapter is still usable afterwards, and scores correctly
    assert score(mini, with_values(GOOD_MINI, 未报备件数=2)).items[0].deduction == D("2.00")


def test_same_submission_twice_gives_the_same_result_whatever_came_before(mini):
    bad = with_values(GOOD_MINI, 未报备件数=3, 备案率=90, 出庭应诉率=10)
    first = score(mini, bad).model_dump()
    for k in range(20):  # unrelated assessments in between
        score(mini, with_values(GOOD_MINI, 专题学法次数=k % 5))
    assert score(mini, bad).model_dump() == first


def test_actions_run_inline_on_the_calling_thread_with_no_timer_threads(mini):
    before = threading.active_count()
    adapter().action_threads.clear()
    score(mini, with_values(GOOD_MINI, 未报备件数=1))
    assert adapter().action_threads == {threading.get_ident()}
    assert threading.active_count() == before


def test_two_rulesets_and_an_edited_reloaded_file_in_one_process(mini, tmp_path):
    from engine.api import assess_file

    source = open(mini.file, encoding="utf-8").read()
    rules = tmp_path / "rules.yaml"
    rules.write_text(source, encoding="utf-8")
    sub = tmp_path / "sub.json"
    import json

    sub.write_text(json.dumps(with_values(GOOD_MINI, 未报备件数=1), ensure_ascii=False), encoding="utf-8")
    before = assess_file(sub, rules, as_of=AS_OF)
    assert before.items[0].deduction == D("1.00")
    other = rules_from_text(generated(5, rid="gen-other"))
    assert assess(other, submission_from(other, all_true(other)), as_of=AS_OF).total == D("0.00")
    rules.write_text(source.replace("每件扣分: 1\n", "每件扣分: 2\n", 1), encoding="utf-8")
    after = assess_file(sub, rules, as_of=AS_OF)
    assert after.items[0].deduction == D("2.00")
    assert after.audit.rules_sha256 != before.audit.rules_sha256
    rules.write_text(source, encoding="utf-8")  # back to the first version: same result again
    assert assess_file(sub, rules, as_of=AS_OF).items[0].deduction == D("1.00")


def _rss_kb() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


@pytest.mark.slow  # 2,500 assessments
def test_2500_submissions_in_one_process_past_the_session_limit_with_flat_memory(mini):
    subs = [submission_from(mini, with_values(GOOD_MINI, 未报备件数=k % 4, 备案率=100 - k % 7)) for k in range(50)]
    for sub in subs[:10]:
        assess(mini, sub, as_of=AS_OF)
    gc.collect()
    start = _rss_kb()
    totals = []
    for k in range(2500):
        totals.append(assess(mini, subs[k % 50], as_of=AS_OF).total)
        if k == 499:
            gc.collect()
            at_500 = _rss_kb()
    gc.collect()
    end = _rss_kb()
    assert totals[:50] == totals[2450:]  # same inputs, same scores, after 2,450 sessions
    assert end - at_500 < 8 * 1024, f"RSS grew {end - at_500} kB between 500 and 2,500 assessments"
    assert end - start < 16 * 1024


def test_strings_and_booleans_where_numbers_are_expected_never_reach_the_engine(tmp_path, monkeypatch):
    # the whole file path (read, validate, assess): durable must not be asked to run on a bad value
    runs = []
    real_run = type(adapter()).run
    monkeypatch.setattr(type(adapter()), "run", lambda self, *a, **k: runs.append(1) or real_run(self, *a, **k))
    rules = DATA / "mini.yaml"
    good = tmp_path / "good.json"
    good.write_text(json.dumps(GOOD_MINI, ensure_ascii=False), encoding="utf-8")
    api.assess_file(good, rules, as_of=AS_OF)
    assert runs == [1]  # the counter sees a real evaluation
    for n, bad in enumerate(({"备案率": "50"}, {"备案率": True}, {"未报备件数": 1.5}, {"未报备件数": "1"})):
        path = tmp_path / f"bad{n}.json"
        path.write_text(json.dumps(with_values(GOOD_MINI, **bad), ensure_ascii=False, indent=2), encoding="utf-8")
        with pytest.raises(SubmissionError) as info:
            api.assess_file(path, rules, as_of=AS_OF)
        problem = info.value.problems[0]
        name = next(iter(bad))
        assert problem.location.path == f"指标.{name}" and problem.location.line is not None
    assert runs == [1]


def test_missing_required_indicator_is_an_error(mini):
    data = with_values(GOOD_MINI)
    del data["指标"]["备案率"]
    with pytest.raises(SubmissionError, match="缺少必填指标 “备案率”"):
        submission_from(mini, data)
