"""酌情扣分: left to the assessor; 待复核 until a 复核 entry scores it (成效不明显的，酌情扣分). As a
分项扣分 sub-item it is the assessor's part of an item otherwise computed (建立了制度但实施不到位的，酌情扣分)."""

from typing import Literal

from pydantic import Field

from engine.ruleset.methods.base import (
    ZERO,
    ItemBase,
    Method,
    Part,
    PartBase,
    Scored,
    cap_of,
    condition_check,
    n,
    q,
)
from engine.ruleset.scalars import Points, Text


class Discretionary(ItemBase):
    method: Literal["酌情扣分"] = Field(alias="计分方式")


class DiscretionaryPart(PartBase):
    method: Literal["酌情扣分"] = Field(alias="计分方式")
    condition: Text | None = Field(None, alias="条件", description="条件成立时才待复核；不写则总是待复核")
    cap: Points | None = Field(None, alias="扣分上限", description="酌情部分最多扣多少分；不写则以分值为限")


class DiscretionaryMethod(Method):
    name = "酌情扣分"
    model = Discretionary

    def score(self, item, ctx):
        return Scored(reasons=["酌情扣分项，须由评审人员复核赋分"], pending=True)


class DiscretionaryPartForm(Part):
    name = "酌情扣分"
    model = DiscretionaryPart

    def validate(self, part, rule_id, loc, points, v):
        if part.condition is not None:
            v.condition(rule_id, part.condition, loc + ("条件",))
        v.cap(part.cap, points, loc + ("扣分上限",))

    def check(self, part, rule_id, item_id, conditions):
        return condition_check(rule_id, item_id, conditions) if part.condition is not None else None

    def label(self, part):
        return f"子项 {part.id}：{part.text}（酌情部分：条件成立时待复核）"

    def open_cap(self, part, points):
        return cap_of(part.cap, points)

    def quiet(self, part):
        return part.condition is not None  # without one, always the assessor's

    def score(self, part, rule_id, points, ctx):
        if part.condition is not None and not ctx.holds(rule_id):
            return Scored()
        limit = q(cap_of(part.cap, points))
        decision = ctx.review_of(rule_id)
        if decision is None:
            return Scored(pending=True, open=limit)
        review = decision.review
        d = min(max(q(review.deduction), ZERO), limit)
        return Scored(d, [f"{part.text}（酌情部分）经复核：{review.reason}（{decision.who}），扣{n(d)}分"])


METHOD = DiscretionaryMethod()
PART = DiscretionaryPartForm()
