"""条件扣分: a condition that holds deducts a fixed amount (未制定年度工作要点的扣1分)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from engine.ruleset.methods.base import ItemBase, Method, Scored, condition_check, n, q
from engine.ruleset.scalars import Points, Text


class Conditional(ItemBase):
    method: Literal["条件扣分"] = Field(alias="计分方式")
    condition: Text = Field(alias="条件")
    deduction: Points | None = Field(None, alias="扣分")


class ConditionalMethod(Method):
    name = "条件扣分"
    model = Conditional

    def validate(self, item, loc, v):
        v.condition(item.id, item.condition, loc + ("条件",))
        v.cap(item.deduction, item.points, loc + ("扣分",), "扣分")

    def checks(self, item, conditions):
        return [condition_check(item.id, item.id, conditions)]

    def score(self, item, ctx):
        if not ctx.holds(item.id):
            return Scored()
        d = q(item.deduction if item.deduction is not None else item.points)
        return Scored(d, [f"{ctx.explain(item.id)}，扣{n(d)}分"])


METHOD = ConditionalMethod()
