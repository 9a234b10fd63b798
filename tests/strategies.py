"""Hypothesis strategies that generate valid submissions straight from a ruleset's declarations.

Values are drawn towards the places where a wrong comparison would show: every literal a
condition compares a name with, that literal ± the smallest step the engine distinguishes
(0.000001, or 1 for counts, one day for dates), the ends of the declared range, options and the
text literals conditions mention. Optional indicators are sometimes left out; record lists are
empty, short, or long (60 records).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from engine.assessment import compiled_for
from engine.documents.source import Document
from engine.errors import SubmissionError
from engine.evaluation.checks import CompiledRuleset
from engine.intake.deadlines import deadline_on
from engine.intake.submission import Submission, validate_submission
from engine.ruleset import conditions as expr
from engine.ruleset.model import FieldSpec, IndicatorSpec
from engine.ruleset.ruleset import Ruleset

STEPS = (Decimal("0.000001"), Decimal("0.01"), Decimal("0.5"), Decimal(1))
YEAR = 2012  # the 考核年度 of every generated submission; relative dates (次年3月1日) are resolved with it
LONG_LIST = 60
_FAR = Decimal(10) ** 12
Key = tuple[str | None, str]  # (record list or None, name)


def literal_pools(compiled: CompiledRuleset) -> dict[Key, set[Any]]:
    """Every literal each name is compared with; names compared with each other share literals."""
    pools: dict[Key, set[Any]] = {}
    links: list[tuple[Key, Key]] = []
    for check in compiled.checks.values():
        if check.node is None:
            continue
        for cmp in expr.comparisons(check.node):
            left, right = cmp.left, cmp.right
            if isinstance(left, expr.Name) and isinstance(right, expr.Name):
                links.append(((check.record_list, left.name), (check.record_list, right.name)))
                continue
            name, lit = (left, right) if isinstance(left, expr.Name) else (right, left)
            value = lit.value.on(YEAR) if isinstance(lit.value, expr.RelativeDate) else lit.value
            pools.setdefault((check.record_list, name.name), set()).add(value)
    for spec in compiled.ruleset.indicators.values():  # days late: around the deadline and 30 days on
        if spec.overdue is not None:
            deadline = deadline_on(spec.overdue.deadline, YEAR)
            anchors = {deadline + dt.timedelta(days=k) for k in (0, 30, 31)}
            pools.setdefault((None, spec.overdue.date), set()).update(anchors)
    for _ in range(3):
        for a, b in links:
            merged = pools.get(a, set()) | pools.get(b, set())
            pools[a] = set(merged)
            pools[b] = set(merged)
    return pools


def _bounds(spec: IndicatorSpec | FieldSpec) -> tuple[Decimal, Decimal]:
    if spec.range is not None:
        return Decimal(spec.range[0]), Decimal(spec.range[1])
    if spec.type == "百分比":
        return Decimal(0), Decimal(100)
    if spec.type == "次数":
        return Decimal(0), Decimal(10**9)
    return -_FAR, _FAR


def boundary_numbers(spec: IndicatorSpec | FieldSpec, literals: set[Any]) -> list[Decimal]:
    lo, hi = _bounds(spec)
    steps = (Decimal(1),) if spec.type == "次数" else STEPS
    anchors = {Decimal(0), lo, hi} | {v for v in literals if isinstance(v, Decimal)}
    out: set[Decimal] = set()
    for a in anchors:
        for s in steps:
            out.update((a - s, a, a + s))
    ok = [v for v in out if lo <= v <= hi and v.normalize().as_tuple().exponent >= -expr.MAX_DECIMALS]
    if spec.type == "次数":
        ok = [v for v in ok if v == v.to_integral_value()]
    return sorted(ok)


def value_strategy(spec: IndicatorSpec | FieldSpec, literals: set[Any]) -> st.SearchStrategy:
    """A JSON-style value (int, Decimal, bool, "YYYY-MM-DD", str) valid for the spec."""
    kind = spec.type
    if kind in ("数值", "百分比"):
        lo, hi = _bounds(spec)
        near = st.sampled_from(boundary_numbers(spec, literals))
        places = st.sampled_from([0, 2, 6]).flatmap(
            lambda p: st.decimals(min_value=max(lo, -Decimal(10**6)), max_value=min(hi, Decimal(10**6)), places=p)
        )
        return st.one_of(near, near, places)
    if kind == "次数":
        lo, hi = _bounds(spec)
        near = st.sampled_from([int(v) for v in boundary_numbers(spec, literals)])
        return st.one_of(near, near, st.integers(int(lo), int(min(hi, Decimal(200)))))
    if kind == "是否":
        return st.booleans()
    if kind == "日期":
        days = {d + dt.timedelta(days=k) for d in literals if isinstance(d, dt.date) for k in (-1, 0, 1)}
        near = st.sampled_from(sorted(days)) if days else st.nothing()
        anywhere = st.dates(dt.date(2010, 1, 1), dt.date(2016, 12, 31))
        return st.one_of(near, near, anywhere).map(dt.date.isoformat)
    if kind == "选项":
        return st.sampled_from(list(spec.options or []))
    if kind == "文本":
        texts = sorted(v for v in literals if isinstance(v, str))
        return st.one_of(st.sampled_from(texts), _FREE_TEXT) if texts else _FREE_TEXT
    raise AssertionError(kind)


_PLANS: dict[str, tuple[dict[str, Any], dict[str, dict[str, Any]]]] = {}
# what intake refuses in any text (engine/documents/text.py): controls, direction marks, line breaks
_REFUSED = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029"
_FREE_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"], exclude_characters=_REFUSED), max_size=12
)


def _plan(ruleset: Ruleset) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """One strategy per indicator and per record field, built once per ruleset (building is slow)."""
    hit = _PLANS.get(ruleset.sha256)
    if hit is None:
        pools = literal_pools(compiled_for(ruleset))
        top = {}
        fields = {}
        for ind, spec in ruleset.indicators.items():
            if spec.type == "记录列表":
                fields[ind] = {
                    f: value_strategy(fs, pools.get((ind, f), set())) for f, fs in (spec.fields or {}).items()
                }
            else:
                top[ind] = value_strategy(spec, pools.get((None, ind), set()))
        hit = _PLANS[ruleset.sha256] = (top, fields)
    return hit


@st.composite
def submissions(draw, ruleset: Ruleset) -> dict:
    """A submission as JSON-style data that validates against the ruleset."""
    top, fields = _plan(ruleset)
    unit_type = draw(st.sampled_from(ruleset.header.unit_types))
    values: dict[str, Any] = {}
    for ind, spec in ruleset.indicators.items():
        if spec.overdue is not None:
            continue  # days late: the engine counts them from the date
        applies = spec.applies_to is None or unit_type in spec.applies_to
        if (not spec.required or not applies) and draw(st.integers(0, 2)) == 0:
            continue  # optional (or not applicable) left out a third of the time
        if spec.type == "记录列表":
            size = draw(st.one_of(st.just(0), st.integers(1, 5), st.just(min(LONG_LIST, spec.max_records))))
            rows = []
            for _ in range(min(size, 6)):
                row = {}
                for fname, fspec in (spec.fields or {}).items():
                    if not fspec.required and draw(st.integers(0, 3)) == 0:
                        continue
                    row[fname] = draw(fields[ind][fname])
                rows.append(row)
            # a long list repeats its first six records: the length is what is being tested
            values[ind] = [dict(rows[k % len(rows)]) for k in range(size)] if rows else []
        else:
            values[ind] = draw(top[ind])
    _consistent_rates(draw, ruleset, values)
    data: dict[str, Any] = {"单位名称": "生成单位", "单位类型": unit_type, "考核年度": YEAR, "指标": values}
    return data


@st.composite
def review_decisions(draw, ruleset: Ruleset) -> dict:
    """Assessors' decisions (as a review file gives them) on some items, most on 酌情扣分 ones."""
    from engine.intake.review import Review, decisions

    reviews = []
    for item in [e.item for e in ruleset.entries] + list(ruleset.model.bonuses):
        discretionary = getattr(item, "method", "") == "酌情扣分"
        if draw(st.integers(0, 9)) < (6 if discretionary else 1):
            amount = draw(st.decimals(min_value=0, max_value=item.points + 1, places=2))
            key = draw(st.sampled_from(["扣分", "得分"]))
            entry = {"评分项": item.id, key: amount, "理由": "复核", "复核人": "测试"}
            reviews.append(Review.model_validate(entry))
    return decisions(reviews, "generated-review.yaml", "0" * 64)


