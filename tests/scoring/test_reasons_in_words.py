"""Every reason a scoresheet gives is a sentence a department head reads: the reasons of every
scoring method over every shipped case (rules/*.cases.yaml, tests/methods/*.yaml) and example,
with the vetoes' details and the 不良记录's 事项 and 说明 — none in the condition language."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from method_cases import AS_OF, _cases, _run

from engine.api import load_submission_for
from engine.assessment import assess
from engine.intake.review import load_overrides
from engine.ruleset.folders import rules_files
from engine.ruleset.methods import METHODS
from engine.tools.cases import load_suite

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

# what the engine's notation looks like: operators, 非 (…), (是)/(否), a value in brackets after a
# name, 且/或 between brackets, ISO dates, a record by its position, name=value
NOTATION = re.compile(
    r"==|!=|<=|>=|[<>＜＞≤≥≠=]"
    r"|非\s*[(（]"
    r"|[(（]\s*[是否]\s*[)）]"
    r"|[\w%]\([^()]*\)"
    r"|[)）]\s+[且或]\s|\s[且或]\s+[(（]|\s[且或非]\s"
    r"|\d{4}-\d{1,2}-\d{1,2}"
    r"|第\d+条记录"
)


def _options(ruleset) -> set[str]:
    """The values a condition may quote: every option of an indicator or a record field, 是, 否."""
    out = {"是", "否"}
    for spec in ruleset.indicators.values():
        out.update(spec.options or ())
        for field in (spec.fields or {}).values():
            out.update(field.options or ())
    return out


def _texts(result) -> list[tuple[str, str]]:
    """(what, text) of every reason of a result: items by method, bonuses, vetoes, 不良记录."""
    out = [(i.method, r) for i in result.items for r in i.reasons]
    out += [("加分项", r) for b in result.bonuses for r in b.reasons]
    out += [("一票否决", v.detail) for v in result.vetoes]
    out += [("不良记录", b.event) for b in result.bad_records] + [("不良记录说明", b.note) for b in result.bad_records]
    return out


def _bonus_methods(ruleset, result) -> list[str]:
    methods = {b.id: b.method for b in ruleset.model.bonuses}
    return [methods[b.rule_id] for b in result.bonuses if b.reasons]


def _shipped() -> list:
    """(source, ruleset, result) of every case of every shipped ruleset."""
    out = []
    for rules in rules_files(ROOT / "rules"):  # not the case files nor the 分工表 beside them
        suite = load_suite(rules)
        for loaded in suite.cases:
            result = assess(suite.ruleset, loaded.submission, as_of=AS_OF, reviews=loaded.reviews)
            out.append((f"{rules.stem}「{loaded.name}」", suite.ruleset, result))
    return out


def _method_cases() -> list:
    out = []
    for method, spec, name, case in (p.values for p in _cases()):
        if not name.startswith("test_invalid_"):
            ruleset, _, _, result = _run(method, spec, case)
            out.append((f"{method}::{name}", ruleset, result))
    return out


def _examples() -> list:
    out = []
    for path in sorted(EXAMPLES.glob("*.json")):
        ruleset, submission = load_submission_for(path)
        for review in (None, load_overrides(EXAMPLES / "reviews" / "review.yaml")):
            result = assess(ruleset, submission, as_of=AS_OF, overrides=review)
            out.append((f"{path.name}{'（复核后）' if review else ''}", ruleset, result))
    return out


@pytest.fixture(scope="module")
def assessed() -> dict[str, list]:
    return {"规则集用例": _shipped(), "计分方式用例": _method_cases(), "示例": _examples()}


@pytest.mark.parametrize("source", ["规则集用例", "计分方式用例", "示例"])
def test_no_reason_is_written_in_the_condition_language(assessed, source):
    bad = []
    count = 0
    for where, ruleset, result in assessed[source]:
        quoted = re.compile("|".join(f"“{re.escape(v)}”" for v in sorted(_options(ruleset))))
        for what, text in _texts(result):
            count += 1
            if NOTATION.search(text) or quoted.search(text):
                bad.append(f"{where} {what}：{text}")
    assert count > 0
    assert not bad, f"{len(bad)} of {count} reasons are not in words:\n" + "\n".join(sorted(set(bad))[:40])


def test_the_scan_covers_every_method_acting(assessed):
    """Each method has given a reason that deducts or adds somewhere in what is scanned."""
    seen: Counter[str] = Counter()
    for cases in assessed.values():
        for _, ruleset, result in cases:
            seen.update(i.method for i in result.items if i.reasons and (i.deduction > 0 or i.reviewed))
            seen.update(_bonus_methods(ruleset, result))
    assert set(METHODS) <= set(seen), f"never acting: {sorted(set(METHODS) - set(seen))}"


def test_the_examples_read_as_department_heads_expect(assessed):
    """The reasons the examples show, word for word, for the conditions that used to read as notation."""
    texts = {text for _, _, result in assessed["示例"] for _, text in _texts(result)}
    for expected in (
        "出庭应诉率25%，低于80%（应诉案件数4件），扣2分",
        "未制定本单位年度依法行政（法治政府建设）工作要点或计划，扣1分",
        "年度报告报送日期为2013年6月4日，晚于2013年3月31日，不符合任何得分档次，得0分，扣2分",
        "年度报告报送日期为2013年3月20日，晚于2013年3月1日、不晚于2013年3月31日，属第2档，得0.5分，扣1.5分",
        "示范创建获评为市级，加1分",
        "工单满意率低于85%（工单满意率82.5%），扣1分",
        "案号：（2012）示范行初字第3号，案由：违法建设强制拆除；结果为败诉",
        "行政诉讼案件中结果为败诉、败诉后拒不履行人民法院生效裁判的记录1条：（2012）示范行初字第11号",
    ):
        assert expected in texts, sorted(t for t in texts if expected[:4] in t)
