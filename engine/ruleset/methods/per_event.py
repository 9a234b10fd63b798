"""按件扣分: each event deducts a fixed amount, up to a cap (规范性文件未报备的，每件扣1分，以4分为限)."""

from typing import Literal

from pydantic import Field

from engine.ruleset.methods.base import (
    DERIVED,
    Check,
    ItemBase,
    Method,
    Part,
    PartBase,
    Scored,
    cap_limit,
    cap_note,
    cap_of,
    capped,
    gt_zero,
    n,
    number,
    simple_check,
)
from engine.ruleset.scalars import IndicatorName, Points


class PerEvent(ItemBase):
    method: Literal["按件扣分"] = Field(alias="计分方式")
    count: IndicatorName = Field(alias="件数")
    per_event: Points = Field(alias="每件扣分", gt=0)
    cap: Points | None = Field(None, alias="扣分上限")


class PerEventPart(PartBase):
    method: Literal["按件扣分"] = Field("按件扣分", alias="计分方式", description="子项有“件数”时可不写")
    count: IndicatorName = Field(alias="件数")
    per_event: Points = Field(alias="每件扣分", gt=0)
    cap: Points | None = Field(None, alias="扣分上限")


class PerEventMethod(Method):
    name = "按件扣分"
    model = PerEvent

    def validate(self, item, loc, v):
        v.indicator(item.count, loc + ("件数",), ("次数",), "件数")
        v.cap(item.cap, item.points, loc + ("扣分上限",))

    def checks(self, item, conditions):
        return [simple_check(item.id, gt_zero(item.count), item.count)]

    def reads(self, item):
        return [item.count], [item.id]

    def score(self, item, ctx):
        if not ctx.holds(item.id):
            return Scored()
        count = ctx.submission.values[item.count]
        limit = cap_of(item.cap, item.points)
        d = capped(count * item.per_event, limit)
        unit = ctx.unit_of(item.count, "件")
        text = f"{item.count}{n(count)}{unit}，每{unit}扣{n(item.per_event)}分{cap_note(count * item.per_event, limit)}"
        return Scored(d, [f"{text}，扣{n(d)}分"], {"件数": n(count)})

    def quiet(self, item):
        return True

    def limits(self, item):
        return [cap_limit(item.cap, item.points)]

    def label(self, item, rule_id):
        return DERIVED

    def boundary_needs(self, item, indicators):
        return {"at": f"{item.count} = 0 的用例", "below": f"{item.count} = 1 的用例"}

    def boundaries(self, item, values):
        v = number(values, item.count)
        if v == 0:
            return {"at"}
        if v == 1:
            return {"below"}
        return set()


class PerEventPartForm(Part):
    name = "按件扣分"
    model = PerEventPart

    def validate(self, part, rule_id, loc, points, v):
        v.indicator(part.count, loc + ("件数",), ("次数",), "件数")
        v.cap(part.cap, points, loc + ("扣分上限",))

    def check(self, part, rule_id, item_id, conditions):
        return Check(rule_id, item_id, gt_zero(part.count), frozenset({part.count}))

    def reads(self, part):
        return [part.count]

    def score(self, part, rule_id, points, ctx):
        if not ctx.holds(rule_id):
            return Scored()
        count = ctx.submission.values[part.count]
        limit = cap_of(part.cap, points)
        d = capped(count * part.per_event, limit)
        unit = ctx.unit_of(part.count, "次")
        text = f"{part.count}{n(count)}{unit}，每{unit}扣{n(part.per_event)}分{cap_note(count * part.per_event, limit)}"
        return Scored(d, [f"{part.text}：{text}，扣{n(d)}分"])


METHOD = PerEventMethod()
PART = PerEventPartForm()
