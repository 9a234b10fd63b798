"""少于目标扣分: a count below its target deducts per missing unit (专题学法不少于6次，每少一次扣0.3分)."""

from __future__ import annotations

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


class CountShortfall(ItemBase):
    method: Literal["少于目标扣分"] = Field(alias="计分方式")
    indicator: IndicatorName = Field(alias="指标")
    target: Number = Field(alias="目标")
    per_unit: Points = Field(alias="每少一次扣分", gt=0)
    cap: Points | None = Field(None, alias="扣分上限")


class CountShortfallMethod(Method):
    name = "少于目标扣分"
    model = CountShortfall

    def validate(self, item, loc, v):
        v.indicator(item.indicator, loc + ("指标",), ("次数", "数值"), "指标")
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
        d = capped(gap * item.per_unit, limit)
        unit = ctx.unit_of(item.indicator, "")
        text = (
            f"{item.indicator} {ctx.show(item.indicator)}，少于{n(item.target)}{unit}，每少一次扣{n(item.per_unit)}分"
        )
        if gap * item.per_unit > limit:
            text += f"，累计扣分不超过{n(limit)}分"
        return Scored(d, [f"{text}，扣{n(d)}分"])

    def limits(self, item):
        return [cap_limit(item.cap, item.points)]

    def label(self, item, rule_id):
        return DERIVED

    def boundary_needs(self, item, indicators):
        return target_needs(item.indicator, item.target, indicators)

    def boundaries(self, item, values):
        return target_boundaries(item.indicator, item.target, values)


METHOD = CountShortfallMethod()