def _consistent_rates(draw, ruleset: Ruleset, values: dict[str, Any]) -> None:
    """Rates declared with 分子/分母 are recomputed by the engine: draw the two counts (at the
    boundaries often), then leave the rate out or submit exactly what the engine computes; with
    分母 0 the rate must be left out."""
    for name, spec in ruleset.indicators.items():
        num, den = getattr(spec, "numerator", None), getattr(spec, "denominator", None)
        if not (num and den):
            continue
        if den not in values or not isinstance(values[den], int):
            values[den] = draw(st.sampled_from([0, 1, 2, 4, 5, 10, 37, 100]))
        total = values[den]
        current = values.get(num)
        if not isinstance(current, int) or current > total:
            values[num] = draw(st.sampled_from(sorted({0, max(total - 1, 0), total, total // 2})))
        if total == 0:
            values.pop(name, None)
        elif draw(st.booleans()):
            values.pop(name, None)
        else:
            rate = (Decimal(values[num]) * 100 / Decimal(total)).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
            values[name] = rate


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(type(value))


def to_json_text(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, default=_jsonable)


def validated(ruleset: Ruleset, data: dict, name: str = "generated.json") -> Submission:
    """Validate generated data without a JSON round trip (the data is already plain Python)."""
    digest = hashlib.sha256(to_json_text(data).encode()).hexdigest()
    try:
        return validate_submission(Document(name, data, digest), ruleset)
    except SubmissionError as exc:  # the generator must only make valid submissions
        raise AssertionError(f"generated an invalid submission: {exc}\n{to_json_text(data)}") from None
