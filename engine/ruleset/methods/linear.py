"""线性计分: the score runs linearly between two anchors (80%及以下不得分，100%得满分，其间按比例计分)."""

from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from engine.ruleset import conditions as expr
from engine.ruleset.methods.base import (
    DERIVED,
    NUMERIC,
    ZERO,
    ItemBase,
    Method,
    Scored,
    n,
    number,
    points_limit,
    q,
    simple_check,
)
from engine.ruleset.scalars import IndicatorName, Number
from engine.ruleset.wording import unit_of


class Linear(ItemBase):
    method: Literal["线性计分"] = Field(alias="计分方式")
    indicator: IndicatorName = Field(alias="指标")
    zero_at: Number = Field(alias="零分值")
    full_at: Number = Field(alias="满分值")

    @model_validator(mode="after")
    def _anchors(self) -> "Linear":
        if self.zero_at == self.full_at:
            raise ValueError("“零分值”与“满分值”不能相同")
        return self


class LinearMethod(Method):
    name = "线性计分"
    model = Linear

    def validate(self, item, loc, v):
        v.indicator(item.indicator, loc + ("指标",), NUMERIC, "指标")

    def checks(self, item, conditions):
        op = "<" if item.full_at > item.zero_at else ">"
        node = expr.Compare(op, expr.Name(item.indicator, 0), expr.Literal(item.full_at, 0, str(item.full_at)))
        return [simple_check(item.id, node, item.indicator)]

    def reads(self, item):
        return [item.indicator], [item.id]

    def score(self, item, ctx):
        if not ctx.holds(item.id):
            return Scored()
        value = ctx.submission.values[item.indicator]
        fraction = (value - item.zero_at) / (item.full_at - item.zero_at)
        fraction = min(max(fraction, ZERO), Decimal(1))
        score = q(item.points * fraction)
        d = q(item.points - score)
        unit = unit_of(ctx.ruleset.indicators[item.indicator])
        zero = f"{n(item.zero_at)}{unit}"
        head = f"{item.indicator}{ctx.show(item.indicator)}"
        if fraction == 0:
            beyond = "不高于" if item.full_at > item.zero_at else "不低于"
            text = f"{head}，{beyond}{zero}（得0分）"
        else:
            between, before, after = _worded(item, unit)
            text = f"{head}，{between}，按比例计分：{before}{n(value)}{after}"
        return Scored(d, [f"{text}，得{n(score)}分，扣{n(d)}分"])

    def quiet(self, item):
        return True

    def limits(self, item):
        return [points_limit(item.points)]

    def label(self, item, rule_id):
        return DERIVED

    def boundary_needs(self, item, indicators):
        full = n(item.full_at)
        if item.full_at > item.zero_at:
            near = f"{n(item.full_at - 1)} ≤ {item.indicator} < {full}"
        else:
            near = f"{full} < {item.indicator} ≤ {n(item.full_at + 1)}"
        return {"at": f"恰好达到满分值的用例（{item.indicator} = {full}）", "below": f"略差于满分值的用例（{near}）"}

    def boundaries(self, item, values):
        v = number(values, item.indicator)
        out: set[str] = set()
        if v is not None:
            if v == item.full_at:
                out.add("at")
            higher = item.full_at > item.zero_at
            if (higher and item.full_at - 1 <= v < item.full_at) or (
                not higher and item.full_at < v <= item.full_at + 1
            ):
                out.add("below")
        return out


_WORDED: dict[tuple[int, str], tuple[Linear, tuple[str, str, str]]] = {}


def _worded(item: Linear, unit: str) -> tuple[str, str, str]:
    """An item's fixed words, worked out once: 介于…之间, and the arithmetic before and after the value."""
    key = (id(item), unit)
    hit = _WORDED.get(key)
    if hit is None or hit[0] is not item:
        low, high = sorted([(item.zero_at, "得0分"), (item.full_at, f"得满分{n(item.points)}分")])
        between = f"介于{n(low[0])}{unit}（{low[1]}）与{n(high[0])}{unit}（{high[1]}）之间"
        # (value − 零分值) ÷ (满分值 − 零分值) × 分值, in the order that keeps both differences positive
        zero, full, points = n(item.zero_at), n(item.full_at), n(item.points)
        if item.full_at > item.zero_at:
            before, after = "（", f"−{zero}）÷（{full}−{zero}）×{points}分"
        else:
            before, after = f"（{zero}−", f"）÷（{zero}−{full}）×{points}分"
        if len(_WORDED) >= 1024:  # rulesets come and go in a long process
            _WORDED.clear()
        hit = _WORDED[key] = (item, (between, before, after))
    return hit[1]


METHOD = LinearMethod()
