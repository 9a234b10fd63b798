"""条件加分: a condition that holds adds a fixed amount (获评省级依法行政示范单位的加2分)."""

from typing import Literal

from pydantic import Field

from engine.ruleset.methods.base import BonusBase, Method, Scored, condition_check, n, q
from engine.ruleset.scalars import Points, Text


class ConditionalBonus(BonusBase):
    method: Literal["条件加分"] = Field(alias="计分方式")
    condition: Text = Field(alias="条件")
    bonus: Points | None = Field(None, alias="加分")


class ConditionalBonusMethod(Method):
    name = "条件加分"
    model = ConditionalBonus
    bonus = True

    def validate(self, item, loc, v):
        v.condition(item.id, item.condition, loc + ("条件",))
        v.cap(item.bonus, item.points, loc + ("加分",), "加分")

    def checks(self, item, conditions):
        return [condition_check(item.id, item.id, conditions)]

    def score(self, item, ctx):
        amount = q(item.bonus if item.bonus is not None else item.points)
        return Scored(amount, [f"{ctx.told(item.id)}，加{n(amount)}分"])


METHOD = ConditionalBonusMethod()
