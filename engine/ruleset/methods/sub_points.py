"""分项扣分: sub-items adding up to the item (未成立领导小组扣0.5分；…). A sub-item takes the form of a
small item of another method — 条件扣分, 按件扣分, 少于目标扣分, 比率不足扣分 — each one line on the
sheet, or 酌情扣分: the assessor's part, pending until reviewed while the computed parts apply."""

from typing import Annotated, Any, Literal, Union

from pydantic import Field

from engine.ruleset.methods import conditional, count_shortfall, discretionary, per_event, rate_shortfall
from engine.ruleset.methods.base import ZERO, ItemBase, Method, Scored, n, points_limit, q
from engine.ruleset.scalars import Before

PARTS = {
    form.name: form
    for form in (m.PART for m in (conditional, per_event, count_shortfall, rate_shortfall, discretionary))
}


def _form(value: Any) -> Any:
    """A sub-item without 计分方式 is one of the two original forms: 条件+扣分, or 件数+每件扣分."""
    if not isinstance(value, dict) or "计分方式" in value:
        return value
    by_condition, by_count = "条件" in value, "件数" in value
    if by_condition == by_count:
        raise ValueError("子项应写“条件”+“扣分”，或“件数”+“每件扣分”，二者选一（其他形式写明“计分方式”）")
    if by_condition and ("扣分" not in value or "每件扣分" in value or "扣分上限" in value):
        raise ValueError("按条件的子项须有“扣分”，不写“每件扣分”“扣分上限”")
    if by_count and ("每件扣分" not in value or "扣分" in value):
        raise ValueError("按件数的子项须有“每件扣分”，不写“扣分”")
    return {**value, "计分方式": "条件扣分" if by_condition else "按件扣分"}


SubPoint = Annotated[
    Union[tuple(form.model for form in PARTS.values())],  # type: ignore[misc]
    Field(discriminator="method"),
    Before(_form),
]


class SubPoints(ItemBase):
    method: Literal["分项扣分"] = Field(alias="计分方式")
    parts: list[SubPoint] = Field(alias="子项", min_length=1, max_length=30)


def _rid(item: SubPoints, part: Any) -> str:
    return f"{item.id}.{part.id}"


class SubPointsMethod(Method):
    name = "分项扣分"
    model = SubPoints

    def validate(self, item, loc, v):
        part_ids = [p.id for p in item.parts]
        if len(set(part_ids)) != len(part_ids):
            v.error(loc + ("子项",), "子项编号有重复", "rules.duplicate-id")
        for k, part in enumerate(item.parts):
            PARTS[part.method].validate(part, _rid(item, part), loc + ("子项", k), item.points, v)

    def checks(self, item, conditions):
        out = []
        for part in item.parts:
            check = PARTS[part.method].check(part, _rid(item, part), item.id, conditions)
            if check is not None:
                out.append(check)
        return out

    def reads(self, item):
        names = [name for part in item.parts for name in PARTS[part.method].reads(part)]
        return names, [item.id] + [_rid(item, p) for p in item.parts]

    def score(self, item, ctx):
        points = item.points
        total = ZERO
        reasons: list[str] = []
        opened: list[tuple[Any, Any]] = []
        for part in item.parts:
            scored = PARTS[part.method].score(part, _rid(item, part), points, ctx)
            if scored.pending:
                opened.append((part, scored.open))
                continue
            reasons.extend(scored.reasons)
            total += scored.amount
        if total > points:
            reasons.append(f"各子项合计扣{n(total)}分，以本项分值{n(points)}分为限")
        d = min(total, q(points))
        if not opened:
            return Scored(d, reasons)
        what = "、".join(f"子项{p.id}：{p.text}" for p, _ in opened)
        room = min(sum((cap for _, cap in opened), ZERO), q(points) - d)
        if room <= 0:
            reasons.append(f"已扣满本项分值，酌情部分（{what}）无需复核")
            return Scored(d, reasons)
        done = f"已计算扣{n(d)}分" if d > 0 else "计算部分未扣分"
        reasons.append(f"{done}；另有酌情部分待复核（{what}），最多扣{n(room)}分")
        return Scored(d, reasons, pending=True, open=room)

    def quiet(self, item):
        return all(PARTS[part.method].quiet(part) for part in item.parts)

    def limits(self, item):
        return [points_limit(item.points)]

    def label(self, item, rule_id):
        part = next(p for p in item.parts if _rid(item, p) == rule_id)
        return PARTS[part.method].label(part)

    def open_parts(self, item):
        caps = {_rid(item, p): PARTS[p.method].open_cap(p, item.points) for p in item.parts}
        return {rid: cap for rid, cap in caps.items() if cap is not None}


METHOD = SubPointsMethod()
