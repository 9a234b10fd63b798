"""线性计分: the score runs linearly between two anchors (80%及以下不得分，100%得满分，其间按比例计分)."""

from __future__ import annotations

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
        better = "越高越好" if item.full_at > item.zero_at else "越低越好"
        text = (
            f"{item.indicator} {ctx.show(item.indicator)}，按 {n(item.zero_at)}得0分、{n(item.full_at)}得满分"
            f"线性计分（{better}），得{n(score)}分"
        )
        return Scored(d, [f"{text}，扣{n(d)}分"])

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


METHOD = LinearMethod()
