"""Rates declared with a numerator and a denominator (分子/分母): recompute, check, flag small samples.

A 百分比 indicator may name two count indicators, e.g. `群众投诉办结率: {分子: 投诉办结件数,
分母: 投诉受理件数}`. For such a rate the engine

- recomputes 分子 ÷ 分母 × 100 in Decimal and scores with that value, rounded half-up to 0.01;
  the unit may leave the rate out, and a submitted rate is only checked;
- rejects a submitted rate further than the ruleset's 比率容差 (percentage points, default 0.5)
  from the recomputed one, at the rate's line:col, stating both values;
- with 分母 0 the rate is undefined: it must be left out, and every item reading it is 不适用
  (handled as the item's 不适用时, else the ruleset's 不适用项);
- with 0 < 分母 < 小样本 (the indicator's, else the ruleset's) the items reading it are flagged
  “样本量小（N件）” on the result and the scoresheet; the score itself is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from engine.documents.source import Document
from engine.errors import ErrorList
from engine.ruleset.conditions import Value, format_decimal
from engine.ruleset.ruleset import Ruleset

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


@dataclass
class Reconciled:
    """What the rate check adds to a submission."""

    values: dict[str, Decimal] = field(default_factory=dict)  # rate → recomputed value (2 places)
    explained: dict[str, str] = field(default_factory=dict)  # rate → how it was computed
    undefined: dict[str, str] = field(default_factory=dict)  # rate → why it is not applicable (分母 0)
    small: dict[str, str] = field(default_factory=dict)  # rate → flag text, e.g. 出庭应诉率样本量小（4件）
    rejected: set[str] = field(default_factory=set)  # rates already reported as wrong (no "missing" on top)


def reconcile(
    ruleset: Ruleset, doc: Document, values: dict[str, Value], unit_type: str, errors: ErrorList
) -> Reconciled:
    """Check and recompute every applicable rate that declares 分子 and 分母."""
    out = Reconciled()
    header = ruleset.header
    tolerance = header.rate_tolerance
    for name, spec in ruleset.indicators.items():
        if spec.numerator is None or spec.denominator is None:
            continue
        if spec.applies_to is not None and unit_type not in spec.applies_to:
            continue
        num_name, den_name = spec.numerator, spec.denominator
        given = values.get(name)
        num, den = values.get(num_name), values.get(den_name)
        if num is None or den is None:
            if given is not None:
                lacking = "、".join(f"“{n}”" for n, v in ((num_name, num), (den_name, den)) if v is None)
                errors.add(doc.locate(("指标", name)), f"{spec.label}（{name}）须同时申报分子、分母：缺少{lacking}")
            continue
        assert isinstance(num, Decimal) and isinstance(den, Decimal)
        den_unit = ruleset.indicators[den_name].unit or ""
        out.rejected.add(name)  # until it is computed below
        if den == 0:
            if num != 0:
                errors.add(
                    doc.locate(("指标", num_name)), f"分母“{den_name}”为0，分子“{num_name}”也应为0（实为 {num}）"
                )
            elif given is not None:
                errors.add(
                    doc.locate(("指标", name)),
                    f"分母“{den_name}”为0，{name}无从计算，请不填此项（读取它的评分项按不适用处理）",
                )
            else:
                out.rejected.discard(name)
                out.undefined[name] = f"{den_name}为0，{name}不适用"
            continue
        if num > den:
            errors.add(
                doc.locate(("指标", num_name)),
                f"分子“{num_name}”（{format_decimal(num)}）大于分母“{den_name}”（{format_decimal(den)}），{name}将超过100%",
            )
            continue
        exact = num * HUNDRED / den
        rounded = exact.quantize(CENT, rounding=ROUND_HALF_UP)
        how = (
            f"按 {num_name}÷{den_name} = {format_decimal(num)}÷{format_decimal(den)} 计算为 {format_decimal(rounded)}%"
        )
        if given is not None:
            assert isinstance(given, Decimal)
            gap = abs(given - exact)
            if gap > tolerance:
                errors.add(
                    doc.locate(("指标", name)),
                    f"{spec.label}（{name}）申报为 {format_decimal(given)}%，{how}，"
                    f"相差 {format_decimal(gap.quantize(CENT, rounding=ROUND_HALF_UP))} 个百分点，"
                    f"超过容差 {format_decimal(tolerance)} 个百分点",
                )
                continue
            if given != rounded:
                how += f"（申报 {format_decimal(given)}%，在容差内，按计算值评分）"
        out.rejected.discard(name)
        out.values[name] = rounded
        out.explained[name] = how
        threshold = spec.small_sample if spec.small_sample is not None else header.small_sample
        if threshold and den < threshold:
            out.small[name] = f"{name}样本量小（{format_decimal(den)}{den_unit}）"
    return out
