"""比率不足扣分: a rate below its target deducts per percentage point (备案率须达100%，每低1个百分点扣0.5分)."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Literal

from pydantic import Field

from engine.ruleset.methods.base import (
    DERIVED,
    ItemBase,
    Method,
    Scored,
    cap_limit,
    cap_of,
    capped,
    less,
    n,
    simple_check,
    target_boundaries,
    target_needs,
)
from engine.ruleset.scalars import IndicatorName, Number, Points


class RateShortfall(ItemBase):
    method: Literal["比率不足扣分"] = Field(alias="计分方式")
    indicator: IndicatorName = Field(alias="指标")
    target: Number = Field(Decimal(100), alias="目标")
    per_point: Points = Field(alias="每低一个百分点扣分", gt=0)
    cap: Points | None = Field(None, alias="扣分上限")
    partial: Literal["按实际", "按一个百分点计", "不计"] = Field("按实际", alias="不足一个百分点")


class RateShortfallMethod(Method):
    name = "比率不足扣分"
    model = RateShortfall

    def validate(self, item, loc, v):
        v.indicator(item.indicator, loc + ("指标",), ("百分比", "数值"), "指标")
        v.cap(item.cap, item.points, loc + ("扣分上限",))

    def checks(self, item, conditions):
        return [simple_check(item.id, less(item.indicator, item.target), item.indicator)]

    def reads(self, item):
        return [item.indicator], [item.id]

    def score(self, item, ctx):
        if not ctx.holds(item.id):
            return Scored()
        value = ctx.submission.values[item.indicator]
        limit = cap_of(item.cap, item.points)
        gap = item.target - value
        counted_gap = {
            "按实际": gap,
            "按一个百分点计": Decimal(math.ceil(gap)),
            "不计": Decimal(math.floor(gap)),
        }[item.partial]
        d = capped(counted_gap * item.per_point, limit)
        text = (
            f"{item.indicator} {ctx.show(item.indicator)} 低于 {n(item.target)}%，每低1个百分点扣{n(item.per_point)}分"
        )
        if counted_gap != gap:
            text += f"（不足1个百分点{item.partial}，按{n(counted_gap)}个百分点计）"
        if counted_gap * item.per_point > limit:
            text += f"，以{n(limit)}分为限"
        return Scored(d, [f"{text}，扣{n(d)}分"])

    def limits(self, item):
        return [cap_limit(item.cap, item.points)]

    def label(self, item, rule_id):
        return DERIVED

    def boundary_needs(self, item, indicators):
        return target_needs(item.indicator, item.target, indicators)

    def boundaries(self, item, values):
        return target_boundaries(item.indicator, item.target, values)


METHOD = RateShortfallMethod()
