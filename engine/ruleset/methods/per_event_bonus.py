"""按件加分: each event adds a fixed amount, up to the item's 分值 (经验做法被上级推广的，每件加0.5分)."""

from typing import Literal

from pydantic import Field

from engine.ruleset.methods.base import BonusBase, Method, Scored, cap_note, capped, gt_zero, n, simple_check
from engine.ruleset.scalars import IndicatorName, Points


class PerEventBonus(BonusBase):
    method: Literal["按件加分"] = Field(alias="计分方式")
    count: IndicatorName = Field(alias="件数")
    per_event: Points = Field(alias="每件加分", gt=0)


class PerEventBonusMethod(Method):
    name = "按件加分"
    model = PerEventBonus
    bonus = True

    def validate(self, item, loc, v):
        v.indicator(item.count, loc + ("件数",), ("次数",), "件数")

    def checks(self, item, conditions):
        return [simple_check(item.id, gt_zero(item.count), item.count)]

    def reads(self, item):
        return [item.count], [item.id]

    def score(self, item, ctx):
        count = ctx.submission.values[item.count]
        amount = capped(count * item.per_event, item.points)
        unit = ctx.unit_of(item.count, "件")
        reason = f"{item.count}{n(count)}{unit}，每{unit}加{n(item.per_event)}分"
        reason += cap_note(count * item.per_event, item.points, "本项最多加{}分")
        return Scored(amount, [reason + f"，加{n(amount)}分"])


METHOD = PerEventBonusMethod()
