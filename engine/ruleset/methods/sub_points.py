"""分项扣分: sub-points, each a condition or a count, adding up to the item (未成立领导小组扣0.5分；…)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from engine.ruleset.methods.base import (
    ZERO,
    Check,
    ItemBase,
    Method,
    Scored,
    cap_of,
    capped,
    condition_check,
    gt_zero,
    n,
    points_limit,
    q,
)
from engine.ruleset.scalars import IndicatorName, Model, Points, Text


class SubPoint(Model):
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9]{1,8}$")] = Field(alias="编号")
    text: Text = Field(alias="说明")
    condition: Text | None = Field(None, alias="条件")
    deduction: Points | None = Field(None, alias="扣分", gt=0)
    count: IndicatorName | None = Field(None, alias="件数")
    per_event: Points | None = Field(None, alias="每件扣分", gt=0)
    cap: Points | None = Field(None, alias="扣分上限")

    @model_validator(mode="after")
    def _one_form(self) -> "SubPoint":
        by_condition = self.condition is not None
        by_count = self.count is not None
        if by_condition == by_count:
            raise ValueError("子项应写“条件”+“扣分”，或“件数”+“每件扣分”，二者选一")
        if by_condition and (self.deduction is None or self.per_event is not None or self.cap is not None):
            raise ValueError("按条件的子项须有“扣分”，不写“每件扣分”“扣分上限”")
        if by_count and (self.per_event is None or self.deduction is not None):
            raise ValueError("按件数的子项须有“每件扣分”，不写“扣分”")
        return self


class SubPoints(ItemBase):
    method: Literal["分项扣分"] = Field(alias="计分方式")
    parts: list[SubPoint] = Field(alias="子项", min_length=1, max_length=30)


class SubPointsMethod(Method):
    name = "分项扣分"
    model = SubPoints

    def validate(self, item, loc, v):
        part_ids = [p.id for p in item.parts]
        if len(set(part_ids)) != len(part_ids):
            v.error(loc + ("子项",), "子项编号有重复")
        for k, part in enumerate(item.parts):
            ploc = loc + ("子项", k)
            if part.condition is not None:
                v.condition(f"{item.id}.{part.id}", part.condition, ploc + ("条件",))
                v.cap(part.deduction, item.points, ploc + ("扣分",), "扣分")
            else:
                v.indicator(part.count, ploc + ("件数",), ("次数",), "件数")
                v.cap(part.cap, item.points, ploc + ("扣分上限",))

    def checks(self, item, conditions):
        out = []
        for part in item.parts:
            rid = f"{item.id}.{part.id}"
            if part.condition is not None:
                out.append(condition_check(rid, item.id, conditions))
            else:
                out.append(Check(rid, item.id, gt_zero(part.count), frozenset({part.count})))
        return out

    def reads(self, item):
        return [p.count for p in item.parts if p.count], [item.id] + [f"{item.id}.{p.id}" for p in item.parts]

    def score(self, item, ctx):
        values = ctx.submission.values
        points = item.points
        total = ZERO
        reasons: list[str] = []
        for part in item.parts:
            if not ctx.holds(f"{item.id}.{part.id}"):
                continue
            if part.condition is not None:
                d = q(part.deduction)
                reasons.append(f"{part.text}：扣{n(d)}分")
            else:
                count = values[part.count]
                d = capped(count * part.per_event, cap_of(part.cap, points))
                unit = ctx.unit_of(part.count, "次")
                reasons.append(
                    f"{part.text}：{part.count} {n(count)}{unit}，每{unit}扣{n(part.per_event)}分，扣{n(d)}分"
                )
            total += d
        if total > points:
            reasons.append(f"合计以本项分值{n(points)}分为限")
        return Scored(min(total, q(points)), reasons)

    def limits(self, item):
        return [points_limit(item.points)]

    def label(self, item, rule_id):
        part = next(p for p in item.parts if f"{item.id}.{p.id}" == rule_id)
        return f"子项 {part.id}：{part.text}"


METHOD = SubPointsMethod()
