"""条件扣分: a condition that holds deducts a fixed amount (未制定年度工作要点的扣1分)."""

from typing import Literal

from pydantic import Field

from engine.ruleset.methods.base import ItemBase, Method, Part, PartBase, Scored, condition_check, n, q
from engine.ruleset.scalars import Points, Text


class Conditional(ItemBase):
    method: Literal["条件扣分"] = Field(alias="计分方式")
    condition: Text = Field(alias="条件")
    deduction: Points | None = Field(None, alias="扣分")


class ConditionalPart(PartBase):
    method: Literal["条件扣分"] = Field("条件扣分", alias="计分方式", description="子项有“条件”时可不写")
    condition: Text = Field(alias="条件")
    deduction: Points = Field(alias="扣分", gt=0)


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
        return Scored(d, [f"{ctx.told(item.id)}，扣{n(d)}分"])

    def quiet(self, item):
        return True


class ConditionalPartForm(Part):
    name = "条件扣分"
    model = ConditionalPart

    def validate(self, part, rule_id, loc, points, v):
        v.condition(rule_id, part.condition, loc + ("条件",))
        v.cap(part.deduction, points, loc + ("扣分",), "扣分")

    def check(self, part, rule_id, item_id, conditions):
        return condition_check(rule_id, item_id, conditions)

    def score(self, part, rule_id, points, ctx):
        if not ctx.holds(rule_id):
            return Scored()
        d = q(part.deduction)
        # the part's 说明 states the standard; the submitted values it turned on follow it
        shown = list(dict.fromkeys(f.subject for f in ctx.facts(rule_id) if not f.phrase))
        values = f"（{'，'.join(shown)}）" if shown else ""
        return Scored(d, [f"{part.text}{values}，扣{n(d)}分"])


METHOD = ConditionalMethod()
PART = ConditionalPartForm()
